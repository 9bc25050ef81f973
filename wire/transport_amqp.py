"""The RabbitMQ transport (issue 16 item 5): the same Transport interface over AMQP 0-9-1 with pika.

Selected by `CUSTOMS_BROKER_URL=amqp://user:password@host:5672/vhost` (wire.transport.transport_from_config).
Several processes on several machines may publish and consume the same queues.

Guarantees and how they are kept:

* durable queues, persistent messages (delivery mode 2) and publisher confirms: `publish` returns only
  after the broker has taken the message; a refused or unroutable message raises. After a lost
  connection `publish` reconnects and sends once more (a duplicate message id is harmless: the portal's
  inbox and the simulated customs are idempotent by message id).
* manual acks and a prefetch window: a message is acked after its handler returned. A consumer that dies
  holding messages (kill -9, lost connection) never acks them, and the broker gives them to the next
  consumer (the `redelivered` flag is set); the idempotent handler applies them once.
* failed deliveries are counted in a message header, `x-attempts` (classic queues; no quorum queue):
  a handler that raises makes the transport publish a copy with `x-attempts` + 1 at the back of the queue
  (confirmed) and ack the original, so it is delivered again later and other messages are not held up.
  The delivery that reaches MAX_ATTEMPTS failures is rejected without requeue instead, and the queue's
  dead-letter exchange `customs.dlx` routes it to the dead-letter queue `customs.dlq` (the broker adds an
  `x-death` header naming the queue it came from). Why a header and not quorum queues' x-delivery-count:
  RabbitMQ 3.x counts every return of a prefetched message (a consumer cancelled with messages in its
  window, a closed channel) as a delivery, so healthy messages could be buried; the header counts only
  handler failures. A message whose handler kills the process instead of raising is not counted: it is
  redelivered until a consumer handles it (the handlers do not crash on bad input: they park it).
* a message without an AMQP `message_id` property is rejected at once (dead-lettered): the interface
  hands every handler the message id.

Queue names are those of wire.transport (TO_CUSTOMS, TO_PORTAL, DEAD_LETTERS) behind an optional prefix
(`prefix=` or the environment variable CUSTOMS_QUEUE_PREFIX), so that test workers and benchmark runs
sharing one broker do not see each other's messages. One AmqpTransport holds one connection and must be
used by one thread at a time (pika's BlockingConnection is not thread-safe).
"""
from __future__ import annotations

import logging
import os
import time

import pika
from pika.exceptions import AMQPChannelError, AMQPConnectionError

from wire.transport import DEAD_LETTERS, MAX_ATTEMPTS, TO_CUSTOMS, TO_PORTAL, Handler

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "customs.dlx"
ATTEMPTS_HEADER = "x-attempts"
PREFETCH = 50               # unacked messages a consumer may hold
DRAIN_IDLE_SECONDS = 0.2    # wait=0: a drain ends when nothing arrives for this long
RETRY_PAUSE_SECONDS = 0.2   # a consumer pauses this long after a failed delivery (a transient cause passes)
CONTENT_TYPE = "application/xml"


def attempts_of(properties) -> int:
    """Return how many failed deliveries a message has behind it (its `x-attempts` header)."""
    headers = properties.headers or {}
    try:
        return int(headers.get(ATTEMPTS_HEADER, 0))
    except (TypeError, ValueError):
        return 0


class AmqpTransport:
    """A Transport over RabbitMQ: durable classic queues, confirms, manual acks, a dead-letter queue."""

    def __init__(self, url: str, *, prefix: str | None = None, prefetch: int = PREFETCH,
                 retry_pause: float = RETRY_PAUSE_SECONDS):
        self.parameters = pika.URLParameters(url)
        self.prefix = os.environ.get("CUSTOMS_QUEUE_PREFIX", "") if prefix is None else prefix
        self.prefetch = prefetch
        self.retry_pause = retry_pause
        self._connection = None
        self._channel = None
        self._declared: set[str] = set()

    # ---- connection and topology -----------------------------------------------------------------
    def name(self, queue: str) -> str:
        """The broker-side name of `queue` (with this transport's prefix)."""
        return self.prefix + queue

    def _open(self):
        """Return an open channel with confirms on, connecting and declaring the dead-letter route."""
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self._reset()
        self._connection = pika.BlockingConnection(self.parameters)
        channel = self._connection.channel()
        channel.confirm_delivery()
        exchange = self.name(DEAD_LETTER_EXCHANGE)
        channel.exchange_declare(exchange, "fanout", durable=True)
        channel.queue_declare(self.name(DEAD_LETTERS), durable=True)
        channel.queue_bind(self.name(DEAD_LETTERS), exchange)
        self._declared = {DEAD_LETTERS}
        self._channel = channel
        return channel

    def _queue(self, queue: str):
        """Return an open channel on which `queue` is declared (durable, dead-lettering to the DLQ)."""
        channel = self._open()
        if queue not in self._declared:
            channel.queue_declare(self.name(queue), durable=True,
                                  arguments={"x-dead-letter-exchange": self.name(DEAD_LETTER_EXCHANGE)})
            self._declared.add(queue)
        return channel

    def _reset(self) -> None:
        """Forget the connection (closing it if it is still open)."""
        connection, self._connection, self._channel = self._connection, None, None
        self._declared = set()
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except (AMQPConnectionError, AMQPChannelError):
                pass

    def close(self) -> None:
        """Close the connection; unacked messages go back to their queue."""
        self._reset()

    # ---- publishing ------------------------------------------------------------------------------
    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        """Send `body` persistently and wait for the broker's confirm; reconnect once if the link broke."""
        self._retrying(f"publish of {message_id}", lambda: self._send(self._queue(queue), queue, message_id, body, {}))

    def _retrying(self, what: str, action):
        """Run `action`; when the link broke (e.g. heartbeats missed while idle), reconnect and run it once more."""
        try:
            return action()
        except (AMQPConnectionError, AMQPChannelError) as exc:
            log.warning("AMQP %s failed (%s); reconnecting once", what, exc)
            self._reset()
            return action()

    def _send(self, channel, queue: str, message_id: str, body: bytes, headers: dict) -> None:
        """Publish one persistent message on `channel` (in confirm mode: returns once the broker has it)."""
        properties = pika.BasicProperties(message_id=message_id, delivery_mode=pika.DeliveryMode.Persistent,
                                          content_type=CONTENT_TYPE, headers=headers or None)
        # mandatory: an unroutable message raises UnroutableError; a broker nack raises NackError.
        channel.basic_publish("", self.name(queue), body, properties, mandatory=True)

    # ---- consuming -------------------------------------------------------------------------------
    def consume(self, queue: str, handler: Handler, *, limit: int | None = None, wait: float = 0.0) -> int:
        """Hand messages of `queue` to `handler` one by one; ack on return, retry later or bury on error.

        wait=0 drains what the queue holds when called; wait>0 goes on until `wait` seconds pass
        without a message. `limit` caps the messages handled. Returns how many the handler took
        without raising.
        """
        channel, ready = self._retrying(f"consume from {queue}", lambda: self._waiting(queue))
        budget = None   # deliveries this call may take (a drain takes what was there, no more)
        idle = wait
        if wait <= 0:
            budget = ready
            if budget == 0:
                return 0
            idle = DRAIN_IDLE_SECONDS
        if limit is not None and limit <= 0:
            return 0
        channel.basic_qos(prefetch_count=min([self.prefetch, *(n for n in (budget, limit) if n)]))
        handled = taken = 0
        cancelled = False
        try:
            for method, properties, body in channel.consume(self.name(queue), inactivity_timeout=idle):
                if method is None:
                    break
                taken += 1
                error = self._run(handler, properties, body)
                handled += error is None
                last = (budget is not None and taken >= budget) or (limit is not None and handled >= limit)
                if last:   # stop the deliveries while the window is still full, so nothing is left in it
                    channel.cancel()
                    cancelled = True
                self._settle(channel, queue, method, properties, body, error)
                if last:
                    break
        finally:
            if not cancelled and channel.is_open:
                channel.cancel()   # messages left in the window go back to the queue, uncounted
        return handled

    @staticmethod
    def _run(handler: Handler, properties, body: bytes) -> Exception | None:
        """Run the handler on one delivery; return its exception (None when it returned)."""
        if not properties.message_id:
            return ValueError("AMQP message without message_id")
        try:
            handler(properties.message_id, body)
        except Exception as exc:  # the handler's failure is the message's: retried later, then buried
            return exc
        return None

    def _settle(self, channel, queue: str, method, properties, body: bytes, error: Exception | None) -> None:
        """Ack a handled delivery; count a failed one: a copy to the back of the queue, or the DLQ."""
        if error is None:
            channel.basic_ack(method.delivery_tag)
            return
        attempts = MAX_ATTEMPTS if not properties.message_id else attempts_of(properties) + 1
        log.warning("AMQP delivery %d of %s on %s failed: %s: %s", attempts, properties.message_id, queue,
                    type(error).__name__, error)
        if attempts >= MAX_ATTEMPTS:
            channel.basic_reject(method.delivery_tag, requeue=False)   # → customs.dlx → customs.dlq
        else:
            headers = dict(properties.headers or {})
            headers[ATTEMPTS_HEADER] = attempts
            headers["x-last-error"] = f"{type(error).__name__}: {error}"[:500]
            self._send(channel, queue, properties.message_id, body, headers)
            channel.basic_ack(method.delivery_tag)
        if self.retry_pause > 0:
            time.sleep(self.retry_pause)

    # ---- inspection ------------------------------------------------------------------------------
    def _waiting(self, queue: str) -> tuple:
        """Return (channel, number of messages ready in `queue`)."""
        channel = self._queue(queue)
        return channel, channel.queue_declare(self.name(queue), passive=True).method.message_count

    def counts(self, queue: str) -> dict:
        """Return {"READY": messages waiting in `queue`} (DEAD_LETTERS: the dead letters of every queue)."""
        return {"READY": self._retrying(f"count of {queue}", lambda: self._waiting(queue))[1]}

    def delete_queues(self) -> None:
        """Delete this transport's queues and dead-letter exchange (test and benchmark clean-up)."""
        channel = self._open()
        for queue in (TO_CUSTOMS, TO_PORTAL, DEAD_LETTERS):
            channel.queue_delete(self.name(queue))
        channel.exchange_delete(self.name(DEAD_LETTER_EXCHANGE))
        self._reset()
