"""SQLAlchemy Core implementations of the payment ports (payments, CreatePayment
requests, PSP messages, the invoice index view).

Payments are mapped by hand to the frozen-free domain dataclass: the aggregate stays
free of ORM state. Every payment update is guarded by its version.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.invoice_index import find_invoices
from ropo_payment.adapters.orm import (
    create_payment_requests,
    payment_items,
    payments,
    psp_messages,
)
from ropo_payment.domain.payments import Payment, PaymentItem, PaymentState
from ropo_payment.domain.psp import PspStatus
from ropo_payment.service_layer.ports import (
    Conflict,
    CreateRequest,
    CreateRequestLog,
    InvoiceDirectory,
    InvoiceFacts,
    PaymentCursor,
    PaymentFilter,
    PaymentRepository,
    PspMessage,
    PspMessageLog,
    RequestPhase,
    StoredError,
)


def _payment_values(payment: Payment) -> dict[str, Any]:
    return {
        "payer": payment.payer,
        "state": payment.state.value,
        "psp_status": payment.psp_status.value,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "language": payment.language,
        "reference": payment.reference,
        "provider_transaction_id": payment.provider_transaction_id or None,
        "payment_page_url": payment.payment_page_url,
        "provider_method": payment.provider_method,
        "create_time": payment.create_time,
        "update_time": payment.update_time,
        "succeed_time": payment.succeed_time,
        "settle_time": payment.settle_time,
        "fail_time": payment.fail_time,
        "version": payment.version,
    }


def _payment(row: sa.RowMapping, items: Sequence[PaymentItem]) -> Payment:
    return Payment(
        id=row["id"],
        payer=row["payer"],
        items=tuple(items),
        language=row["language"],
        reference=row["reference"],
        create_time=row["create_time"],
        update_time=row["update_time"],
        state=PaymentState(row["state"]),
        psp_status=PspStatus(row["psp_status"]),
        provider_transaction_id=row["provider_transaction_id"] or "",
        payment_page_url=row["payment_page_url"],
        provider_method=row["provider_method"],
        succeed_time=row["succeed_time"],
        settle_time=row["settle_time"],
        fail_time=row["fail_time"],
        version=row["version"],
        currency=row["currency"],
    )


class SqlPaymentRepository(PaymentRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _load(self, where: sa.ColumnElement[bool]) -> list[Payment]:
        rows = (await self._session.execute(sa.select(payments).where(where))).mappings().all()
        return await self._with_items(rows)

    async def _with_items(self, rows: Sequence[sa.RowMapping]) -> list[Payment]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        item_rows = (
            await self._session.execute(
                sa.select(payment_items)
                .where(payment_items.c.payment_id.in_(ids))
                .order_by(payment_items.c.payment_id, payment_items.c.position)
            )
        ).mappings()
        items: dict[str, list[PaymentItem]] = {payment_id: [] for payment_id in ids}
        for item in item_rows:
            items[item["payment_id"]].append(
                PaymentItem(item["invoice_id"], item["amount_minor"], item["reference"])
            )
        return [_payment(row, items[row["id"]]) for row in rows]

    async def get(self, payment_id: str) -> Payment | None:
        found = await self._load(payments.c.id == payment_id)
        return found[0] if found else None

    async def get_by_transaction(self, transaction_id: str) -> Payment | None:
        if not transaction_id:
            return None
        found = await self._load(payments.c.provider_transaction_id == transaction_id)
        return found[0] if found else None

    async def add(self, payment: Payment) -> None:
        try:
            await self._session.execute(
                sa.insert(payments).values(id=payment.id, **_payment_values(payment))
            )
        except IntegrityError as error:
            raise Conflict(f"payment {payment.id} exists") from error
        await self._session.execute(
            sa.insert(payment_items),
            [
                {
                    "payment_id": payment.id,
                    "position": position,
                    "invoice_id": item.invoice_id,
                    "amount_minor": item.amount_minor,
                    "reference": item.reference,
                }
                for position, item in enumerate(payment.items)
            ],
        )

    async def update(self, payment: Payment, expected_version: int) -> bool:
        result = await self._session.execute(
            sa.update(payments)
            .where(payments.c.id == payment.id, payments.c.version == expected_version)
            .values(**_payment_values(payment))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list(
        self, where: PaymentFilter, after: PaymentCursor | None, limit: int
    ) -> Sequence[Payment]:
        query = sa.select(payments)
        if where.payer:
            query = query.where(payments.c.payer == where.payer)
        if where.invoice_id:
            query = query.where(
                sa.exists().where(
                    payment_items.c.payment_id == payments.c.id,
                    payment_items.c.invoice_id == where.invoice_id,
                )
            )
        if after is not None:
            query = query.where(
                sa.or_(
                    payments.c.create_time < after.create_time,
                    sa.and_(
                        payments.c.create_time == after.create_time,
                        payments.c.id < after.payment_id,
                    ),
                )
            )
        query = query.order_by(payments.c.create_time.desc(), payments.c.id.desc()).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return await self._with_items(rows)

    async def due_for_reconcile(
        self,
        unchanged_since: datetime,
        created_after: datetime,
        checked_before: datetime,
        limit: int,
    ) -> Sequence[Payment]:
        last_asked = sa.func.coalesce(payments.c.checked_at, payments.c.create_time)
        query = (
            sa.select(payments)
            .where(
                payments.c.state == PaymentState.PENDING.value,
                payments.c.provider_transaction_id.is_not(None),
                payments.c.update_time < unchanged_since,
                payments.c.create_time > created_after,
                sa.or_(payments.c.checked_at.is_(None), payments.c.checked_at <= checked_before),
            )
            .order_by(last_asked, payments.c.id)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return await self._with_items(rows)

    async def mark_checked(self, payment_ids: Collection[str], at: datetime) -> None:
        if payment_ids:
            await self._session.execute(
                sa.update(payments)
                .where(payments.c.id.in_(list(payment_ids)))
                .values(checked_at=at)
            )

    async def invoices_with_payment(
        self, invoice_ids: Collection[str], states: Collection[PaymentState]
    ) -> set[str]:
        if not invoice_ids:
            return set()
        query = (
            sa.select(payment_items.c.invoice_id)
            .join(payments, payments.c.id == payment_items.c.payment_id)
            .where(
                payment_items.c.invoice_id.in_(list(invoice_ids)),
                payments.c.state.in_([state.value for state in states]),
            )
            .distinct()
        )
        return set((await self._session.execute(query)).scalars())


class SqlCreateRequestLog(CreateRequestLog):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, request_id: str) -> CreateRequest | None:
        row = (
            (
                await self._session.execute(
                    sa.select(create_payment_requests).where(
                        create_payment_requests.c.request_id == request_id
                    )
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            return None
        error = None
        if row["error_code"]:
            error = StoredError(row["error_code"], row["error_reason"], row["error_message"])
        return CreateRequest(
            request_id=row["request_id"],
            fingerprint=row["fingerprint"],
            payer=row["payer"],
            payment_id=row["payment_id"],
            phase=RequestPhase(row["phase"]),
            locked_until=row["locked_until"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            response=row["response"],
            error=error,
        )

    async def add(self, request: CreateRequest) -> None:
        try:
            # A savepoint keeps the transaction usable when a concurrent insert won.
            async with self._session.begin_nested():
                await self._session.execute(
                    sa.insert(create_payment_requests).values(
                        request_id=request.request_id,
                        fingerprint=request.fingerprint,
                        payer=request.payer,
                        payment_id=request.payment_id,
                        phase=request.phase.value,
                        locked_until=request.locked_until,
                        created_at=request.created_at,
                        updated_at=request.updated_at,
                    )
                )
        except IntegrityError as error:
            raise Conflict("request_id exists") from error

    async def take_over(
        self, request_id: str, expired_lease: datetime, locked_until: datetime, at: datetime
    ) -> bool:
        table = create_payment_requests
        result = await self._session.execute(
            sa.update(table)
            .where(
                table.c.request_id == request_id,
                table.c.phase == RequestPhase.STARTED.value,
                table.c.locked_until == expired_lease,
            )
            .values(locked_until=locked_until, updated_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, request_id: str, locked_until: datetime, at: datetime) -> None:
        table = create_payment_requests
        await self._session.execute(
            sa.update(table)
            .where(
                table.c.request_id == request_id,
                table.c.phase == RequestPhase.STARTED.value,
                table.c.locked_until == locked_until,
            )
            .values(locked_until=at, updated_at=at)
        )

    async def finish(
        self,
        request_id: str,
        at: datetime,
        *,
        response: bytes | None = None,
        error: StoredError | None = None,
    ) -> bool:
        table = create_payment_requests
        values: dict[str, Any] = {
            "phase": RequestPhase.FINISHED.value,
            "updated_at": at,
            "locked_until": at,
            "response": response,
        }
        if error is not None:
            values |= {
                "error_code": error.code,
                "error_reason": error.reason,
                "error_message": error.message[:300],
            }
        result = await self._session.execute(
            sa.update(table)
            .where(table.c.request_id == request_id, table.c.phase == RequestPhase.STARTED.value)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self, finished_before: datetime) -> int:
        table = create_payment_requests
        result = await self._session.execute(
            sa.delete(table).where(
                table.c.phase == RequestPhase.FINISHED.value,
                table.c.created_at < finished_before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlPspMessageLog(PspMessageLog):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: PspMessage) -> None:
        await self._session.execute(
            sa.insert(psp_messages).values(
                id=message.id,
                kind=message.kind.value,
                request_id=message.request_id,
                payment_id=message.payment_id,
                transaction_id=message.transaction_id[:64],
                stamp=message.stamp[:200],
                status=message.status[:24],
                amount_minor=message.amount_minor,
                outcome=message.outcome.value,
                reason=message.reason,
                query=message.query,
                received_at=message.received_at,
            )
        )


class SqlInvoiceDirectory(InvoiceDirectory):
    """The invoice index (``adapters/invoice_index.py``) seen through the port."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, invoice_ids: Collection[str]) -> dict[str, InvoiceFacts]:
        found = await find_invoices(self._session, invoice_ids)
        return {
            invoice_id: InvoiceFacts(invoice.invoice_id, invoice.reference, invoice.closed)
            for invoice_id, invoice in found.items()
        }
