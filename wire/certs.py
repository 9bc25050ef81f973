"""The card authority (CA): a small certificate format of our own, signed with SM2/SM3, and the trust check
customs uses.

A certificate binds a card's public key to its serial and subject (card no. and the enterprise's USCC):

    SW-CARD-CERT/1
    serial: 5357A1B2C3D4E5F60718
    subject: card_no=CARD0001;uscc=91440300MA5XXXXXXX
    public_key: 04…(130 hex digits)
    not_before: 2026-01-05
    not_after: 2036-01-05
    issuer: <the CA's own serial>
    signature: <r||s hex: SM2/SM3 by the CA over every line above, each ending in "\n">

Customs holds only the CA's public key. A signed message carries its card certificate in ds:KeyInfo, so
customs learns the card's key from the message itself and trusts it because the CA signed it: it never reads
the portal's tables (issue 16, item 3). The portal holds the CA's private key (portal/messaging/keys.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from wire import sm2
from wire.signature import verify

FORMAT = "SW-CARD-CERT/1"
CHINA = timezone(timedelta(hours=8))  # validity dates are China dates, as on the Single Window
FIELDS = ("serial", "subject", "public_key", "not_before", "not_after", "issuer")


class CertificateError(ValueError):
    """A certificate that cannot be read, or that is not valid; the message is Chinese for the receipt."""


@dataclass(frozen=True)
class Certificate:
    """The fields of a card certificate, as read back from its text."""

    serial: str
    subject: str
    public_key: str
    not_before: date
    not_after: date
    issuer: str
    signature: str

    def to_be_signed(self) -> bytes:
        """Return the bytes the CA signs: the format line and every field line."""
        values = {**self.__dict__, "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat()}
        lines = [FORMAT] + [f"{name}: {values[name]}" for name in FIELDS]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    def text(self) -> str:
        """Return the certificate as text (the signed lines and the signature line)."""
        return self.to_be_signed().decode("utf-8") + f"signature: {self.signature}\n"


def _today() -> date:
    return datetime.now(CHINA).date()


def _field_value(name: str, value: str) -> str:
    text = str(value)
    if not text or "\n" in text or "\r" in text or text != text.strip():
        raise CertificateError(f"证书字段 {name} 不能为空、不能含换行或首尾空白")
    return text


def issue(ca_key: sm2.KeyPair, serial: str, subject: str, public_key: str, not_after: date, *,
          not_before: date | None = None, issuer: str = "") -> str:
    """Certify `public_key` for `subject` under `serial` with the CA's key; returns the certificate text."""
    if not sm2.is_public_key(public_key):
        raise CertificateError("公钥不是有效的SM2公钥")
    not_before = not_before or _today()
    if not_after < not_before:
        raise CertificateError("证书有效期截止日早于起始日")
    unsigned = Certificate(serial=_field_value("serial", serial), subject=_field_value("subject", subject),
                           public_key=public_key, not_before=not_before, not_after=not_after,
                           issuer=_field_value("issuer", issuer or serial), signature="")
    signature = sm2.sign(ca_key, unsigned.to_be_signed()).hex()
    return Certificate(**{**unsigned.__dict__, "signature": signature}).text()


def parse(text: str) -> Certificate:
    """Read a certificate's text (no signature check); raises CertificateError when it is malformed."""
    lines = text.split("\n") if isinstance(text, str) else []
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(FIELDS) + 2 or lines[0] != FORMAT:
        raise CertificateError("证书格式不正确")
    values = {}
    for name, line in zip(FIELDS + ("signature",), lines[1:]):
        prefix = f"{name}: "
        if not line.startswith(prefix) or not line[len(prefix):]:
            raise CertificateError(f"证书格式不正确：缺少字段 {name}")
        values[name] = line[len(prefix):]
    try:
        values["not_before"] = date.fromisoformat(values["not_before"])
        values["not_after"] = date.fromisoformat(values["not_after"])
    except ValueError:
        raise CertificateError("证书格式不正确：有效期不是日期") from None
    return Certificate(**values)


@lru_cache(maxsize=4096)
def _signed_by(text: str, ca_public: str) -> bool:
    """Tell whether the CA signed this certificate text (cached: customs sees the same card many times)."""
    certificate = parse(text)
    try:
        signature = bytes.fromhex(certificate.signature)
    except ValueError:
        return False
    return sm2.verify(ca_public, certificate.to_be_signed(), signature)


def check(cert_text: str, ca_public: str, today: date | None = None) -> tuple[bool, str]:
    """Check a certificate against the CA's public key and its validity on `today` (default: today in China).

    Returns (ok, reason); the reason is Chinese and empty when ok.
    """
    try:
        certificate = parse(cert_text)
    except CertificateError as exc:
        return False, str(exc)
    if not sm2.is_public_key(certificate.public_key):
        return False, "证书中的公钥不是有效的SM2公钥"
    if not _signed_by(cert_text, ca_public):
        return False, f"证书 {certificate.serial} 不是由本平台卡证书签发机构签发的"
    today = today or _today()
    if today < certificate.not_before:
        return False, f"证书 {certificate.serial} 尚未生效（{certificate.not_before.isoformat()} 起有效）"
    if today > certificate.not_after:
        return False, f"证书 {certificate.serial} 已过期（有效期至 {certificate.not_after.isoformat()}）"
    return True, ""


class Trust:
    """What customs trusts: the card authority's public key. Call it with a signed message's bytes to get
    (valid, reason, key_serial); valid is None when the message carries no signature."""

    def __init__(self, ca_public_key: str):
        if not sm2.is_public_key(ca_public_key):
            raise CertificateError("卡证书签发机构公钥不是有效的SM2公钥")
        self.ca_public_key = ca_public_key

    def key_for(self, key_name: str, cert_text: str | None, today: date | None = None) -> tuple[str | None, str]:
        """Return (the certified public key, "") for a signature's KeyName and certificate, or (None, reason)."""
        if not cert_text:
            return None, "签名未附带卡证书"
        ok, reason = check(cert_text, self.ca_public_key, today)
        if not ok:
            return None, reason
        certificate = parse(cert_text)
        if certificate.serial != key_name:
            return None, f"签名的密钥名 {key_name} 与卡证书序列号 {certificate.serial} 不一致"
        return certificate.public_key, ""

    def __call__(self, xml: bytes, now: datetime | date | None = None):
        """Verify a signed message: Verification(valid, reason, key_serial), unpackable as a 3-tuple."""
        today = now.date() if isinstance(now, datetime) else now
        return verify(xml, self, today=today)
