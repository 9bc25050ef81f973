"""系统: the audit log (X-3), receipts (Q-21), scheduler runs, lease, number sequences and settings."""
from __future__ import annotations

from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from wtforms.validators import ValidationError

from admin_views import readable, scheduler
from admin_views.base import ReadOnlyView, SecureModelView, violation_text
from admin_views.labels import AUDIT_ACTION_NAMES, JOB_OUTCOME_NAMES, LOGIN_MODE_NAMES, RECEIPT_SOURCE_NAMES, choices
from portal import models as m
from portal.extensions import db
from portal.i18n import status_name, translate
from rules.lifecycle import LIFECYCLES
from rules.violations import RuleError
from scheduler.settings import SETTING_NAMES, update_setting

CATEGORY = "系统"


def register_names() -> dict[str, str]:
    """Return table name → Chinese register name for every model."""
    return {mapper.class_.__tablename__: mapper.class_.__label__ or mapper.class_.__tablename__
            for mapper in db.Model.registry.mappers if getattr(mapper.class_, "__tablename__", None)}


class AuditLogAdmin(ReadOnlyView):
    """Who changed what (X-3): staff and auditors filter by user, register, record, action and time."""

    large_register = True
    column_list = ["at", "username", "login_mode", "ip", "table_name", "record_id", "action", "diff"]
    column_default_sort = ("at", True)
    column_searchable_list = ["username"]
    column_filters = ["username", "table_name", "record_id", "action", "at", "login_mode"]
    labels = {"username": "用户", "table_name": "登记簿", "record_id": "记录ID"}

    def __init__(self, model, **kwargs):
        self.column_choices = {"action": choices(AUDIT_ACTION_NAMES), "login_mode": choices(LOGIN_MODE_NAMES),
                               "table_name": [(table, lazy_gettext(name)) for table, name
                                              in sorted(register_names().items(), key=lambda item: item[0])]}
        super().__init__(model, **kwargs)

    # The diff in the register's words: field labels, status and code names, not raw JSON keys and codes.
    column_formatters = {"diff": lambda view, context, row, name: readable.diff_summary(row.table_name, row.diff)}
    column_formatters_detail = {"diff": lambda view, context, row, name: readable.diff_table(row.table_name, row.diff)}


def _receipt_status(view, context, receipt, name):
    """A receipt's status by name, from the lifecycle of the register it is about."""
    value = getattr(receipt, name)
    return status_name(receipt.record_type, value) if receipt.record_type in LIFECYCLES and value else (value or "")


class ReceiptAdmin(ReadOnlyView):
    large_register = True
    column_list = ["id", "at", "record_type", "record_id", "record_no", "enterprise_id", "from_status", "to_status",
                   "message", "source"]
    column_choices = {"source": choices(RECEIPT_SOURCE_NAMES)}
    column_formatters = {"from_status": _receipt_status, "to_status": _receipt_status,
                         "record_type": lambda view, context, receipt, name: translate(
                             register_names().get(receipt.record_type, receipt.record_type)),
                         "message": lambda view, context, receipt, name: translate(receipt.message)}
    column_searchable_list = ["record_no"]
    column_filters = ["record_type", "record_id", "record_no", "enterprise_id", "at", "to_status"]


class JobRunAdmin(ReadOnlyView):
    column_list = ["id", "job", "period", "started_at", "finished_at", "outcome", "counts", "message", "holder"]
    column_formatters = {
        "job": lambda view, context, run, name: translate(scheduler.job_labels().get(run.job, run.job)),
        "counts": lambda view, context, run, name: scheduler.counts_text(run.counts),
        "message": lambda view, context, run, name: translate(run.message or "")}
    column_default_sort = ("started_at", True)
    column_choices = {"outcome": choices(JOB_OUTCOME_NAMES)}
    column_filters = ["job", "outcome", "started_at"]


class SchedulerLeaseAdmin(ReadOnlyView):
    column_list = ["id", "name", "holder", "expires_at"]
    labels = {"name": "租约名称"}


class SigningKeyAdmin(ReadOnlyView):
    """The platform's own key pairs (issue 16): the card authority and the platform signing key. Public
    parts only; the encrypted private key is never listed, shown or exported."""

    column_list = ["id", "name", "serial", "public_key", "created_at"]
    column_details_list = ["id", "name", "serial", "public_key", "certificate", "created_at", "updated_at"]
    column_export_list = column_list
    column_exclude_list = ["private_key_enc"]
    labels = {"name": "密钥用途", "serial": "证书序列号", "public_key": "公钥", "certificate": "证书"}


class NumberSequenceAdmin(ReadOnlyView):
    column_list = ["id", "kind", "day", "value"]
    labels = {"kind": "编号种类", "value": "当前值"}


class SettingAdmin(SecureModelView):
    """Simulator settings; values are checked like on the scheduler page (S-2)."""

    allow_create = False
    allow_delete = False
    form_columns = ("value",)
    column_list = ["key", "value", "note", "updated_at"]
    column_default_sort = ("key", False)
    column_editable_list = ["value"]
    column_formatters = {
        "key": lambda view, context, setting, name: Markup(
            f"{escape(translate(SETTING_NAMES.get(setting.key, setting.key)))} <code>{escape(setting.key)}</code>"),
        "note": lambda view, context, setting, name: translate(setting.note or "")}

    def on_model_change(self, form, model, is_created):
        try:
            update_setting(db.session, model.key, model.value)
        except RuleError as exc:
            raise ValidationError(violation_text(exc.violations)) from exc


def add_views(admin) -> None:
    """Add the system registers."""
    for view, model in [(AuditLogAdmin, m.AuditLog), (ReceiptAdmin, m.Receipt), (JobRunAdmin, m.JobRun),
                        (SchedulerLeaseAdmin, m.SchedulerLease), (NumberSequenceAdmin, m.NumberSequence),
                        (SigningKeyAdmin, m.SigningKey),
                        (SettingAdmin, m.Setting)]:
        admin.add_view(view(model, category=CATEGORY))
