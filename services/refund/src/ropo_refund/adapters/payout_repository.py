"""SQLAlchemy Core implementation of the payout batch repository.

A batch's items are inserted with it; the primary key ``(refund_case_id,
payout_attempt)`` of an item refuses a payout of a case that another batch already
holds, which turns into ``Conflict`` (the export starts over).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from ropo_platform.money import Money
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.orm import payout_batches, payout_items
from ropo_refund.domain.payouts import BatchState, ItemOutcome, PayoutBatch, PayoutItem
from ropo_refund.service_layer.ports import BatchCursor, Conflict, PayoutBatchRepository


def _item(row: sa.RowMapping) -> PayoutItem:
    return PayoutItem(
        refund_case_id=row["refund_case_id"],
        payout_attempt=row["payout_attempt"],
        end_to_end_id=row["end_to_end_id"],
        amount=Money.from_minor_units(row["amount_minor"], row["currency"]),
        creditor_name=row["creditor_name"],
        creditor_iban=row["creditor_iban"],
        creditor_bic=row["creditor_bic"],
        remittance=row["remittance"],
        outcome=ItemOutcome(row["outcome"]) if row["outcome"] else None,
        reason=row["reason"],
    )


def _batch(row: sa.RowMapping, items: list[PayoutItem], content: bytes) -> PayoutBatch:
    return PayoutBatch(
        id=row["id"],
        message_id=row["message_id"],
        execution_date=row["execution_date"],
        create_time=row["create_time"],
        exporter=row["exporter"],
        content=content,
        items=items,
        state=BatchState(row["state"]),
        status_time=row["status_time"],
    )


_HEADER = [column for column in payout_batches.c if column.name != "content"]


class SqlPayoutBatchRepository(PayoutBatchRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch: PayoutBatch) -> None:
        total = batch.total_amount
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    sa.insert(payout_batches).values(
                        id=batch.id,
                        message_id=batch.message_id,
                        state=batch.state.value,
                        execution_date=batch.execution_date,
                        create_time=batch.create_time,
                        exporter=batch.exporter,
                        content=batch.content,
                        currency=total.currency,
                        total_minor=total.minor_units,
                        status_time=batch.status_time,
                    )
                )
                await self._session.execute(
                    sa.insert(payout_items),
                    [
                        {
                            "refund_case_id": item.refund_case_id,
                            "payout_attempt": item.payout_attempt,
                            "payout_batch_id": batch.id,
                            "position": position,
                            "end_to_end_id": item.end_to_end_id,
                            "currency": item.amount.currency,
                            "amount_minor": item.amount.minor_units,
                            "creditor_name": item.creditor_name,
                            "creditor_iban": item.creditor_iban,
                            "creditor_bic": item.creditor_bic,
                            "remittance": item.remittance,
                            "outcome": item.outcome.value if item.outcome else None,
                            "reason": item.reason,
                        }
                        for position, item in enumerate(batch.items)
                    ],
                )
        except IntegrityError as error:
            raise Conflict("a refund of the batch is in another batch") from error

    async def _items(self, batch_ids: Sequence[str]) -> dict[str, list[PayoutItem]]:
        items: dict[str, list[PayoutItem]] = {batch_id: [] for batch_id in batch_ids}
        if not batch_ids:
            return items
        rows = (
            await self._session.execute(
                sa.select(payout_items)
                .where(payout_items.c.payout_batch_id.in_(list(batch_ids)))
                .order_by(payout_items.c.payout_batch_id, payout_items.c.position)
            )
        ).mappings()
        for row in rows:
            items[row["payout_batch_id"]].append(_item(row))
        return items

    async def _one(self, where: sa.ColumnElement[bool]) -> PayoutBatch | None:
        row = (
            (await self._session.execute(sa.select(payout_batches).where(where)))
            .mappings()
            .one_or_none()
        )
        if row is None:
            return None
        items = await self._items([row["id"]])
        return _batch(row, items[row["id"]], row["content"])

    async def get(self, batch_id: str) -> PayoutBatch | None:
        return await self._one(payout_batches.c.id == batch_id)

    async def get_by_message_id(self, message_id: str) -> PayoutBatch | None:
        return await self._one(payout_batches.c.message_id == message_id)

    async def update(self, batch: PayoutBatch) -> None:
        await self._session.execute(
            sa.update(payout_batches)
            .where(payout_batches.c.id == batch.id)
            .values(state=batch.state.value, status_time=batch.status_time)
        )
        for item in batch.items:
            values: dict[str, Any] = {
                "outcome": item.outcome.value if item.outcome else None,
                "reason": item.reason[:300],
            }
            await self._session.execute(
                sa.update(payout_items)
                .where(
                    payout_items.c.refund_case_id == item.refund_case_id,
                    payout_items.c.payout_attempt == item.payout_attempt,
                )
                .values(**values)
            )

    async def list(self, after: BatchCursor | None, limit: int) -> Sequence[PayoutBatch]:
        query = sa.select(*_HEADER)
        if after is not None:
            query = query.where(
                sa.or_(
                    payout_batches.c.create_time < after.create_time,
                    sa.and_(
                        payout_batches.c.create_time == after.create_time,
                        payout_batches.c.id < after.batch_id,
                    ),
                )
            )
        query = query.order_by(payout_batches.c.create_time.desc(), payout_batches.c.id.desc())
        rows = (await self._session.execute(query.limit(limit))).mappings().all()
        items = await self._items([row["id"] for row in rows])
        return [_batch(row, items[row["id"]], b"") for row in rows]
