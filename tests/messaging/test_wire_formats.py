"""The wire formats: every message and receipt type against its XSD, refusals in Chinese, the envelope
(issue 16 item 1). Plain values, no database; messages built from real records are in test_builders.py."""
from __future__ import annotations

import base64
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from wire.catalog import HEAD_START, MESSAGE_TYPES, NS, RECEIPT_TYPES
from wire.envelope import DXP_NS, unwrap, wrap
from wire.messages import (FORMAT_ERROR, BusinessMessage, MessageError, ReceiptMessage, from_xml, new_guid,
                           receipt_from_xml, receipt_to_xml, text_of, to_xml)
from wire.schema import XSD_DIR

USCC = "91440300MA5EXAMPL1"
AT = datetime(2026, 3, 2, 9, 30, 5)
XS = "{http://www.w3.org/2001/XMLSchema}"


def sequence_of(xsd: etree._ElementTree, element: str) -> tuple:
    """Return the child element names of `element`'s sequence in an XSD (HeadStart group left out)."""
    (found,) = [e for e in xsd.iter(f"{XS}element") if e.get("name") == element]
    return tuple(e.get("name") for e in found.find(f"{XS}complexType/{XS}sequence").findall(f"{XS}element"))


@pytest.mark.parametrize("code", sorted(MESSAGE_TYPES))
def test_each_type_field_order_is_its_xsd_order(code):
    kind = MESSAGE_TYPES[code]
    xsd = etree.parse(str(XSD_DIR / kind.xsd))
    assert sequence_of(xsd, kind.head) == kind.head_fields
    assert sequence_of(xsd, kind.root) == (kind.body, "BaseTransfer")
    assert sequence_of(xsd, kind.body) == ((kind.head, kind.row) if kind.row else (kind.head,))
    if kind.row:
        assert sequence_of(xsd, kind.row) == kind.row_fields
    assert (XSD_DIR / kind.receipt_xsd).exists() and RECEIPT_TYPES[kind.receipt_code] is kind


def message(code: str, **changes) -> BusinessMessage:
    """Return a message of type `code` with every required field of its XSD filled."""
    kind = MESSAGE_TYPES[code]
    xsd = etree.parse(str(XSD_DIR / kind.xsd))
    head = {name: sample(xsd, kind.head, name) for name in kind.head_fields}
    rows = [{name: sample(xsd, kind.row, name) for name in kind.row_fields}] if kind.row else []
    values = dict(msg_type=code, guid=new_guid(), app_type="1", app_time=AT, head=head, rows=rows,
                  transfer={"copCode": USCC, "copName": "深圳市示例贸易有限公司", "dxpMode": "DXP",
                            "dxpId": "DXPENT" + USCC},
                  business_no="530020260000000001", record_version=2)
    values.update(changes)
    return BusinessMessage(**values)


SAMPLES = {"ceb:Date8": "20260302", "ceb:CustomsCode": "5300", "ceb:HsCode": "0303890000", "ceb:UnitCode": "035",
           "ceb:Alpha3": "USD", "ceb:Amount": "12.5", "ceb:Count": "3", "ceb:Gnum": "1", "ceb:IeFlag": "I",
           "ceb:Uscc": USCC, "ceb:Str1": "4", "ceb:Str2": "01"}


def sample(xsd, parent: str, name: str) -> str:
    """Return a value the XSD accepts for `parent`/`name` (enumerations: their first value)."""
    (owner,) = [e for e in xsd.iter(f"{XS}element") if e.get("name") == parent]
    (element,) = [e for e in owner.iter(f"{XS}element") if e.get("name") == name]
    kind = element.get("type")
    if kind in SAMPLES:
        return SAMPLES[kind]
    enum = [e for e in xsd.iter(f"{XS}simpleType") if f"ceb:{e.get('name')}" == kind]
    return enum[0].find(f"{XS}restriction/{XS}enumeration").get("value") if enum else "样例"


@pytest.mark.parametrize("code", sorted(MESSAGE_TYPES))
def test_every_message_type_round_trips_through_its_xsd(code):
    sent = message(code)
    xml = to_xml(sent)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{NS}}}{code}Message" and root.get("guid") == sent.guid and root.get("version") == "1.0"
    assert from_xml(xml) == sent


def receipt(code: str, **changes) -> ReceiptMessage:
    """Return a receipt of type `code` answering a message of its original type."""
    values = dict(guid=new_guid(), msg_type=code, in_reply_to=new_guid(), original_type=RECEIPT_TYPES[code].code,
                  business_no="530020260000000001", seq=1, return_status="APPROVED",
                  return_time=datetime(2026, 3, 2, 9, 35, 0, 250000), return_info="审批通过",
                  values={"customsNo": "530020260000000123"})
    values.update(changes)
    return ReceiptMessage(**values)


@pytest.mark.parametrize("code", sorted(RECEIPT_TYPES))
def test_every_receipt_type_round_trips_through_its_xsd(code):
    answer = receipt(code)
    assert receipt_from_xml(receipt_to_xml(answer)) == answer


def test_an_exception_receipt_may_lack_the_business_number_and_info():
    answer = receipt("CEB962", business_no=None, return_status=FORMAT_ERROR, return_info="", values={})
    assert receipt_from_xml(receipt_to_xml(answer)) == answer


def refusal(data: bytes, read=from_xml) -> MessageError:
    with pytest.raises(MessageError) as caught:
        read(data)
    return caught.value


def test_a_message_missing_an_element_is_refused_naming_it():
    sent = message("CEB961")
    xml = to_xml(sent).replace(b"<ceb:customsCode>5300</ceb:customsCode>", b"")
    error = refusal(xml)
    assert error.code == "invalid" and (error.guid, error.msg_type) == (sent.guid, "CEB961")
    assert "CEB961.xsd" in error.text and "应为元素 customsCode" in error.text


def test_a_guid_of_the_wrong_length_is_refused():
    sent = message("CEB931")
    error = refusal(to_xml(sent).replace(sent.guid.encode(), sent.guid[:-1].encode()))
    assert error.code == "invalid" and "属性 guid：取值格式不对" in error.text


def test_a_lower_case_guid_is_refused_when_built():
    with pytest.raises(MessageError, match="guid"):
        to_xml(message("CEB931", guid=new_guid().lower()))


def test_a_bad_app_type_is_refused():
    error = refusal(to_xml(message("CEB911")).replace(b"<ceb:appType>1<", b"<ceb:appType>4<"))
    assert "元素 appType：取值不在允许的代码中" in error.text


def test_a_receipt_missing_its_status_or_answering_another_type_is_refused():
    xml = receipt_to_xml(receipt("CEB942"))
    error = refusal(xml.replace(b"<ceb:returnStatus>APPROVED</ceb:returnStatus>", b""), receipt_from_xml)
    assert error.msg_type == "CEB942" and "应为元素 returnStatus" in error.text
    error = refusal(xml.replace(b"<ceb:msgType>CEB941<", b"<ceb:msgType>CEB961<"), receipt_from_xml)
    assert "只能回复报文 CEB941" in error.text
    with pytest.raises(MessageError):
        receipt_to_xml(receipt("CEB942", original_type="CEB961"))


@pytest.mark.parametrize("data, code", [(b"", "unparseable"), (b"not xml", "unparseable"),
                                        (b"<a xmlns='urn:x'/>", "unknown_type"),
                                        (b"<ceb:CEB999Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'/>",
                                         "unknown_type")])
def test_what_is_not_a_known_message_is_refused_with_its_reason(data, code):
    assert refusal(data).code == code and refusal(data, receipt_from_xml).code == code


def test_a_receipt_is_not_read_as_a_message():
    assert refusal(receipt_to_xml(receipt("CEB912"))).code == "unknown_type"


def test_external_entities_are_never_loaded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xml = to_xml(message("CEB921")).decode().replace("<?xml version='1.0' encoding='UTF-8'?>", "")
    xml = f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>' + xml.replace(">样例<", ">&e;<", 1)
    error = refusal(xml.encode())
    assert error.code == "unparseable" and "DOCTYPE" in error.text and "TOPSECRET" not in error.text


def test_a_signature_may_follow_base_transfer_but_nothing_else():
    sent = message("CEB961")
    signature = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>'
    xml = to_xml(sent).replace(b"</ceb:CEB961Message>", signature.encode() + b"</ceb:CEB961Message>")
    assert from_xml(xml) == sent
    other = to_xml(sent).replace(b"</ceb:CEB961Message>", b"<ceb:note>x</ceb:note></ceb:CEB961Message>")
    assert refusal(other).code == "invalid"


def test_a_field_the_type_does_not_have_is_refused_when_built():
    with pytest.raises(MessageError, match="没有字段：colour"):
        to_xml(message("CEB921", head={**message("CEB921").head, "colour": "red"}))


@pytest.mark.parametrize("value, text", [
    (Decimal("2.5000"), "2.5"), (Decimal("1000.00"), "1000"), (Decimal("0.00"), "0"), (date(2026, 3, 2), "20260302"),
    (datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), "20260302090000"), (3, "3"), ("  ", None), (None, None)])
def test_values_become_message_text(value, text):
    assert text_of(value) == text


def test_the_envelope_carries_the_message_as_base64_and_round_trips():
    sent = message("CEB961")
    xml = to_xml(sent)
    body = wrap("CEB961", sent.guid, "DXPENT" + USCC, "DXPEDCCEB0000001", xml, AT)
    root = etree.fromstring(body)
    assert base64.b64decode(root.findtext(f"{{{DXP_NS}}}Data")) == xml
    envelope = unwrap(body)
    assert (envelope.message_id, envelope.sender_id, envelope.receiver_id, envelope.msg_type) == \
        (sent.guid, "DXPENT" + USCC, "DXPEDCCEB0000001", "CEB961")
    assert envelope.created == AT.replace(tzinfo=timezone(timedelta(hours=8))) and envelope.xml == xml


def test_a_broken_envelope_is_refused():
    sent = message("CEB961")
    body = wrap("CEB961", sent.guid, "DXPENT" + USCC, "DXPEDCCEB0000001", to_xml(sent), AT)
    data = etree.fromstring(body).findtext(f"{{{DXP_NS}}}Data")
    error = refusal(body.replace(data.encode(), b"%%%not-base64%%%"), unwrap)
    assert error.code == "invalid" and error.guid == sent.guid
    error = refusal(body.replace(b"<dxp:MsgType>CEB961</dxp:MsgType>", b""), unwrap)
    assert "dxp_envelope.xsd" in error.text and "MsgType" in error.text
    with pytest.raises(MessageError):
        wrap("CEB961", "not-a-guid", "DXPENT" + USCC, "DXPEDCCEB0000001", b"<x/>", AT)


def test_head_start_is_shared_by_every_message_type():
    for kind in MESSAGE_TYPES.values():
        head = etree.fromstring(to_xml(message(kind.code))).find(f"{{{NS}}}{kind.body}/{{{NS}}}{kind.head}")
        assert tuple(etree.QName(child).localname for child in head)[:len(HEAD_START)] == HEAD_START


def test_the_readme_examples_are_valid_messages_and_receipts():
    readme = (XSD_DIR.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Message and receipt types", 1)[1].split("\n### ", 1)[0]
    blocks = [b.replace('"…/ceb"', f'"{NS}"') for b in re.findall(r"```xml\n(.*?)```", section, re.S)]
    whole = [b.encode() for b in blocks if "…" not in b]
    messages = [b for b in whole if re.match(rb"<ceb:CEB\d\d1Message", b)]
    receipts = [b for b in whole if re.match(rb"<ceb:CEB\d\d2Message", b)]
    assert len(messages) == 1 and len(receipts) == 1
    assert from_xml(messages[0]).msg_type == "CEB961"
    assert [receipt_from_xml(b).return_status for b in receipts] == ["7"]


def test_a_control_character_is_refused_when_built():
    sent = message("CEB971")
    with pytest.raises(MessageError, match="reason 含有 XML 不允许的控制字符"):
        to_xml(message("CEB971", head={**sent.head, "reason": "数量\x00错误"}))
