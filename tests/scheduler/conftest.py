"""Scheduler test helpers: submitted applications at a given time, simulator settings, receipts."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select, update

from portal import clock
from portal.extensions import db
from portal.identity import Identity
from portal.models import Application, CodeEntry, Receipt
from tests.rules import builders

T0 = "2026-03-02T09:00:00"


def _loaded_codes(block: dict) -> dict:
    """Replace each code the seed does not have with the first code of its table."""
    from rules.qualification_basic import ENTERPRISE_CODE_TABLES
    block = dict(block)
    for field, table in ENTERPRISE_CODE_TABLES.items():
        codes = db.session.scalars(select(CodeEntry.code).where(CodeEntry.table_name == table)
                                   .order_by(CodeEntry.code)).all()
        if codes and block.get(field) not in codes:
            block[field] = codes[0]
    return block


def body(**overrides) -> dict:
    """Return a complete IE filing body that passes every module Q rule."""
    values = {"type": "FILING", "qualification_types": ["IE"], "enterprise": _loaded_codes(builders.enterprise()),
              "management_personnel": [builders.manager("CUSTOMS"), builders.manager("FINANCE")],
              "declaration_personnel": [builders.declarant()]}
    values.update(overrides)
    return values


class SchedulerBuilder:
    """Builds scheduler scenarios on top of the shared `make` builder."""

    def __init__(self, make):
        self.make = make

    def submitted(self, at: str = T0, enterprise=None) -> Application:
        """File and submit an application through the module Q operations at time `at` (card login)."""
        from portal.qualification.operations import save_application, submit_application
        enterprise = enterprise or self.make.enterprise()
        user = self.make.user(enterprise)
        identity = Identity(user=user, login_mode="card", card=self.make.card(user))
        with clock.frozen(at):
            application = save_application(db.session, identity, body())
            submit_application(db.session, identity, application)
            db.session.commit()
        return application

    def pending(self, count: int, at: str = T0) -> list[int]:
        """Insert `count` applications declared at `at` with their messages in the outbox (bulk set-up)."""
        from portal.messaging import outbox
        from rules.lifecycles_qualification import SUBMIT_APPLICATION
        enterprise = self.make.enterprise()
        changed = clock.parse_now(at).replace(tzinfo=None)
        rows = [{"application_no": f"Q20260302{n:09d}", "application_type": "FILING", "status": SUBMIT_APPLICATION.target,
                 "enterprise_id": enterprise.id, "login_mode": "account", "qualification_types": "IE",
                 "commitment": False, "data": {}, "status_changed_at": changed, "created_at": changed,
                 "updated_at": changed, "version": 2} for n in range(1, count + 1)]
        db.session.execute(insert(Application), rows)
        applications = list(db.session.scalars(select(Application).where(Application.enterprise_id == enterprise.id)
                                               .order_by(Application.id)))
        with clock.frozen(at):
            for application in applications:
                outbox.enqueue(db.session, application, SUBMIT_APPLICATION)
        db.session.commit()
        return [application.id for application in applications]

    @staticmethod
    def settings(**values) -> None:
        """Store simulator settings and commit."""
        from scheduler.settings import update_setting
        for key, value in values.items():
            update_setting(db.session, key, value)
        db.session.commit()


def receipts(record_type: str, record_id: int, source: str | None = "customs") -> list[tuple[str, str]]:
    """Return the (from, to) statuses of a record's receipts in order."""
    query = select(Receipt).where(Receipt.record_type == record_type, Receipt.record_id == record_id)
    if source is not None:
        query = query.where(Receipt.source == source)
    return [(r.from_status, r.to_status) for r in db.session.scalars(query.order_by(Receipt.id))]


def at(text: str) -> datetime:
    """Return the aware China time for an ISO text."""
    return clock.parse_now(text)


@pytest.fixture
def sim(make):
    """Scenario builder for scheduler tests."""
    return SchedulerBuilder(make)


@pytest.fixture(autouse=True)
def _default_settings(request):
    """Restore the simulator settings after each test (the settings table survives the clean-up)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from portal.models import Setting
    from seed.load import DEFAULT_SETTINGS
    with app.app_context():
        for key, (value, _note) in DEFAULT_SETTINGS.items():
            db.session.execute(update(Setting).where(Setting.key == key).values(value=value))
        db.session.commit()
        db.session.remove()
