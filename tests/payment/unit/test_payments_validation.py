"""Validation of CreatePayment, ListPayments, GetPayment and HandlePspReturn requests:
every problem reported at once as a field violation, values never echoed."""

from __future__ import annotations

import pytest
from google.type import money_pb2
from payment_support import ALICE, create_request, eur, new_request_id
from ropo.payment.v1 import payment_pb2
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_payment.entrypoints import validation
from ropo_payment.service_layer.ports import MessageKind
from ropo_platform.errors import ValidationFailed

HETU = "010190-900P"


def violations(call: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        call()  # type: ignore[operator]
    return {v.field: v.description for v in raised.value.violations}


def test_a_valid_request_becomes_a_command_in_cents() -> None:
    request = create_request({"inv-1": 1525, "inv-2": 100}, language="sv")
    command = validation.create_payment_request(request)
    assert [(i.invoice_id, i.amount_minor) for i in command.items] == [
        ("inv-1", 1525),
        ("inv-2", 100),
    ]
    assert command.language == "sv"
    assert command.payer == ALICE
    # The fingerprint ignores the request id but covers everything else.
    again = create_request({"inv-1": 1525, "inv-2": 100}, language="sv")
    assert validation.create_payment_request(again).fingerprint == command.fingerprint
    other = create_request({"inv-1": 1526, "inv-2": 100}, language="sv")
    assert validation.create_payment_request(other).fingerprint != command.fingerprint


def test_language_defaults_to_finnish() -> None:
    assert validation.create_payment_request(create_request({"i": 1}, language="")).language == "fi"


def test_every_create_payment_problem_is_reported() -> None:
    request = pb.CreatePaymentRequest(
        request_id="not-a-uuid",
        payer=HETU,
        items=[
            payment_pb2.PaymentItem(invoice="inv-1", amount=eur(100)),
            payment_pb2.PaymentItem(invoice="invoices/a", amount=eur(0)),
            payment_pb2.PaymentItem(invoice="invoices/a", amount=eur(100)),
            payment_pb2.PaymentItem(
                invoice="invoices/b", amount=money_pb2.Money(currency_code="SEK", units=1)
            ),
            payment_pb2.PaymentItem(
                invoice="invoices/c",
                amount=money_pb2.Money(currency_code="EUR", units=1, nanos=5_000_000),
            ),
            payment_pb2.PaymentItem(invoice="invoices/d"),
        ],
        success_url="ftp://example.com/x",
        cancel_url="http://example.com/" + "x" * 300,
        language_code="de",
    )
    found = violations(lambda: validation.create_payment_request(request))
    assert set(found) == {
        "request_id",
        "payer",
        "items[0].invoice",
        "items[1].amount",
        "items[2].invoice",
        "items[3].amount",
        "items[4].amount",
        "items[5].amount",
        "success_url",
        "cancel_url",
        "language_code",
    }
    assert all(HETU not in description for description in found.values())


def test_items_are_required_and_limited() -> None:
    assert "items" in violations(lambda: validation.create_payment_request(create_request({})))
    many = create_request({f"inv-{n}": 100 for n in range(51)})
    assert "items" in violations(lambda: validation.create_payment_request(many))


def test_total_at_most_the_psp_limit() -> None:
    over = create_request({"a": 50_000_000, "b": 49_999_999})
    assert "items" in violations(lambda: validation.create_payment_request(over))
    validation.create_payment_request(create_request({"a": 50_000_000, "b": 49_999_998}))


def test_list_payments_needs_invoice_or_payer() -> None:
    assert "invoice" in violations(
        lambda: validation.list_payments_request(pb.ListPaymentsRequest())
    )
    found = violations(
        lambda: validation.list_payments_request(
            pb.ListPaymentsRequest(invoice="x", payer="y", page_size=-1)
        )
    )
    assert set(found) == {"invoice", "payer", "page_size"}
    query = validation.list_payments_request(pb.ListPaymentsRequest(invoice="invoices/inv-1"))
    assert query.invoice_id == "inv-1"


def test_get_payment_needs_a_payment_name() -> None:
    assert "name" in violations(
        lambda: validation.get_payment_request(pb.GetPaymentRequest(name="payments/x"))
    )
    assert validation.get_payment_request(pb.GetPaymentRequest(name="payments/" + "a" * 32)) == (
        "a" * 32
    )


def test_handle_psp_return_validation() -> None:
    found = violations(
        lambda: validation.handle_psp_return_request(pb.HandlePspReturnRequest(request_id="x"))
    )
    assert set(found) == {"request_id", "kind", "query_parameters"}
    command = validation.handle_psp_return_request(
        pb.HandlePspReturnRequest(
            request_id=new_request_id(),
            kind=pb.PSP_RETURN_KIND_CALLBACK,
            query_parameters={"checkout-status": "ok", "signature": "ab"},
        )
    )
    assert command.kind is MessageKind.CALLBACK
