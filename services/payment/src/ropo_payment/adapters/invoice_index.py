"""The invoice index: what the payment service knows of the invoice service's invoices.

Fed by the ``payment-invoice-events`` consumer (``entrypoints/invoice_events.py``);
read when a PSP payment is created (``find_invoices``) and when a bank payment is
matched (``find_by_reference``). All functions run in the caller's transaction.

Events may arrive out of order. ``updated_at`` holds the time of the latest event
applied: a registration never reopens an invoice that was closed, and a stage change
older than what the row already reflects is ignored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.bank_tables import invoice_index

INVOICES = "invoices/"


@dataclass(frozen=True, slots=True)
class IndexedInvoice:
    """One registered invoice; ``closed`` once paid, credited or cancelled."""

    invoice_id: str
    reference: str
    debtor_party: str
    creditor: str
    total_minor: int
    closed: bool


def invoice_id_of(value: str) -> str:
    """The bare id of ``invoices/{id}`` (a bare id is returned unchanged)."""
    return value.removeprefix(INVOICES)


async def find_invoices(
    session: AsyncSession, invoice_ids: Collection[str]
) -> dict[str, IndexedInvoice]:
    """The indexed invoices among ``invoice_ids``, keyed as given (bare ids or
    ``invoices/{id}`` names both work); unknown ids are absent."""
    if not invoice_ids:
        return {}
    wanted = {invoice_id_of(value): value for value in invoice_ids}
    rows = (
        await session.execute(
            sa.select(invoice_index).where(invoice_index.c.invoice_id.in_(list(wanted)))
        )
    ).all()
    return {wanted[row.invoice_id]: _invoice(row) for row in rows}


async def find_by_reference(session: AsyncSession, reference: str) -> list[IndexedInvoice]:
    """Every indexed invoice with ``reference`` (machine format), open ones first."""
    if not reference:
        return []
    rows = (
        await session.execute(
            sa.select(invoice_index)
            .where(invoice_index.c.reference == reference)
            .order_by(invoice_index.c.closed, invoice_index.c.invoice_id)
        )
    ).all()
    return [_invoice(row) for row in rows]


async def record_registered(
    session: AsyncSession, invoice: IndexedInvoice, registered_at: datetime
) -> None:
    """Insert the invoice, or refresh its facts when an event for it came first.

    ``invoice.closed`` is the state the registration carries (an invoice may be
    registered already paid); a row already closed stays closed.
    """
    existing = await _current(session, invoice.invoice_id)
    if existing is None:
        await session.execute(
            sa.insert(invoice_index).values(
                invoice_id=invoice.invoice_id,
                reference=invoice.reference,
                debtor_party=invoice.debtor_party,
                creditor=invoice.creditor,
                total_minor=invoice.total_minor,
                closed=invoice.closed,
                updated_at=registered_at,
            )
        )
        return
    closed, updated_at = existing
    await session.execute(
        sa.update(invoice_index)
        .where(invoice_index.c.invoice_id == invoice.invoice_id)
        .values(
            reference=invoice.reference,
            debtor_party=invoice.debtor_party,
            creditor=invoice.creditor,
            total_minor=invoice.total_minor,
            closed=closed or invoice.closed,
            updated_at=max(updated_at, registered_at),
        )
    )


async def record_state(
    session: AsyncSession,
    invoice_id: str,
    *,
    closed: bool,
    at: datetime,
    placeholder: IndexedInvoice | None = None,
) -> bool:
    """Mark the invoice closed or open as of ``at``; ``True`` when the row changed.

    A change older than the row's latest event is ignored, except that closing
    always wins over a stale open row (a paid invoice is never reopened by an
    older event). An invoice not yet registered gets ``placeholder`` (reference
    unknown: empty) so that the registration arriving later keeps it closed.
    """
    existing = await _current(session, invoice_id)
    if existing is None:
        if placeholder is None:
            return False
        await session.execute(
            sa.insert(invoice_index).values(
                invoice_id=invoice_id,
                reference=placeholder.reference,
                debtor_party=placeholder.debtor_party,
                creditor=placeholder.creditor,
                total_minor=placeholder.total_minor,
                closed=closed,
                updated_at=at,
            )
        )
        return True
    was_closed, updated_at = existing
    if at < updated_at and not (closed and not was_closed):
        return False
    await session.execute(
        sa.update(invoice_index)
        .where(invoice_index.c.invoice_id == invoice_id)
        .values(closed=closed, updated_at=max(updated_at, at))
    )
    return closed != was_closed


async def _current(session: AsyncSession, invoice_id: str) -> tuple[bool, datetime] | None:
    row = (
        await session.execute(
            sa.select(invoice_index.c.closed, invoice_index.c.updated_at).where(
                invoice_index.c.invoice_id == invoice_id
            )
        )
    ).one_or_none()
    if row is None:
        return None
    return bool(row.closed), row.updated_at


def _invoice(row: sa.Row[Any]) -> IndexedInvoice:
    return IndexedInvoice(
        invoice_id=row.invoice_id,
        reference=row.reference,
        debtor_party=row.debtor_party,
        creditor=row.creditor,
        total_minor=int(row.total_minor),
        closed=bool(row.closed),
    )
