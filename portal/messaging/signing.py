"""Sign what the portal sends to customs (issue 16, item 4) and give customs the trust it needs.

Who signs a message is who sends it:
- a card login (U-2) signs with its card's key (ds:KeyName = the card's certificate serial);
- staff, the scheduler and the CLI sign with the platform key;
- an enterprise account login may only send module Q filings (U-5, refused upstream for everything else) and
  those go out under the platform key too: Q-18's signed scan of the 《报关单位备案信息表》 is that login's
  signature, as on the real Single Window.
The outbox (portal/messaging/outbox.py) calls `sign_outgoing` in the transaction that writes the message.
"""
from __future__ import annotations

from flask import g, has_request_context

from portal.identity import Identity
from portal.messaging import keys
from portal.models import Card
from rules.violations import RuleError, Violation
from wire import certs, signature


def _request_identity() -> Identity | None:
    """Return the identity of the current request; none outside one (a job's app context may hold a stale g)."""
    return getattr(g, "identity", None) if has_request_context() else None


def signer(session, identity: Identity | None = None):
    """Return the (Card or SigningKey) record that signs for `identity` (default: the request's identity)."""
    identity = identity or _request_identity()
    if identity is not None and identity.is_enterprise and identity.login_mode == "card" and identity.card:
        card = session.get(Card, identity.card.id)
        if card is None or not card.active:
            raise RuleError([Violation("U-3", "card", "卡介质已注销，不能签名")], status=403)
        return keys.card_with_key(session, card)
    return keys.platform(session)


def sign_outgoing(session, xml: bytes, identity: Identity | None = None) -> tuple[bytes, str | None]:
    """Sign an outgoing business message for the current actor; returns (signed xml, key serial)."""
    record = signer(session, identity)
    serial = record.cert_serial if isinstance(record, Card) else record.serial
    return signature.sign(xml, keys.key_pair(record), serial, record.certificate), serial


def trust_from_db(session) -> certs.Trust:
    """Return what customs trusts: the card authority's public key (made on first use)."""
    return certs.Trust(keys.authority(session).public_key)
