"""In-memory fakes of the refund service layer's ports, for unit tests of the use cases.

The unit of work copies the stores on entry and publishes them on commit, so an
exception or a missing commit leaves nothing behind, as a database transaction would.
"""

from __future__ import annotations

import copy
import itertools
import pickle
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ropo_refund.domain.events import DomainEvent
from ropo_refund.domain.payouts import PayoutBatch
from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.domain.verification import FailureCount
from ropo_refund.service_layer.common import Dependencies
from ropo_refund.service_layer.ports import (
    BatchCursor,
    CaseCursor,
    CaseFilter,
    Conflict,
    LetterContent,
    PayoutBatchRepository,
    PayoutFile,
    PayoutFileRejected,
    RefundCaseRepository,
    RefundEventOutbox,
    RequestIdReused,
    RequestLog,
    StatusReportInvalid,
    TransactionStatus,
    VerificationLog,
)
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class Store:
    """Everything a unit of work may change."""

    cases: dict[str, RefundCase] = field(default_factory=dict)
    batches: dict[str, PayoutBatch] = field(default_factory=dict)
    failures: list[tuple[str, str, datetime]] = field(default_factory=list)
    verifications: list[tuple[str, str, datetime]] = field(default_factory=list)
    requests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)


class FakeCases(RefundCaseRepository):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, case_id: str) -> RefundCase | None:
        return copy.deepcopy(self._store.cases.get(case_id))

    async def get_by_case_number(self, case_number: str) -> RefundCase | None:
        found = [c for c in self._store.cases.values() if c.case_number == case_number]
        return copy.deepcopy(found[0]) if found else None

    async def get_by_source(self, source_key: str) -> RefundCase | None:
        found = [c for c in self._store.cases.values() if c.source_key == source_key]
        return copy.deepcopy(found[0]) if found else None

    async def add(self, case: RefundCase) -> None:
        for stored in self._store.cases.values():
            if stored.case_number == case.case_number or stored.source_key == case.source_key:
                raise Conflict("taken")
        self._store.cases[case.id] = copy.deepcopy(case)

    async def update(self, case: RefundCase, expected_version: int) -> bool:
        stored = self._store.cases.get(case.id)
        if stored is None or stored.version != expected_version:
            return False
        self._store.cases[case.id] = copy.deepcopy(case)
        return True

    async def list(
        self, where: CaseFilter, after: CaseCursor | None, limit: int
    ) -> Sequence[RefundCase]:
        cases = sorted(self._store.cases.values(), key=lambda c: (c.create_time, c.id))
        if where.states:
            cases = [c for c in cases if c.state in where.states]
        if where.debtor_party:
            cases = [c for c in cases if c.debtor_party == where.debtor_party]
        if where.invoice:
            cases = [c for c in cases if c.invoice == where.invoice]
        if after is not None:
            cases = [c for c in cases if (c.create_time, c.id) > (after.create_time, after.case_id)]
        return copy.deepcopy(cases[:limit])

    async def payable(self) -> Sequence[RefundCase]:
        cases = sorted(self._store.cases.values(), key=lambda c: (c.create_time, c.id))
        return copy.deepcopy([c for c in cases if c.payable])


class FakeBatches(PayoutBatchRepository):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, batch: PayoutBatch) -> None:
        taken = {
            (item.refund_case_id, item.payout_attempt)
            for stored in self._store.batches.values()
            for item in stored.items
        }
        if any((item.refund_case_id, item.payout_attempt) in taken for item in batch.items):
            raise Conflict("in another batch")
        self._store.batches[batch.id] = copy.deepcopy(batch)

    async def get(self, batch_id: str) -> PayoutBatch | None:
        return copy.deepcopy(self._store.batches.get(batch_id))

    async def get_by_message_id(self, message_id: str) -> PayoutBatch | None:
        found = [b for b in self._store.batches.values() if b.message_id == message_id]
        return copy.deepcopy(found[0]) if found else None

    async def update(self, batch: PayoutBatch) -> None:
        self._store.batches[batch.id] = copy.deepcopy(batch)

    async def list(self, after: BatchCursor | None, limit: int) -> Sequence[PayoutBatch]:
        batches = sorted(
            self._store.batches.values(), key=lambda b: (b.create_time, b.id), reverse=True
        )
        if after is not None:
            batches = [
                b for b in batches if (b.create_time, b.id) < (after.create_time, after.batch_id)
            ]
        return copy.deepcopy(batches[:limit])


class FakeVerifications(VerificationLog):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def serialise(self, subject: str, case_number_key: str) -> None:
        """One event loop, no interleaving between count and record: nothing to lock."""

    def _count(self, index: int, value: str, since: datetime) -> FailureCount:
        times = [row[2] for row in self._store.failures if row[index] == value and row[2] > since]
        return FailureCount(len(times), min(times) if times else None)

    async def failures_of_subject(self, subject: str, since: datetime) -> FailureCount:
        return self._count(0, subject, since)

    async def failures_of_case_number(self, key: str, since: datetime) -> FailureCount:
        return self._count(1, key, since)

    async def record_failure(self, subject: str, case_number_key: str, at: datetime) -> None:
        self._store.failures.append((subject, case_number_key, at))

    async def record_success(self, case_id: str, subject: str, at: datetime) -> None:
        self._store.verifications.append((case_id, subject, at))

    async def verified_since(self, case_id: str, subject: str, since: datetime) -> bool:
        return any(
            row[0] == case_id and row[1] == subject and row[2] > since
            for row in self._store.verifications
        )


class FakeRequests(RequestLog):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        found = self._store.requests.get((method, request_id))
        if found is None:
            return None
        if found[0] != fingerprint:
            raise RequestIdReused(method)
        return found[1]

    async def record(self, method: str, request_id: str, fingerprint: str, response: bytes) -> None:
        if (method, request_id) in self._store.requests:
            raise Conflict("recorded")
        self._store.requests[(method, request_id)] = (fingerprint, response)


class FakeOutbox(RefundEventOutbox):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self._store.events.extend(events)


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, database: FakeDatabase, read_only: bool) -> None:
        self._database = database
        self._read_only = read_only
        self.committed = False

    async def _begin(self) -> None:
        self._working = copy.deepcopy(self._database.store)
        self.cases = FakeCases(self._working)
        self.batches = FakeBatches(self._working)
        self.verifications = FakeVerifications(self._working)
        self.requests = FakeRequests(self._working)
        self.events = FakeOutbox(self._working)

    async def commit(self) -> None:
        assert not self._read_only, "a read-only unit of work cannot commit"
        self._database.store = self._working
        self._database.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        return None


class FakeDatabase:
    """The committed state and a factory of units of work on it."""

    def __init__(self) -> None:
        self.store = Store()
        self.commits = 0

    def __call__(self, *, read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, read_only)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeRandom:
    """Predictable ids and numbers; ``numbers`` are handed out first, then a counter."""

    def __init__(self, numbers: Sequence[int] = ()) -> None:
        self.numbers = list(numbers)
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self._counter), version=4))

    def randbelow(self, upper: int) -> int:
        if self.numbers:
            return self.numbers.pop(0) % upper
        return (next(self._counter) * 7919) % upper


class PickledResponses:
    """``Responses`` that keep a snapshot of the domain object (read back with ``loads``)."""

    def refund_case(self, method: str, case: RefundCase) -> bytes:
        return pickle.dumps((method, case))

    def payout_export(self, batch: PayoutBatch) -> bytes:
        return pickle.dumps(("export", batch))

    def payout_status(self, batch: PayoutBatch, paid: int, failed: int) -> bytes:
        return pickle.dumps(("status", batch, paid, failed))


def loads(response: bytes) -> Any:
    """The object a ``PickledResponses`` response holds (its last element but counts)."""
    value = pickle.loads(response)  # noqa: S301 - our own test data
    return value[1]


@dataclass
class FakeFiles:
    """A payout file builder that records what it was asked to write."""

    built: list[PayoutFile] = field(default_factory=list)
    fail: bool = False

    def build(self, payout: PayoutFile) -> bytes:
        if self.fail:
            raise PayoutFileRejected("CdtTrfTxInf/Amt is invalid")
        self.built.append(payout)
        ids = ",".join(item.end_to_end_id for item in payout.items)
        return f"<file {payout.message_id} {ids}/>".encode()


@dataclass
class FakeReport:
    original_message_id: str
    statuses: dict[str, TransactionStatus]

    def outcome_for(self, end_to_end_id: str) -> TransactionStatus | None:
        return self.statuses.get(end_to_end_id)


@dataclass
class FakeReports:
    """A parser that reads reports it was given by content."""

    reports: dict[bytes, FakeReport] = field(default_factory=dict)

    def parse(self, content: bytes) -> FakeReport:
        if content not in self.reports:
            raise StatusReportInvalid("not a pain.002 payment status report")
        return self.reports[content]


@dataclass
class FakeLetters:
    rendered: list[LetterContent] = field(default_factory=list)

    def render(self, letter: LetterContent) -> bytes:
        self.rendered.append(letter)
        return b"%PDF-fake"


class FakeCalendar:
    def next_banking_day(self, after: date) -> date:
        return after + timedelta(days=1)


def dependencies(database: FakeDatabase, clock: FakeClock, random: FakeRandom) -> Dependencies:
    return Dependencies(uow=database, responses=PickledResponses(), random=random, clock=clock)
