"""调度与模拟: simulator settings, recent job runs and run-now buttons (S-1, S-2, S-3).

"Run customs now" (`advance`, also on the admin home) decides everything waiting for customs at
once, without the configured delays, so staff and demos need not wait.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from markupsafe import Markup, escape

from admin_views import readable
from admin_views.base import SecureModelView
from admin_views.labels import JOB_OUTCOME_NAMES
from portal.extensions import db
from portal.identity import current_identity as _identity
from rules.violations import RuleError
from scheduler import jobs, runs
from scheduler.settings import SETTING_NAMES, load_settings, simulator_keys, update_setting

TICK = "customs_tick"
# What a run's counts count, in the words of the runs table (unknown keys show as they are).
COUNT_NAMES = {"moved": "推进", "skipped": "跳过", "refused": "未通过", "passes": "轮次", "expired": "到期资质",
               "requests_created": "新建汇总申请", "lists_selected": "选中清单", "requests": "汇总申请",
               "lists": "清单", "items": "商品项", "declarations": "报关单", "declaration_items": "报关单商品项",
               "flagged": "标记逾期清单", "result": "结果"}


def job_labels() -> dict[str, str]:
    labels = {TICK: "模拟海关处理一次"}
    labels.update({name: job.label for name, job in jobs.PERIODIC_JOBS.items()})
    return labels


def _summary(result: dict) -> str:
    if "moved" in result:
        return _("处理 %(moved)s 条，跳过 %(skipped)s 条，未通过 %(refused)s 条", moved=result["moved"],
                 skipped=result["skipped"], refused=result["refused"])
    return " ".join(str(part) for part in (result.get("period"), result.get("outcome"), result.get("message"))
                    if part)


class SchedulerView(BaseView):
    """Staff edit the simulator and run jobs now; auditors only read."""

    is_accessible = SecureModelView.is_accessible
    inaccessible_callback = SecureModelView.inaccessible_callback

    def _require_staff(self) -> None:
        identity = _identity()
        if identity is None or not identity.is_staff:
            abort(403)

    @expose("/")
    def index(self):
        try:
            watch_list_url = url_for("watch_list.index_view")
        except BuildError:
            watch_list_url = None
        identity = _identity()
        return self.render("admin/scheduler.html", settings=load_settings(db.session), keys=simulator_keys(),
                           setting_names=SETTING_NAMES,
                           notes=_setting_notes(), runs=runs.recent_runs(db.session, 50), job_labels=job_labels(),
                           watch_list_url=watch_list_url, can_edit=identity is not None and identity.is_staff)

    @expose("/settings", methods=("POST",))
    def save_settings(self):
        self._require_staff()
        errors = []
        for key in simulator_keys():
            if key in request.form:
                try:
                    update_setting(db.session, key, request.form[key])
                except RuleError as exc:
                    errors.extend(f"{v.message}（{v.rule}）" for v in exc.violations)
        if errors:
            db.session.rollback()
            flash("；".join(errors), "error")
        else:
            db.session.commit()
            flash(_("模拟设置已保存，下一次处理起生效"), "success")
        return redirect(url_for(".index"))

    @expose("/advance", methods=("POST",))
    def advance(self):
        self._require_staff()
        result = jobs.advance(db.session)
        if result.get("outcome") == runs.FAILED:
            flash(_("立即运行模拟海关失败：%(message)s", message=result.get("message")), "error")
        elif not result.get("enabled"):
            flash(_("模拟海关已关闭（simulation_enabled = 0），没有处理任何记录；请在调度与模拟中打开。"), "warning")
        else:
            made = (result.get("aggregations") or {}).get("declarations", 0)
            flash(_("立即运行模拟海关：%(summary)s；汇总申请生成报关单 %(made)s 份。", summary=_summary(result), made=made),
                  "success")
        back = url_for("admin.index") if request.form.get("next") == "home" else url_for(".index")
        return redirect(back)

    @expose("/run/<job>", methods=("POST",))
    def run_now(self, job):
        self._require_staff()
        if job == TICK:
            result = jobs.tick(db.session)
        elif job in jobs.PERIODIC_JOBS:
            result = jobs.run_periodic(db.session, job)
        else:
            abort(404)
        category = "error" if result.get("outcome") == runs.FAILED else "success"
        flash(f"{job_labels()[job]}：{_summary(result)}", category)
        return redirect(url_for(".index"))


def counts_text(counts) -> Markup:
    """A run's counts as "推进 2 · 集报清单 → 已结关 1": names instead of keys, status names instead of codes."""
    if not isinstance(counts, dict):
        return Markup("")
    parts = []
    for key, count in counts.items():
        if key == "outcomes" and isinstance(count, dict):
            for outcome, number in count.items():
                table, _sep, status = outcome.partition(":")
                view = readable.view_of(table)
                register = str(view.name) if view is not None else table
                parts.append(f"{escape(register)} → {escape(readable.value_text(view, 'status', status)[0])} {number}")
        elif isinstance(count, (int, float)) and not isinstance(count, bool) and (count or key == "moved"):
            parts.append(f"{escape(_(COUNT_NAMES[key]) if key in COUNT_NAMES else key)} {count}")
    return Markup(" · ".join(parts))


def outcome_name(outcome: str) -> str:
    """Return a run's outcome by name (成功, 失败 …) in the page's language."""
    return _(JOB_OUTCOME_NAMES[outcome]) if outcome in JOB_OUTCOME_NAMES else outcome


def init_app(app) -> None:
    """Let the admin templates show runs by name (home page and 调度与模拟)."""
    app.jinja_env.filters["job_counts"] = counts_text
    app.jinja_env.filters["job_outcome"] = outcome_name


def _setting_notes() -> dict[str, str]:
    from seed.load import DEFAULT_SETTINGS
    return {key: note for key, (_value, note) in DEFAULT_SETTINGS.items()}


def add_view(admin) -> None:
    """Add the scheduler page to the admin (system category)."""
    admin.add_view(SchedulerView(name="调度与模拟", category="系统", endpoint="scheduler"))
