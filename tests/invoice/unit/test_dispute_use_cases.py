"""Dispute and payment-monitoring use cases on in-memory fakes: files checked before
anything is stored, idempotent replays, interest up to the dispute, the message
letter kept and delivered, and paging through disputes."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from invoice_fakes import FakeUnitOfWork, Store
from ropo_invoice.domain.dispute import (
    Attachment,
    Dispute,
    DisputeInvalid,
    DisputeNotFound,
    DisputeOutcome,
    DisputeState,
)
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.stage import Stage
from ropo_invoice.service_layer import ports
from ropo_invoice.service_layer.disputes import (
    AttachmentProblem,
    DisputeHandlers,
    DisputeInvoice,
    ListDisputes,
    ResolveDispute,
    StartPaymentMonitoring,
)
from ropo_invoice.service_layer.pagination import InvalidPageToken
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory
from ropo_platform.money import Money
from test_dispute_domain import DUE, RATES, in_collection, make_invoice, reminded

DEBTOR = "persons/" + "a" * 32
AGENT = "staffUsers/anna"
PDF = Attachment("kuitti.pdf", "application/pdf", b"%PDF-1.7 fine")


# ----------------------------------------------------------------------------- fakes


@dataclass
class DisputeStore:
    disputes: dict[str, Dispute] = field(default_factory=dict)
    files: dict[str, tuple[Attachment, ...]] = field(default_factory=dict)


class FakeDisputes(ports.DisputeRepository):
    def __init__(self, store: DisputeStore) -> None:
        self.store = store
        self.staged: list[tuple[Dispute, tuple[Attachment, ...]]] = []
        self.loaded: dict[str, Dispute] = {}

    def add(self, dispute: Dispute, attachments: Sequence[Attachment]) -> None:
        self.staged.append((dispute, tuple(attachments)))

    async def get(self, invoice_id: str, dispute_id: str) -> Dispute | None:
        found = self.store.disputes.get(dispute_id)
        if found is None or found.invoice_id != invoice_id:
            return None
        self.loaded[dispute_id] = copy.deepcopy(found)
        return self.loaded[dispute_id]

    async def latest(self, invoice_ids: Sequence[str]) -> dict[str, Dispute]:
        newest: dict[str, Dispute] = {}
        for dispute in sorted(self.store.disputes.values(), key=lambda d: (d.created_at, d.id)):
            if dispute.invoice_id in invoice_ids:
                newest[dispute.invoice_id] = dispute
        return newest

    async def list(
        self, dispute_filter: ports.DisputeFilter, after: ports.DisputeCursor | None, limit: int
    ) -> Sequence[Dispute]:
        found = [
            d
            for d in self.store.disputes.values()
            if dispute_filter.invoice_id in ("", d.invoice_id)
            and (not dispute_filter.states or d.state in dispute_filter.states)
            and (after is None or (d.created_at, d.id) < (after.created_at, after.dispute_id))
        ]
        found.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return found[:limit]

    async def attachment(self, invoice_id: str, dispute_id: str, index: int) -> Attachment | None:
        files = self.store.files.get(dispute_id, ())
        return files[index] if 0 <= index < len(files) else None

    def commit(self) -> None:
        for dispute, files in self.staged:
            self.store.disputes[dispute.id], self.store.files[dispute.id] = dispute, files
        self.store.disputes.update(self.loaded)


class DisputeUnitOfWork(FakeUnitOfWork):
    def __init__(self, store: Store, disputes: DisputeStore, read_only: bool) -> None:
        super().__init__(store, read_only)
        self.dispute_store = disputes

    async def _begin(self) -> None:
        await super()._begin()
        self.disputes = FakeDisputes(self.dispute_store)

    async def _commit(self) -> None:
        await super()._commit()
        assert isinstance(self.disputes, FakeDisputes)
        self.disputes.commit()


class Inspector:
    """Refuses files whose bytes say "broken"; counts what it was asked to open."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def inspect(self, media_type: str, content: bytes) -> AttachmentProblem | None:
        self.opened.append(media_type)
        if b"broken" in content:
            return AttachmentProblem("content", "is a damaged PDF that cannot be opened")
        return None


class Renderer:
    def render_letter(self, invoice: Invoice, letter: Letter) -> bytes:
        return f"%PDF {letter.type.value}".encode()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    store: Store
    disputes: DisputeStore
    handlers: DisputeHandlers
    inspector: Inspector
    clock: Clock


def world(*invoices: Invoice, today: date = DUE + timedelta(days=20)) -> World:
    store, disputes = Store(), DisputeStore()
    for invoice in invoices:
        store.invoices[invoice.id] = invoice

    def uow(*, read_only: bool = False) -> AbstractUnitOfWork:
        return DisputeUnitOfWork(store, disputes, read_only)

    factory: UnitOfWorkFactory = uow
    inspector = Inspector()
    clock = Clock(datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC))
    handlers = DisputeHandlers(factory, inspector, Renderer(), RATES, clock)
    return World(store, disputes, handlers, inspector, clock)


def command(invoice: Invoice, **changes: object) -> DisputeInvoice:
    values: dict[str, object] = {
        "invoice_id": invoice.id,
        "actor": DEBTOR,
        "reason": "Tilaamaton tuote.",
        "attachments": (PDF,),
        "request_id": "",
    }
    values.update(changes)
    return DisputeInvoice(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ tests


async def test_a_dispute_is_stored_with_its_files_after_the_interest_up_to_yesterday() -> None:
    invoice = make_invoice("1000.00")
    w = world(invoice)
    result = await w.handlers.dispute_invoice(command(invoice))
    stored = w.store.invoices[invoice.id]
    assert stored.stage is Stage.DISPUTED and stored.stage_before_dispute is Stage.INVOICE
    assert stored.interest_accrued_until == w.clock.now.date() - timedelta(days=1)
    assert stored.ledger.interest_charged.is_positive()
    assert w.disputes.disputes[result.dispute.id].state is DisputeState.OPEN
    assert w.disputes.files[result.dispute.id] == (PDF,)
    types = [entry.type for entry in w.store.timeline]
    assert types == [
        ports.TimelineType.INTEREST_CHARGED,
        ports.TimelineType.STAGE_CHANGED,
        ports.TimelineType.DISPUTED,
    ]
    assert w.inspector.opened == ["application/pdf"]


async def test_unreadable_or_oversized_files_store_nothing() -> None:
    invoice = make_invoice()
    w = world(invoice)
    huge = Attachment("iso.pdf", "application/pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))
    broken = Attachment("rikki.pdf", "application/pdf", b"%PDF broken")
    with pytest.raises(DisputeInvalid) as refused:
        await w.handlers.dispute_invoice(command(invoice, attachments=(PDF, broken, huge)))
    assert {v.field: v.description for v in refused.value.violations} == {
        "attachments[1].content": "is a damaged PDF that cannot be opened",
        "attachments[2].content": "is larger than 5 MiB (5242880 bytes)",
    }
    # The oversized file was never handed to a parser.
    assert w.inspector.opened == ["application/pdf", "application/pdf"]
    assert w.store.commits == 0 and not w.disputes.disputes
    assert w.store.invoices[invoice.id].stage is Stage.INVOICE


async def test_a_retry_replays_the_first_dispute() -> None:
    invoice = make_invoice()
    w = world(invoice)
    request_id = "5d7a0f8e-3f52-4b59-8f0c-1d4c2f6b9a10"
    first = await w.handlers.dispute_invoice(command(invoice, request_id=request_id))
    again = await w.handlers.dispute_invoice(command(invoice, request_id=request_id))
    assert again.dispute.id == first.dispute.id and len(w.disputes.disputes) == 1
    other = (Attachment("kuitti.pdf", "application/pdf", b"%PDF-1.7 other bytes"),)
    with pytest.raises(ports.RequestIdReused):
        await w.handlers.dispute_invoice(command(invoice, request_id=request_id, attachments=other))


async def test_resolution_keeps_and_delivers_the_message_letter() -> None:
    invoice = reminded()
    w = world(invoice)
    opened = await w.handlers.dispute_invoice(command(invoice))
    w.clock.now += timedelta(days=12)
    resolved = await w.handlers.resolve_dispute(
        ResolveDispute(
            invoice.id,
            opened.dispute.id,
            AGENT,
            DisputeOutcome.PARTIALLY_ACCEPTED,
            "Hyvitämme muistutusmaksun.",
            credited_amount=Money.eur("5.00"),
        )
    )
    stored = w.store.invoices[invoice.id]
    assert stored.stage is Stage.REMINDER
    assert w.disputes.disputes[opened.dispute.id].state is DisputeState.PARTIALLY_ACCEPTED
    (message,) = [x for x in stored.letters if x.type is LetterType.CUSTOMER_SERVICE_MESSAGE]
    assert message.body == "Hyvitämme muistutusmaksun."
    assert resolved.dispute.message_letter_id == message.id
    document = w.store.documents[(invoice.id, "letter", message.id)]
    assert document.content == b"%PDF customer_service_message"
    assert (invoice.id, message.id) in w.store.messages.deliveries
    (entry,) = [e for e in w.store.timeline if e.type is ports.TimelineType.DISPUTE_RESOLVED]
    assert (entry.amount, entry.letter_id, entry.details["outcome"]) == (
        Money.eur("5.00"),
        message.id,
        "partially_accepted",
    )
    # The dispute's days passed without interest.
    assert stored.interest_accrued_until == w.clock.now.date() - timedelta(days=1)
    assert stored.ledger.interest_charged == opened.invoice.ledger.interest_charged

    with pytest.raises(DisputeNotFound):
        await w.handlers.resolve_dispute(
            ResolveDispute(invoice.id, "nope", AGENT, DisputeOutcome.REJECTED, "m")
        )


async def test_disputes_page_newest_first_with_filters() -> None:
    invoices = [make_invoice() for _ in range(5)]
    w = world(*invoices)
    made = []
    for invoice in invoices:
        w.clock.now += timedelta(minutes=1)
        made.append((await w.handlers.dispute_invoice(command(invoice))).dispute.id)
    await w.handlers.resolve_dispute(
        ResolveDispute(invoices[0].id, made[0], AGENT, DisputeOutcome.REJECTED, "Ei perusteita.")
    )
    seen: list[str] = []
    token = ""
    while True:
        page = await w.handlers.list_disputes(ListDisputes(page_size=2, page_token=token))
        seen += [d.id for d in page.disputes]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(made))
    open_only = await w.handlers.list_disputes(ListDisputes(states=(DisputeState.OPEN,)))
    assert [d.id for d in open_only.disputes] == list(reversed(made[1:]))
    mine = await w.handlers.list_disputes(ListDisputes(invoice_id=invoices[2].id))
    assert [d.id for d in mine.disputes] == [made[2]]
    first = await w.handlers.list_disputes(ListDisputes(page_size=1))
    with pytest.raises(InvalidPageToken):
        await w.handlers.list_disputes(
            ListDisputes(states=(DisputeState.OPEN,), page_token=first.next_page_token)
        )
    assert await w.handlers.attachment(invoices[1].id, made[1], 0) == PDF
    with pytest.raises(DisputeNotFound):
        await w.handlers.attachment(invoices[1].id, made[1], 1)


async def test_payment_monitoring_keeps_its_letter_and_replays() -> None:
    invoice = in_collection()
    w = world(invoice, today=DUE + timedelta(days=60))
    order = StartPaymentMonitoring(
        invoice.id,
        AGENT,
        w.clock.now.date() - timedelta(days=3),
        "Helsingin käräjäoikeus L 27/1234",
        request_id="0b3e9d3c-8f0a-4d7e-9a51-5a9e3c7d2b11",
    )
    first = await w.handlers.start_payment_monitoring(order)
    again = await w.handlers.start_payment_monitoring(order)
    assert again.letter == first.letter and again.delivery == first.delivery
    assert first.delivery.delivery.letter_id == first.letter.id
    stored = w.store.invoices[invoice.id]
    assert stored.stage is Stage.PAYMENT_MONITORING
    monitoring = [x for x in stored.letters if x.type is LetterType.PAYMENT_MONITORING_LETTER]
    assert monitoring == [first.letter]
    # The letter asks for the interest up to yesterday as well.
    assert stored.interest_accrued_until == w.clock.now.date() - timedelta(days=1)
    assert first.letter.open_amount == stored.ledger.open_amount
    key = (invoice.id, "letter", first.letter.id)
    assert w.store.documents[key].content == b"%PDF payment_monitoring_letter"
