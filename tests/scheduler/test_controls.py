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
