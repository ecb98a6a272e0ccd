"""SQLAlchemy implementations of the service-layer ports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ropo_platform.db import utcnow
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_authorization.adapters.orm import invoice_ownership
from ropo_authorization.domain.access import AccessibleInvoice, AccessReason
from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.service_layer.ports import AccessibleInvoiceView, OwnershipRepository

_t = invoice_ownership


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(_t).on_conflict_do_nothing(index_elements=[_t.c.invoice])


class SqlOwnershipRepository(OwnershipRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, invoice: str) -> InvoiceOwnership | None:
        row = (
            await self._session.execute(
                select(_t.c.invoice, _t.c.creditor, _t.c.debtor_party, _t.c.register_time).where(
                    _t.c.invoice == invoice
                )
            )
        ).first()
        if row is None:
            return None
        return InvoiceOwnership(row.invoice, row.creditor, row.debtor_party, row.register_time)

    async def add(self, ownership: InvoiceOwnership) -> bool:
        result = await self._session.execute(
            _insert_ignoring_duplicates(self._session).values(
                invoice=ownership.invoice,
                creditor=ownership.creditor,
                debtor_party=ownership.debtor,
                register_time=ownership.register_time,
                recorded_at=utcnow(),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


class SqlAccessibleInvoiceView(AccessibleInvoiceView):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for_person(
        self,
        person: str,
        reasons: frozenset[AccessReason],
        *,
        after: str | None,
        limit: int,
    ) -> Sequence[AccessibleInvoice]:
        # Ownership is the only source so far; issue 4 unions authorizations and lookup
        # grants here (one row per invoice, strongest reason first).
        if AccessReason.OWN not in reasons:
            return []
        query = select(_t.c.invoice).where(_t.c.debtor_party == person)
        if after is not None:
            query = query.where(_t.c.invoice > after)
        query = query.order_by(_t.c.invoice).limit(limit)
        rows = await self._session.execute(query)
        return [AccessibleInvoice(invoice, AccessReason.OWN) for (invoice,) in rows]
