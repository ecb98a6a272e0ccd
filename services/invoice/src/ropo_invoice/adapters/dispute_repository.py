"""Disputes and their attached files in ``invoice_disputes`` and ``dispute_attachments``.

A new dispute is staged by ``add`` and inserted by ``flush`` with its files. A
dispute loaded with ``get`` is compared at flush with the row it was read from and
written only when changed (its resolution). Lists and ``latest`` never read the
files' bytes: a page of disputes must not pull megabytes of PDFs.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from ropo_platform.money import Money
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.adapters.orm import dispute_attachments, invoice_disputes
from ropo_invoice.domain.dispute import Attachment, AttachmentInfo, Dispute, DisputeState
from ropo_invoice.service_layer import ports

_INFO_COLUMNS = (
    dispute_attachments.c.dispute_id,
    dispute_attachments.c.position,
    dispute_attachments.c.filename,
    dispute_attachments.c.media_type,
    dispute_attachments.c.size_bytes,
)


class SqlDisputeRepository(ports.DisputeRepository):
    """Disputes of one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: builtins.list[tuple[Dispute, tuple[Attachment, ...]]] = []
        # Rows each loaded dispute was built from, to write only what changed.
        self._loaded: dict[str, tuple[Dispute, dict[str, Any]]] = {}

    def add(self, dispute: Dispute, attachments: Sequence[Attachment]) -> None:
        if [a.info for a in attachments] != list(dispute.attachments):
            raise ValueError("the files must be the ones the dispute lists")
        self._new.append((dispute, tuple(attachments)))

    async def get(self, invoice_id: str, dispute_id: str) -> Dispute | None:
        query = sa.select(invoice_disputes).where(
            invoice_disputes.c.id == dispute_id, invoice_disputes.c.invoice_id == invoice_id
        )
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        (dispute,) = await self._assemble([row])
        self._loaded[dispute.id] = (dispute, _dispute_row(dispute))
        return dispute

    async def latest(self, invoice_ids: Sequence[str]) -> dict[str, Dispute]:
        if not invoice_ids:
            return {}
        newest = (
            sa.select(
                invoice_disputes.c.invoice_id,
                sa.func.max(invoice_disputes.c.created_at).label("created_at"),
            )
            .where(invoice_disputes.c.invoice_id.in_(list(invoice_ids)))
            .group_by(invoice_disputes.c.invoice_id)
            .subquery()
        )
        query = sa.select(invoice_disputes).join(
            newest,
            (invoice_disputes.c.invoice_id == newest.c.invoice_id)
            & (invoice_disputes.c.created_at == newest.c.created_at),
        )
        rows = (await self._session.execute(query)).mappings().all()
        found: dict[str, Dispute] = {}
        # Two disputes of one invoice in the same instant: the larger id wins, as in lists.
        for dispute in sorted(await self._assemble(rows), key=lambda d: d.id):
            found[dispute.invoice_id] = dispute
        return found

    async def list(
        self, dispute_filter: ports.DisputeFilter, after: ports.DisputeCursor | None, limit: int
    ) -> Sequence[Dispute]:
        query = sa.select(invoice_disputes)
        if dispute_filter.invoice_id:
            query = query.where(invoice_disputes.c.invoice_id == dispute_filter.invoice_id)
        if dispute_filter.states:
            states = [state.value for state in dispute_filter.states]
            query = query.where(invoice_disputes.c.state.in_(states))
        if after is not None:
            created_at = invoice_disputes.c.created_at
            query = query.where(
                (created_at < after.created_at)
                | ((created_at == after.created_at) & (invoice_disputes.c.id < after.dispute_id))
            )
        query = query.order_by(
            invoice_disputes.c.created_at.desc(), invoice_disputes.c.id.desc()
        ).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return await self._assemble(rows)

    async def attachment(self, invoice_id: str, dispute_id: str, index: int) -> Attachment | None:
        query = (
            sa.select(
                dispute_attachments.c.filename,
                dispute_attachments.c.media_type,
                dispute_attachments.c.content,
            )
            .join(invoice_disputes, invoice_disputes.c.id == dispute_attachments.c.dispute_id)
            .where(
                invoice_disputes.c.invoice_id == invoice_id,
                dispute_attachments.c.dispute_id == dispute_id,
                dispute_attachments.c.position == index,
            )
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return Attachment(row.filename, row.media_type, bytes(row.content))

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(
                sa.insert(invoice_disputes), [_dispute_row(dispute) for dispute, _ in new]
            )
            files = [
                _attachment_row(dispute.id, position, attachment)
                for dispute, attachments in new
                for position, attachment in enumerate(attachments)
            ]
            if files:
                await self._session.execute(sa.insert(dispute_attachments), files)
        for dispute_id, (dispute, old) in list(self._loaded.items()):
            current = _dispute_row(dispute)
            if current != old:
                await self._session.execute(
                    sa.update(invoice_disputes)
                    .where(invoice_disputes.c.id == dispute_id)
                    .values(current)
                )
                self._loaded[dispute_id] = (dispute, current)

    async def _assemble(self, rows: Sequence[RowMapping]) -> Sequence[Dispute]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        query = (
            sa.select(*_INFO_COLUMNS)
            .where(dispute_attachments.c.dispute_id.in_(ids))
            .order_by(dispute_attachments.c.dispute_id, dispute_attachments.c.position)
        )
        files: dict[str, builtins.list[AttachmentInfo]] = {}
        for file in (await self._session.execute(query)).all():
            info = AttachmentInfo(file.filename, file.media_type, file.size_bytes)
            files.setdefault(file.dispute_id, []).append(info)
        return [_dispute_from_row(row, files.get(row["id"], [])) for row in rows]


def _minor(amount: Money | None) -> int | None:
    return None if amount is None else amount.minor_units


def _dispute_row(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "invoice_id": dispute.invoice_id,
        "state": dispute.state.value,
        "currency": dispute.currency,
        "disputed_minor": _minor(dispute.disputed_amount),
        "reason": dispute.reason,
        "disputer": dispute.disputer,
        "created_at": dispute.created_at,
        "resolved_at": dispute.resolved_at,
        "resolver": dispute.resolver,
        "resolution_message": dispute.resolution_message,
        "credited_minor": _minor(dispute.credited_amount),
        "message_letter_id": dispute.message_letter_id,
    }


def _dispute_from_row(row: RowMapping, files: Sequence[AttachmentInfo]) -> Dispute:
    currency = row["currency"]

    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money.from_minor_units(minor, currency)

    return Dispute(
        id=row["id"],
        invoice_id=row["invoice_id"],
        state=DisputeState(row["state"]),
        disputed_amount=money(row["disputed_minor"]),
        reason=row["reason"],
        disputer=row["disputer"],
        attachments=tuple(files),
        created_at=row["created_at"],
        resolved_at=row["resolved_at"],
        resolver=row["resolver"],
        resolution_message=row["resolution_message"],
        credited_amount=money(row["credited_minor"]),
        message_letter_id=row["message_letter_id"],
        currency=currency,
    )


def _attachment_row(dispute_id: str, position: int, attachment: Attachment) -> dict[str, Any]:
    return {
        "dispute_id": dispute_id,
        "position": position,
        "filename": attachment.filename,
        "media_type": attachment.media_type,
        "size_bytes": len(attachment.content),
        "sha256": hashlib.sha256(attachment.content).hexdigest(),
        "content": attachment.content,
    }
