"""Lists (集报清单) through the API and the operations: save, edit, items, declare checks, customs steps (C-8..C-14)."""
from __future__ import annotations

import shutil
import subprocess
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal import clock
from portal.collection import list_checks, lists
from portal.extensions import db
from portal.identity import Identity
from portal.models import CollectionFiling, ListHead, Product, Receipt, User
from rules.violations import RuleError
from scheduler.simulator import customs_tick
from tests.collection import builders_lists as b

NOW = "2026-06-10T09:00:00"


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def create(client, who, payload) -> str:
    response = client.post("/api/v1/lists", json=payload, headers=who.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["center_no"]


def declare(client, who, center_no):
    return client.post(f"/api/v1/lists/{center_no}/declare", headers=who.headers)


def rules_of(response) -> set[tuple[str, str]]:
    return {(v["rule"], v["field"]) for v in response.json["error"]["violations"]}


def test_c8_save_needs_only_list_type_and_customs(make, client):
    who = b.trader(make, client)
    response = client.post("/api/v1/lists", json={"list_type": "IMPORT_GENERAL", "customs_code": "5300"},
                           headers=who.headers)
    assert response.status_code == 201
    assert response.json["status"] == 1 and len(response.json["center_no"]) == 18
    missing = client.post("/api/v1/lists", json={"customs_code": "9999"}, headers=who.headers)
    assert missing.status_code == 422
    assert rules_of(missing) == {("C-8", "list_type"), ("C-8", "customs_code")}


def test_c10_c11_items_copy_filed_data_keep_reclassified_spec_and_round_total(make, client):
    who, _filing, volume = b.ready(make, client)
    items = [b.item(1, qty="3", price="3.335"), b.item(2, qty="1", price="10", spec="品牌:无|型号:B2")]
    center_no = create(client, who, b.body(volume.customs_volume_no, items))
    detail = client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json
    first, second = detail["items"]
    assert (first["hs_code"], first["name"], first["unit"], first["spec"]) == b.FISH
    assert first["total"] == "10.01"  # 3 × 3.335 = 10.005, half-up
    assert (second["hs_code"], second["spec"]) == (b.LAPTOP[0], "品牌:无|型号:B2")
    stored = db.session.scalars(select(ListHead).where(ListHead.center_no == center_no)).one()
    assert {i.enterprise_id for i in stored.items} == {who.enterprise.id}


def test_c14_valid_list_declares_and_reaches_cleared_through_the_simulator(make, client):
    who, filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    response = declare(client, who, center_no)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"status": 2}
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == center_no)).one()
    assert (str(head.declare_date), head.trade_mode, head.filing_id) == ("2026-06-10", "0110", filing.id)
    customs_tick(db.session, now="2026-06-10T09:02:00")
    assert client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json["status"] == 7
    customs_tick(db.session, now="2026-06-10T09:04:00")
    detail = client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json
    assert detail["status"] == 15
    assert [(r["from"], r["to"]) for r in detail["receipts"]] == [("1", "2"), ("2", "7"), ("7", "15")]


def test_c11_declare_reports_every_violation_together(make, client):
    who, _filing, volume = b.ready(make, client)
    payload = b.body(volume.customs_volume_no, [b.item(1, qty="0"), b.item(9)], gross_weight="100",
                     net_weight="100.5", packages=0)
    center_no = create(client, who, payload)
    response = declare(client, who, center_no)
    assert response.status_code == 422
    assert rules_of(response) >= {("C-11", "net_weight"), ("C-11", "packages"), ("C-11", "items[0].qty"),
                                  ("C-10", "items[1].filing_seq")}
    assert client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json["status"] == 1


def test_c11_unknown_currency_country_and_transport_mode(make, client):
    who, _filing, volume = b.ready(make, client)
    payload = b.body(volume.customs_volume_no, [b.item(1, currency="QQQ", country="ZZZ")], transport_mode="Q")
    response = declare(client, who, create(client, who, payload))
    assert rules_of(response) == {("C-11", "items[0].currency"), ("C-11", "items[0].country"),
                                  ("C-11", "transport_mode")}


def test_c10_unknown_or_disabled_filing_seq_and_unknown_filing_no(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no, [b.item(1), b.item(7)]))
    db.session.execute(update(Product).where(Product.volume_id == volume.id, Product.seq == 1).values(active=False))
    db.session.commit()
    assert rules_of(declare(client, who, center_no)) == {("C-10", "items[0].filing_seq"),
                                                         ("C-10", "items[1].filing_seq")}
    other = create(client, who, b.body("B20269999999"))
    assert rules_of(declare(client, who, other)) == {("C-10", "filing_no")}


def test_c10_volume_must_be_approved_and_belong_to_the_matching_filing(make, client):
    who, _filing, _volume = b.ready(make, client)
    other_filing = b.filing(who.enterprise, customs="5100")
    foreign = b.volume(other_filing)
    response = declare(client, who, create(client, who, b.body(foreign.customs_volume_no)))
    assert rules_of(response) == {("C-10", "filing_no")}


def test_c9_customs_without_approved_unexpired_filing(make, client):
    who, _filing, volume = b.ready(make, client)
    response = declare(client, who, create(client, who, b.body(volume.customs_volume_no, customs="5100")))
    assert ("C-9", "customs_code") in rules_of(response)
    db.session.execute(update(CollectionFiling).values(approval_valid_until=clock.today().replace(day=9)))
    db.session.commit()
    expired = declare(client, who, create(client, who, b.body(volume.customs_volume_no)))
    assert ("C-9", "customs_code") in rules_of(expired)
    assert "延期" in {v["rule"]: v["message"] for v in expired.json["error"]["violations"]}["C-9"]


def test_c3_draft_of_a_cancelled_filing_can_no_longer_be_declared(make, client):
    who, filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    from portal.collection.filings import cancel_filing
    cancel_filing(db.session, filing, "取消资质")
    db.session.commit()
    assert {"C-3", "C-9"} <= {rule for rule, _ in rules_of(declare(client, who, center_no))}


def test_c11_bonded_list_uses_the_book_and_the_trade_mode_table_default(make, client):
    who = b.trader(make, client)
    b.filing(who.enterprise, nature="BONDED")
    book = b.bonded_book(who.enterprise)
    center_no = create(client, who, b.body(book.book_no, list_type="IMPORT_BONDED"))
    assert declare(client, who, center_no).status_code == 200
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == center_no)).one()
    assert head.trade_mode == "0615"
    stranger = b.trader(make, client)
    b.filing(stranger.enterprise, nature="BONDED")
    response = declare(client, stranger, create(client, stranger, b.body(book.book_no, list_type="IMPORT_BONDED")))
    assert rules_of(response) == {("C-10", "filing_no")}


def test_c12_licence_needed_goods_of_licence_and_quantity_not_exceeded(make, client):
    who, _filing, volume = b.ready(make, client)
    b.licence(who.enterprise, quantity="100")
    no_licence = create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="60")]))
    assert rules_of(declare(client, who, no_licence)) == {("C-12", "items[0].filing_seq")}
    wrong_goods = create(client, who, b.body(volume.customs_volume_no, [b.item(1)], license_no="4:LIC-1"))
    assert rules_of(declare(client, who, wrong_goods)) == {("C-12", "items[0].filing_seq")}
    first = create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="60")], license_no="4:LIC-1"))
    assert declare(client, who, first).status_code == 200
    second = create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="40.0001")], license_no="4:LIC-1"))
    response = declare(client, who, second)
    assert rules_of(response) == {("C-12", "license_no")}
    assert "剩余 40" in response.json["error"]["violations"][0]["message"]
    exact = create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="40")], license_no="4:LIC-1"))
    assert declare(client, who, exact).status_code == 200


def test_c12_failed_and_returned_lists_do_not_use_the_licence(make, client):
    who, _filing, volume = b.ready(make, client)
    b.licence(who.enterprise, quantity="100")
    numbers = [create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="70")], license_no="4:LIC-1"))
               for _ in range(3)]
    assert declare(client, who, numbers[0]).status_code == 200
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == numbers[0])).one()
    lists.fail_list_receipt(db.session, head, "入库失败")
    db.session.commit()
    assert declare(client, who, numbers[1]).status_code == 200
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == numbers[1])).one()
    lists.return_list(db.session, head, "退单")
    db.session.commit()
    assert declare(client, who, numbers[2]).status_code == 200
    statuses = db.session.scalars(select(ListHead.status).where(ListHead.center_no.in_(numbers))
                                  .order_by(ListHead.id)).all()
    assert statuses == [3, 4, 2]


def test_c13_waterway_list_must_match_the_manifest(make, client):
    who, _filing, volume = b.ready(make, client)
    b.manifest()
    matching = create(client, who, b.body(volume.customs_volume_no, transport=b.VESSEL))
    assert declare(client, who, matching).status_code == 200
    wrong = create(client, who, b.body(volume.customs_volume_no, transport={**b.VESSEL, "packages": 11,
                                                                            "voyage_no": "V002"}))
    assert rules_of(declare(client, who, wrong)) == {("C-13", "packages"), ("C-13", "voyage_no")}
    unknown = create(client, who, b.body(volume.customs_volume_no, transport={**b.VESSEL, "bill_no": "NOPE"}))
    assert rules_of(declare(client, who, unknown)) == {("C-13", "bill_no")}


def test_c14_draft_edits_declared_list_is_read_only_but_copyable(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    edited = client.patch(f"/api/v1/lists/{center_no}", json={"packages": 5, "items": [b.item(2, qty="4")]},
                          headers=who.headers)
    assert edited.status_code == 200
    detail = client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json
    assert detail["packages"] == 5 and [i["hs_code"] for i in detail["items"]] == [b.LAPTOP[0]]
    assert declare(client, who, center_no).status_code == 200
    refused = client.patch(f"/api/v1/lists/{center_no}", json={"packages": 6}, headers=who.headers)
    assert refused.status_code == 409 and rules_of(refused) == {("C-14", "status")}
    assert client.delete(f"/api/v1/lists/{center_no}", headers=who.headers).status_code == 409
    assert declare(client, who, center_no).status_code == 409
    copy = client.post(f"/api/v1/lists/{center_no}/copy", headers=who.headers)
    assert copy.status_code == 201 and copy.json["status"] == 1
    copied = client.get(f"/api/v1/lists/{copy.json['center_no']}", headers=who.headers).json
    assert (copied["packages"], copied["declare_date"], len(copied["items"])) == (5, None, 1)
    assert client.delete(f"/api/v1/lists/{copy.json['center_no']}", headers=who.headers).status_code == 204


def test_c10_insert_and_delete_items_renumber(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no, [b.item(1), b.item(2)]))
    inserted = client.post(f"/api/v1/lists/{center_no}/items", json={"before": 1, "item": b.item(3)},
                           headers=who.headers)
    assert inserted.status_code == 201
    assert [(i["seq"], i["filing_seq"]) for i in inserted.json["items"]] == [(1, 3), (2, 1), (3, 2)]
    appended = client.post(f"/api/v1/lists/{center_no}/items", json={"item": b.item(1, qty="1")}, headers=who.headers)
    assert [i["filing_seq"] for i in appended.json["items"]] == [3, 1, 2, 1]
    deleted = client.delete(f"/api/v1/lists/{center_no}/items/2", headers=who.headers)
    assert [(i["seq"], i["filing_seq"]) for i in deleted.json["items"]] == [(1, 3), (2, 2), (3, 1)]
    missing = client.delete(f"/api/v1/lists/{center_no}/items/9", headers=who.headers)
    assert missing.status_code == 422 and rules_of(missing) == {("C-10", "seq")}


def test_c14_customs_receipt_failure_and_return_write_receipts(make, client):
    who, _filing, volume = b.ready(make, client)
    numbers = [create(client, who, b.body(volume.customs_volume_no)) for _ in range(2)]
    for number in numbers:
        assert declare(client, who, number).status_code == 200
    first, second = (db.session.scalars(select(ListHead).where(ListHead.center_no == n)).one() for n in numbers)
    lists.fail_list_receipt(db.session, first, "报文格式错误")
    lists.return_list(db.session, second, "单证不齐")
    db.session.commit()
    messages = db.session.scalars(select(Receipt.message).where(Receipt.record_type == "list_heads",
                                                                Receipt.source == "customs")).all()
    assert sorted(messages) == ["单证不齐", "报文格式错误"]
    with pytest.raises(RuleError) as refused:
        lists.accept_list(db.session, first)
    assert refused.value.status == 409


def test_list_query_filters_and_keyset_cursor(make, client):
    who, _filing, volume = b.ready(make, client)
    numbers = [create(client, who, b.body(volume.customs_volume_no)) for _ in range(3)]
    declare(client, who, numbers[0])
    page = client.get("/api/v1/lists?limit=2", headers=who.headers).json
    assert [i["center_no"] for i in page["items"]] == [numbers[2], numbers[1]]
    rest = client.get(f"/api/v1/lists?limit=2&cursor={page['next']}", headers=who.headers).json
    assert [i["center_no"] for i in rest["items"]] == [numbers[0]] and rest["next"] is None
    declared = client.get("/api/v1/lists?status=2&from=2026-06-10&to=2026-06-10", headers=who.headers).json
    assert [i["center_no"] for i in declared["items"]] == [numbers[0]]


def test_u5_account_token_is_refused_for_lists(make, client):
    who = b.trader(make, client)
    account = make.token(client, user=who.user)
    response = client.post("/api/v1/lists", json={"list_type": "IMPORT_GENERAL", "customs_code": "5300"},
                           headers=account)
    assert response.status_code == 403 and rules_of(response) == {("U-5", "login_mode")}
    assert client.get("/api/v1/lists", headers=account).status_code == 403


def test_another_enterprises_list_is_404(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    stranger = b.trader(make, client)
    for response in (client.get(f"/api/v1/lists/{center_no}", headers=stranger.headers),
                     client.post(f"/api/v1/lists/{center_no}/declare", headers=stranger.headers),
                     client.post(f"/api/v1/lists/{center_no}/copy", headers=stranger.headers),
                     client.patch(f"/api/v1/lists/{center_no}", json={"packages": 1}, headers=stranger.headers)):
        assert response.status_code == 404
    assert client.get("/api/v1/lists", headers=stranger.headers).json["items"] == []


def test_p3_list_prints_as_pdf_with_chinese_text(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    response = client.get(f"/api/v1/lists/{center_no}/print.pdf", headers=who.headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True).stdout.decode()
        assert "进口一般贸易集报清单" in text and center_no in text and "冻鱼" in text


def _declare_in_thread(app, user_id: int, center_no: str, outcome: dict) -> None:
    with app.app_context():
        try:
            with clock.frozen(NOW):
                user = db.session.get(User, user_id)
                identity = Identity(user=user, login_mode="card")
                lists.declare_list(db.session, identity, lists.find_list(db.session, identity, center_no))
                db.session.commit()
            outcome[center_no] = "declared"
        except RuleError as exc:
            db.session.rollback()
            outcome[center_no] = sorted({v.rule for v in exc.violations})
        finally:
            db.session.remove()


def test_c12_two_concurrent_declarations_against_one_licence_only_one_passes(app, make, client, monkeypatch):
    who, _filing, volume = b.ready(make, client)
    b.licence(who.enterprise, quantity="100")
    numbers = [create(client, who, b.body(volume.customs_volume_no, [b.item(3, qty="60")], license_no="4:LIC-1"))
               for _ in range(2)]
    db.session.commit()
    barrier = threading.Barrier(2)
    summed = list_checks.used_licence_quantity

    def meet_then_sum(*args, **kwargs):
        # Without the licence lock both threads would meet here and both see 0 used.
        try:
            barrier.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return summed(*args, **kwargs)

    monkeypatch.setattr(list_checks, "used_licence_quantity", meet_then_sum)
    outcome: dict = {}
    threads = [threading.Thread(target=_declare_in_thread, args=(app, who.user.id, n, outcome)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, outcome.values())) == ["['C-12']", "declared"]
    used = db.session.scalars(select(ListHead.status).where(ListHead.center_no.in_(numbers))).all()
    assert sorted(used) == [1, 2]
    assert Decimal("60") == list_checks.used_licence_quantity(db.session, "4:LIC-1", {b.STEEL[0]}, None)
