"""Payment-time letters: the confirmation of an extension or a plan and the reminder
of a missed instalment are rendered, kept with the case and never count as
collection letters (spacing, sequence, pay-by date, letter fees)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from invoice_fakes import Store, fake_uow_factory
from ropo_invoice.adapters.pdf_renderer import PdfRenderer
from ropo_invoice.adapters.reference_rates import load_reference_rates
from ropo_invoice.domain.collection import collection_letters
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.service_layer.collection import CollectionRun
from ropo_invoice.service_layer.documents import InvoiceDocuments
from ropo_invoice.service_layer.payment_time import (
    CreatePaymentPlan,
    ExtendDueDate,
    PaymentTimeHandlers,
)
from ropo_invoice.service_layer.ports import DocumentKind
from ropo_platform.money import Money
from test_invoice_documents import flat, text_of
from test_invoice_payment_time_rules import make_invoice

TODAY = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)  # 9 days after the due date


def setup(clock: datetime = TODAY) -> tuple[PaymentTimeHandlers, Store, str]:
    store = Store()
    invoice = make_invoice("500.00")
    store.invoices[invoice.id] = invoice
    handlers = PaymentTimeHandlers(
        fake_uow_factory(store), clock=lambda: clock, renderer=PdfRenderer()
    )
    return handlers, store, invoice.id


def payment_time_letters(invoice: Invoice, letter_type: LetterType) -> list[Letter]:
    return [letter for letter in invoice.letters if letter.type is letter_type]


def stored_text(store: Store, invoice_id: str, letter: Letter) -> str:
    document = store.documents[(invoice_id, DocumentKind.LETTER.value, letter.id)]
    assert document.media_type == "application/pdf"
    return flat(text_of(document.content))


def without_letter(invoice: Invoice, letter: Letter) -> Invoice:
    copy = dataclasses.replace(invoice)
    copy.letters = tuple(sent for sent in invoice.letters if sent.id != letter.id)
    return copy


async def test_an_extension_sends_one_confirmation_with_the_new_date_and_fee() -> None:
    handlers, store, invoice_id = setup()
    command = ExtendDueDate(
        invoice_id, date(2026, 1, 20), Money.eur("5.00"), "persons/x", request_id="r-1"
    )
    await handlers.extend_due_date(command)
    await handlers.extend_due_date(command)  # a retry replays, no second letter

    invoice = store.invoices[invoice_id]
    (letter,) = payment_time_letters(invoice, LetterType.PAYMENT_TIME_CONFIRMATION)
    assert letter.due_date == date(2026, 1, 20)
    assert letter.fee == Money.eur("5.00")
    assert letter.open_amount == Money.eur("505.00")
    assert not letter.is_collection_letter
    text = stored_text(store, invoice_id, letter)
    for expected in (
        "Vahvistus maksuajasta",
        "Uusi eräpäivä on 20.1.2026",
        "Siirron maksu on 5,00 €",
        "1001",  # invoice number
        invoice.case_number.printed,
        "505,00 €",
    ):
        assert expected in text, expected
    # Kept with the case: the letter is fetched as sent.
    documents = InvoiceDocuments(fake_uow_factory(store), PdfRenderer())
    fetched = await documents.letter(invoice_id, letter.id)
    assert (
        fetched.content
        == store.documents[(invoice_id, DocumentKind.LETTER.value, letter.id)].content
    )


async def test_a_plan_sends_a_confirmation_with_the_schedule_fee_and_total() -> None:
    handlers, store, invoice_id = setup()
    made = await handlers.create_payment_plan(
        CreatePaymentPlan(invoice_id, 5, Money.eur("30.00"), "persons/x")
    )
    invoice = store.invoices[invoice_id]
    (letter,) = payment_time_letters(invoice, LetterType.PAYMENT_TIME_CONFIRMATION)
    assert letter.fee == Money.eur("30.00")
    assert letter.due_date == made.plan.instalments[0].due_date == date(2026, 2, 10)
    text = stored_text(store, invoice_id, letter)
    assert "5 erän maksusuunnitelma" in text
    assert "Suunnitelman maksu on 30,00 €" in text
    assert "maksettava yhteensä 530,00 €" in text
    for instalment in made.plan.instalments:
        due = f"{instalment.due_date.day}.{instalment.due_date.month}.{instalment.due_date.year}"
        assert f"Erä {instalment.number}, eräpäivä {due}" in text
    assert "106,00 €" in text  # 530,00 € / 5


async def test_a_swedish_debtor_gets_the_confirmation_in_swedish() -> None:
    handlers, store, invoice_id = setup()
    invoice = store.invoices[invoice_id]
    invoice.debtor = dataclasses.replace(invoice.debtor, language=Language.SV)
    await handlers.extend_due_date(
        ExtendDueDate(invoice_id, date(2026, 1, 20), Money.eur("5.00"), "persons/x")
    )
    invoice = store.invoices[invoice_id]
    (letter,) = payment_time_letters(invoice, LetterType.PAYMENT_TIME_CONFIRMATION)
    text = stored_text(store, invoice_id, letter)
    assert "Bekräftelse av betalningstid" in text
    assert "Den nya förfallodagen är 20.1.2026" in text


async def test_confirmations_do_not_change_the_collection_rules() -> None:
    handlers, store, invoice_id = setup()
    await handlers.extend_due_date(
        ExtendDueDate(invoice_id, date(2026, 1, 20), Money.eur("5.00"), "persons/x")
    )
    invoice = store.invoices[invoice_id]
    (letter,) = payment_time_letters(invoice, LetterType.PAYMENT_TIME_CONFIRMATION)
    baseline = without_letter(invoice, letter)
    assert collection_letters(invoice.letters) == ()
    assert invoice.pay_by_date == baseline.pay_by_date == date(2026, 1, 20)
    for days in (0, 15, 30, 60):
        day = date(2026, 1, 20) + timedelta(days=days)
        assert invoice.next_collection_step(day) == baseline.next_collection_step(day), day


async def test_a_missed_instalment_sends_one_free_reminder_letter() -> None:
    handlers, store, invoice_id = setup()
    made = await handlers.create_payment_plan(
        CreatePaymentPlan(invoice_id, 5, Money.eur("30.00"), "persons/x")
    )
    first = made.plan.instalments[0]
    day = datetime.combine(first.due_date + timedelta(days=1), TODAY.timetz())
    clock = [day]
    run = CollectionRun(
        fake_uow_factory(store),
        load_reference_rates(),
        PdfRenderer(),
        lambda: clock[0],
        policy=lambda _creditor: CollectionPolicy(),
    )
    await run.run_once()
    clock[0] = day + timedelta(days=1)
    await run.run_once()  # the same instalment is not reminded twice

    invoice = store.invoices[invoice_id]
    (letter,) = payment_time_letters(invoice, LetterType.PAYMENT_PLAN_REMINDER)
    assert letter.fee is None and not letter.is_chargeable
    assert letter.open_amount == first.amount
    assert letter.issued_on == day.date()
    assert letter.due_date == first.due_date + timedelta(days=14)  # default grace days
    assert collection_letters(invoice.letters) == ()
    text = stored_text(store, invoice_id, letter)
    assert "Muistutus maksusuunnitelman erästä" in text
    assert "Maksusuunnitelman erä 1 (106,00 €, eräpäivä 10.2.2026) on maksamatta" in text
    assert "viimeistään 24.2.2026" in text
    assert "Tästä muistutuksesta ei peritä maksua" in text
