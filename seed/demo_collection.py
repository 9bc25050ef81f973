"""Demo records of module C (集中申报): a filing, a volume, lists, an aggregation and reference data.

Created through the same operations as real users and customs (idempotent: nothing is done when
the enterprise already has a collection filing).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.collection import aggregation, change_requests, filings, lists, volumes
from portal.models import BondedBook, BondedBookItem, CollectionFiling, Licence, LicenceGood, Manifest

PRODUCTS = [
    {"hs_code": "0303890000", "name": "冻鱼", "spec": "品名:冻鱼|规格:整条", "unit": "035"},
    {"hs_code": "8471300000", "name": "笔记本电脑", "spec": "品牌:无|型号:A1", "unit": "001"},
    {"hs_code": "7208100000", "name": "热轧钢板", "spec": "材质:Q235", "unit": "035"},
    {"hs_code": "6109100000", "name": "棉制针织T恤衫", "spec": "品牌:无|成分:100%棉", "unit": "011"},
    {"hs_code": "9403609990", "name": "木制家具", "spec": "品牌:无|材质:实木", "unit": "007"},
]
ROAD = {"transport_mode": "4", "packages": 3, "gross_weight": "120.5", "net_weight": "100"}


def _item(seq: int, qty: str, price: str) -> dict:
    return {"filing_seq": seq, "qty": qty, "unit_price": price, "currency": "USD", "country": "USA"}


def _references(session, enterprise) -> None:
    """Licence, manifest and bonded book rows (reference data, written directly)."""
    licence = Licence(license_code="4", license_no="DEMO-LIC-0001", enterprise_id=enterprise.id,
                      quantity=Decimal("1000"))
    session.add(licence)
    session.flush()
    session.add(LicenceGood(licence_id=licence.id, hs_code="7208100000"))
    session.add(Manifest(bill_no="DEMOCOSU0000001", vessel_name="COSCO STAR", voyage_no="V001", packages=10,
                         gross_weight=Decimal("1000"), net_weight=Decimal("900")))
    book = BondedBook(book_no="E530000000D1", enterprise_id=enterprise.id)
    session.add(book)
    session.flush()
    for seq, product in enumerate(PRODUCTS[:2], 1):
        session.add(BondedBookItem(book_id=book.id, seq=seq, **product))
    session.flush()


def load_collection_demo(session, identity, enterprises) -> None:
    """Seed module C registers for the importer/exporter `identity` (card login of enterprises['huanan'])."""
    enterprise = enterprises["huanan"]
    if session.scalar(select(CollectionFiling.id).where(CollectionFiling.enterprise_id == enterprise.id).limit(1)):
        return
    _references(session, enterprise)

    filing = filings.save_filing(session, identity, {"customs_code": "5300", "goods_nature": "GENERAL"})
    filings.declare_filing(session, identity, filing)
    filings.approve_filing(session, filing)

    (volume,) = volumes.add_products(session, identity, filing, PRODUCTS)
    volumes.declare_volume(session, identity, volume)
    volumes.approve_volume(session, volume)
    filing_no = volume.customs_volume_no

    def body(items):
        return {"list_type": "IMPORT_GENERAL", "customs_code": "5300", "filing_no": filing_no, **ROAD,
                "items": items}

    lists.save_list(session, identity, body([_item(1, "10", "2.5"), _item(2, "3", "1000")]))
    cleared = []
    for items in ([_item(1, "20", "2.5"), _item(2, "2", "950")], [_item(1, "5", "2.6"), _item(4, "100", "3.2")]):
        head = lists.save_list(session, identity, body(items))
        lists.declare_list(session, identity, head)
        lists.accept_list(session, head)
        lists.clear_list(session, head)
        cleared.append(head.center_no)

    accepted = lists.save_list(session, identity, body([_item(2, "1", "980")]))
    lists.declare_list(session, identity, accepted)
    lists.accept_list(session, accepted)
    change = change_requests.create_change_request(session, identity, accepted, "MODIFY", {"packages": 4},
                                                   "件数录入有误", "林晓", "13800138000")
    change_requests.declare_change_request(session, identity, change)

    aggregation.request_aggregation(session, identity, cleared, agent_code=enterprises["jietong"].registration_code)
    aggregation.process_pending_aggregations(session, clock.now())
