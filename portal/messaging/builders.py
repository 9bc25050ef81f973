"""Build the business message (wire.messages.BusinessMessage) a record sends to customs (issue 16).

`message_for(session, record, move)` is called by the outbox in the transaction that moves the record
to a status waiting for customs (or creates it in one). The head and rows come from the record and its
child rows; the sender is the record's enterprise (copCode its USCC, copName its Chinese name); the
business number is the lifecycle's `number` column, else the record id (as the simulator's draw uses);
the version is the record's version after the move.

appType: "3" for a revoke (a revoke request, a cancellation application), "2" for a change (a modify
request, a filing change/extension, a change application) or a re-declaration (the record has sent a
message before), else "1".
"""
from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.models import CollectionFiling, CustomsMessage, DeclarationPerson, Enterprise, ListHead, Product
from portal.models.messages import OUT
from rules.lifecycle import Move, lifecycle_of
from wire.catalog import DXP_MODE, TYPE_FOR_REGISTER, enterprise_dxp_id
from wire.messages import BusinessMessage, new_guid, text_of

NEW, CHANGE, REVOKE = "1", "2", "3"


def _application(session, record) -> tuple[dict, list, str | None]:
    data = record.data or {}
    agent = record.acting_enterprise
    head = {"applicationType": record.application_type, "qualificationTypes": record.qualification_types,
            "entName": data.get("name_zh") or record.enterprise.name_zh,
            "registrationCode": record.enterprise.registration_code,
            "customsCode": data.get("customs_code"), "regionCode": data.get("region_code"),
            "address": data.get("address_zh"), "legalRepName": data.get("legal_rep_name"),
            "contactName": data.get("contact_name"), "contactPhone": data.get("contact_phone"),
            "agentCode": agent.uscc if agent else None, "agentName": agent.name_zh if agent else None,
            "cancelReasonCode": record.cancellation_reason_code, "cancelReason": record.cancellation_other,
            "loginMode": record.login_mode}
    people = session.scalars(select(DeclarationPerson).where(DeclarationPerson.application_id == record.id)
                             .order_by(DeclarationPerson.id))
    rows = [{"gnum": n, "name": p.name, "idType": p.id_type, "idNo": p.id_no, "mobile": p.mobile}
            for n, p in enumerate(people, 1)]
    kind = {"CANCELLATION": REVOKE, "CHANGE": CHANGE}.get(record.application_type)
    return head, rows, kind


def _certificate(session, record) -> tuple[dict, list, str | None]:
    enterprise = record.enterprise
    return ({"requestDate": record.request_date, "entName": enterprise.name_zh,
             "registrationCode": enterprise.registration_code, "customsCode": enterprise.customs_code}, [], None)


def _filing(session, record) -> tuple[dict, list, str | None]:
    return ({"customsCode": record.customs_code, "entCustomsCode": record.enterprise_customs_code,
             "entName": record.enterprise_name, "goodsNature": record.goods_nature, "ieBatches": record.ie_batches,
             "guaranteeMode": record.guarantee_mode, "guaranteeAmount": record.guarantee_amount,
             "guaranteeValidUntil": record.guarantee_valid_until}, [], None)


def _product_rows(products) -> list[dict]:
    return [{"gnum": p.seq, "gcode": p.hs_code, "gname": p.name, "gmodel": p.spec, "unit": p.unit,
             "licenseNo": p.license_no} for p in products]


def _volume(session, record) -> tuple[dict, list, str | None]:
    filing = record.filing
    products = list(session.scalars(select(Product).where(Product.volume_id == record.id).order_by(Product.seq)))
    return ({"centerNo": filing.center_no, "customsCode": filing.customs_code,
             "entCustomsCode": filing.enterprise_customs_code, "itemCount": len(products)},
            _product_rows(products), None)


def _filing_request(session, record) -> tuple[dict, list, str | None]:
    filing: CollectionFiling = record.filing
    payload = record.payload or {}
    rows = [{"action": "FIELD", "field": name, "oldValue": change.get("old"), "newValue": change.get("new")}
            for name, change in (payload.get("filing") or {}).items()]
    rows += [{"action": "ADD", "gcode": item.get("hs_code"), "gname": item.get("name"), "gmodel": item.get("spec"),
              "unit": item.get("unit"), "licenseNo": item.get("license_no")} for item in payload.get("add_items") or ()]
    rows += [{"action": "DISABLE", "volumeNo": ref.get("volume_no"), "itemSeq": ref.get("seq"),
              "gcode": ref.get("hs_code"), "gname": ref.get("name")} for ref in payload.get("disable_items") or ()]
    head = {"changeKind": record.kind, "centerNo": filing.center_no, "customsCode": filing.customs_code,
            "entCustomsCode": filing.enterprise_customs_code, "validUntil": _date_text(payload.get("valid_until"))}
    return head, [{"gnum": n, **row} for n, row in enumerate(rows, 1)], CHANGE


def _date_text(value: str | None) -> str | None:
    """Return an ISO date text as YYYYMMDD (None stays None)."""
    return value.replace("-", "")[:8] if value else None


def _list(session, record) -> tuple[dict, list, str | None]:
    head = {"listType": record.list_type, "ieFlag": record.ie_flag, "customsCode": record.customs_code,
            "entCustomsCode": record.enterprise.registration_code, "entName": record.enterprise.name_zh,
            "filingNo": record.filing_no, "tradeMode": record.trade_mode, "trafMode": record.transport_mode,
            "trafName": record.vessel_name, "voyageNo": record.voyage_no, "billNo": record.bill_no,
            "packNo": record.packages, "grossWeight": record.gross_weight, "netWeight": record.net_weight,
            "licenseNo": record.license_no, "declareDate": record.declare_date}
    rows = [{"gnum": i.seq, "itemNo": i.filing_seq, "gcode": i.hs_code, "gname": i.name, "gmodel": i.spec,
             "qty": i.qty, "unit": i.unit, "price": i.unit_price, "totalPrice": i.total, "currency": i.currency,
             "country": i.country} for i in record.items]
    return head, rows, None


def _change_request(session, record) -> tuple[dict, list, str | None]:
    head: ListHead = record.head
    rows = [{"gnum": n, "field": diff.get("field"), "oldValue": diff.get("old"), "newValue": diff.get("new")}
            for n, diff in enumerate(record.changes or (), 1)]
    return ({"requestType": record.request_type, "centerNo": head.center_no, "customsCode": head.customs_code,
             "reason": record.reason, "contact": record.contact, "phone": record.phone}, rows,
            REVOKE if record.request_type == "REVOKE" else CHANGE)


def _declaration(session, record) -> tuple[dict, list, str | None]:
    head = {"customsCode": record.customs_code, "ieFlag": record.ie_flag, "entName": record.enterprise.name_zh,
            "entCustomsCode": record.enterprise.registration_code, "agentCode": record.agent_code,
            "agentName": record.agent_name, "tradeMode": record.trade_mode, "filingNo": record.filing_no,
            "trafMode": record.transport_mode, "groupSeq": record.group_seq, "itemCount": record.item_count,
            "declareDate": record.declare_date}
    rows = [{"gnum": i.item_no, "gcode": i.hs_code, "gname": i.name, "gmodel": i.spec, "unit": i.unit,
             "country": i.country, "currency": i.currency, "qty": i.qty, "totalPrice": i.total}
            for i in record.items]
    return head, rows, None


# Register → (session, record) → (head, rows, the appType the kind of record implies or None).
BUILDERS = {"applications": _application, "certificates": _certificate, "collection_filings": _filing,
            "product_volumes": _volume, "filing_requests": _filing_request, "list_heads": _list,
            "change_requests": _change_request, "declarations": _declaration}


def business_no(record) -> str:
    """Return the number a record's messages and receipts carry: its lifecycle number, else its id."""
    number = lifecycle_of(record.__tablename__).number
    return str(getattr(record, number) if number else record.id)


def _texts(values: dict) -> dict:
    """Return the values as message text (wire.messages.text_of), empty ones left out."""
    return {name: text for name, value in values.items() if (text := text_of(value)) is not None}


def _sent_before(session, register: str, record_id: int) -> bool:
    """Tell whether the record has sent a message before (a re-declaration)."""
    return session.scalar(select(CustomsMessage.id).where(
        CustomsMessage.direction == OUT, CustomsMessage.register == register,
        CustomsMessage.record_id == record_id).limit(1)) is not None


def message_for(session, record, move: Move | None) -> BusinessMessage:
    """Return the message `record` sends to customs after `move` (None: created in its sending status)."""
    register = record.__tablename__
    if register not in BUILDERS or (move is not None and move.register != register):
        raise ValueError(f"no customs message for {register} after {move!r}")
    head, rows, kind = BUILDERS[register](session, record)
    enterprise = session.get(Enterprise, record.enterprise_id)
    app_type = kind or (CHANGE if _sent_before(session, register, record.id) else NEW)
    return BusinessMessage(
        msg_type=TYPE_FOR_REGISTER[register], guid=new_guid(), app_type=app_type,
        app_time=clock.now_naive().replace(microsecond=0), head=_texts(head), rows=[_texts(row) for row in rows],
        transfer={"copCode": enterprise.uscc, "copName": enterprise.name_zh, "dxpMode": DXP_MODE,
                  "dxpId": enterprise_dxp_id(enterprise.uscc)},
        business_no=business_no(record), record_version=record.version)
