"""RabbitMQ for the messaging tests: the broker of CUSTOMS_TEST_BROKER_URL (default guest@127.0.0.1:5672).

A broker that does not answer skips these tests on a developer machine and FAILS them in CI (CI=true),
where the machine starts RabbitMQ. Each test gets its own queue prefix, so parallel workers and runs
sharing the broker never see each other's messages; its queues are deleted afterwards.
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert
from sqlalchemy.exc import IntegrityError

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"

applied_metadata = MetaData()
# What a test consumer "applies": one row per message id; the unique key makes a second apply a no-op.
applied = Table("amqp_test_applied", applied_metadata, Column("message_id", String(36), primary_key=True),
                Column("consumer", String(40), nullable=False))


def broker_url() -> str:
    """The broker the tests use."""
    return os.environ.get("CUSTOMS_TEST_BROKER_URL", DEFAULT_BROKER_URL)


def require_broker() -> str:
    """Return the broker URL when RabbitMQ answers; else fail in CI, skip elsewhere."""
    import pika
    from pika.exceptions import AMQPError
    url = broker_url()
    try:
        parameters = pika.URLParameters(url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 5
        pika.BlockingConnection(parameters).close()
    except (AMQPError, OSError) as exc:
        message = f"RabbitMQ does not answer at {url}: {type(exc).__name__} {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message)
    return url


def new_prefix() -> str:
    """A queue prefix no other test uses."""
    return f"test-{uuid.uuid4().hex[:10]}."


def apply_once(engine, message_id: str, consumer: str) -> bool:
    """Apply a message: insert its row; return False when it had been applied before."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(applied).values(message_id=message_id, consumer=consumer))
    except IntegrityError:
        return False
    return True


@pytest.fixture
def amqp_url() -> str:
    """The RabbitMQ URL (fails in CI, skips locally, when the broker does not answer)."""
    return require_broker()


@pytest.fixture
def amqp(amqp_url):
    """Return a factory of AmqpTransports on one fresh queue prefix; deletes the queues afterwards."""
    from wire.transport_amqp import AmqpTransport
    prefix = new_prefix()
    made = []

    def factory(**options) -> AmqpTransport:
        options.setdefault("retry_pause", 0)
        transport = AmqpTransport(amqp_url, prefix=prefix, **options)
        made.append(transport)
        return transport

    factory.prefix = prefix
    yield factory
    for transport in made:
        transport.close()
    AmqpTransport(amqp_url, prefix=prefix).delete_queues()


@pytest.fixture
def applied_engine(app):
    """An engine on the test database with the `amqp_test_applied` table (dropped afterwards)."""
    engine = create_engine(app.config["TEST_DATABASE_URI"])
    applied_metadata.create_all(engine)
    yield engine
    applied_metadata.drop_all(engine)
    engine.dispose()


class LinkCutter:
    """A TCP relay in front of the broker whose connections the test can cut (a network failure)."""

    def __init__(self, url: str):
        from urllib.parse import urlsplit
        parts = urlsplit(url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 5672)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = url.replace(f"{parts.hostname}:{parts.port or 5672}", f"127.0.0.1:{self.server.getsockname()[1]}")
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Break every connection relayed so far."""
        for end in self.sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.sockets = []

    def close(self) -> None:
        self.cut()
        self.server.close()
