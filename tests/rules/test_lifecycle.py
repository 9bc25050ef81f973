"""The lifecycle tables (rules/lifecycle.py): statuses, moves and edit rights as SPEC gives them."""
import pytest

from rules import lifecycle as lc
from rules.lifecycle import LIFECYCLES, Actor, lifecycle_of, move_violations, opinion_violations

REGISTERS = ("applications", "qualifications", "certificates", "collection_filings", "product_volumes",
             "filing_requests", "list_heads", "change_requests", "aggregation_requests", "declarations")


def test_every_register_with_a_status_has_a_lifecycle():
    assert tuple(LIFECYCLES) == REGISTERS
    with pytest.raises(KeyError):
        lifecycle_of("enterprises")


@pytest.mark.parametrize("register,code,zh,en", [
    ("applications", "DRAFT", "暂存", "Draft"),
    ("applications", "RECEIVED", "海关入库成功，请等待审核", "Received by customs; awaiting review"),
    ("applications", "NOT_ACCEPTED", "海关不予受理", "Not accepted by customs"),
    ("applications", "REJECTED", "审批不通过", "Not approved"),
    ("collection_filings", "APPROVED", "海关审批通过", "Approved by customs"),
    ("collection_filings", "RECEIPT_FAILED", "接受失败", "Receipt failed"),
    ("collection_filings", "CANCELLED", "取消资质", "Qualification cancelled"),
    ("product_volumes", "ENTERED", "暂存", "Draft"),
    ("product_volumes", "WAITING", "待发送", "Waiting to send"),
    ("list_heads", 7, "海关审批通过", "Approved by customs"),
    ("list_heads", 16, "已撤销", "Revoked"),
    ("change_requests", "APPROVED", "海关审批通过", "Approved by customs"),
    ("declarations", "INSPECTION", "查验", "Inspection"),
])
def test_status_names_are_spec_names(register, code, zh, en):
    lifecycle = lifecycle_of(register)
    assert lifecycle.status_name(code) == zh
    assert lifecycle.status_name(code, "en") == en


def test_c14_list_status_numbers_are_fixed():
    assert lifecycle_of("list_heads").codes == (1, 2, 3, 4, 7, 9, 10, 11, 12, 13, 15, 16)
    assert lifecycle_of("list_heads").status_name("7") == "海关审批通过"   # a number given as text
    assert lifecycle_of("list_heads").status_name(99) == "99"


@pytest.mark.parametrize("current,move,actor,ok", [
    ("DRAFT", lifecycle_of("applications").move("submit_application"), Actor.ENTERPRISE, True),
    ("RECEIPT_FAILED", lifecycle_of("applications").move("submit_application"), Actor.AGENT, True),
    ("SUBMITTED", lifecycle_of("applications").move("receive_application"), Actor.CUSTOMS, True),
    ("SUBMITTED", lifecycle_of("applications").move("receive_application"), Actor.STAFF, True),     # staff as customs (S-3)
    ("SUBMITTED", lifecycle_of("applications").move("receive_application"), Actor.ENTERPRISE, False),
    ("DRAFT", lifecycle_of("applications").move("approve_application"), Actor.CUSTOMS, False),
    ("RECEIVED", lifecycle_of("applications").move("approve_application"), Actor.CUSTOMS, False),
    ("UNDER_REVIEW", lifecycle_of("applications").move("approve_application"), Actor.CUSTOMS, True),
])
def test_q19_moves_and_actors(current, move, actor, ok):
    found = move_violations(move, current, actor)
    assert (found == []) is ok
    assert all(v.rule == "Q-19" for v in found)


def test_q19_every_application_move_of_spec_and_no_other():
    pairs = {(s, m.target) for m in lifecycle_of("applications").moves for s in m.sources}
    assert pairs == {("DRAFT", "SUBMITTED"), ("SUBMITTED", "RECEIVED"), ("SUBMITTED", "RECEIPT_FAILED"),
                     ("RECEIPT_FAILED", "SUBMITTED"), ("RECEIVED", "NOT_ACCEPTED"), ("RECEIVED", "UNDER_REVIEW"),
                     ("UNDER_REVIEW", "APPROVED"), ("UNDER_REVIEW", "REJECTED")}


def test_c14_list_moves_2_7_15():
    lists = lifecycle_of("list_heads")
    assert {m.target for m in lists.moves_from(2)} == {7, 3, 4}
    assert [m.name for m in lists.moves_from(7)] == ["clear_list", "approve_change_request"]
    assert lists.moves_from(13) == ()


@pytest.mark.parametrize("register,status,actor,editable", [
    ("applications", "DRAFT", Actor.ENTERPRISE, True),
    ("applications", "SUBMITTED", Actor.ENTERPRISE, False),
    ("applications", "APPROVED", Actor.STAFF, False),
    ("list_heads", 1, Actor.STAFF, True),
    ("list_heads", 13, Actor.STAFF, False),
    ("list_heads", "1", Actor.ENTERPRISE, True),
    ("collection_filings", "REFUSED", Actor.ENTERPRISE, True),
    ("collection_filings", "APPROVED", Actor.STAFF, False),
    ("product_volumes", "REFUSED", Actor.ENTERPRISE, False),
    ("qualifications", "VALID", Actor.STAFF, False),
    ("declarations", "DRAFT", Actor.STAFF, False),
])
def test_c14_q20_editable_statuses(register, status, actor, editable):
    assert lifecycle_of(register).editable(status, actor) is editable


@pytest.mark.parametrize("register,deletable", [
    ("collection_filings", ("ENTERED", "RECEIPT_FAILED", "REFUSED", "CANCELLED")),   # C-3
    ("product_volumes", ("ENTERED", "RECEIPT_FAILED", "REFUSED", "CANCELLED")),      # C-4 as C-3
    ("list_heads", (1,)),                                                            # C-14
    ("applications", ("DRAFT",)),
    ("declarations", ()),
])
def test_c3_deletable_statuses(register, deletable):
    assert lifecycle_of(register).deletable_statuses(Actor.ENTERPRISE) == deletable


@pytest.mark.parametrize("register,name", [
    ("collection_filings", "cancel_filing"), ("collection_filings", "refuse_filing"),
    ("applications", "not_accept_application"), ("applications", "reject_application"),
    ("list_heads", "return_list"), ("change_requests", "reject_change_request"),
    ("product_volumes", "refuse_volume"), ("filing_requests", "refuse_filing_request"),
    ("declarations", "refuse_declaration"),
])
def test_s3_refusing_and_destroying_decisions_need_an_opinion(register, name):
    move = lifecycle_of(register).move(name)
    assert move.opinion and move.confirm
    assert [v.rule for v in opinion_violations(move, "  ")] == ["S-3"]
    assert opinion_violations(move, "资料不全") == []


def test_s3_plain_decisions_need_no_opinion():
    assert opinion_violations(lifecycle_of("applications").move("approve_application"), "") == []
    assert [v.rule for v in opinion_violations(lifecycle_of("applications").move("approve_application"), "x" * 1001)] == ["S-3"]


def test_c3_cancel_filing_is_a_staff_decision_only():
    cancel = lifecycle_of("collection_filings").move("cancel_filing")
    assert cancel.allows(Actor.STAFF) and not cancel.allows(Actor.CUSTOMS)
    assert cancel in lifecycle_of("collection_filings").decisions_from("APPROVED", Actor.STAFF)


def test_effects_are_never_offered_as_decisions():
    for lifecycle in LIFECYCLES.values():
        for status in lifecycle.codes:
            assert not any(m.effect for m in lifecycle.decisions_from(status))


def test_s2_every_simulated_move_has_a_delay_and_a_customs_actor():
    for move in lc.all_moves():
        if move.simulate:
            assert move.delay and move.allows(Actor.CUSTOMS), move
            assert move.simulate in (lc.ACT, lc.FAIL, lc.REJECT)


def test_a_table_with_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        lc.Lifecycle("x", "x", "X-0", (lc.Status("A", "甲", "A"),),
                     (lc.Move("x", "go", ("A",), "B", frozenset({Actor.STAFF}), "X-0", "去"),))


def test_a_move_of_another_table_is_refused():
    foreign = lc.Move("applications", "submit_application", ("DRAFT",), "SUBMITTED",
                      frozenset({Actor.ENTERPRISE}), "Q-19", "申报")
    assert [v.rule for v in move_violations(foreign, "DRAFT")] == ["Q-19"]
