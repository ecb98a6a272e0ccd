"""Use cases with in-memory fakes of the ports (no database, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from invoice_fakes import Store, fake_uow_factory
from invoice_support import BUYER_COMPANY_ID, HETU_MAIJA, HETU_MATTI, finvoice_xml
from ropo.invoice.v1 import events_pb2
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.errors import InvoiceNotFound, InvoiceValidationError
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer import ports
from ropo_invoice.service_layer.handlers import (
    ImportFinvoice,
    ImportResult,
    InvoiceHandlers,
    ListInvoiceEvents,
    ListInvoices,
)
from ropo_invoice.service_layer.integration_events import INVOICE_REGISTERED
from ropo_invoice.service_layer.pagination import InvalidPageToken
from ropo_platform.errors import ValidationFailed
from ropo_platform.pseudonym import person_key

SECRET = b"unit-test-person-key-secret"
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def handlers(store: Store) -> InvoiceHandlers:
    return InvoiceHandlers(
        uow=fake_uow_factory(store),
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


async def test_import_starts_the_timeline(handlers: InvoiceHandlers) -> None:
    created = await handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    page = await handlers.list_invoice_events(ListInvoiceEvents(created.invoice.id))
    (entry,) = page.entries
    assert entry.type is ports.TimelineType.IMPORTED
    assert entry.position == 1
    assert entry.amount is not None and entry.amount.minor_units == 12400
    assert entry.details == {"due_date": "2026-09-15"}
    assert page.next_page_token == ""
    with pytest.raises(InvoiceNotFound):
        await handlers.list_invoice_events(ListInvoiceEvents("missing"))


async def test_batch_import_shares_one_commit_and_isolates_rejections(
    handlers: InvoiceHandlers, store: Store
) -> None:
    results = await handlers.import_batch(
        [
            ImportFinvoice(finvoice_xml(number="B-1")),
            ImportFinvoice(finvoice_xml(number="B-2", reference="1233")),  # bad check digit
            ImportFinvoice(finvoice_xml(number="B-1")),  # the same invoice again
            ImportFinvoice(finvoice_xml(number="B-3", due_date="20260801")),  # before issue
            ImportFinvoice(finvoice_xml(number="B-4", buyer_id=HETU_MAIJA)),
        ]
    )
    first, bad_reference, again, bad_dates, fourth = results
    assert isinstance(first, ImportResult) and first.created
    assert isinstance(again, ImportResult) and not again.created
    assert again.invoice.id == first.invoice.id
    assert isinstance(fourth, ImportResult) and fourth.created
    assert isinstance(bad_reference, InvoiceValidationError)
    assert isinstance(bad_dates, InvoiceValidationError)
    assert store.commits == 1
    assert sorted(i.invoice_number for i in store.invoices.values()) == ["B-1", "B-4"]
    assert len(store.creditors) == 1
    assert len(store.outbox) == 2
