"""Events of other contexts → case-opening commands: what is malformed is dead-lettered
(``PermanentError``) with the bad fields named, never their values."""

from __future__ import annotations

import pytest
from refund_support import ALICE, eur, eur_proto
from ropo.invoice.v1 import events_pb2 as invoice_events
from ropo.payment.v1 import events_pb2 as payment_events
from ropo_platform.messaging import PermanentError
from ropo_refund.entrypoints.invoice_events import credit_note, overpayment
from ropo_refund.entrypoints.payment_events import unclear_payment


def overpayment_event(**changes: object) -> invoice_events.OverpaymentDetected:
    event = invoice_events.OverpaymentDetected(
        invoice="invoices/inv-1",
        debtor_party=ALICE,
        debtor_display_name="  Matti   Meikäläinen ",
        language_code="sv",
        overpaid_amount=eur_proto("12.50"),
        payment="bankPayments/bp-1",
    )
    for field, value in changes.items():
        setattr(event, field, value)
    return event


def test_an_overpayment_becomes_a_command() -> None:
    command = overpayment(overpayment_event())
    assert (command.invoice, command.payment, command.debtor_party) == (
        "invoices/inv-1",
        "bankPayments/bp-1",
        ALICE,
    )
    assert (command.debtor_display_name, command.amount) == ("Matti Meikäläinen", eur("12.50"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"invoice": "inv-1"}, "invoice"),
        ({"payment": ""}, "payment"),
        ({"debtor_party": "010101-123N"}, "debtor_party"),
        ({"debtor_display_name": "x" * 301}, "debtor_display_name"),
    ],
)
def test_a_malformed_overpayment_is_permanent(changes: dict[str, object], field: str) -> None:
    with pytest.raises(PermanentError) as raised:
        overpayment(overpayment_event(**changes))
    assert field in str(raised.value)
    assert "010101" not in str(raised.value)


@pytest.mark.parametrize("amount", ["0.00", "-1.00"])
def test_a_non_positive_amount_is_no_case(amount: str) -> None:
    event = overpayment_event()
    event.overpaid_amount.CopyFrom(eur_proto(amount))
    with pytest.raises(PermanentError, match="overpaid_amount"):
        overpayment(event)
    event.ClearField("overpaid_amount")
    with pytest.raises(PermanentError, match="overpaid_amount"):
        overpayment(event)


def test_credit_note_needs_its_number() -> None:
    event = invoice_events.CreditNoteRefundDue(
        invoice="invoices/inv-1", refund_amount=eur_proto("3.00"), credit_note_number=" "
    )
    with pytest.raises(PermanentError, match="credit_note_number"):
        credit_note(event)
    event.credit_note_number = "HYV-1"
    assert credit_note(event).credit_note_number == "HYV-1"


def test_unclear_payment() -> None:
    event = payment_events.UnclearPaymentReceived(
        bank_payment="bankPayments/bp-9", payer_name="", amount=eur_proto("7.00")
    )
    assert unclear_payment(event).payer_name == ""
    event.amount.currency_code = "SEK"
    with pytest.raises(PermanentError, match="amount"):
        unclear_payment(event)
    event.bank_payment = "payments/p-1"
    with pytest.raises(PermanentError, match="bank_payment"):
        unclear_payment(event)
