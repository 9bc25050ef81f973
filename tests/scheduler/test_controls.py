"""Staff controls: CLI commands and the admin page 调度与模拟 (S-1, S-2, S-3, S-5)."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.extensions import db
from portal.models import Application, JobRun, Setting
from tests.factories import csrf_token
from tests.scheduler.conftest import T0

PAGE = "/admin/scheduler/"


def _setting(key: str) -> str:
    return db.session.scalar(select(Setting.value).where(Setting.key == key).execution_options(populate_existing=True))


def test_customs_tick_command_runs_at_the_given_time_S_5(app, sim):
    application = sim.submitted(T0)
    runner = app.test_cli_runner()
    early = runner.invoke(args=["customs", "tick", "--now", "2026-03-02T09:00:30"])
    assert early.exit_code == 0, early.output
    assert json.loads(early.output)["moved"] == 0
    result = runner.invoke(args=["customs", "tick", "--now", "2026-03-02T09:01:00"])
    assert json.loads(result.output)["outcomes"] == {"applications:RECEIVED": 1}
    assert db.session.scalar(select(Application.status).where(Application.id == application.id)) == "RECEIVED"


def test_customs_set_validates_and_stores_settings_S_2(app, ctx):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["customs", "set", "receipt_failure_rate", "0.25"]).exit_code == 0
    assert _setting("receipt_failure_rate") == "0.25"
    refused = runner.invoke(args=["customs", "set", "receipt_failure_rate", "1.5"])
    assert refused.exit_code != 0 and "S-2" in refused.output
    assert runner.invoke(args=["customs", "set", "simulation_enabled", "off"]).exit_code == 0
    assert _setting("simulation_enabled") == "0"
    assert runner.invoke(args=["customs", "set", "no_such_key", "1"]).exit_code != 0


def test_admin_page_lets_staff_edit_settings_and_run_jobs_S_3(client, make, sim):
    staff = make.user(None, "staff")
    sim.pending(1)
    make.login(client, user=staff)
    page = client.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "receipt_failure_rate" in html and 'href="/admin/watch_list/"' in html
    token = csrf_token(client, PAGE)
    assert client.post(PAGE + "settings", data={"receipt_failure_rate": "0.3"}).status_code == 400  # no CSRF
    saved = client.post(PAGE + "settings", data={"csrf_token": token, "receipt_failure_rate": "0.3",
                                                 "delay_receive_seconds": "0"})
    assert saved.status_code == 302
    assert (_setting("receipt_failure_rate"), _setting("delay_receive_seconds")) == ("0.3", "0")
    bad = client.post(PAGE + "settings", data={"csrf_token": token, "delay_receive_seconds": "-5"},
                      follow_redirects=True)
    assert "S-2" in bad.get_data(as_text=True) and _setting("delay_receive_seconds") == "0"
    ran = client.post(PAGE + "run/customs_tick", data={"csrf_token": token}, follow_redirects=True)
    assert ran.status_code == 200
    assert db.session.scalar(select(JobRun.outcome).where(JobRun.job == "customs_tick")) == "DONE"
    assert client.post(PAGE + "run/expiry_sweep", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(JobRun.outcome).where(JobRun.job == "expiry_sweep")) == "DONE"


def test_admin_page_is_read_only_for_auditors_S_3(client, make):
    auditor = make.user(None, "auditor")
    make.login(client, user=auditor)
    page = client.get(PAGE)
    assert page.status_code == 200 and "保存设置" not in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/")
    assert client.post(PAGE + "settings", data={"csrf_token": token, "simulation_enabled": "0"}).status_code == 403
    assert client.post(PAGE + "run/month_end", data={"csrf_token": token}).status_code == 403


def test_admin_page_is_closed_to_enterprise_users_S_3(client, make):
    make.login(client, user=make.user(make.enterprise()))
    assert client.get(PAGE).status_code == 403


def _now_iso() -> str:
    from portal import clock
    return clock.now().isoformat(timespec="seconds")


def test_run_customs_now_on_the_admin_home_approves_a_filing_just_submitted_S_3(client, make, sim):
    from tests.scheduler.conftest import receipts
    application = sim.submitted(_now_iso())  # default delays: 60 s, 1 h, 24 h — a plain tick moves nothing
    staff = make.user(None, "staff")
    make.login(client, user=staff)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="customs-now-button"' in home and "立即运行模拟海关（不等延迟）" in home
    token = csrf_token(client, "/admin/")
    client.post(PAGE + "run/customs_tick", data={"csrf_token": token})
    assert db.session.scalar(select(Application.status).where(Application.id == application.id)
                             .execution_options(populate_existing=True)) == "SUBMITTED"

    done = client.post(PAGE + "advance", data={"csrf_token": token, "next": "home"})

    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")
    assert db.session.scalar(select(Application.status).where(Application.id == application.id)
                             .execution_options(populate_existing=True)) == "APPROVED"
    assert receipts("applications", application.id) == [
        ("SUBMITTED", "RECEIVED"), ("RECEIVED", "UNDER_REVIEW"), ("UNDER_REVIEW", "APPROVED")]
    flashed = client.get("/admin/").get_data(as_text=True)
    assert "立即运行模拟海关：处理 3 条" in flashed
    run = db.session.scalar(select(JobRun).where(JobRun.job == "customs_tick"))
    assert run.outcome == "DONE" and run.counts["moved"] == 3


def test_run_customs_now_is_on_the_scheduler_page_and_respects_the_switch_S_2(client, make, sim):
    application = sim.submitted(_now_iso())
    sim.settings(simulation_enabled="0")
    make.login(client, user=make.user(None, "staff"))
    assert 'id="customs-now-button"' in client.get(PAGE).get_data(as_text=True)
    done = client.post(PAGE + "advance", data={"csrf_token": csrf_token(client, PAGE), "next": "scheduler"},
                       follow_redirects=True)
    assert "模拟海关已关闭" in done.get_data(as_text=True)
    assert db.session.scalar(select(Application.status).where(Application.id == application.id)) == "SUBMITTED"


def test_run_customs_now_is_refused_to_auditors_S_3(client, make):
    make.login(client, user=make.user(None, "auditor"))
    assert 'id="customs-now-button"' not in client.get("/admin/").get_data(as_text=True)
    assert client.post(PAGE + "advance", data={"csrf_token": csrf_token(client, "/admin/")}).status_code == 403
