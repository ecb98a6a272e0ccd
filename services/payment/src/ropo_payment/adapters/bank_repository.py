"""SQL storage of bank statement imports: the ``BankStore`` port on one transaction.

Events go to the platform outbox in the same transaction as the payment rows
(``ropo.payment.v1.bank_payment_received`` / ``…unclear_payment_received``,
``ce-subject`` the bank payment's name). A unique key taken by a concurrent import
(an entry, a statement file or a request id) surfaces as ``StoreConflict``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from ropo_platform.db import Database
from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from ropo_platform.messaging import OutboxEvent, OutboxWriter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.bank_proto import received_event, unclear_event
from ropo_payment.adapters.bank_tables import bank_payments, bank_statements, invoice_index
from ropo_payment.adapters.settlement import settle_payments
from ropo_payment.domain.bank_payments import BankPayment, BankPaymentState, InvoiceCandidate
from ropo_payment.domain.references import UnclearReason
from ropo_payment.service_layer.bank_statements import (
    BankPaymentCursor,
    BankStore,
    BankStoreFactory,
    RequestIdReused,
    SettledCounts,
    SettlementEntry,
    StatementFormat,
    StatementRecord,
    StoreConflict,
)
from ropo_payment.service_layer.settlement import SettlementItem

BANK_PAYMENT_RECEIVED = "ropo.payment.v1.bank_payment_received"
UNCLEAR_PAYMENT_RECEIVED = "ropo.payment.v1.unclear_payment_received"


class SqlBankStore(BankStore):
    """``BankStore`` on an open session (the caller owns the transaction)."""

    def __init__(self, session: AsyncSession, outbox: OutboxWriter) -> None:
        self._session = session
        self._outbox = outbox

    async def find_response(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        try:
            return await find_response(self._session, method, request_id, fingerprint)
        except PlatformRequestIdReused:
            raise RequestIdReused(method) from None

    async def record_response(
        self, method: str, request_id: str, fingerprint: str, response: bytes
    ) -> None:
        await record_response(self._session, method, request_id, fingerprint, response)

    async def find_statement(self, format: StatementFormat, sha256: str) -> str | None:
        found = await self._session.scalar(
            sa.select(bank_statements.c.id).where(
                bank_statements.c.kind == format.value, bank_statements.c.sha256 == sha256
            )
        )
        return str(found) if found is not None else None

    async def add_statement(self, record: StatementRecord) -> None:
        await self._session.execute(
            sa.insert(bank_statements).values(
                id=record.id,
                kind=record.format.value,
                statement_id=record.statement_id[:200],
                filename=record.filename,
                sha256=record.sha256,
                imported_at=record.imported_at,
                entry_count=record.entry_count,
                matched_count=record.matched_count,
                unclear_count=record.unclear_count,
                duplicate_count=record.duplicate_count,
                settled_count=record.settled_count,
                skipped_count=record.skipped_count,
                total_minor=record.total_minor,
            )
        )

    async def imported_entry_keys(self, entry_keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        # Chunks keep the IN list under every driver's parameter limit.
        for start in range(0, len(entry_keys), 500):
            chunk = list(entry_keys[start : start + 500])
            rows = await self._session.scalars(
                sa.select(bank_payments.c.entry_key).where(bank_payments.c.entry_key.in_(chunk))
            )
            found.update(rows)
        return found

    async def invoices_with_reference(self, references: Sequence[str]) -> list[InvoiceCandidate]:
        if not references:
            return []
        rows = await self._session.execute(
            sa.select(invoice_index.c.invoice_id, invoice_index.c.closed).where(
                invoice_index.c.reference.in_(list(references))
            )
        )
        return [InvoiceCandidate(row.invoice_id, bool(row.closed)) for row in rows]

    async def add_bank_payments(self, payments: Sequence[BankPayment]) -> None:
        if not payments:
            return
        await self._session.execute(sa.insert(bank_payments), [_row(p) for p in payments])
        events = [
            OutboxEvent(BANK_PAYMENT_RECEIVED, p.name, received_event(p), p.create_time)
            if p.state is BankPaymentState.MATCHED
            else OutboxEvent(UNCLEAR_PAYMENT_RECEIVED, p.name, unclear_event(p), p.create_time)
            for p in payments
        ]
        await self._outbox.add_many(self._session, events)

    async def settle(
        self, settlements: Sequence[SettlementEntry], settled_at: datetime
    ) -> SettledCounts:
        outcome = await settle_payments(
            self._session,
            [SettlementItem(s.transaction_id, s.stamp, s.amount_minor) for s in settlements],
            settled_at,
        )
        return SettledCounts(
            outcome.settled, outcome.already_settled, outcome.unknown, outcome.mismatched
        )

    async def list_bank_payments(
        self,
        state: BankPaymentState | None,
        invoice_id: str | None,
        after: BankPaymentCursor | None,
        limit: int,
    ) -> list[BankPayment]:
        query = sa.select(bank_payments)
        if state is not None:
            query = query.where(bank_payments.c.state == state.value)
        if invoice_id is not None:
            query = query.where(bank_payments.c.invoice_id == invoice_id)
        if after is not None:
            query = query.where(
                sa.or_(
                    bank_payments.c.create_time < after.create_time,
                    sa.and_(
                        bank_payments.c.create_time == after.create_time,
                        bank_payments.c.id < after.bank_payment_id,
                    ),
                )
            )
        query = query.order_by(bank_payments.c.create_time.desc(), bank_payments.c.id.desc())
        rows = await self._session.execute(query.limit(limit))
        return [_payment(row) for row in rows]


def bank_stores(database: Database, outbox: OutboxWriter) -> BankStoreFactory:
    """A factory of ``SqlBankStore`` transactions on ``database``."""

    @asynccontextmanager
    async def store() -> AsyncIterator[BankStore]:
        try:
            async with database.transaction() as session:
                yield SqlBankStore(session, outbox)
        except IntegrityError as error:
            raise StoreConflict(type(error.orig).__name__) from error

    return store


def _row(payment: BankPayment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "statement": payment.statement_id,
        "entry_key": payment.entry_key,
        "state": payment.state.value,
        "reference": payment.reference,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "booking_date": payment.booking_date,
        "value_date": payment.value_date,
        "payer_name": payment.payer_name,
        "archive_id": payment.archive_id,
        "invoice_id": payment.invoice_id,
        "unclear_reason": payment.unclear_reason.value if payment.unclear_reason else None,
        "create_time": payment.create_time,
    }


def _payment(row: sa.Row[Any]) -> BankPayment:
    return BankPayment(
        id=row.id,
        statement_id=row.statement,
        entry_key=row.entry_key,
        state=BankPaymentState(row.state),
        reference=row.reference,
        amount_minor=int(row.amount_minor),
        currency=row.currency,
        booking_date=row.booking_date,
        value_date=row.value_date,
        payer_name=row.payer_name,
        archive_id=row.archive_id,
        invoice_id=row.invoice_id,
        unclear_reason=UnclearReason(row.unclear_reason) if row.unclear_reason else None,
        create_time=row.create_time,
    )
