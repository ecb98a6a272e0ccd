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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    row = _outbox_row(
        OutboxEvent(event_type, subject_name, message, occurred_at, event_id), source, utcnow()
    )
    await session.execute(insert(_outbox).values(row))
    mark_outbox_written(session.sync_session)
    return str(row["id"])


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One event for ``add_events`` (the arguments of ``add_event`` but the source)."""

    event_type: str
    subject_name: str
    message: Message
    occurred_at: datetime | None = None
    event_id: str | None = None


async def add_events(
    session: AsyncSession, events: Sequence[OutboxEvent], *, source: str
) -> list[str]:
    """Insert several events with one statement (a batch import writes hundreds);
    same rules and headers as ``add_event``, written in the given order."""
    if not events:
        return []
    now = utcnow()
    rows = [_outbox_row(event, source, now) for event in events]
    await session.execute(insert(_outbox), rows)
    mark_outbox_written(session.sync_session)
    return [str(row["id"]) for row in rows]


def _outbox_row(event: OutboxEvent, source: str, now: datetime) -> dict[str, Any]:
    validate_event_type(event.event_type)
    validate_source(source)
    subject_name = event.subject_name
    if not subject_name or contains_hetu(subject_name):
        # Resource names go into headers, logs and spans; a personal id must not.
        raise ValueError("subject_name must be a non-empty resource name without personal ids")
    event_id = event.event_id or str(uuid.uuid4())
    occurred_at = event.occurred_at or now
    headers = cloudevent_headers(
        event_id=event_id,
        event_type=event.event_type,
        source=source,
        subject=subject_name,
        time=occurred_at,
    )
    request_id = get_request_id()
    if request_id:
        headers[CORRELATION_ID] = request_id
    # traceparent/tracestate (and baggage) of the span active right now.
    headers = inject_headers(headers)
    return {
        "id": event_id,
        "event_type": event.event_type,
        "source": source,
        "subject": subject_name,
        "payload": event.message.SerializeToString(),
        "headers": headers,
        "occurred_at": occurred_at,
        "created_at": now,
        "attempts": 0,
    }


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

    async def add_many(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> list[str]:
        """``add_events`` with this producer's source."""
        return await add_events(session, events, source=self.source)


__all__ = ["OutboxEvent", "OutboxWriter", "add_event", "add_events"]
