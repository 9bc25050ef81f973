"""RabbitMQ for the messaging tests: the broker of CUSTOMS_TEST_BROKER_URL (default guest@127.0.0.1:5672).

A broker that does not answer skips these tests on a developer machine and FAILS them in CI (CI=true),
where the machine starts RabbitMQ. Each test gets its own queue prefix, so parallel workers and runs
sharing the broker never see each other's messages; its queues are deleted afterwards.
"""
from __future__ import annotations

import os
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
