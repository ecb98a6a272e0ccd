"""Authorization events from the authorization service, noted in the invoice timeline.

Someone was authorized for an invoice (*valtuutus*), or such an authorization ended
(revoked by the debtor or staff, expired, or ended with the invoice). The invoice
itself does not change: only a timeline entry is added, so that the debtor and
customer service see when access was given and taken away.

The entry keeps values, not words (see ``timeline_texts``): the authorization's id,
its expiry date, why it ended. Never a name, a person key or an identity code, so
nothing personal about the authorized person lands in the invoice database.

Each authorization adds at most one *granted* and one *ended* entry per invoice
(checked against the stored timeline), on top of the consumer's inbox: an event
published twice under different ids still counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.model import INVOICES_PREFIX
from ropo_invoice.domain.stage import Stage
from ropo_invoice.service_layer.ports import (
    InvoiceFilter,
    Timeline,
    TimelineEntry,
    TimelineType,
)
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork

#: Timeline pages read when looking for an earlier entry of the same authorization.
_PAGE = 200


class AuthorizationEnd(StrEnum):
    """Why an authorization stopped being in force (``details["end"]``)."""

    #: Revoked by the debtor or by customer service.
    REVOKED = "revoked"
    #: Its last day passed.
    EXPIRED = "expired"
    #: The invoice was paid.
    PAID = "paid"
    #: The invoice was closed otherwise (credited, cancelled).
    CLOSED = "closed"
    #: A reason this service does not know yet (a newer producer): worded without one.
    UNKNOWN = "unknown"


#: The reason an authorization ended with its invoice, from the invoice's stage.
_CLOSED_STAGES = frozenset({Stage.CREDITED, Stage.CANCELLED})


@dataclass(frozen=True, slots=True)
class NoteAuthorizationGranted:
    """``authorization_id`` came into force for the invoice at ``occurred_at``."""

    invoice_id: str
    authorization_id: str
    occurred_at: datetime
    #: Last day in force; ``None`` when open-ended.
    expire_date: date | None = None


@dataclass(frozen=True, slots=True)
class NoteAuthorizationEnded:
    """``authorization_id`` of the invoice stopped being in force at ``occurred_at``.

    ``end`` is ``None`` when it ended with the invoice (paid or closed): the invoice's
    own stage then says which."""

    invoice_id: str
    authorization_id: str
    occurred_at: datetime
    end: AuthorizationEnd | None


async def note_authorization_granted(
    command: NoteAuthorizationGranted, uow: AbstractUnitOfWork
) -> bool:
    """Add the *authorization granted* entry; ``False`` when it was already there."""
    details = {"authorization": command.authorization_id}
    if command.expire_date is not None:
        details["expire_date"] = command.expire_date.isoformat()
    async with uow:
        await _stage(uow, command.invoice_id)
        entry = TimelineEntry(
            command.invoice_id,
            TimelineType.AUTHORIZATION_GRANTED,
            command.occurred_at,
            details=details,
        )
        return await _append_once(uow, entry)


async def note_authorization_ended(
    command: NoteAuthorizationEnded, uow: AbstractUnitOfWork
) -> bool:
    """Add the *authorization ended* entry; ``False`` when it was already there."""
    async with uow:
        stage = await _stage(uow, command.invoice_id)
        end = command.end
        if end is None:
            end = AuthorizationEnd.CLOSED if stage in _CLOSED_STAGES else AuthorizationEnd.PAID
        entry = TimelineEntry(
            command.invoice_id,
            TimelineType.AUTHORIZATION_REVOKED,
            command.occurred_at,
            details={"authorization": command.authorization_id, "end": end.value},
        )
        return await _append_once(uow, entry)


async def _stage(uow: AbstractUnitOfWork, invoice_id: str) -> Stage:
    """The invoice's stage (read-only: the invoice is not tracked or changed)."""
    found = await uow.invoices.list(InvoiceFilter(invoice_ids=(invoice_id,)), None, 1)
    if not found:
        raise InvoiceNotFound(INVOICES_PREFIX + invoice_id)
    return found[0].stage


async def _append_once(uow: AbstractUnitOfWork, entry: TimelineEntry) -> bool:
    if await _recorded(uow.timeline, entry):
        return False
    await uow.timeline.append([entry])
    await uow.commit()
    return True


async def _recorded(timeline: Timeline, entry: TimelineEntry) -> bool:
    """True when the invoice's timeline already has this entry of this authorization."""
    after = 0
    while True:
        page = await timeline.list(entry.invoice_id, after, _PAGE)
        for stored in page:
            if (
                stored.type is entry.type
                and stored.details.get("authorization") == entry.details["authorization"]
            ):
                return True
        if len(page) < _PAGE:
            return False
        after = page[-1].position
