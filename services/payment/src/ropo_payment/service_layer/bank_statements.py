"""ImportBankStatement and ListBankPayments: reference payments from bank statements.

Import, in one transaction:

1. the file is read (camt.054, the KTL reference-payment file, or the PSP's
   settlement report) through the ``StatementReader`` port; an unreadable file is
   ``INVALID_ARGUMENT`` (``STATEMENT_INVALID``) and nothing is written;
2. a statement row (the same file imported again reuses its row);
3. every credited entry not imported before (``entry_key``) is classified by its
   reference and matched against the invoice index: MATCHED → event
   ``bank_payment_received``; otherwise UNCLEAR with the reason → event
   ``unclear_payment_received``;
4. settlement report lines settle the PSP payments they name;
5. the response is stored under ``request_id``: a retry replays it (the same id
   with another request is ``REQUEST_ID_REUSED``).

Two imports racing on one entry or one request id: the loser's unique key fails,
its transaction rolls back and it runs again, now seeing the winner's rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from ropo_platform.errors import Aborted, FieldViolation, ValidationFailed

from ropo_payment.domain.bank_payments import (
    BankPayment,
    BankPaymentState,
    InvoiceCandidate,
    match_payment,
)
from ropo_payment.domain.references import UnclearReason, classify_reference

IMPORT_BANK_STATEMENT = "ImportBankStatement"
#: Largest statement accepted (bytes).
MAX_STATEMENT_BYTES = 20 * 1024 * 1024
_ATTEMPTS = 3
_PAYER_NAME_LENGTH = 140
_ARCHIVE_ID_LENGTH = 64


class StatementFormat(StrEnum):
    """Kinds of statement file (values as the parsers name them)."""

    CAMT054 = "camt054"
    REFERENCE_PAYMENT_FILE = "reference_payment_file"
    PSP_SETTLEMENT_REPORT = "psp_settlement_report"


@dataclass(frozen=True, slots=True)
class BankEntry:
    """One credited entry of a bank statement."""

    entry_key: str
    reference: str
    amount_minor: int
    currency: str
    booking_date: date
    value_date: date | None
    payer_name: str
    archive_id: str


@dataclass(frozen=True, slots=True)
class SettlementEntry:
    """One PSP payment in a settlement report."""

    transaction_id: str
    stamp: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement file as read: bank entries or settlement lines."""

    format: StatementFormat
    statement_id: str
    entries: tuple[BankEntry, ...]
    settlements: tuple[SettlementEntry, ...]
    settled_at: datetime | None
    skipped_count: int


class StatementUnreadable(Exception):
    """The file is not a statement we can read; ``message`` is safe to show."""

    def __init__(self, message: str, field: str = "content") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StatementReader(Protocol):
    """Parses statement files (``adapters/statement_reader.py``)."""

    def read(self, content: bytes, format: StatementFormat | None) -> Statement:
        """The statement; ``StatementUnreadable`` when the file cannot be read."""
        ...


class StoreConflict(Exception):
    """A concurrent import won a unique key; run again in a fresh transaction."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            reason="REQUEST_ID_REUSED",
            metadata={"method": method},
        )


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """The row of an imported statement file."""

    id: str
    format: StatementFormat
    statement_id: str
    filename: str
    sha256: str
    imported_at: datetime
    entry_count: int
    matched_count: int
    unclear_count: int
    duplicate_count: int
    settled_count: int
    skipped_count: int
    total_minor: int


@dataclass(frozen=True, slots=True)
class SettledCounts:
    """What settling a report's lines did."""

    settled: int
    already_settled: int
    unknown: int
    mismatched: int


@dataclass(frozen=True, slots=True)
class BankPaymentCursor:
    """Keyset position: the last payment of the previous page (newest first)."""

    create_time: datetime
    bank_payment_id: str


class BankStore(Protocol):
    """Storage of one import or listing, all in one transaction."""

    async def find_response(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored response; ``RequestIdReused`` when the fingerprint differs."""
        ...

    async def record_response(
        self, method: str, request_id: str, fingerprint: str, response: bytes
    ) -> None: ...

    async def find_statement(self, format: StatementFormat, sha256: str) -> str | None:
        """The id of a statement already imported from this very file."""
        ...

    async def add_statement(self, record: StatementRecord) -> None: ...

    async def imported_entry_keys(self, entry_keys: Sequence[str]) -> set[str]:
        """The ones among ``entry_keys`` imported earlier."""
        ...

    async def invoices_with_reference(self, references: Sequence[str]) -> list[InvoiceCandidate]:
        """Indexed invoices carrying any of the spellings in ``references``."""
        ...

    async def add_bank_payments(self, payments: Sequence[BankPayment]) -> None:
        """Store the payments and, in the same transaction, their events."""
        ...

    async def settle(
        self, settlements: Sequence[SettlementEntry], settled_at: datetime
    ) -> SettledCounts: ...

    async def list_bank_payments(
        self,
        state: BankPaymentState | None,
        invoice_id: str | None,
        after: BankPaymentCursor | None,
        limit: int,
    ) -> list[BankPayment]:
        """Newest first (create time, then id, descending)."""
        ...


#: Opens a transaction; commits when the block ends normally, rolls back on an error
#: and raises ``StoreConflict`` when a unique key was taken by a concurrent writer.
BankStoreFactory = Callable[[], AbstractAsyncContextManager[BankStore]]


@dataclass(frozen=True, slots=True)
class ImportStatement:
    """A validated ImportBankStatement request."""

    request_id: str
    fingerprint: str
    content: bytes
    format: StatementFormat | None
    filename: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did; replayed as is for a retried ``request_id``."""

    statement_id: str
    matched_count: int
    unclear_count: int
    duplicate_count: int
    settled_count: int
    total_minor: int
    currency: str
    bank_payments: tuple[BankPayment, ...]


class BankStatementImporter:
    """The import use case and the listing of bank payments."""

    def __init__(
        self,
        stores: BankStoreFactory,
        reader: StatementReader,
        *,
        clock: Callable[[], datetime],
        ids: Callable[[], str],
    ) -> None:
        self._stores = stores
        self._reader = reader
        self._clock = clock
        self._ids = ids

    async def import_statement(self, command: ImportStatement) -> ImportResult:
        """Import one file once per ``request_id`` (see the module docstring)."""
        try:
            statement = self._reader.read(command.content, command.format)
        except StatementUnreadable as error:
            raise ValidationFailed(
                [FieldViolation(error.field, error.message)],
                message="the statement file cannot be read",
                reason="STATEMENT_INVALID",
            ) from None
        for _ in range(_ATTEMPTS):
            try:
                async with self._stores() as store:
                    stored = await store.find_response(
                        IMPORT_BANK_STATEMENT, command.request_id, command.fingerprint
                    )
                    if stored is not None:
                        return decode_result(stored)
                    result = await self._import(store, command, statement)
                    await store.record_response(
                        IMPORT_BANK_STATEMENT,
                        command.request_id,
                        command.fingerprint,
                        encode_result(result),
                    )
                return result
            except StoreConflict:
                continue
        raise Aborted(message="a concurrent import of the same entries won; retry the request")

    async def list_bank_payments(
        self,
        state: BankPaymentState | None,
        invoice_id: str | None,
        after: BankPaymentCursor | None,
        limit: int,
    ) -> list[BankPayment]:
        """One page of bank payments, newest first."""
        async with self._stores() as store:
            return await store.list_bank_payments(state, invoice_id, after, limit)

    async def _import(
        self, store: BankStore, command: ImportStatement, statement: Statement
    ) -> ImportResult:
        now = self._clock()
        digest = hashlib.sha256(command.content).hexdigest()
        existing = await store.find_statement(statement.format, digest)
        statement_id = existing or self._ids()
        imported = await store.imported_entry_keys([e.entry_key for e in statement.entries])
        payments: list[BankPayment] = []
        duplicates = 0
        for entry in statement.entries:
            if entry.entry_key in imported:
                duplicates += 1
                continue
            imported.add(entry.entry_key)  # the same entry twice in one file counts once
            payments.append(await self._payment(store, entry, statement_id, now))
        settled = 0
        if statement.settlements:
            counts = await store.settle(statement.settlements, statement.settled_at or now)
            settled = counts.settled
            duplicates += counts.already_settled
        matched = sum(1 for p in payments if p.state is BankPaymentState.MATCHED)
        total = sum(p.amount_minor for p in payments)
        if existing is None:
            await store.add_statement(
                StatementRecord(
                    id=statement_id,
                    format=statement.format,
                    statement_id=statement.statement_id,
                    filename=command.filename,
                    sha256=digest,
                    imported_at=now,
                    entry_count=len(statement.entries) + len(statement.settlements),
                    matched_count=matched,
                    unclear_count=len(payments) - matched,
                    duplicate_count=duplicates,
                    settled_count=settled,
                    skipped_count=statement.skipped_count,
                    total_minor=total,
                )
            )
        await store.add_bank_payments(payments)
        return ImportResult(
            statement_id=statement_id,
            matched_count=matched,
            unclear_count=len(payments) - matched,
            duplicate_count=duplicates,
            settled_count=settled,
            total_minor=total,
            currency=payments[0].currency if payments else "EUR",
            bank_payments=tuple(payments),
        )

    async def _payment(
        self, store: BankStore, entry: BankEntry, statement_id: str, now: datetime
    ) -> BankPayment:
        reference = classify_reference(entry.reference)
        forms = reference.lookup_forms()
        candidates = await store.invoices_with_reference(forms) if forms else []
        outcome = match_payment(reference, candidates)
        return BankPayment(
            id=self._ids(),
            statement_id=statement_id,
            entry_key=entry.entry_key,
            state=outcome.state,
            reference=reference.value,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            # Cut to the stored widths; banks send at most this much anyway.
            payer_name=entry.payer_name[:_PAYER_NAME_LENGTH],
            archive_id=entry.archive_id[:_ARCHIVE_ID_LENGTH],
            invoice_id=outcome.invoice_id,
            unclear_reason=outcome.unclear_reason,
            create_time=now,
        )


# ------------------------------------------------------------------ stored responses


def encode_result(result: ImportResult) -> bytes:
    """The stored form of a result (JSON; dates and times ISO 8601)."""
    body = {
        "statement_id": result.statement_id,
        "matched": result.matched_count,
        "unclear": result.unclear_count,
        "duplicates": result.duplicate_count,
        "settled": result.settled_count,
        "total_minor": result.total_minor,
        "currency": result.currency,
        "payments": [_payment_record(p) for p in result.bank_payments],
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def decode_result(stored: bytes) -> ImportResult:
    """The result ``encode_result`` stored."""
    body = json.loads(stored)
    return ImportResult(
        statement_id=body["statement_id"],
        matched_count=body["matched"],
        unclear_count=body["unclear"],
        duplicate_count=body["duplicates"],
        settled_count=body["settled"],
        total_minor=body["total_minor"],
        currency=body["currency"],
        bank_payments=tuple(_payment_from_record(p) for p in body["payments"]),
    )


def _payment_record(payment: BankPayment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "statement_id": payment.statement_id,
        "entry_key": payment.entry_key,
        "state": payment.state.value,
        "reference": payment.reference,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "booking_date": payment.booking_date.isoformat(),
        "value_date": payment.value_date.isoformat() if payment.value_date else None,
        "payer_name": payment.payer_name,
        "archive_id": payment.archive_id,
        "invoice_id": payment.invoice_id,
        "unclear_reason": payment.unclear_reason.value if payment.unclear_reason else None,
        "create_time": payment.create_time.isoformat(),
    }


def _payment_from_record(record: dict[str, Any]) -> BankPayment:
    value_date = record["value_date"]
    reason = record["unclear_reason"]
    return BankPayment(
        id=record["id"],
        statement_id=record["statement_id"],
        entry_key=record["entry_key"],
        state=BankPaymentState(record["state"]),
        reference=record["reference"],
        amount_minor=record["amount_minor"],
        currency=record["currency"],
        booking_date=date.fromisoformat(record["booking_date"]),
        value_date=date.fromisoformat(value_date) if value_date else None,
        payer_name=record["payer_name"],
        archive_id=record["archive_id"],
        invoice_id=record["invoice_id"],
        unclear_reason=UnclearReason(reason) if reason else None,
        create_time=datetime.fromisoformat(record["create_time"]),
    )
