"""Builders for the people-side message tests: a declared list of a card-login trader, and customs_messages rows
written as the outbox and the inbox write them (a CEB list message, its receipts), committed."""
from __future__ import annotations

import uuid
from datetime import datetime

from portal.extensions import db
from portal.models import CustomsMessage
from tests.collection import builders_lists as b

NS = "http://www.chinaport.gov.cn/ceb"


def guid() -> str:
    """Return a 36-character upper-case guid, as CEB messages carry."""
    return str(uuid.uuid4()).upper()


def list_xml(message_id: str, head, enterprise, extra: str = "") -> str:
    """Return a signed CEB list declaration (head, one row, BaseTransfer, enveloped signature)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<ceb:ListApply xmlns:ceb="{NS}" guid="{message_id}" version="1.0">'
            f'<ceb:ListHead><ceb:guid>{message_id}</ceb:guid><ceb:appType>1</ceb:appType>'
            f'<ceb:appTime>20260301120000</ceb:appTime><ceb:appStatus>2</ceb:appStatus>'
            f'<ceb:centerNo>{head.center_no}</ceb:centerNo><ceb:customsCode>5300</ceb:customsCode>'
            f'<ceb:vesselName>{b.VESSEL["vessel_name"]}</ceb:vesselName>{extra}</ceb:ListHead>'
            f'<ceb:ListItem><ceb:gnum>1</ceb:gnum><ceb:qty>10</ceb:qty></ceb:ListItem>'
            f'<ceb:BaseTransfer><ceb:copCode>{enterprise.uscc}</ceb:copCode><ceb:copName>{enterprise.name_zh}'
            f'</ceb:copName><ceb:dxpMode>DXP</ceb:dxpMode><ceb:dxpId>DXPENT0000000001</ceb:dxpId></ceb:BaseTransfer>'
            f'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:SignatureMethod '
            f'Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"/></ds:SignedInfo>'
            f'<ds:SignatureValue>MEUCIQ==</ds:SignatureValue><ds:KeyInfo><ds:KeyName>SN0001</ds:KeyName>'
            f'</ds:KeyInfo></ds:Signature></ceb:ListApply>')


def receipt_xml(message_id: str, answered: str, business_no: str, seq: int, status: str, info: str) -> str:
    """Return a CEB list receipt answering `answered`."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><ceb:ListReturn xmlns:ceb="{NS}" guid="{message_id}" '
            f'version="1.0"><ceb:guid>{answered}</ceb:guid><ceb:centerNo>{business_no}</ceb:centerNo>'
            f'<ceb:seq>{seq}</ceb:seq><ceb:returnStatus>{status}</ceb:returnStatus>'
            f'<ceb:returnTime>20260301120500000</ceb:returnTime><ceb:returnInfo>{info}</ceb:returnInfo>'
            f'</ceb:ListReturn>')


def declared_list(make, client):
    """Return (trader, list head) of a list saved and declared through the API."""
    who, _filing, volume = b.ready(make, client)
    created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, vessel_name=b.VESSEL["vessel_name"]),
                          headers=who.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    declared = client.post(f"/api/v1/lists/{created.json['center_no']}/declare", headers=who.headers)
    assert declared.status_code == 200, declared.get_data(as_text=True)
    from portal.models import ListHead
    head = db.session.query(ListHead).filter_by(center_no=created.json["center_no"]).one()
    return who, head


def out_message(head, enterprise, status: str = "SENT", **values) -> CustomsMessage:
    """Write the OUT message of a declared list (as the outbox does), committed."""
    message_id = values.pop("message_id", None) or guid()
    row = CustomsMessage(direction="OUT", message_id=message_id, msg_type="CEB603", register="list_heads",
                         record_id=head.id, business_no=head.center_no, enterprise_id=enterprise.id, status=status,
                         signed=True, key_serial="SN0001", xml=list_xml(message_id, head, enterprise),
                         sent_at=datetime(2026, 3, 1, 12, 0, 1) if status == "SENT" else None, **values)
    db.session.add(row)
    db.session.commit()
    return row


def receipt(out: CustomsMessage, seq: int, return_status: str, info: str, status: str = "APPLIED",
            **values) -> CustomsMessage:
    """Write a receipt answering `out` (as the inbox does), committed."""
    message_id = values.pop("message_id", None) or guid()
    fields = {"register": out.register, "record_id": out.record_id, "business_no": out.business_no,
              "enterprise_id": out.enterprise_id, "applied_at": datetime(2026, 3, 1, 12, 5) if status == "APPLIED"
              else None, **values}
    row = CustomsMessage(direction="IN", message_id=message_id, msg_type="CEB604", in_reply_to=out.message_id,
                         seq=seq, return_status=return_status, return_info=info, status=status, signed=False,
                         xml=receipt_xml(message_id, out.message_id, out.business_no, seq, return_status, info),
                         **fields)
    db.session.add(row)
    db.session.commit()
    return row


def conversation(make, client):
    """Return (trader, head, OUT message, [receipts 1 and 2]) of a declared list customs accepted then cleared."""
    who, head = declared_list(make, client)
    out = out_message(head, who.enterprise, signature_valid=True)
    return who, head, out, [receipt(out, 1, "7", "海关已接受申报<审核中>"), receipt(out, 2, "15", "已结关")]
