"""The lifecycle tables (rules/lifecycle.py) are the one place where statuses and moves live (STYLE 11).

These tests fail when a status name is written anywhere else in the source, when a status is assigned
outside transition(), when a label source disagrees with the table, and when transition() makes a move
the table does not hold.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, ListHead, Receipt
from portal.transitions import OPERATIONS, transition
from rules.lifecycle import LIFECYCLES, STATUS_TABLES, Actor, Move, all_moves, lifecycle_of
from rules.lifecycles_collection import ACCEPT_LIST, APPROVE_FILING, CLEAR_LIST, RETURN_LIST
from rules.violations import RuleError

ROOT = Path(__file__).resolve().parents[1]
CODE = ("portal", "admin_views", "rules", "scheduler", "seed")
NAMES = {s.zh for lc in STATUS_TABLES.values() for s in lc.statuses} | \
        {s.en for lc in STATUS_TABLES.values() for s in lc.statuses}
# Words that are also status names but name something else here (a button, a card, a job, a filter).
OTHER_MEANINGS = {
    ("admin_views/labels.py", "失败"),                          # job run outcome
    ("portal/templates/collection/list_form.html", "暂存"),     # the save button
    ("portal/templates/collection/filing_form.html", "暂存"),
    ("portal/templates/collection/change_form.html", "暂存"),
    ("portal/templates/enterprise/application_form.html", "暂存"),
    ("portal/templates/enterprise/_actions.html", "暂存"),
    ("portal/templates/collection/declarations.html", "已结关"),  # the cleared / not cleared filter
    ("portal/templates/admin/portal_index.html", "待处理"),      # the work-queue column
    ("portal/templates/auth/operators.html", "已注销"),          # a card
    ("portal/templates/pdf/collection_filing.html", "有效"),     # a filed product
    ("portal/collection_pages/filings.py", "有效"),              # a filed product's active flag in the print
}


def _python_files():
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not path.name.startswith("lifecycle") and "migrations" not in path.parts:
                yield path


def _status_name_literals():
    """Yield (file, line, text) of every string literal in code and templates that is a status name."""
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in NAMES and id(node) not in in_fstrings:
                yield str(path.relative_to(ROOT)), node.lineno, node.value
    for path in sorted((ROOT / "portal" / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""['"]([^'"\n]{1,40})['"]|>\s*([^<>{}\n]{1,40}?)\s*<""", text):
            value = match.group(1) or match.group(2)
            if value in NAMES:
                yield str(path.relative_to(ROOT)), text[:match.start()].count("\n") + 1, value


def test_no_status_name_is_written_outside_the_lifecycle_tables():
    found = [hit for hit in _status_name_literals() if (hit[0], hit[2]) not in OTHER_MEANINGS]
    assert found == [], "status names belong in rules/lifecycle*.py; read them with status_name()"


def test_no_status_is_assigned_and_no_move_is_listed_outside_the_tables():
    assignment = re.compile(r"\.status\s*=[^=]|allowed_from\s*=|values\(.*\bstatus\s*=\s*['\"\d]")
    found = []
    for path in _python_files():
        if path.parts[-2] == "rules" or path.name in ("transitions.py",):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if assignment.search(code) and "self.status = status" not in code:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_every_label_source_names_statuses_as_the_table_does(app, monkeypatch):
    from admin_views.labels import status_choices
    from portal import i18n
    for register, lifecycle in LIFECYCLES.items():
        with app.test_request_context("/"):
            assert [(code, str(label)) for code, label in status_choices(register)] == \
                [(s.code, s.zh) for s in lifecycle.statuses]
            assert dict(i18n.status_names(register)) == lifecycle.names()
    monkeypatch.setattr(i18n, "is_english", lambda: True)
    for register, lifecycle in LIFECYCLES.items():
        assert dict(i18n.status_names(register)) == lifecycle.names("en")
        assert i18n.status_name(register, lifecycle.codes[0]) == lifecycle.statuses[0].en


def test_every_admin_status_column_is_named_by_its_lifecycle_table(app):
    checked = 0
    with app.test_request_context("/"):
        for view in app.extensions["admin"][0]._views:
            model = getattr(view, "model", None)
            register = getattr(model, "__tablename__", None)
            if register not in LIFECYCLES:
                continue
            choices = dict((view.column_choices or {}).get("status", ()))
            assert {code: str(label) for code, label in choices.items()} == lifecycle_of(register).names(), register
            checked += 1
    assert checked >= len(LIFECYCLES)


def test_model_status_constraints_are_the_table_codes():
    from portal.models.base import Model
    for mapper in Model.registry.mappers:
        table = mapper.class_.__table__
        if table.name in LIFECYCLES:
            checks = [str(c.sqltext) for c in table.constraints if getattr(c, "name", "") and "status" in c.name]
            assert checks, table.name
            for code in lifecycle_of(table.name).codes:
                assert any(f"'{code}'" in text or str(code) in text for text in checks), (table.name, code)


def test_every_decision_and_simulated_move_has_an_operation():
    for move in all_moves():
        if move.simulate or (not move.effect and move.allows(Actor.STAFF) and not move.allows(Actor.ENTERPRISE)):
            assert move in OPERATIONS, move


def test_transition_refuses_a_move_not_in_the_table_and_changes_nothing_C14(ctx, make):
    from tests.collection import builders_aggregation as agg
    enterprise = make.enterprise(registration_code="4403990001")
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    stray = Move("list_heads", "jump_list", (2,), 15, frozenset({Actor.CUSTOMS}), "C-14", "直接结关")
    before = (db.session.scalar(select(func.count()).select_from(Receipt)),
              db.session.scalar(select(func.count()).select_from(AuditLog)))
    for move, why in [(stray, "not in the table"), (CLEAR_LIST, "not from status 2"),
                      (APPROVE_FILING, "another register's move")]:
        with pytest.raises(RuleError) as refused:
            transition(db.session, head, move, source="customs")
        assert refused.value.status == 409, why
        assert [v.rule for v in refused.value.violations] in (["C-14"], ["C-3"]), why
    with pytest.raises(RuleError) as refused:     # the table names customs, not the enterprise
        transition(db.session, head, ACCEPT_LIST, source="enterprise")
    assert refused.value.status == 409 and refused.value.violations[0].rule == "C-14"
    with pytest.raises(RuleError) as refused:     # 退单 needs an opinion (S-3)
        transition(db.session, head, RETURN_LIST, source="staff")
    assert refused.value.status == 422 and refused.value.violations[0].rule == "S-3"
    db.session.rollback()
    assert db.session.get(ListHead, head.id).status == 2
    assert (db.session.scalar(select(func.count()).select_from(Receipt)),
            db.session.scalar(select(func.count()).select_from(AuditLog))) == before


def test_transition_records_who_made_which_move_C14(ctx, make):
    from tests.collection import builders_aggregation as agg
    enterprise = make.enterprise(registration_code="4403990001")
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    transition(db.session, head, ACCEPT_LIST, source="staff")
    db.session.commit()
    receipt = db.session.scalars(select(Receipt).where(Receipt.record_type == "list_heads",
                                                       Receipt.record_id == head.id)).one()
    assert (receipt.to_status, receipt.source, receipt.message) == ("7", "staff", "海关审批通过")
    entry = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_heads",
                                                      AuditLog.record_id == head.id,
                                                      AuditLog.action == "status")).one()
    assert entry.diff["move"] == [None, "accept_list:staff"] and entry.diff["status"] == [2, 7]
