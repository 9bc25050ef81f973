"""Signing an outgoing message for the current actor (issue 16, U-5).

Until card signatures exist the message leaves unsigned: (the XML unchanged, no key serial).
"""
from __future__ import annotations


def sign_outgoing(session, xml: bytes) -> tuple[bytes, str | None]:
    """Return the message as it leaves the portal and the serial of the key that signed it (None: unsigned)."""
    return xml, None
