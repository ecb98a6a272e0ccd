"""The ``worker`` role: the outbox relay, the payment- and authorization-event
consumers and the collection schedule.

At start it provisions the invoice stream (``ROPO_INVOICE`` capturing
``ropo.invoice.>``), idempotently, then runs the relay, the consumer of payment
events (it waits for ``ROPO_PAYMENT``, which the payment worker provisions), the
consumer of authorization events (it waits for ``ROPO_AUTHORIZATION``, which the
authorization worker provisions), the consumer of refund events (it waits for
``ROPO_REFUND``; refund letters into the message centre), the daily collection and
due-date notification runs and the e-mail dispatcher (every
``ROPO_INVOICE_EMAIL_INTERVAL`` seconds) until SIGTERM or SIGINT. Neither wait holds
up the others.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from ropo_platform.messaging import ConsumerSettings, run_relay_worker

from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.service_layer.integration_events import EVENT_SOURCE

STREAM = "ROPO_INVOICE"
STREAM_SUBJECTS = ("ropo.invoice.>",)


async def run_worker(
    app: InvoiceApp,
    *,
    stop: asyncio.Event | None = None,
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    consumer_settings: ConsumerSettings | None = None,
    authorization_consumer_settings: ConsumerSettings | None = None,
    poll_interval: float = 0.5,
) -> None:
    """Run until ``stop`` is set or a signal arrives; NATS outages are ridden out."""
    await run_relay_worker(
        "invoice",
        app.database,
        app.settings.nats_url,
        stream=STREAM,
        subjects=STREAM_SUBJECTS,
        source=EVENT_SOURCE,
        consumers=lambda nc: app.worker_tasks(
            nc, consumer_settings, authorization_consumer_settings
        ),
        stop=stop,
        signals=signals,
        poll_interval=poll_interval,
        stream_replicas=app.settings.stream_replicas,
    )
