"""A consumer that dies holding a message (the crash test of tests/messaging/test_amqp_transport.py).

    python -m tests.messaging.crash_consumer BROKER_URL PREFIX DATABASE_URL

It consumes TO_CUSTOMS; for the first message it applies it (commits its row), prints
"APPLIED <message id>" and then hangs before the ack, until the test kills it with SIGKILL.
"""
from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine

from tests.messaging.amqp_broker import apply_once
from wire.transport import TO_CUSTOMS
from wire.transport_amqp import AmqpTransport


def main(url: str, prefix: str, database_url: str) -> None:
    """Consume until killed; never ack."""
    engine = create_engine(database_url)

    def handler(message_id: str, body: bytes) -> None:
        apply_once(engine, message_id, "crashed")
        print("APPLIED", message_id, flush=True)
        while True:   # the process is killed here, between the apply and the ack
            time.sleep(1)

    AmqpTransport(url, prefix=prefix, prefetch=10).consume(TO_CUSTOMS, handler, wait=60)


if __name__ == "__main__":
    main(*sys.argv[1:4])
