"""The keys behind card signatures (issue 16, item 4): the card authority, the platform key and card keys.

- The card authority (CA, `signing_keys` row "card-authority") certifies every card key and the platform key;
  customs is given only its public key (wire/certs.py: Trust).
- The platform key ("platform") signs what no card declares: messages sent by staff and the scheduler, and
  module Q filings from an account login (U-5 allows those without a card; Q-18's signed scan of the
  《报关单位备案信息表》 stands in for the card there).
- Each card gets its own SM2 key pair, serial and certificate when it is bound (U-3); a card bound before
  signatures existed gets them the first time it signs.

Private keys are stored only encrypted: AES-256-GCM with a key derived by HKDF-SHA256 from CARD_KEY_SECRET
(or SECRET_KEY when that is not set), the row it belongs to as associated data (a ciphertext copied onto another
row does not decrypt). Changing that secret makes the stored keys unreadable: set CARD_KEY_SECRET to rotate
SECRET_KEY independently.
"""
from __future__ import annotations

import base64
import os
import secrets
from datetime import date, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.models import Card, Enterprise, SigningKey
from wire import certs, sm2

AUTHORITY, PLATFORM = "card-authority", "platform"
CERTIFICATE_YEARS = 10
_VERSION = "v1"


class KeyStoreError(RuntimeError):
    """A stored private key that cannot be decrypted (wrong CARD_KEY_SECRET / SECRET_KEY, or altered)."""


def _cipher() -> AESGCM:
    secret = current_app.config.get("CARD_KEY_SECRET") or current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"single-window card keys",
               info=b"private key encryption v1").derive(secret.encode("utf-8"))
    return AESGCM(key)


def encrypt_private_key(private_key: str, owner: str) -> str:
    """Encrypt a private key (hex) for storage; `owner` names its row and must be given again to decrypt."""
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, private_key.encode("ascii"), owner.encode("utf-8"))
    return f"{_VERSION}:" + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt_private_key(stored: str, owner: str) -> str:
    """Decrypt a stored private key; raises KeyStoreError when it cannot be."""
    version, _, payload = (stored or "").partition(":")
    try:
        raw = base64.b64decode(payload, validate=True)
        if version != _VERSION or len(raw) < 13:
            raise ValueError(version)
        return _cipher().decrypt(raw[:12], raw[12:], owner.encode("utf-8")).decode("ascii")
    except (InvalidTag, ValueError):
        raise KeyStoreError(f"无法解密 {owner} 的私钥：CARD_KEY_SECRET / SECRET_KEY 与生成密钥时不同，或密文被改动") \
            from None


def _owner(record) -> str:
    """Name a key's row for the encryption's associated data."""
    if isinstance(record, Card):
        return f"cards:{record.cert_serial}"
    return f"signing_keys:{record.name}:{record.serial}"


def new_serial() -> str:
    """Return a new certificate serial (20 upper-case hex digits, random)."""
    return secrets.token_hex(10).upper()


def _validity(until: date | None = None) -> tuple[date, date]:
    """Return (not_before, not_after): from yesterday (a day's grace for a verifier whose clock is behind ours)
    to `until` (a card's own validity) or for ten years."""
    start = clock.today() - timedelta(days=1)
    if until is None:
        year = start.year + CERTIFICATE_YEARS
        until = start.replace(year=year, day=28) if (start.month, start.day) == (2, 29) else start.replace(year=year)
    return start, max(until, start)


def key_pair(record) -> sm2.KeyPair:
    """Return the decrypted key pair of a SigningKey or a Card."""
    return sm2.KeyPair(private_key=decrypt_private_key(record.private_key_enc, _owner(record)),
                       public_key=record.public_key)


def _create(session, name: str) -> SigningKey:
    """Make the CA (self-certified) or the platform key (certified by the CA)."""
    pair, serial = sm2.generate_key_pair(), new_serial()
    start, until = _validity()
    if name == AUTHORITY:
        issuer, issuer_serial = pair, serial
    else:
        ca = authority(session)
        issuer, issuer_serial = key_pair(ca), ca.serial
    certificate = certs.issue(issuer, serial, name, pair.public_key, until, not_before=start, issuer=issuer_serial)
    record = SigningKey(name=name, serial=serial, public_key=pair.public_key, certificate=certificate,
                        private_key_enc="")
    record.private_key_enc = encrypt_private_key(pair.private_key, _owner(record))
    return record


def _signing_key(session, name: str) -> SigningKey:
    """Return the named key, creating it once even when two transactions race (savepoint + re-read)."""
    query = select(SigningKey).where(SigningKey.name == name)
    record = session.scalar(query)
    if record is not None:
        return record
    try:
        with session.begin_nested():
            record = _create(session, name)
            session.add(record)
    except IntegrityError:
        record = session.scalar(query)
    return record


def authority(session) -> SigningKey:
    """Return the card authority's key (made on first use)."""
    return _signing_key(session, AUTHORITY)


def platform(session) -> SigningKey:
    """Return the platform's signing key (made on first use)."""
    return _signing_key(session, PLATFORM)


def ensure_platform_keys(session) -> None:
    """Make the card authority and the platform key if they are missing (`flask init`, demo data)."""
    platform(session)


def card_subject(card: Card, uscc: str) -> str:
    """Return the certificate subject of a card: its number and its enterprise's USCC."""
    return f"card_no={card.card_no};uscc={uscc}"


def issue_card_key(session, card: Card) -> Card:
    """Give a card a new SM2 key pair, a certificate serial and the CA's certificate (U-3); the caller flushes."""
    ca = authority(session)
    enterprise = card.enterprise or session.get(Enterprise, card.enterprise_id)
    pair = sm2.generate_key_pair()
    start, until = _validity(card.valid_until)
    card.cert_serial = new_serial()
    card.public_key = pair.public_key
    card.certificate = certs.issue(key_pair(ca), card.cert_serial, card_subject(card, enterprise.uscc),
                                   pair.public_key, until, not_before=start, issuer=ca.serial)
    card.private_key_enc = encrypt_private_key(pair.private_key, _owner(card))
    return card


def card_with_key(session, card: Card) -> Card:
    """Return the card with its key, issuing one first for a card bound before signatures existed."""
    if not (card.private_key_enc and card.public_key and card.cert_serial and card.certificate):
        issue_card_key(session, card)
        session.flush()
    return card
