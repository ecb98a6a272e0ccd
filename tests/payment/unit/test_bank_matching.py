"""Matching bank payments to invoices, and the import use case on an in-memory store."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from ropo_payment.domain.bank_payments import (
    BankPayment,
    BankPaymentState,
    InvoiceCandidate,
    match_payment,
)
from ropo_payment.domain.references import UnclearReason, classify_reference
from ropo_payment.service_layer.bank_statements import (
    BankEntry,
    BankPaymentCursor,
    BankStatementImporter,
    BankStore,
    ImportStatement,
    RequestIdReused,
    SettledCounts,
    SettlementEntry,
    Statement,
    StatementFormat,
    StatementRecord,
    StatementUnreadable,
)
from ropo_platform.errors import ValidationFailed

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_open_invoice_wins_over_a_closed_one() -> None:
    outcome = match_payment(
        classify_reference("13013"),
        [InvoiceCandidate("a-closed", closed=True), InvoiceCandidate("b-open", closed=False)],
    )
    assert (outcome.state, outcome.invoice_id) == (BankPaymentState.MATCHED, "b-open")


def test_a_closed_invoice_still_matches() -> None:
    outcome = match_payment(classify_reference("13013"), [InvoiceCandidate("paid", closed=True)])
    assert (outcome.state, outcome.invoice_id) == (BankPaymentState.MATCHED, "paid")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("13013", UnclearReason.UNKNOWN_REFERENCE),
        ("13014", UnclearReason.INVALID_REFERENCE),
        ("", UnclearReason.MISSING_REFERENCE),
    ],
)
def test_no_invoice_is_unclear_with_the_reason(raw: str, reason: UnclearReason) -> None:
    outcome = match_payment(classify_reference(raw), [])
    assert (outcome.state, outcome.invoice_id, outcome.unclear_reason) == (
        BankPaymentState.UNCLEAR,
        None,
        reason,
    )


# ------------------------------------------------------------------ the use case


@dataclass
class MemoryState:
    invoices: dict[str, tuple[str, bool]] = field(default_factory=dict)  # id → (ref, closed)
    statements: dict[str, StatementRecord] = field(default_factory=dict)
    payments: dict[str, BankPayment] = field(default_factory=dict)  # entry_key → payment
    responses: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)  # (state, payment name)
    settled: list[SettlementEntry] = field(default_factory=list)


class MemoryStore(BankStore):
    """Writes go to a copy that replaces the state only when the block ends normally."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def find_response(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        stored = self.state.responses.get(request_id)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise RequestIdReused(method)
        return stored[1]

    async def record_response(
        self, method: str, request_id: str, fingerprint: str, response: bytes
    ) -> None:
        self.state.responses[request_id] = (fingerprint, response)

    async def find_statement(self, format: StatementFormat, sha256: str) -> str | None:
        for record in self.state.statements.values():
            if (record.format, record.sha256) == (format, sha256):
                return record.id
        return None

    async def add_statement(self, record: StatementRecord) -> None:
        self.state.statements[record.id] = record

    async def imported_entry_keys(self, entry_keys: Sequence[str]) -> set[str]:
        return {key for key in entry_keys if key in self.state.payments}

    async def invoices_with_reference(self, references: Sequence[str]) -> list[InvoiceCandidate]:
        return [
            InvoiceCandidate(invoice_id, closed)
            for invoice_id, (reference, closed) in self.state.invoices.items()
            if reference in references
        ]

    async def add_bank_payments(self, payments: Sequence[BankPayment]) -> None:
        for payment in payments:
            assert payment.statement_id in self.state.statements
            self.state.payments[payment.entry_key] = payment
            self.state.events.append((payment.state.value, payment.name))

    async def settle(
        self, settlements: Sequence[SettlementEntry], settled_at: datetime
    ) -> SettledCounts:
        fresh = [s for s in settlements if s not in self.state.settled]
        self.state.settled.extend(fresh)
        return SettledCounts(len(fresh), len(settlements) - len(fresh), 0, 0)

    async def list_bank_payments(
        self,
        state: BankPaymentState | None,
        invoice_id: str | None,
        after: BankPaymentCursor | None,
        limit: int,
    ) -> list[BankPayment]:
        return list(self.state.payments.values())[:limit]


class FixedReader:
    def __init__(self, statement: Statement | None) -> None:
        self.statement = statement

    def read(self, content: bytes, format: StatementFormat | None) -> Statement:
        if self.statement is None:
            raise StatementUnreadable("record 9: the count does not match")
        return self.statement


def entry(key: str, reference: str, amount_minor: int) -> BankEntry:
    return BankEntry(key, reference, amount_minor, "EUR", date(2026, 11, 26), None, "PAYER", key)


def ktl(*entries: BankEntry) -> Statement:
    return Statement(StatementFormat.REFERENCE_PAYMENT_FILE, "261127", entries, (), None, 0)


def importer(state: MemoryState, statement: Statement | None) -> BankStatementImporter:
    @asynccontextmanager
    async def stores() -> AsyncIterator[BankStore]:
        yield MemoryStore(state)

    counter = itertools.count(1)
    return BankStatementImporter(
        stores, FixedReader(statement), clock=lambda: NOW, ids=lambda: f"id{next(counter)}"
    )


def command(
    request_id: str = "r1", fingerprint: str = "f1", content: bytes = b"x"
) -> ImportStatement:
    return ImportStatement(request_id, fingerprint, content, None, "file.svm")


async def test_import_matches_known_references_and_marks_the_rest_unclear() -> None:
    state = MemoryState(invoices={"inv1": ("13013", False)})
    statement = ktl(entry("k1", "00000000000000013013", 4900), entry("k2", "1234561", 100))
    result = await importer(state, statement).import_statement(command())
    assert (result.matched_count, result.unclear_count, result.total_minor) == (1, 1, 5000)
    matched, unclear = result.bank_payments
    assert (matched.invoice_id, matched.reference, matched.amount_minor) == ("inv1", "13013", 4900)
    assert unclear.unclear_reason is UnclearReason.UNKNOWN_REFERENCE
    assert [event for event, _ in state.events] == ["matched", "unclear"]


async def test_reimport_counts_duplicates_and_writes_nothing_new() -> None:
    state = MemoryState()
    statement = ktl(entry("k1", "13013", 4900))
    await importer(state, statement).import_statement(command("r1"))
    again = await importer(state, statement).import_statement(command("r2"))
    assert (again.duplicate_count, again.bank_payments, again.total_minor) == (1, (), 0)
    assert len(state.events) == 1 and len(state.statements) == 1


async def test_the_same_entry_twice_in_one_file_counts_once() -> None:
    state = MemoryState()
    result = await importer(
        state, ktl(entry("k1", "13013", 10), entry("k1", "13013", 10))
    ).import_statement(command())
    assert (len(result.bank_payments), result.duplicate_count) == (1, 1)


async def test_same_request_id_replays_and_another_request_is_refused() -> None:
    state = MemoryState()
    first = await importer(state, ktl(entry("k1", "13013", 10))).import_statement(command())
    replay = await importer(state, ktl(entry("k1", "13013", 10))).import_statement(command())
    assert replay == first
    with pytest.raises(RequestIdReused):
        await importer(state, ktl()).import_statement(command(fingerprint="other"))


async def test_unreadable_file_is_invalid_argument_and_writes_nothing() -> None:
    state = MemoryState()
    with pytest.raises(ValidationFailed) as raised:
        await importer(state, None).import_statement(command())
    assert raised.value.reason == "STATEMENT_INVALID"
    assert raised.value.violations[0].field == "content"
    assert state.statements == {} and state.responses == {}


async def test_settlement_report_settles_and_counts_repeats_as_duplicates() -> None:
    state = MemoryState()
    report = Statement(
        StatementFormat.PSP_SETTLEMENT_REPORT,
        "s1",
        (),
        (SettlementEntry("t1", "stamp1", 1525),),
        NOW,
        0,
    )
    first = await importer(state, report).import_statement(command("r1"))
    again = await importer(state, report).import_statement(command("r2"))
    assert (first.settled_count, again.settled_count, again.duplicate_count) == (1, 0, 1)
