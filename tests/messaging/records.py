"""Records in the status that sends them to customs, one per message type, made through the operations."""
from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.collection import aggregation, change_requests, declarations, filing_requests, filings, lists, volumes
from portal.extensions import db
from portal.identity import Identity
from portal.models import Declaration
from portal.qualification import certificates, operations
from tests.collection import builders_aggregation, builders_lists
from tests.qualification.conftest import filing_body

NOW = "2026-06-10T09:00:00"


def _identity(make, enterprise) -> Identity:
    """Return a card login of a new administrator of the enterprise."""
    user = make.user(enterprise)
    return Identity(user=user, login_mode="card", card=make.card(user))


def _trader(make):
    """Return an enterprise with a registration code and a valid IE qualification, and its card login."""
    party = builders_aggregation.party(make)
    return party.enterprise, party.identity


def application(make):
    """A filing application submitted (SUBMITTED)."""
    enterprise = make.enterprise()
    identity = _identity(make, enterprise)
    record = operations.save_application(db.session, identity, filing_body())
    return operations.submit_application(db.session, identity, record)


def certificate(make):
    """A 备案证明 request (REQUESTED)."""
    enterprise, identity = _trader(make)
    return certificates.request_certificate(db.session, identity)


def collection_filing(make):
    """A collection filing declared (DECLARED)."""
    enterprise, identity = _trader(make)
    record = filings.save_filing(db.session, identity, {"customs_code": "5300", "goods_nature": "GENERAL",
                                                        "ie_batches": 3})
    return filings.declare_filing(db.session, identity, record)


def product_volume(make):
    """A volume of an approved filing declared (DECLARED), with three products."""
    enterprise, identity = _trader(make)
    filing = builders_lists.filing(enterprise)
    items = [{"hs_code": hs, "name": name, "unit": unit, "spec": spec}
             for hs, name, unit, spec, *_ in builders_lists.PRODUCTS[:2]]
    (record,) = volumes.add_products(db.session, identity, filing, items)
    return volumes.declare_volume(db.session, identity, record)


def filing_request(make):
    """A change of an approved filing declared (DECLARED): a field, an added and a disabled product."""
    enterprise, identity = _trader(make)
    filing = builders_lists.filing(enterprise)
    volume = builders_lists.volume(filing)
    body = {"ie_batches": 5, "add_items": [{"hs_code": "8471300001", "name": "新增商品", "unit": "007"}],
            "disable_items": [{"volume_no": volume.volume_no, "seq": 2}]}
    return filing_requests.request_filing_change(db.session, identity, filing, body)


def list_head(make):
    """A list declared (status 2) with two items."""
    enterprise, identity = _trader(make)
    filing = builders_lists.filing(enterprise)
    volume = builders_lists.volume(filing)
    record = lists.save_list(db.session, identity, builders_lists.body(volume.customs_volume_no))
    return lists.declare_list(db.session, identity, record)


def change_request(make):
    """A modify request on a cleared list declared (DECLARED)."""
    enterprise, identity = _trader(make)
    head = builders_aggregation.cleared_list(enterprise, [builders_aggregation.item(), builders_aggregation.item(
        hs="8471300000", name="笔记本电脑", qty="2", price="1000")])
    record = change_requests.create_change_request(db.session, identity, head, "MODIFY",
                                                   {"packages": 4, "items[0].qty": "12"}, "数量录入错误", "张三",
                                                   "13800138000")
    return change_requests.declare_change_request(db.session, identity, record)


def declaration(make):
    """A declaration aggregated from cleared lists and declared (DECLARED)."""
    enterprise, identity = _trader(make)
    heads = [builders_aggregation.cleared_list(enterprise, [builders_aggregation.item(),
                                                            builders_aggregation.item(qty="2")])]
    aggregation.request_aggregation(db.session, identity, [h.center_no for h in heads])
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    record = db.session.scalars(select(Declaration).where(Declaration.enterprise_id == enterprise.id)).one()
    return declarations.declare_declaration(db.session, identity, record)


# Register → maker; every register with a message type has one.
MAKERS = {"applications": application, "certificates": certificate, "collection_filings": collection_filing,
          "product_volumes": product_volume, "filing_requests": filing_request, "list_heads": list_head,
          "change_requests": change_request, "declarations": declaration}


def sending(make, register: str):
    """Return a committed record of `register` in its sending status, made at NOW."""
    with clock.frozen(NOW):
        record = MAKERS[register](make)
        db.session.commit()
    return record
