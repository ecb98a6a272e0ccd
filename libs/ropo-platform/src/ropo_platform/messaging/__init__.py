"""Events between services: transactional outbox, relay, JetStream provisioning,
idempotent consumers (inbox) and the CloudEvents envelope.

Producer: ``add_event`` / ``OutboxWriter`` in the command's transaction;
``OutboxRelay`` publishes. Consumer: ``EventConsumer.on(type, Message, handler)``.
Worker: ``connect_nats`` + ``ensure_stream`` + ``run_until_stopped([relay, consumer])``,
all in one for a service: ``run_relay_worker``.
"""

from ropo_platform.messaging.backoff import Backoff
from ropo_platform.messaging.connection import connect_nats
from ropo_platform.messaging.consumer import ConsumerSettings, EventConsumer, Handler, Outcome
from ropo_platform.messaging.envelope import Envelope, InvalidEnvelope
from ropo_platform.messaging.errors import PermanentError
from ropo_platform.messaging.inbox import record_processed, was_processed
from ropo_platform.messaging.outbox import OutboxEvent, OutboxWriter, add_event, add_events
from ropo_platform.messaging.relay import OutboxRelay
from ropo_platform.messaging.streams import ensure_consumer, ensure_stream
from ropo_platform.messaging.worker import Runnable, run_relay_worker, run_until_stopped

__all__ = [
    "Backoff",
    "ConsumerSettings",
    "Envelope",
    "EventConsumer",
    "Handler",
    "InvalidEnvelope",
    "OutboxEvent",
    "OutboxRelay",
    "OutboxWriter",
    "Outcome",
    "PermanentError",
    "Runnable",
    "add_event",
    "add_events",
    "connect_nats",
    "ensure_consumer",
    "ensure_stream",
    "record_processed",
    "run_relay_worker",
    "run_until_stopped",
    "was_processed",
]
