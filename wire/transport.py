"""The transport between the portal and customs (issue 16): one interface, two implementations.

A transport carries opaque bodies (the envelope XML of wire/envelope.py) on named queues:

    TO_CUSTOMS  "customs.in"   business messages the portal sends
    TO_PORTAL   "portal.in"    receipts customs answers with

    publish(queue, message_id, body)      at least once; publishing the same (queue, message_id)
                                          again is harmless (the receiver is idempotent anyway)
    consume(queue, handler, limit, wait)  handler(message_id, body) returns → the message is acked;
                                          raises → it is delivered again later; after MAX_ATTEMPTS
                                          failed deliveries it goes dead (state DEAD / the DLQ).
                                          wait=0 drains what is there and returns; returns the number
                                          of messages handled.
    close()

`transport_from_config(broker_url, engine)`: no broker URL → the database transport on the portal's
own engine (wire/transport_db.py, works on SQLite); `amqp://…` → RabbitMQ (wire/transport_amqp.py).
"""
from __future__ import annotations

from typing import Callable, Protocol

TO_CUSTOMS = "customs.in"
TO_PORTAL = "portal.in"
DEAD_LETTERS = "customs.dlq"
MAX_ATTEMPTS = 5

Handler = Callable[[str, bytes], None]


class Transport(Protocol):
    """What the portal and the simulated customs need of a message transport."""

    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        """Hand `body` to the transport durably (at least once); a duplicate message id is harmless."""

    def consume(self, queue: str, handler: Handler, *, limit: int | None = None, wait: float = 0.0) -> int:
        """Deliver messages of `queue` to `handler` one at a time; return how many it handled."""

    def close(self) -> None:
        """Release connections."""


def transport_from_config(broker_url: str | None, engine) -> Transport:
    """Return the configured transport: RabbitMQ for an amqp:// URL, else the database transport."""
    if broker_url:
        from wire.transport_amqp import AmqpTransport
        return AmqpTransport(broker_url)
    from wire.transport_db import DbTransport
    return DbTransport(engine)
