"""The transport envelope (DXP): message id, sender, receiver, time and type around the business XML.

    <dxp:DxpMsg ver="1.0"><dxp:TransInfo><dxp:CopMsgId/><dxp:SenderId/><dxp:ReceiverIds><dxp:ReceiverId/>
    </dxp:ReceiverIds><dxp:CreatTime/><dxp:MsgType/></dxp:TransInfo><dxp:Data>base64(xml)</dxp:Data></dxp:DxpMsg>

Both directions are validated against wire/xsd/dxp_envelope.xsd; the data inside is not looked at here
(the receiver validates it as a message or a receipt).
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from wire.messages import CHINA
from wire.schema import MessageError, parse, validate

DXP_NS = "http://www.chinaport.gov.cn/dxp"
XSD = "dxp_envelope.xsd"


@dataclass(frozen=True)
class Envelope:
    """An unwrapped envelope: its ids, type and time, and the business XML it carried."""

    message_id: str
    sender_id: str
    receiver_id: str
    msg_type: str
    created: datetime
    xml: bytes


def _q(name: str) -> str:
    return f"{{{DXP_NS}}}{name}"


def wrap(msg_type: str, message_id: str, sender_id: str, receiver_id: str, xml: bytes, created: datetime) -> bytes:
    """Return the envelope carrying `xml` as base64 data, validated against its XSD."""
    root = etree.Element(_q("DxpMsg"), nsmap={"dxp": DXP_NS}, ver="1.0")
    info = etree.SubElement(root, _q("TransInfo"))
    etree.SubElement(info, _q("CopMsgId")).text = message_id
    etree.SubElement(info, _q("SenderId")).text = sender_id
    etree.SubElement(etree.SubElement(info, _q("ReceiverIds")), _q("ReceiverId")).text = receiver_id
    moment = created.astimezone(CHINA) if created.tzinfo else created.replace(tzinfo=CHINA)
    etree.SubElement(info, _q("CreatTime")).text = moment.isoformat(timespec="milliseconds")
    etree.SubElement(info, _q("MsgType")).text = msg_type
    etree.SubElement(root, _q("Data")).text = base64.b64encode(xml).decode("ascii")
    validate(root, XSD, "传输信封", message_id, msg_type)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def unwrap(data: bytes) -> Envelope:
    """Parse and validate an envelope and decode its data; MessageError when it cannot be read."""
    root = parse(data, "传输信封")
    info = root.find(_q("TransInfo"))
    message_id = info.findtext(_q("CopMsgId")) if info is not None else None
    msg_type = info.findtext(_q("MsgType")) if info is not None else None
    validate(root, XSD, "传输信封", message_id, msg_type)
    try:
        xml = base64.b64decode("".join(root.findtext(_q("Data")).split()), validate=True)
    except (binascii.Error, ValueError):
        raise MessageError("invalid", "传输信封的 Data 不是合法的 base64 数据", message_id, msg_type) from None
    created = datetime.fromisoformat(info.findtext(_q("CreatTime")))
    return Envelope(message_id=message_id, sender_id=info.findtext(_q("SenderId")),
                    receiver_id=info.find(_q("ReceiverIds")).findtext(_q("ReceiverId")),
                    msg_type=msg_type, created=created, xml=xml)
