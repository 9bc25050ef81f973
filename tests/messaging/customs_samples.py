"""Sample business messages in their envelopes, and a transport that remembers what it published,
for the simulated customs' tests (tests/messaging/test_customs_*.py)."""
from __future__ import annotations

import threading
from datetime import date, datetime

from wire import certs, signature, sm2
from wire.catalog import CUSTOMS_DXP_ID, DXP_MODE, enterprise_dxp_id
from wire.envelope import unwrap, wrap
from wire.messages import BusinessMessage, new_guid, receipt_from_xml, to_xml
from wire.transport import TO_PORTAL

USCC = "91440300MA5F000001"
WATCHED_USCC = "91440300MA5F000002"
DECLARED_AT = datetime(2026, 6, 10, 9, 0, 0)
# The smallest head each sample type's XSD accepts.
HEADS = {
    "CEB911": {"applicationType": "FILING", "qualificationTypes": "IE", "entName": "深圳样例贸易有限公司",
               "loginMode": "CARD"},
    "CEB921": {"requestDate": "20260610", "entName": "深圳样例贸易有限公司"},
    "CEB961": {"listType": "IMPORT_GENERAL", "ieFlag": "I", "customsCode": "5300", "entName": "深圳样例贸易有限公司"},
    "CEB981": {"customsCode": "5300", "ieFlag": "I", "entName": "深圳样例贸易有限公司", "groupSeq": "1",
               "itemCount": "0"},
}


def business_message(msg_type: str, business_no: str, *, version: int = 2, uscc: str = USCC,
                     app_time: datetime = DECLARED_AT) -> BusinessMessage:
    """Return a valid message of `msg_type` (one of HEADS) for the record `business_no`."""
    return BusinessMessage(msg_type=msg_type, guid=new_guid(), app_type="1", app_time=app_time,
                           head=dict(HEADS[msg_type]), rows=[], business_no=business_no, record_version=version,
                           transfer={"copCode": uscc, "copName": "深圳样例贸易有限公司", "dxpMode": DXP_MODE,
                                     "dxpId": enterprise_dxp_id(uscc)})


def envelope(message: BusinessMessage, xml: bytes | None = None) -> bytes:
    """Return the message (or `xml` in its place) wrapped as the portal sends it to customs."""
    data = to_xml(message) if xml is None else xml
    return wrap(message.msg_type, message.guid, message.transfer["dxpId"], CUSTOMS_DXP_ID, data, message.app_time)


def signed_by_card(xml: bytes):
    """A trust that vouches for every message (the signature itself is tested with wire/signature.py)."""
    return True, "签名有效", "CARD-0001"


class CardAuthority:
    """A card authority with one card: signs messages as that card; `trust` is what customs checks them with."""

    SERIAL = "CARD-SAMPLE-0001"

    def __init__(self):
        authority, self.card = sm2.generate_key_pair(), sm2.generate_key_pair()
        self.certificate = certs.issue(authority, self.SERIAL, USCC, self.card.public_key, date(2099, 12, 31),
                                       not_before=date(2020, 1, 1))
        self.trust = certs.Trust(authority.public_key)

    def sign(self, message: BusinessMessage) -> bytes:
        """Return the message's XML signed by the card."""
        return signature.sign(to_xml(message), self.card, self.SERIAL, self.certificate)


class RecordingTransport:
    """Wraps a real transport and remembers every publish (to tell a step answered twice from once)."""

    def __init__(self, transport):
        self.transport = transport
        self.published: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        """Publish through the real transport and note (queue, message_id)."""
        self.transport.publish(queue, message_id, body)
        with self._lock:
            self.published.append((queue, message_id))

    def consume(self, queue, handler, *, limit=None, wait=0.0) -> int:
        """Consume through the real transport."""
        return self.transport.consume(queue, handler, limit=limit, wait=wait)

    def close(self) -> None:
        """Close the real transport."""
        self.transport.close()


def receipts(transport) -> list:
    """Drain TO_PORTAL and return its receipts (ReceiptMessage), oldest first."""
    found = []
    transport.consume(TO_PORTAL, lambda _id, body: found.append(receipt_from_xml(unwrap(body).xml)))
    return found
