"""Use cases with in-memory fakes of the ports (no database, no network)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from invoice_support import BUYER_COMPANY_ID, HETU_MAIJA, HETU_MATTI, finvoice_xml
from ropo.invoice.v1 import events_pb2
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.errors import InvoiceNotFound, InvoiceValidationError
from ropo_invoice.domain.identifiers import BusinessId
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.service_layer import ports
from ropo_invoice.service_layer.handlers import (
    ImportFinvoice,
    InvoiceHandlers,
    ListInvoices,
)
from ropo_invoice.service_layer.integration_events import (
    INVOICE_REGISTERED,
    IntegrationEvent,
    to_integration_event,
)
from ropo_invoice.service_layer.pagination import InvalidPageToken
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_platform.errors import ValidationFailed
from ropo_platform.pseudonym import person_key

SECRET = b"unit-test-person-key-secret"
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@dataclass
class Store:
    """What the fake database holds between units of work."""

    creditors: dict[str, Creditor] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    requests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    outbox: list[IntegrationEvent] = field(default_factory=list)
    commits: int = 0


class FakeCreditors(ports.CreditorRepository):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, list[Creditor]()

    def add(self, creditor: Creditor) -> None:
        self.staged.append(creditor)

    async def get(self, creditor_id: str) -> Creditor | None:
        return self.store.creditors.get(creditor_id)

    async def get_by_business_id(self, business_id: BusinessId) -> Creditor | None:
        for creditor in [*self.store.creditors.values(), *self.staged]:
            if creditor.business_id == business_id:
                return creditor
        return None


class FakeInvoices(ports.InvoiceRepository):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store, self.staged = store, list[Invoice]()

    def _add(self, invoice: Invoice) -> None:
        self.staged.append(invoice)

    async def _get(self, invoice_id: str) -> Invoice | None:
        found = self.store.invoices.get(invoice_id)
        return copy.deepcopy(found) if found else None

    async def _get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None:
        for invoice in self.store.invoices.values():
            if (invoice.creditor_id, invoice.invoice_number) == (creditor_id, invoice_number):
                return copy.deepcopy(invoice)
        return None

    async def list(
        self,
        invoice_filter: ports.InvoiceFilter,
        after: ports.InvoiceCursor | None,
        limit: int,
        *,
        include_lines: bool = False,
    ) -> Sequence[Invoice]:
        found = [
            invoice
            for invoice in self.store.invoices.values()
            if (invoice_filter.invoice_ids is None or invoice.id in invoice_filter.invoice_ids)
            and (
                not invoice_filter.debtor_party
                or invoice.debtor.party == invoice_filter.debtor_party
            )
            and (not invoice_filter.open_only or invoice.is_open)
            and (
                after is None or (invoice.due_date, invoice.id) < (after.due_date, after.invoice_id)
            )
        ]
        found.sort(key=lambda invoice: (invoice.due_date, invoice.id), reverse=True)
        return found[:limit]


class FakeRequests(ports.RequestLog):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, dict[tuple[str, str], tuple[str, bytes]]()

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        stored = self.store.requests.get((method, request_id))
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise ports.RequestIdReused(method)
        return stored[1]

    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        self.staged[(method, request_id)] = (fingerprint, result)


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, store: Store, read_only: bool) -> None:
        self.store, self.read_only = store, read_only

    async def _begin(self) -> None:
        self.invoices = FakeInvoices(self.store)
        self.creditors = FakeCreditors(self.store)
        self.requests = FakeRequests(self.store)

    async def _commit(self) -> None:
        assert not self.read_only
        assert isinstance(self.creditors, FakeCreditors)
        assert isinstance(self.invoices, FakeInvoices)
        assert isinstance(self.requests, FakeRequests)
        for creditor in self.creditors.staged:
            self.store.creditors[creditor.id] = creditor
        for invoice in self.invoices.seen:
            self.store.invoices[invoice.id] = invoice
        self.store.requests.update(self.requests.staged)
        self.store.outbox.extend(to_integration_event(e) for e in self.collect_new_events())
        self.store.commits += 1

    async def rollback(self) -> None:
        pass  # nothing reaches the store before _commit


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def handlers(store: Store) -> InvoiceHandlers:
    def uow(*, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(store, read_only)

    return InvoiceHandlers(
        uow=uow,
        protector=AesGcmNationalIdProtector(bytes(32), SECRET),
        parse_finvoice=parse_finvoice,
        clock=lambda: NOW,
    )


async def test_import_registers_the_invoice_and_writes_its_event(
    handlers: InvoiceHandlers, store: Store
) -> None:
    result = await handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    assert result.created
    invoice = result.invoice
    assert invoice.debtor.party == f"persons/{person_key(HETU_MATTI, SECRET)}"
    assert invoice.debtor.masked_identifier == "010190-****"
    assert invoice.created_at == NOW
    (event,) = store.outbox
    assert event.event_type == INVOICE_REGISTERED
    assert event.subject_name == f"invoices/{invoice.id}"
    assert isinstance(event.message, events_pb2.InvoiceRegistered)
    assert event.message.debtor_party == invoice.debtor.party
    assert event.message.total_amount.units == 124
    assert HETU_MATTI.encode() not in event.message.SerializeToString()


async def test_reimport_returns_the_existing_invoice(
    handlers: InvoiceHandlers, store: Store
) -> None:
    first = await handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    again = await handlers.import_finvoice(ImportFinvoice(finvoice_xml(total="999,00")))
    assert not again.created
    assert again.invoice.id == first.invoice.id
    assert len(store.outbox) == 1
    assert len(store.creditors) == 1


async def test_request_id_replays_the_first_result(handlers: InvoiceHandlers) -> None:
    command = ImportFinvoice(finvoice_xml(), request_id="6a0c3c4e-0000-4000-8000-000000000001")
    first = await handlers.import_finvoice(command)
    replay = await handlers.import_finvoice(command)
    assert first.created and replay.created  # the stored answer, not a new evaluation
    assert replay.invoice.id == first.invoice.id


async def test_request_id_reused_for_another_message_is_rejected(handlers: InvoiceHandlers) -> None:
    request_id = "6a0c3c4e-0000-4000-8000-000000000002"
    await handlers.import_finvoice(ImportFinvoice(finvoice_xml(), request_id=request_id))
    with pytest.raises(ports.RequestIdReused) as error:
        await handlers.import_finvoice(
            ImportFinvoice(finvoice_xml(number="1002"), request_id=request_id)
        )
    assert error.value.violations[0].field == "request_id"


async def test_invalid_message_stores_nothing(handlers: InvoiceHandlers, store: Store) -> None:
    with pytest.raises(InvoiceValidationError):
        await handlers.import_finvoice(ImportFinvoice(finvoice_xml(reference="1233")))
    assert store.commits == 0


async def test_get_invoice(handlers: InvoiceHandlers) -> None:
    created = await handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    assert (await handlers.get_invoice(created.invoice.id)).invoice_number == "1001"
    with pytest.raises(InvoiceNotFound) as error:
        await handlers.get_invoice("missing")
    assert error.value.metadata == {"invoice": "invoices/missing"}


async def test_list_pages_through_a_debtors_invoices(handlers: InvoiceHandlers) -> None:
    for number in range(5):
        await handlers.import_finvoice(
            ImportFinvoice(finvoice_xml(number=str(1000 + number), due_date=f"202609{10 + number}"))
        )
    await handlers.import_finvoice(ImportFinvoice(finvoice_xml(number="2000", buyer_id=HETU_MAIJA)))
    await handlers.import_finvoice(
        ImportFinvoice(finvoice_xml(number="3000", buyer_id=BUYER_COMPANY_ID))
    )
    party = f"persons/{person_key(HETU_MATTI, SECRET)}"
    invoice_filter = ports.InvoiceFilter(debtor_party=party)
    seen: list[Invoice] = []
    token = ""
    while True:
        page = await handlers.list_invoices(ListInvoices(invoice_filter, 2, token))
        seen.extend(page.invoices)
        token = page.next_page_token
        if not token:
            break
    assert [invoice.due_date for invoice in seen] == [
        date(2026, 9, d) for d in (14, 13, 12, 11, 10)
    ]
    assert {invoice.debtor.party for invoice in seen} == {party}


async def test_page_token_belongs_to_its_filter(handlers: InvoiceHandlers) -> None:
    for number in range(3):
        await handlers.import_finvoice(ImportFinvoice(finvoice_xml(number=str(number + 1))))
    party = f"persons/{person_key(HETU_MATTI, SECRET)}"
    page = await handlers.list_invoices(ListInvoices(ports.InvoiceFilter(debtor_party=party), 1))
    other = ports.InvoiceFilter(debtor_party=party, open_only=True)
    with pytest.raises(InvalidPageToken):
        await handlers.list_invoices(ListInvoices(other, 1, page.next_page_token))
    with pytest.raises(InvalidPageToken):
        await handlers.list_invoices(ListInvoices(other, 1, "not-a-token"))


async def test_negative_page_size_is_invalid(handlers: InvoiceHandlers) -> None:
    with pytest.raises(ValidationFailed) as error:
        await handlers.list_invoices(ListInvoices(ports.InvoiceFilter(debtor_party="x"), -1))
    assert error.value.violations[0].field == "page_size"
