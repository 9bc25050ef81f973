"""Signing an outgoing message for the current actor, and what customs trusts (issue 16, U-5).

Until card signatures exist the message leaves unsigned (the XML unchanged, no key serial) and customs
accepts it as it is.
"""
from __future__ import annotations


def sign_outgoing(session, xml: bytes) -> tuple[bytes, str | None]:
    """Return the message as it leaves the portal and the serial of the key that signed it (None: unsigned)."""
    return xml, None


def trust_from_db(session):
    """Return customs' check of a message's signature: xml → (valid, reason, key serial)."""
    return lambda xml: (True, "", None)
