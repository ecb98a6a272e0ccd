"""The balance-certificate use case on in-memory fakes: it reads every open invoice of the
party page by page, takes the interest periods from the timeline, and renders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from invoice_fakes import Store, fake_uow_factory
from ropo_invoice.domain.balance import BalanceCertificate
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.balance_certificate import BalanceCertificates
from ropo_platform.money import Money
from test_balance_model import COMPANY, PERSON, RATES, make_invoice

TODAY = datetime(2026, 9, 1, 7, 30, tzinfo=UTC)


class RecordingRenderer:
    def __init__(self) -> None:
        self.calls: list[tuple[BalanceCertificate, Language]] = []

    def render_balance_certificate(
        self, certificate: BalanceCertificate, language: Language
    ) -> bytes:
        self.calls.append((certificate, language))
        return b"%PDF-certificate"


def use_case(store: Store, renderer: RecordingRenderer | None = None) -> BalanceCertificates:
    return BalanceCertificates(
        uow=fake_uow_factory(store),
        rates=RATES,
        renderer=renderer or RecordingRenderer(),
        clock=lambda: TODAY,
        batch_size=2,
    )


async def store_invoices(store: Store, *invoices: Invoice) -> None:
    """Keep the invoices with their recorded events (timeline entries), as a commit does."""
    async with fake_uow_factory(store)() as uow:
        for invoice in invoices:
            uow.invoices.add(invoice)
        await uow.commit()


def with_interest(invoice: Invoice, days: int) -> Invoice:
    """Interest charged day by day for ``days`` days after the due date."""
    for offset in range(1, days + 1):
        invoice.accrue_interest(invoice.due_date + timedelta(days=offset), RATES, TODAY)
    return invoice


async def test_every_open_invoice_of_the_party_is_read_page_by_page() -> None:
    store = Store()
    mine = [make_invoice(f"70{n}", "10.00", due=date(2026, 8, n + 1)) for n in range(5)]
    paid = make_invoice("7090", "10.00")
    paid.receive_payment("p-1", Money.eur("10.00"), date(2026, 1, 1), TODAY)
    others = make_invoice("7091", "10.00", debtor=COMPANY)
    await store_invoices(store, *mine, paid, others)

    certificate = await use_case(store).certificate(PERSON.party)

    assert sorted(case.invoice_number for case in certificate.cases) == [f"70{n}" for n in range(5)]
    assert certificate.issued_on == date(2026, 9, 1)
    assert certificate.debtor_name == "Matti Meikäläinen"
    assert certificate.totals[0].total_open == Money.eur("50.00")


async def test_interest_periods_come_from_the_recorded_charges() -> None:
    store = Store()
    invoice = with_interest(make_invoice("7101", "1000.00", due=date(2026, 6, 25)), 9)
    await store_invoices(store, invoice)  # far more timeline entries than one batch

    (case,) = (await use_case(store).certificate(PERSON.party)).cases

    (run,) = case.interest_runs
    assert (run.start, run.end) == (date(2026, 6, 26), date(2026, 7, 4))
    assert [(p.start, p.end) for p in run.rates] == [
        (date(2026, 6, 26), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 7, 4)),
    ]
    assert run.charged == invoice.ledger.interest_charged


async def test_the_name_comes_from_a_closed_invoice_when_nothing_is_open() -> None:
    store = Store()
    paid = make_invoice("7201", "10.00")
    paid.receive_payment("p-1", Money.eur("10.00"), date(2026, 1, 1), TODAY)
    await store_invoices(store, paid)

    certificate = await use_case(store).certificate(PERSON.party)
    assert (certificate.cases, certificate.debtor_name) == ((), "Matti Meikäläinen")

    unknown = await use_case(store).certificate(COMPANY.party)
    assert (unknown.cases, unknown.debtor_name) == ((), "")


async def test_render_draws_in_the_language_and_names_the_file() -> None:
    store = Store()
    await store_invoices(store, make_invoice("7301", "10.00"))
    renderer = RecordingRenderer()

    document = await use_case(store, renderer).render(PERSON.party, Language.SV)

    assert (document.media_type, document.content) == ("application/pdf", b"%PDF-certificate")
    assert document.filename == "saldointyg-2026-09-01.pdf"
    ((certificate, language),) = renderer.calls
    assert language is Language.SV
    assert [case.invoice_number for case in certificate.cases] == ["7301"]
