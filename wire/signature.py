"""Enveloped XML signatures (XML-DSig) with SM2/SM3 over our business messages.

`sign` appends one ds:Signature as the last child of the business root:

    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
        <ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sm2-sm3"/>
        <ds:Reference URI="">
          <ds:Transforms><ds:Transform Algorithm="…#enveloped-signature"/></ds:Transforms>
          <ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sm3"/>
          <ds:DigestValue>base64(SM3(c14n(document without the signature)))</ds:DigestValue>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue>base64(r||s: SM2/SM3 over c14n(SignedInfo)))</ds:SignatureValue>
      <ds:KeyInfo>
        <ds:KeyName>card certificate serial</ds:KeyName>
        <ca:Certificate xmlns:ca="urn:single-window:card-authority">base64(certificate text)</ca:Certificate>
      </ds:KeyInfo>
    </ds:Signature>

The algorithm URIs for SM2-with-SM3 and SM3 follow the xmldsig namespace naming used by Chinese XML-DSig
implementations (W3C registers no SM identifiers). The card certificate is our own format (wire/certs.py),
not X.509, so it travels in its own element inside ds:KeyInfo (which allows elements of other namespaces)
rather than in ds:X509Certificate.

`verify` accepts exactly this shape — one signature, last child of the root, one same-document reference with
the enveloped transform — and nothing else, so a signature cannot be moved to vouch for other content.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from datetime import date
from typing import NamedTuple

from lxml import etree

from wire import sm2

DS = "http://www.w3.org/2000/09/xmldsig#"
CERT_NS = "urn:single-window:card-authority"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SM2_SM3 = "http://www.w3.org/2000/09/xmldsig#sm2-sm3"
SM3 = "http://www.w3.org/2000/09/xmldsig#sm3"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
CANONICALIZATIONS = {C14N: False, EXC_C14N: True}  # URI → exclusive?

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Verification(NamedTuple):
    """The verdict on a message's signature: valid is None when it is not signed; reason is Chinese."""

    valid: bool | None
    reason: str
    key_serial: str | None


class SignatureError(ValueError):
    """A message that cannot be signed (not XML, or already signed)."""


class _Refused(Exception):
    """A signature refused during verification, with its Chinese reason."""


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _parse(xml: bytes):
    tree = etree.ElementTree(etree.fromstring(xml, _PARSER))
    if tree.docinfo.doctype:
        raise etree.XMLSyntaxError("DOCTYPE not allowed", None, 0, 0)
    return tree


def _c14n(node, exclusive: bool = False) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sign(xml: bytes, key: sm2.KeyPair, serial: str, certificate: str) -> bytes:
    """Return `xml` with an enveloped SM2/SM3 signature by `key` as the root's last child.

    `serial` is the signing certificate's serial (ds:KeyName), `certificate` its text (wire/certs.py).
    """
    try:
        tree = _parse(xml)
    except etree.XMLSyntaxError as exc:
        raise SignatureError(f"报文不是格式正确的XML：{exc}") from None
    root = tree.getroot()
    if root.find(f".//{_ds('Signature')}") is not None:
        raise SignatureError("报文已签名，不能重复签名")
    digest = sm2.sm3(_c14n(tree))
    signature = etree.SubElement(root, _ds("Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=SM2_SM3)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=SM3)
    etree.SubElement(reference, _ds("DigestValue")).text = _b64(digest)
    value = etree.SubElement(signature, _ds("SignatureValue"))
    key_info = etree.SubElement(signature, _ds("KeyInfo"))
    etree.SubElement(key_info, _ds("KeyName")).text = serial
    etree.SubElement(key_info, f"{{{CERT_NS}}}Certificate", nsmap={"ca": CERT_NS}).text = \
        _b64(certificate.encode("utf-8"))
    value.text = _b64(sm2.sign(key, _c14n(signed_info)))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _only(parent, name: str):
    """Return the one child `name` of `parent`, refusing none or several."""
    found = parent.findall(_ds(name))
    if len(found) != 1:
        raise _Refused(f"签名结构不正确：{etree.QName(parent).localname} 应有且仅有一个 ds:{name}")
    return found[0]


def _algorithm(element, allowed) -> str:
    algorithm = element.get("Algorithm", "")
    if algorithm not in allowed:
        raise _Refused(f"签名算法不受支持：ds:{etree.QName(element).localname} {algorithm or '（缺失）'}")
    return algorithm


def _decoded(element, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(f"签名结构不正确：{what}不是有效的Base64") from None


def _reference_c14n(reference) -> bool:
    """Check the reference's shape; return whether its canonicalization is exclusive."""
    if reference.get("URI") != "":
        raise _Refused("签名结构不正确：ds:Reference 必须以 URI=\"\" 引用整个报文")
    transforms = list(_only(reference, "Transforms"))
    if not transforms or len(transforms) > 2 or any(t.tag != _ds("Transform") for t in transforms):
        raise _Refused("签名结构不正确：ds:Transforms 应为封内签名变换（及可选的规范化变换）")
    _algorithm(transforms[0], {ENVELOPED})
    exclusive = CANONICALIZATIONS[_algorithm(transforms[1], CANONICALIZATIONS)] if len(transforms) == 2 else False
    _algorithm(_only(reference, "DigestMethod"), {SM3})
    return exclusive


def _detach(signature) -> None:
    """Remove the signature node, keeping any text after it in place (the enveloped-signature transform)."""
    parent, previous, tail = signature.getparent(), signature.getprevious(), signature.tail or ""
    if tail and previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif tail:
        parent.text = (parent.text or "") + tail
    parent.remove(signature)


def _check(tree, trust, today: date | None) -> str:
    """Verify the one signature of `tree`; return its key serial or raise _Refused."""
    root = tree.getroot()
    signatures = list(root.iter(_ds("Signature")))
    if len(signatures) != 1 or signatures[0].getparent() is not root or root[-1] is not signatures[0]:
        raise _Refused("签名位置不正确：报文应只有一个 ds:Signature，且为根元素的最后一个子元素")
    signature = signatures[0]
    signed_info = _only(signature, "SignedInfo")
    if signature[0] is not signed_info:
        raise _Refused("签名结构不正确：ds:SignedInfo 应为 ds:Signature 的第一个子元素")
    exclusive = CANONICALIZATIONS[_algorithm(_only(signed_info, "CanonicalizationMethod"), CANONICALIZATIONS)]
    _algorithm(_only(signed_info, "SignatureMethod"), {SM2_SM3})
    reference = _only(signed_info, "Reference")
    digest_exclusive = _reference_c14n(reference)
    expected = _decoded(_only(reference, "DigestValue"), "ds:DigestValue")
    value = _decoded(_only(signature, "SignatureValue"), "ds:SignatureValue")
    key_info = _only(signature, "KeyInfo")
    key_serial = (_only(key_info, "KeyName").text or "").strip()
    certificates = key_info.findall(f"{{{CERT_NS}}}Certificate")
    cert_text = _decoded(certificates[0], "卡证书").decode("utf-8", "replace") if len(certificates) == 1 else None
    public_key, reason = trust.key_for(key_serial, cert_text, today)
    if public_key is None:
        raise _Refused(reason)
    signed_bytes = _c14n(signed_info, exclusive)
    _detach(signature)
    if not hmac.compare_digest(sm2.sm3(_c14n(tree, digest_exclusive)), expected):
        raise _Refused("报文摘要不符：报文内容在签名后被改动")
    if not sm2.verify(public_key, signed_bytes, value):
        raise _Refused(f"签名值验证失败：签名与证书 {key_serial} 的公钥不符")
    return key_serial


def _key_name(tree) -> str | None:
    found = tree.getroot().find(f"{_ds('Signature')}/{_ds('KeyInfo')}/{_ds('KeyName')}")
    if found is None:
        return None
    return (found.text or "").strip() or None


def key_name(xml: bytes) -> str | None:
    """Return the ds:KeyName of a signed message (None when unsigned or unreadable); no verification."""
    try:
        return _key_name(_parse(xml))
    except etree.XMLSyntaxError:
        return None


def verify(xml: bytes, trust, today: date | None = None) -> Verification:
    """Verify a message's enveloped signature; `trust` (wire.certs.Trust) vouches for the signing key.

    valid is None when the message carries no ds:Signature, False with the reason when the signature, its
    certificate or the signed content does not hold, True when it does.
    """
    try:
        tree = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return Verification(False, f"报文不是格式正确的XML，无法验证签名：{exc}", None)
    if tree.getroot().find(f".//{_ds('Signature')}") is None:
        return Verification(None, "报文未签名", None)
    serial = _key_name(tree)
    try:
        return Verification(True, "签名有效", _check(tree, trust, today))
    except _Refused as refused:
        return Verification(False, str(refused), serial)
