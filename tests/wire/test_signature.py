"""Enveloped SM2/SM3 XML signatures and the card authority (wire/signature.py, wire/certs.py; issue 16 item 4).
Plain functions: no app, no database."""
from __future__ import annotations

import base64
from datetime import date

import pytest
from lxml import etree

from wire import certs, signature, sm2

LIST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB621Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"
 guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0">
  <ceb:Inventory>
    <ceb:InventoryHead><ceb:appType>1</ceb:appType><ceb:appStatus>2</ceb:appStatus>
      <ceb:copNo>LIST20260001</ceb:copNo><ceb:totalPrice>1200.50</ceb:totalPrice></ceb:InventoryHead>
    <ceb:InventoryList><ceb:gnum>1</ceb:gnum><ceb:itemName>保温杯</ceb:itemName><ceb:qty>3</ceb:qty></ceb:InventoryList>
  </ceb:Inventory>
  <ceb:BaseTransfer><ceb:copCode>91440300MA5G000001</ceb:copCode><ceb:dxpMode>DXP</ceb:dxpMode></ceb:BaseTransfer>
</ceb:CEB621Message>""".encode("utf-8")


@pytest.fixture(scope="module")
def authority():
    return sm2.generate_key_pair()


@pytest.fixture(scope="module")
def card(authority):
    pair = sm2.generate_key_pair()
    text = certs.issue(authority, "CARDSERIAL0001", "card_no=CARD0001;uscc=91440300MA5G000001", pair.public_key,
                       date(2036, 1, 1), not_before=date(2026, 1, 1), issuer="CASERIAL")
    return pair, text


@pytest.fixture(scope="module")
def trust(authority):
    return certs.Trust(authority.public_key)


@pytest.fixture(scope="module")
def signed(card):
    pair, text = card
    return signature.sign(LIST_XML, pair, "CARDSERIAL0001", text)


def _verify(trust, xml):
    return trust(xml, now=date(2026, 6, 1))


def test_signed_list_verifies_with_the_card_serial(signed, trust):
    assert tuple(_verify(trust, signed)) == (True, "签名有效", "CARDSERIAL0001")


def test_signature_is_the_last_child_with_sm2_sm3_and_the_enveloped_transform(signed):
    root = etree.fromstring(signed)
    ds = {"ds": signature.DS}
    assert etree.QName(root[-1]).localname == "Signature" and root[-1].tag == f"{{{signature.DS}}}Signature"
    assert root.xpath("ds:Signature/ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=ds) == [signature.SM2_SM3]
    assert root.xpath("ds:Signature/ds:SignedInfo/ds:Reference/@URI", namespaces=ds) == [""]
    assert root.xpath("ds:Signature//ds:Transform/@Algorithm", namespaces=ds) == [signature.ENVELOPED]
    assert root.xpath("ds:Signature//ds:DigestMethod/@Algorithm", namespaces=ds) == [signature.SM3]
    assert root.xpath("ds:Signature/ds:KeyInfo/ds:KeyName/text()", namespaces=ds) == ["CARDSERIAL0001"]
    assert len(base64.b64decode(root.xpath("string(ds:Signature/ds:SignatureValue)", namespaces=ds))) == 64


@pytest.mark.parametrize("old, new", [
    (b"<ceb:qty>3</ceb:qty>", b"<ceb:qty>4</ceb:qty>"),            # a quantity
    (b"1200.50", b"1200.60"),                                         # the total
    (b"<ceb:appType>1<", b"<ceb:appType>2<"),                         # the head
    (b'version="1.0">', b'version="1.1">'),                           # an attribute of the root
    ("保温杯".encode(), "保温壶".encode()),                              # one character of a name
])
def test_one_byte_changed_in_a_signed_list_fails_with_the_reason(signed, trust, old, new):
    assert signed.count(old) == 1
    result = _verify(trust, signed.replace(old, new))
    assert result.valid is False and result.reason == "报文摘要不符：报文内容在签名后被改动"
    assert result.key_serial == "CARDSERIAL0001"


def test_every_single_byte_flip_in_the_content_fails(signed, trust):
    start = signed.index(b"<ceb:Inventory>")
    end = signed.index(b"<ds:Signature")
    for offset in range(start, end, 7):
        if signed[offset:offset + 1].isspace():
            continue
        changed = signed[:offset] + bytes([signed[offset] ^ 0x01]) + signed[offset + 1:]
        assert _verify(trust, changed).valid is False, offset


def test_a_changed_signature_value_fails(signed, trust):
    root = etree.fromstring(signed)
    value = root.find(f".//{{{signature.DS}}}SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[40] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()
    result = _verify(trust, etree.tostring(root))
    assert result.valid is False and result.reason.startswith("签名值验证失败")


def test_an_unsigned_message_is_valid_none(trust):
    assert tuple(_verify(trust, LIST_XML)) == (None, "报文未签名", None)


def test_a_certificate_not_issued_by_our_authority_fails(card, trust):
    stranger = sm2.generate_key_pair()
    pair, _ = card
    forged = certs.issue(stranger, "CARDSERIAL0001", "card_no=CARD0001;uscc=91440300MA5G000001", pair.public_key,
                         date(2036, 1, 1), not_before=date(2026, 1, 1))
    result = _verify(trust, signature.sign(LIST_XML, pair, "CARDSERIAL0001", forged))
    assert result.valid is False and "不是由本平台卡证书签发机构签发的" in result.reason


def test_a_key_other_than_the_certified_one_fails(card, trust):
    _, text = card
    result = _verify(trust, signature.sign(LIST_XML, sm2.generate_key_pair(), "CARDSERIAL0001", text))
    assert result.valid is False and result.reason.startswith("签名值验证失败")


def test_an_edited_certificate_fails(card, trust):
    pair, text = card
    edited = text.replace("uscc=91440300MA5G000001", "uscc=91440300MA5G000002")
    result = _verify(trust, signature.sign(LIST_XML, pair, "CARDSERIAL0001", edited))
    assert result.valid is False and "不是由本平台卡证书签发机构签发的" in result.reason


def test_an_expired_or_not_yet_valid_certificate_fails(signed, trust):
    assert "已过期" in trust(signed, now=date(2036, 1, 2)).reason
    assert "尚未生效" in trust(signed, now=date(2025, 12, 31)).reason


def test_key_name_must_match_the_certificate_serial(signed, trust):
    result = _verify(trust, signed.replace(b"CARDSERIAL0001</ds:KeyName>", b"CARDSERIAL0002</ds:KeyName>"))
    assert result.valid is False and "不一致" in result.reason


def test_a_second_or_misplaced_signature_is_refused(signed, trust):
    root = etree.fromstring(signed)
    sig = root[-1]
    root.insert(0, sig)  # moved to the front: no longer the last child
    assert "签名位置不正确" in _verify(trust, etree.tostring(root)).reason
    with pytest.raises(signature.SignatureError):
        signature.sign(signed, sm2.generate_key_pair(), "X", "Y")


def test_another_algorithm_is_refused(signed, trust):
    changed = signed.replace(signature.SM2_SM3.encode(), b"http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    assert _verify(trust, changed).reason.startswith("签名算法不受支持")


def test_not_xml_and_doctype_are_refused(signed, trust):
    assert _verify(trust, signed[:-20]).valid is False
    with_doctype = signed.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "x">]>', 1)
    assert _verify(trust, with_doctype).valid is False


def test_nonces_differ_between_two_signatures_of_the_same_data(card):
    pair, _ = card
    first, second = sm2.sign(pair, b"same data"), sm2.sign(pair, b"same data")
    assert first[:32] != second[:32]  # r = (e + x(kG)) mod n differs only when k does
    assert sm2.verify(pair.public_key, b"same data", first)
    assert sm2.verify(pair.public_key, b"same data", second)


def test_sm3_and_sm2_match_the_standard():
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 A.1
    pair = sm2.generate_key_pair()
    assert sm2.is_public_key(pair.public_key) and not sm2.is_public_key("04" + "00" * 64)
    assert pair.private_key not in repr(pair)


def test_certificate_text_round_trips_and_malformed_text_is_refused(card, authority):
    _, text = card
    parsed = certs.parse(text)
    assert parsed.serial == "CARDSERIAL0001" and parsed.text() == text
    assert certs.check(text, authority.public_key, date(2026, 6, 1)) == (True, "")
    ok, reason = certs.check("not a certificate", authority.public_key)
    assert not ok and reason == "证书格式不正确"
