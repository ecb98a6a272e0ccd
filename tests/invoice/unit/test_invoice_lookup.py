"""*Hae lasku* with in-memory fakes: hits both ways, misses that all look the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from invoice_fakes import Store, fake_uow_factory
from invoice_support import finvoice_xml
from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer.handlers import ImportFinvoice, InvoiceHandlers
from ropo_invoice.service_layer.lookup import (
    InvoiceLookup,
    LookupByDetails,
    LookupByMyRopoId,
    LookupFailed,
    LookupQuery,
)

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class FakeTime:
    """A monotonic clock that only moves when the use case sleeps (or a query runs)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def lookup(store: Store, clock: FakeTime) -> InvoiceLookup:
    return InvoiceLookup(
        fake_uow_factory(store), min_duration=0.25, monotonic=clock.monotonic, sleep=clock.sleep
    )


@pytest.fixture
async def invoice(store: Store) -> Invoice:
    handlers = InvoiceHandlers(
        uow=fake_uow_factory(store),
        protector=AesGcmNationalIdProtector(bytes(32), b"unit-test-secret"),
        parse_finvoice=parse_finvoice,
        clock=lambda: NOW,
    )
    xml = finvoice_xml(number="INV-77", reference="RF11 1232", reference_scheme="ISO")
    result = await handlers.import_finvoice(ImportFinvoice(xml))
    # A second invoice with the same reference and number from another creditor must
    # not confuse the lookup: the postal code decides.
    other = finvoice_xml(
        number="INV-77",
        reference="RF11 1232",
        reference_scheme="ISO",
        seller_id="0112038-9",
        postal_code="33100",
    )
    await handlers.import_finvoice(ImportFinvoice(other))
    return result.invoice


async def test_finds_the_invoice_by_its_details(lookup: InvoiceLookup, invoice: Invoice) -> None:
    found = await lookup.lookup(LookupByDetails(" INV-77 ", "rf11 1232", " 00 100"))
    assert found.id == invoice.id


async def test_finds_the_invoice_by_its_myropo_id(lookup: InvoiceLookup, invoice: Invoice) -> None:
    typed = invoice.myropo_id.printed.lower()
    assert (await lookup.lookup(LookupByMyRopoId(typed))).id == invoice.id


def _miss_kinds(invoice: Invoice) -> dict[str, LookupQuery]:
    reference = invoice.reference.value
    wrong_check_digit = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    return {
        "unknown number": LookupByDetails("INV-78", reference, "00100"),
        "wrong reference": LookupByDetails("INV-77", "RF341234561", "00100"),
        "wrong postal code": LookupByDetails("INV-77", reference, "00101"),
        "bad check digit": LookupByDetails("INV-77", wrong_check_digit, "00100"),
        "unknown MyRopo ID": LookupByMyRopoId("0000-0000-0000"),
        "malformed MyRopo ID": LookupByMyRopoId("not-an-id"),
    }


async def test_every_miss_fails_the_same_way(lookup: InvoiceLookup, invoice: Invoice) -> None:
    seen = set()
    for kind, query in _miss_kinds(invoice).items():
        with pytest.raises(LookupFailed) as raised:
            await lookup.lookup(query)
        error = raised.value
        seen.add((error.code, error.reason, str(error), tuple(sorted(error.metadata.items()))))
        assert error.resource_name == "", kind
    assert len(seen) == 1


async def test_hits_and_misses_take_at_least_the_minimum_time(
    lookup: InvoiceLookup, invoice: Invoice, clock: FakeTime
) -> None:
    await lookup.lookup(LookupByMyRopoId(invoice.myropo_id.value))
    for query in _miss_kinds(invoice).values():
        with pytest.raises(LookupFailed):
            await lookup.lookup(query)
    # The fake clock does not move during the queries, so every call pads the whole time.
    assert clock.sleeps == [0.25] * 7
