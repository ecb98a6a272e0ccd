"""Payments and credit notes on the invoice: allocation, overpayments, refunds, idempotency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from ropo_invoice.domain.errors import InvalidStageTransition, InvoiceValidationError
from ropo_invoice.domain.events import (
    CreditNoteApplied,
    CreditNoteRefundDue,
    InvoicePaid,
    InvoiceStageChanged,
    OverpaymentDetected,
    PaymentConfirmed,
    PaymentReceived,
)
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.ledger import ComponentGroup, ComponentType
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, Language, PostalAddress, ProtectedNationalId
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BOOKED = date(2026, 3, 1)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")


def eur(amount: str) -> Money:
    return Money.eur(amount)


def make_invoice(capital: str = "100.00", *, company: bool = False, fee: str = "") -> Invoice:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    if company:
        debtor = Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
    else:
        protected = ProtectedNationalId("a" * 32, b"\x01sealed", "010190-****")
        debtor = Debtor.person("Matti Meikäläinen", ADDRESS, Language.SV, protected)
    invoice = Invoice.register(
        creditor=creditor,
        invoice_number="1001",
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=date(2026, 1, 15),
        due_date=date(2026, 2, 1),
        capital=eur(capital),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )
    if fee:
        invoice.ledger.charge(ComponentType.REMINDER_FEE, eur(fee), date(2026, 2, 20))
    invoice.pull_events()
    return invoice


# ------------------------------------------------------------------ confirmed payments


def test_a_confirmed_payment_shows_paid_in_myropo_and_leaves_amounts_open() -> None:
    invoice = make_invoice()
    assert invoice.confirm_payment("p-1", eur("100.00"), NOW)
    assert invoice.paid_in_myropo
    assert invoice.display_status(Language.FI) == "Maksettu MyRopossa"
    assert invoice.ledger.open_amount == eur("100.00")
    assert invoice.confirmed_payment_ids == ("p-1",)
    (event,) = invoice.pull_events()
    assert isinstance(event, PaymentConfirmed)
    assert (event.payment, event.amount) == ("p-1", eur("100.00"))


def test_confirming_twice_or_after_settlement_changes_nothing() -> None:
    invoice = make_invoice()
    invoice.confirm_payment("p-1", eur("100.00"), NOW)
    invoice.pull_events()
    assert not invoice.confirm_payment("p-1", eur("100.00"), LATER)
    assert invoice.pull_events() == []

    settled_first = make_invoice()
    settled_first.receive_payment("p-1", eur("40.00"), BOOKED, NOW)
    settled_first.pull_events()
    assert not settled_first.confirm_payment("p-1", eur("40.00"), LATER)
    assert not settled_first.paid_in_myropo
    assert settled_first.pull_events() == []


# ----------------------------------------------------------------------- money in


def test_a_full_payment_ends_the_invoice_as_paid() -> None:
    invoice = make_invoice()
    invoice.confirm_payment("p-1", eur("100.00"), NOW)
    invoice.pull_events()
    allocation = invoice.receive_payment("p-1", eur("100.00"), BOOKED, LATER)
    assert allocation.applied_total == eur("100.00")
    assert allocation.excess == eur("0")
    assert invoice.stage is Stage.PAID
    assert invoice.paid_at == LATER
    assert not invoice.paid_in_myropo
    assert invoice.display_status(Language.FI) == "Maksettu"
    events = invoice.pull_events()
    assert [type(e) for e in events] == [PaymentReceived, InvoiceStageChanged, InvoicePaid]
    received, changed, paid = events
    assert isinstance(received, PaymentReceived)
    assert received.allocated == eur("100.00") and received.booked_on == BOOKED
    assert isinstance(changed, InvoiceStageChanged) and changed.stage is Stage.PAID
    assert isinstance(paid, InvoicePaid) and paid.paid_amount == eur("100.00")
    assert paid.debtor_party == invoice.debtor.party


def test_a_redelivered_payment_does_nothing() -> None:
    invoice = make_invoice()
    invoice.receive_payment("p-1", eur("30.00"), BOOKED, NOW)
    invoice.pull_events()
    again = invoice.receive_payment("p-1", eur("30.00"), BOOKED, LATER)
    assert again.amount == eur("0") and again.applied == ()
    assert invoice.ledger.paid_amount == eur("30.00")
    assert invoice.applied_payment_ids == ("p-1",)
    assert invoice.pull_events() == []


def test_a_consumer_partial_payment_covers_capital_before_costs() -> None:
    invoice = make_invoice(fee="5.00")
    allocation = invoice.receive_payment("p-1", eur("100.00"), BOOKED, NOW)
    assert allocation.applied_to(ComponentGroup.CAPITAL) == eur("100.00")
    assert invoice.ledger.open_capital == eur("0")
    assert invoice.ledger.open_amount == eur("5.00")
    assert invoice.stage is Stage.INVOICE


def test_a_company_partial_payment_covers_costs_before_capital() -> None:
    invoice = make_invoice(company=True, fee="5.00")
    allocation = invoice.receive_payment("p-1", eur("100.00"), BOOKED, NOW)
    assert allocation.applied_to(ComponentGroup.COSTS) == eur("5.00")
    assert invoice.ledger.open_capital == eur("5.00")


def test_a_settled_confirmation_no_longer_shows_paid_in_myropo() -> None:
    invoice = make_invoice(fee="5.00")
    invoice.confirm_payment("p-1", eur("100.00"), NOW)
    invoice.receive_payment("p-1", eur("100.00"), BOOKED, LATER)
    assert invoice.stage is Stage.INVOICE  # the reminder fee is still open
    assert not invoice.paid_in_myropo


def test_an_overpayment_is_detected_with_what_the_refund_needs() -> None:
    invoice = make_invoice()
    allocation = invoice.receive_payment("p-1", eur("130.00"), BOOKED, NOW)
    assert allocation.excess == eur("30.00")
    assert invoice.stage is Stage.PAID
    overpaid = [e for e in invoice.pull_events() if isinstance(e, OverpaymentDetected)]
    assert len(overpaid) == 1
    event = overpaid[0]
    assert event.amount == eur("30.00") and event.payment == "p-1"
    assert event.debtor_party == invoice.debtor.party
    assert event.debtor_name == "Matti Meikäläinen"
    assert event.language is Language.SV
    assert event.case_number == invoice.case_number.value
    assert event.creditor_id == invoice.creditor_id


def test_a_payment_to_an_ended_invoice_is_all_excess() -> None:
    invoice = make_invoice()
    invoice.receive_payment("p-1", eur("100.00"), BOOKED, NOW)
    invoice.pull_events()
    allocation = invoice.receive_payment("p-2", eur("100.00"), BOOKED, LATER)
    assert allocation.excess == eur("100.00")
    assert invoice.ledger.paid_amount == eur("100.00")
    assert invoice.paid_at == NOW
    events = invoice.pull_events()
    assert [type(e) for e in events] == [PaymentReceived, OverpaymentDetected]


@pytest.mark.parametrize(
    ("payment", "amount", "field"),
    [
        ("", eur("1.00"), "payment"),
        ("p-1", eur("0"), "payment.amount"),
        ("p-1", Money("1.00", "SEK"), "payment.amount"),
    ],
)
def test_payment_values_are_checked(payment: str, amount: Money, field: str) -> None:
    invoice = make_invoice()
    with pytest.raises(InvoiceValidationError) as error:
        invoice.receive_payment(payment, amount, BOOKED, NOW)
    assert [v.field for v in error.value.violations] == [field]


# ---------------------------------------------------------------------- credit notes


def test_a_partial_credit_note_lowers_the_open_capital() -> None:
    invoice = make_invoice()
    outcome = invoice.apply_credit_note("CN-1", eur("30.00"), NOW)
    assert outcome.refund_due == eur("0")
    assert invoice.ledger.open_capital == eur("70.00")
    assert invoice.stage is Stage.INVOICE
    (event,) = invoice.pull_events()
    assert isinstance(event, CreditNoteApplied)
    assert (event.credit_note_number, event.amount, event.reduced_open) == (
        "CN-1",
        eur("30.00"),
        eur("30.00"),
    )


def test_a_full_credit_note_ends_the_invoice_as_credited() -> None:
    invoice = make_invoice()
    invoice.apply_credit_note("CN-1", eur("100.00"), NOW)
    assert invoice.stage is Stage.CREDITED
    assert invoice.paid_at is None
    assert [type(e) for e in invoice.pull_events()] == [CreditNoteApplied, InvoiceStageChanged]


def test_a_credit_note_on_a_partly_paid_invoice_that_settles_it_makes_it_paid() -> None:
    invoice = make_invoice()
    invoice.receive_payment("p-1", eur("40.00"), BOOKED, NOW)
    invoice.pull_events()
    outcome = invoice.apply_credit_note("CN-1", eur("60.00"), LATER)
    assert outcome.refund_due == eur("0")
    assert invoice.stage is Stage.PAID
    assert [type(e) for e in invoice.pull_events()] == [
        CreditNoteApplied,
        InvoiceStageChanged,
        InvoicePaid,
    ]


def test_crediting_paid_capital_makes_a_refund_due() -> None:
    invoice = make_invoice()
    invoice.receive_payment("p-1", eur("40.00"), BOOKED, NOW)
    invoice.pull_events()
    outcome = invoice.apply_credit_note("CN-1", eur("100.00"), LATER)
    assert outcome.credit.reduced_open == eur("60.00")
    assert outcome.refund_due == eur("40.00")
    assert invoice.ledger.paid_amount == eur("0")
    assert invoice.ledger.credited_amount == eur("100.00")
    assert invoice.stage is Stage.CREDITED
    events = invoice.pull_events()
    assert [type(e) for e in events] == [
        CreditNoteApplied,
        CreditNoteRefundDue,
        InvoiceStageChanged,
    ]
    refund = events[1]
    assert isinstance(refund, CreditNoteRefundDue)
    assert (refund.credit_note_number, refund.amount) == ("CN-1", eur("40.00"))
    assert refund.debtor_name == "Matti Meikäläinen"


def test_freed_money_first_covers_what_is_still_open() -> None:
    invoice = make_invoice(fee="5.00")
    invoice.receive_payment("p-1", eur("100.00"), BOOKED, NOW)  # capital paid, fee open
    outcome = invoice.apply_credit_note("CN-1", eur("30.00"), LATER)
    assert outcome.reapplied.applied_total == eur("5.00")
    assert outcome.refund_due == eur("25.00")
    assert invoice.ledger.is_settled
    assert invoice.stage is Stage.PAID
    applied = [e for e in invoice.pull_events() if isinstance(e, CreditNoteApplied)]
    assert applied[0].reapplied == eur("5.00") and applied[0].refund_due == eur("25.00")


def test_a_credit_note_on_a_paid_invoice_refunds_and_stays_paid() -> None:
    invoice = make_invoice()
    invoice.receive_payment("p-1", eur("100.00"), BOOKED, NOW)
    outcome = invoice.apply_credit_note("CN-1", eur("20.00"), LATER)
    assert outcome.refund_due == eur("20.00")
    assert invoice.stage is Stage.PAID


def test_a_credit_larger_than_the_capital_is_refused() -> None:
    invoice = make_invoice(fee="5.00")
    invoice.apply_credit_note("CN-1", eur("60.00"), NOW)
    with pytest.raises(InvoiceValidationError) as error:
        invoice.apply_credit_note("CN-2", eur("40.01"), NOW)
    assert [v.field for v in error.value.violations] == ["credit_note.amount"]
    assert invoice.ledger.credited_amount == eur("60.00")
    assert invoice.applied_credit_note_numbers == ("CN-1",)


def test_a_credit_note_applied_twice_does_nothing() -> None:
    invoice = make_invoice()
    invoice.apply_credit_note("CN-1", eur("30.00"), NOW)
    invoice.pull_events()
    again = invoice.apply_credit_note("CN-1", eur("30.00"), LATER)
    assert again.credit.amount == eur("0") and again.refund_due == eur("0")
    assert invoice.ledger.credited_amount == eur("30.00")
    assert invoice.pull_events() == []


def test_a_cancelled_invoice_takes_no_credit_note() -> None:
    invoice = make_invoice()
    invoice.move_to(Stage.CANCELLED, NOW)
    with pytest.raises(InvalidStageTransition):
        invoice.apply_credit_note("CN-1", eur("10.00"), NOW)
