"""GetBalanceCertificate through the real gRPC server on SQLite and PostgreSQL.

Several invoices of one person run through the collection run with a settable clock
(reminders, payment demands, penalty interest) and take part payments; the
certificate's figures must be the ledger's open amounts by component type, its
totals must add up exactly, and its PDF must show every figure as the suite prints
money. Paid invoices and other people's invoices are not on it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from invoice_server_support import (
    RunningServer,
    SettableClock,
    running_server,
)
from invoice_support import BUYER_COMPANY_ID, HETU_MAIJA, HETU_MATTI, finvoice_xml
from pypdf import PdfReader
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2
from ropo_invoice.adapters.documents.texts import format_date
from ropo_invoice.domain.balance import BalanceCertificate
from ropo_invoice.domain.ledger import COST_TYPES, ComponentType, component_label
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.payments import ReceivePayment, receive_payment
from ropo_platform.money import Money
from ropo_platform.rpc import RpcError

pb = invoice_service_pb2
OTHER_SELLER_ID = "1234567-1"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))


@pytest_asyncio.fixture
async def service(migrated_url: str, clock: SettableClock) -> AsyncIterator[RunningServer]:
    async with running_server(migrated_url, clock) as running:
        yield running


def capital_rows(amount: str) -> tuple[dict[str, str], ...]:
    return (
        {
            "name": "Laite",
            "quantity": "1",
            "unit": "kpl",
            "unit_price": amount,
            "vat": "0",
            "net": amount,
            "vat_amount": "0,00",
            "gross": amount,
        },
    )


async def import_invoice(service: RunningServer, **changes: object) -> invoice_pb2.Invoice:
    total = str(changes.pop("capital", "124,00"))
    response = await service.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(
            finvoice_xml=finvoice_xml(
                total=total, instructed=total, rows=capital_rows(total), **changes
            )
        )
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def pay(service: RunningServer, invoice: invoice_pb2.Invoice, amount: str, day: date) -> None:
    await receive_payment(
        ReceivePayment(
            invoice.name.removeprefix("invoices/"),
            f"bank-{invoice.invoice_number}-{day.isoformat()}",
            Money.eur(amount),
            day,
            datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        ),
        service.app.handlers.uow(),
    )


async def run_collection(service: RunningServer, clock: SettableClock, day: date) -> None:
    clock.set(day)
    summary = await service.app.collection.run_once()
    assert summary.failures == 0


async def stored(service: RunningServer, invoice_id: str) -> Invoice:
    async with service.app.handlers.uow(read_only=True) as uow:
        invoice = await uow.invoices.get(invoice_id)
    assert invoice is not None
    return invoice


def pdf_text(content: bytes) -> str:
    """The PDF's text with whitespace (no-break spaces too) collapsed."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def shown(money: Money, language: Language) -> str:
    return " ".join(money.format(language.value).split())


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


async def collected_history(service: RunningServer, clock: SettableClock) -> dict[str, str]:
    """Matti's invoices through reminders, demands, interest and payments; returns the
    invoice number → invoice id of the four imported for him (one gets paid in full)."""
    small = await import_invoice(service, number="B-1", due_date="20260915")
    large = await import_invoice(
        service,
        number="B-2",
        due_date="20260910",
        capital="1500,00",
        seller_id=OTHER_SELLER_ID,
        seller_name="Toinen Velkoja Oy",
    )
    paid = await import_invoice(service, number="B-3", due_date="20260915", capital="50,00")
    fresh = await import_invoice(service, number="B-4", due_date="20261130", capital="19,90")
    await import_invoice(service, number="B-9", buyer_id=HETU_MAIJA, buyer_name="Maija Muu")

    await pay(service, paid, "50.00", date(2026, 9, 14))
    await run_collection(service, clock, date(2026, 9, 26))  # B-2: reminder
    await run_collection(service, clock, date(2026, 10, 1))  # B-1: reminder
    await pay(service, small, "40.00", date(2026, 10, 5))
    await run_collection(service, clock, date(2026, 10, 12))  # B-2: payment demand
    await run_collection(service, clock, date(2026, 10, 20))  # B-1: payment demand
    await pay(service, large, "700.00", date(2026, 10, 25))
    await run_collection(service, clock, date(2026, 11, 15))  # both: second demand
    clock.set(date(2026, 11, 20))
    return {
        invoice.invoice_number: invoice.name.removeprefix("invoices/")
        for invoice in (small, large, paid, fresh)
    }


async def test_the_certificate_is_the_ledger_and_its_pdf_shows_every_figure(
    service: RunningServer, clock: SettableClock
) -> None:
    ids = await collected_history(service, clock)
    party = (await stored(service, ids["B-1"])).debtor.party
    assert (await stored(service, ids["B-3"])).ledger.is_settled

    certificate: BalanceCertificate = await service.app.balance_certificates.certificate(party)

    assert certificate.issued_on == date(2026, 11, 20)
    assert certificate.debtor_name == "Matti Meikäläinen"
    assert sorted(case.invoice_number for case in certificate.cases) == ["B-1", "B-2", "B-4"]
    ledgers = {
        case.invoice_id: (await stored(service, case.invoice_id)).ledger
        for case in certificate.cases
    }
    for case in certificate.cases:
        ledger = ledgers[case.invoice_id]
        assert case.capital.open == ledger.open_by_type(ComponentType.CAPITAL)
        assert case.interest.open == ledger.open_by_type(ComponentType.PENALTY_INTEREST)
        assert case.costs.open == Money.sum((ledger.open_by_type(t) for t in COST_TYPES), "EUR")
        assert case.total_open == ledger.open_amount
        assert [(i.type, i.charge_date, i.amount, i.open_amount) for i in case.cost_items] == [
            (c.type, c.charge_date, c.amount, c.open_amount)
            for c in ledger.components
            if c.type in COST_TYPES
        ]
        # Every interest charge was recorded: its days and rates are known.
        assert all(run.start is not None and run.rates for run in case.interest_runs)
        assert Money.sum((r.charged for r in case.interest_runs), "EUR") == ledger.interest_charged
    collected = [c for c in certificate.cases if c.invoice_number in ("B-1", "B-2")]
    for case in collected:
        assert case.capital.paid.is_positive() and case.interest.open.is_positive()
        assert [i.type for i in case.cost_items] == [
            ComponentType.REMINDER_FEE,
            ComponentType.PAYMENT_DEMAND_FEE,
            ComponentType.PAYMENT_DEMAND_FEE,
        ]
    (total,) = certificate.totals
    assert total.capital_open == Money.sum((c.capital.open for c in certificate.cases), "EUR")
    assert total.interest_open == Money.sum((c.interest.open for c in certificate.cases), "EUR")
    assert total.costs_open == Money.sum((c.costs.open for c in certificate.cases), "EUR")
    assert total.total_open == Money.sum((ledger.open_amount for ledger in ledgers.values()), "EUR")

    for language in Language:
        response = await service.stub.GetBalanceCertificate(
            pb.GetBalanceCertificateRequest(debtor_party=party, language_code=language.value)
        )
        assert response.media_type == "application/pdf"
        assert response.filename.endswith("-2026-11-20.pdf")
        text = pdf_text(response.content)
        assert "20.11.2026" in text and "Matti Meikäläinen" in text
        for case in certificate.cases:
            for value in (case.invoice_number, case.case_number, case.creditor_name):
                assert value in text, value
            assert format_date(case.original_due_date) in text
            for figure in (case.capital.open, case.interest.open, case.costs.open):
                assert shown(figure, language) in text, (language, figure)
            assert shown(case.total_open, language) in text
            for item in case.cost_items:
                label = component_label(item.type, language)
                assert (
                    f"{label} {format_date(item.charge_date)} {shown(item.amount, language)}"
                    in text
                )
        for figure in (total.capital_open, total.interest_open, total.costs_open, total.total_open):
            assert shown(figure, language) in text, (language, figure)
        assert "B-3" not in text and "B-9" not in text  # paid; someone else's
        assert HETU_MATTI not in text and HETU_MATTI[:6] not in text


async def test_a_party_without_open_cases_gets_a_certificate_saying_so(
    service: RunningServer,
) -> None:
    response = await service.stub.GetBalanceCertificate(
        pb.GetBalanceCertificateRequest(debtor_party=f"organizations/{BUYER_COMPANY_ID}")
    )

    assert response.filename == "saldotodistus-2026-09-01.pdf"
    assert "Velallisella ei ole avoimia asioita 1.9.2026." in pdf_text(response.content)


async def test_a_company_certificate_names_the_company_and_its_rates(
    service: RunningServer, clock: SettableClock
) -> None:
    await import_invoice(
        service,
        number="C-1",
        buyer_id=BUYER_COMPANY_ID,
        buyer_name="Ostaja Oy",
        due_date="20260910",
    )
    await run_collection(service, clock, date(2026, 10, 1))

    response = await service.stub.GetBalanceCertificate(
        pb.GetBalanceCertificateRequest(
            debtor_party=f"organizations/{BUYER_COMPANY_ID}", language_code="en"
        )
    )

    text = pdf_text(response.content)
    assert "Balance certificate" in text and "Ostaja Oy" in text and "C-1" in text
    assert f"Business ID {BUYER_COMPANY_ID}" in text
    assert "2.15% + 8 = 10.15%" in text


async def test_a_bad_party_or_language_is_invalid_argument(service: RunningServer) -> None:
    for party in (f"persons/{HETU_MATTI}", "customers/abc", "organizations/1234567-2", ""):
        error = await call_error(
            service.stub.GetBalanceCertificate(pb.GetBalanceCertificateRequest(debtor_party=party))
        )
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in error.field_violations] == ["debtor_party"]
        assert HETU_MATTI not in error.message
        assert all(HETU_MATTI not in v.description for v in error.field_violations)

    error = await call_error(
        service.stub.GetBalanceCertificate(
            pb.GetBalanceCertificateRequest(
                debtor_party=f"organizations/{BUYER_COMPANY_ID}", language_code="de"
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["language_code"]
