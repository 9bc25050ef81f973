"""The rules' code tables are cached per process and reloaded when they change, in any process (Q-9)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from portal import clock
from portal.extensions import db
from portal.models import CodeEntry
from portal.qualification import state
from tests.qualification.conftest import create, filing_body, rules_of, submit

CODES = CodeEntry.__table__


def set_active(table: str, code: str, active: bool) -> None:
    """Change a code entry the way another process would: a committed write this process did not flush."""
    db.session.execute(update(CODES).where(CODES.c.table_name == table, CODES.c.code == code)
                       .values(active=active, updated_at=clock.now_naive()))
    db.session.commit()


@pytest.fixture
def restore_codes(app):
    yield
    with app.app_context():
        db.session.execute(update(CODES).where(CODES.c.table_name.in_(("customs", "countries")))
                           .values(active=True))
        db.session.commit()
        db.session.remove()
    state.forget_code_tables()


def test_code_tables_are_read_once_while_unchanged(ctx, monkeypatch):
    loads = []
    real = state._load_code_tables
    monkeypatch.setattr(state, "_load_code_tables", lambda session: loads.append(1) or real(session))
    state.forget_code_tables()

    first = state.reference_data(db.session)
    second = state.reference_data(db.session)

    assert len(loads) == 1 and first.codes is second.codes
    assert "5300" in first.codes["customs"]
    with pytest.raises(TypeError):
        first.region_province["440304"] = "xx"  # shared between requests: read-only


def test_a_code_deactivated_by_another_process_is_refused_on_the_next_submit_Q9(client, filer, other_filer,
                                                                                     restore_codes):
    first = create(client, filer.card_login, filing_body())
    assert submit(client, filer.card_login, first).status_code == 200  # checked with customs 5300 active
    second = create(client, other_filer.card_login, filing_body())
    set_active("customs", "5300", False)

    response = submit(client, other_filer.card_login, second)

    assert response.status_code == 422
    assert "Q-9" in rules_of(response)
    assert any(v["field"].endswith("customs_code") for v in response.json["error"]["violations"])


def test_two_edits_at_the_same_frozen_instant_are_both_seen_Q9(ctx, restore_codes):
    clock.set_fixed_now(clock.parse_now("2026-12-07T10:00:00"))
    state.forget_code_tables()
    set_active("countries", "AUS", False)
    assert "AUS" not in state.reference_data(db.session).codes["countries"]

    set_active("countries", "AUS", True)
    set_active("countries", "NZL", False)  # same count, same max(updated_at): told apart by the active ids

    codes = state.reference_data(db.session).codes["countries"]
    assert "AUS" in codes and "NZL" not in codes
