"""Business messages (报文) and receipts (回执) as XML: build, parse, and validate against their XSDs.

`to_xml` / `receipt_to_xml` build the XML with lxml and refuse (MessageError) anything its XSD refuses;
`from_xml` / `receipt_from_xml` parse untrusted bytes, validate them and return the dataclass. The types
are in wire/catalog.py; the XSDs in wire/xsd/.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from wire.catalog import (DS_NS, HEAD_START, MESSAGE_TYPES, NS, RECEIPT_TYPES, RETURN_FIELDS,  # noqa: F401
                          TRANSFER_FIELDS, TYPE_FOR_REGISTER, VERSION, MessageType)
from wire.schema import FORMAT_ERROR, REFUSED, SIGNATURE_ERROR, MessageError, parse, validate  # noqa: F401

CHINA = timezone(timedelta(hours=8))
APP_TIME, RETURN_TIME = "%Y%m%d%H%M%S", "%Y%m%d%H%M%S%f"
_NSMAP = {"ceb": NS}


@dataclass
class BusinessMessage:
    """One message to customs: its type, guid, appType/appStatus/appTime, head and rows, and the sender.

    head and rows hold text values keyed by the type's field names (empty or None: element left out);
    transfer holds copCode (the enterprise's USCC), copName, dxpMode, dxpId (and an optional note).
    """

    msg_type: str
    guid: str
    app_type: str
    app_time: datetime
    head: dict
    rows: list
    transfer: dict
    business_no: str
    record_version: int
    app_status: str = "2"


@dataclass
class ReceiptMessage:
    """One receipt from customs: its own guid and type, the message it answers, the step and the outcome.

    return_status is the lifecycle status the customs move leads to, or an exception status
    (FORMAT_ERROR, SIGNATURE_ERROR, REFUSED); values are what customs assigns (numbers …).
    """

    guid: str
    msg_type: str
    in_reply_to: str
    original_type: str
    business_no: str | None
    seq: int
    return_status: str
    return_time: datetime
    return_info: str = ""
    values: dict = field(default_factory=dict)


def new_guid() -> str:
    """Return a new message guid: 36 characters, upper case."""
    return str(uuid.uuid4()).upper()


def text_of(value) -> str | None:
    """Return a value as message text: dates YYYYMMDD, times YYYYMMDDhhmmss, decimals plain; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return _china(value).strftime(APP_TIME)
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    text = str(value).strip()
    return text or None


def _china(moment: datetime) -> datetime:
    """Return a time as naive China time (aware times are converted, naive ones are China time already)."""
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment.tzinfo else moment


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent, name: str, value, attributes: dict | None = None) -> None:
    """Append <ceb:name>value</ceb:name> unless the value is empty."""
    text = text_of(value)
    if text is None:
        return
    try:
        etree.SubElement(parent, _q(name), attributes or {}).text = text
    except ValueError:   # control characters XML cannot carry
        raise MessageError("invalid", f"字段 {name} 含有 XML 不允许的控制字符") from None


def message_type(code: str) -> MessageType:
    """Return the message type `code`; MessageError when there is none."""
    found = MESSAGE_TYPES.get(code)
    if found is None:
        raise MessageError("unknown_type", f"没有报文类型“{code}”", msg_type=code)
    return found


def to_xml(msg: BusinessMessage) -> bytes:
    """Return the message as UTF-8 XML, validated against its type's XSD (MessageError when refused)."""
    kind = message_type(msg.msg_type)
    unknown = set(msg.head) - set(kind.head_fields) or \
        {name for row in msg.rows for name in row if name not in kind.row_fields}
    if unknown or (msg.rows and not kind.row_fields):
        raise MessageError("invalid", f"报文 {kind.code} 没有字段：{'、'.join(sorted(unknown)) or kind.row}",
                           msg.guid, kind.code)
    root = etree.Element(_q(kind.root), nsmap=_NSMAP, guid=msg.guid, version=VERSION)
    body = etree.SubElement(root, _q(kind.body))
    head = etree.SubElement(body, _q(kind.head))
    for name, value in zip(HEAD_START, (msg.guid, msg.app_type, msg.app_time, msg.app_status, msg.business_no,
                                        msg.record_version)):
        _add(head, name, value)
    for name in kind.head_fields:
        _add(head, name, msg.head.get(name))
    for row in msg.rows:
        element = etree.SubElement(body, _q(kind.row))
        for name in kind.row_fields:
            _add(element, name, row.get(name))
    transfer = etree.SubElement(root, _q("BaseTransfer"))
    for name in TRANSFER_FIELDS:
        _add(transfer, name, msg.transfer.get(name))
    validate(root, kind.xsd, f"报文 {kind.code}", msg.guid, kind.code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _children(element, names) -> dict:
    """Return {name: text} of the element's CEB children named in `names`."""
    found = {}
    for child in element:
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{NS}}}"):
            name = etree.QName(child).localname
            if name in names:
                found[name] = child.text or ""
    return found


def _root_type(root, table, what: str):
    """Return (type, guid) named by a root element `<code>Message`; MessageError for a foreign root."""
    qname = etree.QName(root)
    code = qname.localname.removesuffix("Message")
    guid = root.get("guid")
    if qname.namespace != NS or code not in table:
        raise MessageError("unknown_type", f"{what}的根元素“{qname.localname}”不是已知的报文类型", guid, code or None)
    return table[code], guid


def from_xml(data: bytes) -> BusinessMessage:
    """Parse and validate a business message; MessageError (with guid and type when known) when refused."""
    root = parse(data, "报文")
    kind, guid = _root_type(root, MESSAGE_TYPES, "报文")
    validate(root, kind.xsd, f"报文 {kind.code}", guid, kind.code)
    body = root.find(_q(kind.body))
    start = _children(body.find(_q(kind.head)), HEAD_START)
    if start["guid"] != guid:
        raise MessageError("invalid", f"报文 {kind.code} 表头的 guid 与根元素的 guid 不一致", guid, kind.code)
    rows = [_children(row, kind.row_fields) for row in body.findall(_q(kind.row))] if kind.row else []
    return BusinessMessage(
        msg_type=kind.code, guid=guid, app_type=start["appType"], app_status=start["appStatus"],
        app_time=datetime.strptime(start["appTime"], APP_TIME),
        head=_children(body.find(_q(kind.head)), kind.head_fields), rows=rows,
        transfer=_children(root.find(_q("BaseTransfer")), TRANSFER_FIELDS),
        business_no=start["copNo"], record_version=int(start["recordVersion"]))


def receipt_to_xml(receipt: ReceiptMessage) -> bytes:
    """Return the receipt as UTF-8 XML, validated against its receipt type's XSD (MessageError when refused)."""
    kind = RECEIPT_TYPES.get(receipt.msg_type)
    if kind is None or kind.code != receipt.original_type:
        raise MessageError("unknown_type", f"回执类型“{receipt.msg_type}”不是报文“{receipt.original_type}”的回执",
                           receipt.guid, receipt.msg_type)
    root = etree.Element(_q(kind.receipt_root), nsmap=_NSMAP, guid=receipt.guid, version=VERSION)
    body = etree.SubElement(root, _q(kind.receipt_body))
    moment = _china(receipt.return_time).strftime(RETURN_TIME)[:17]
    for name, value in zip(RETURN_FIELDS, (receipt.in_reply_to, receipt.original_type, receipt.business_no,
                                           receipt.seq, receipt.return_status, moment)):
        _add(body, name, value)
    etree.SubElement(body, _q("returnInfo")).text = receipt.return_info or ""
    for name, value in receipt.values.items():
        _add(body, "returnValue", value, {"name": name})
    validate(root, kind.receipt_xsd, f"回执 {kind.receipt_code}", receipt.guid, kind.receipt_code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def receipt_from_xml(data: bytes) -> ReceiptMessage:
    """Parse and validate a receipt; MessageError (with its guid and type when known) when refused."""
    root = parse(data, "回执")
    kind, guid = _root_type(root, RECEIPT_TYPES, "回执")
    code = kind.receipt_code
    validate(root, kind.receipt_xsd, f"回执 {code}", guid, code)
    body = root.find(_q(kind.receipt_body))
    values = _children(body, RETURN_FIELDS)
    if values["msgType"] != kind.code:
        raise MessageError("invalid", f"回执 {code} 只能回复报文 {kind.code}，而不是 {values['msgType']}", guid, code)
    return ReceiptMessage(
        guid=guid, msg_type=code, in_reply_to=values["guid"], original_type=values["msgType"],
        business_no=values.get("copNo"), seq=int(values["seq"]), return_status=values["returnStatus"],
        return_time=datetime.strptime(values["returnTime"] + "000", RETURN_TIME),
        return_info=values["returnInfo"],
        values={v.get("name"): v.text or "" for v in body.findall(_q("returnValue"))})
