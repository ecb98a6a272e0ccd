"""Writing events to the transactional outbox (the producer side of a command).

In a command handler, inside the unit of work that changes the state::

    async with db.transaction() as session:
        invoice = ...                               # change state
        await add_event(
            session,
            event_type="ropo.invoice.v1.invoice_registered",
            subject_name=f"invoices/{invoice.id}",
            message=InvoiceRegistered(...),
            source="/ropo/invoice",
        )

The row commits or rolls back with the state change; the relay publishes it
later. The current trace context is captured now, so the consumers' spans join
the trace of the request that caused the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.db.types import utcnow
from ropo_platform.logging import get_request_id
from ropo_platform.messaging.envelope import (
    CORRELATION_ID,
    cloudevent_headers,
    validate_event_type,
    validate_source,
)
from ropo_platform.messaging.wakeup import mark_outbox_written
from ropo_platform.redaction import contains_hetu
from ropo_platform.telemetry import inject_headers

_outbox = DEFAULT_TABLES.outbox


async def add_event(
    session: AsyncSession,
    *,
    event_type: str,
    subject_name: str,
    message: Message,
    source: str,
    occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> str:
    """Insert one event into the outbox in ``session``'s transaction; returns its id.

    - ``event_type``: the NATS subject and CloudEvents type, ``ropo.<producer>.v1.<event>``;
    - ``subject_name``: resource name of the aggregate (``ce-subject``), e.g.
      ``invoices/inv_01J…``; events of one subject are published in write order;
    - ``message``: the protobuf message from ``events.proto`` (the body);
    - ``source``: ``/ropo/<producer>``;
    - ``occurred_at``: when the domain event happened (``ce-time``), default now.
    """
    validate_event_type(event_type)
    validate_source(source)
    if not subject_name or contains_hetu(subject_name):
        # Resource names go into headers, logs and spans; a personal id must not.
        raise ValueError("subject_name must be a non-empty resource name without personal ids")
    now = utcnow()
    event_id = event_id or str(uuid.uuid4())
    occurred_at = occurred_at or now
    headers = cloudevent_headers(
        event_id=event_id,
        event_type=event_type,
        source=source,
        subject=subject_name,
        time=occurred_at,
    )
    request_id = get_request_id()
    if request_id:
        headers[CORRELATION_ID] = request_id
    # traceparent/tracestate (and baggage) of the span active right now.
    headers = inject_headers(headers)
    await session.execute(
        insert(_outbox).values(
            id=event_id,
            event_type=event_type,
            source=source,
            subject=subject_name,
            payload=message.SerializeToString(),
            headers=headers,
            occurred_at=occurred_at,
            created_at=now,
            attempts=0,
        )
    )
    mark_outbox_written(session.sync_session)
    return event_id


@dataclass(frozen=True, slots=True)
class OutboxWriter:
    """``add_event`` bound to one producer's ``source`` (wire it in ``bootstrap.py``)."""

    source: str

    def __post_init__(self) -> None:
        validate_source(self.source)

    async def add(
        self,
        session: AsyncSession,
        *,
        event_type: str,
        subject_name: str,
        message: Message,
        occurred_at: datetime | None = None,
    ) -> str:
        return await add_event(
            session,
            event_type=event_type,
            subject_name=subject_name,
            message=message,
            source=self.source,
            occurred_at=occurred_at,
        )


__all__ = ["OutboxWriter", "add_event"]
