"""Refunds through the real processes (invoice, payment, refund, gateway, sandbox, NATS).

A person reports an account through the gateway's JSON twin of *Ilmoita tilinumero*:
a wrong MyRopo ID, bad IBANs and a replayed confirmation are each refused with a clear
error and change nothing; the same approvals exported twice never put a refund in two
batches; an unclear bank payment and a credit note open cases of their own; and the
reported account appears nowhere in clear but in the refund database and the payout file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import grpc
import httpx
import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo.refund.v1 import refund_case_pb2, refund_service_pb2
from ropo_platform.money_proto import money_from_proto
from ropo_platform.rpc import RpcError
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.model import OriginalInvoice
from ropo_stack import (
    Stack,
    fresh_demo_invoice,
    reference_payment_file,
    stream_messages,
    text_cells,
)
from stdnum import luhn

pytestmark = pytest.mark.slow
PERSON, PERSON_NAME = "anna-andersson", "Anna Andersson"
API = "/api/myropo/v1/refund-cases"
IBAN = "FI2112345600000785"
State = refund_case_pb2.RefundCase.State
REFUND_ACCOUNT_REPORTED = "ropo.refund.v1.refund_account_reported"


@pytest.fixture(scope="module")
def person(stack: Stack) -> Iterator[httpx.Client]:
    client = stack.client()
    assert stack.login(client, PERSON).status_code == 303
    yield client
    client.close()


def api(stack: Stack, path: str = "") -> str:
    return f"{stack.gateway_url}{API}{path}"


def open_case(stack: Stack, excess_cents: int = 2_345) -> refund_case_pb2.RefundCase:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON))
    return stack.run_sync(stack.overpay(invoice, excess_cents))


def verify(stack: Stack, person: httpx.Client, case: refund_case_pb2.RefundCase) -> str:
    case_number, myropo_id = stack.run_sync(stack.refund_credentials(case.name))
    answer = person.post(
        api(stack, ":verify"), json={"case_number": case_number, "myropo_id": myropo_id}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["refund_case"]["id"])


def report(stack: Stack, person: httpx.Client, case: refund_case_pb2.RefundCase) -> str:
    """Steps 1–3 with a good account; returns the case id."""
    case_id = verify(stack, person, case)
    submitted = person.post(
        api(stack, f"/{case_id}/account"), json={"iban": IBAN, "holder_name": PERSON_NAME}
    )
    assert submitted.status_code == 200, submitted.text
    etag = submitted.json()["refund_case"]["etag"]
    confirmed = person.post(api(stack, f"/{case_id}/confirm"), json={"etag": etag})
    assert confirmed.status_code == 200, confirmed.text
    return case_id


def outbox_count(stack: Stack, event_type: str, subject: str) -> int:
    with sqlite3.connect(f"file:{stack.tmp_dir / 'refund.db'}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM outbox WHERE event_type = ? AND subject = ?",
            (event_type, subject),
        ).fetchone()
    return int(count)


def unchanged(stack: Stack, before: refund_case_pb2.RefundCase) -> None:
    after = stack.run_sync(stack.get_refund_case(before.name))
    assert (after.state, after.etag, after.HasField("account")) == (
        before.state,
        before.etag,
        before.HasField("account"),
    )


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["message"], "an error without a message a person can read"
    return error


def an_unknown_case_number() -> str:
    body = "9" + "".join(secrets.choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def test_a_wrong_myropo_id_is_refused_like_an_unknown_case_and_changes_nothing(
    stack: Stack, person: httpx.Client
) -> None:
    case = open_case(stack)
    case_number, myropo_id = stack.run_sync(stack.refund_credentials(case.name))
    wrong_id = ("0" if myropo_id[0] != "0" else "1") + myropo_id[1:]

    wrong = person.post(
        api(stack, ":verify"), json={"case_number": case_number, "myropo_id": wrong_id}
    )
    unknown = person.post(
        api(stack, ":verify"),
        json={"case_number": an_unknown_case_number(), "myropo_id": myropo_id},
    )

    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert case_number not in wrong.text and myropo_id not in wrong.text
    error_of(wrong)
    unchanged(stack, case)
    # Not verified: the case stays invisible to the person.
    case_id = case.name.removeprefix("refundCases/")
    assert person.get(api(stack, f"/{case_id}")).status_code == 404


@pytest.mark.parametrize(
    ("iban", "problem"),
    [
        ("FI21 1234 5600 0007 86", "checksum"),
        ("BR15 0000 0000 0000 1093 2840 814P 2", "not_sepa"),
        ("FI21 1234 5600 0007 8", "length"),
    ],
)
def test_a_bad_iban_is_refused_with_a_clear_error_and_changes_nothing(
    stack: Stack, person: httpx.Client, iban: str, problem: str
) -> None:
    case = open_case(stack)
    case_id = verify(stack, person, case)
    verified = stack.run_sync(stack.get_refund_case(case.name))

    answer = person.post(
        api(stack, f"/{case_id}/account"), json={"iban": iban, "holder_name": PERSON_NAME}
    )

    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    violations = [
        violation
        for detail in error["details"]
        for violation in detail.get("fieldViolations", detail.get("field_violations", []))
    ]
    assert [v["field"] for v in violations] == ["iban"], error
    assert violations[0]["description"].strip(), error
    assert problem in answer.text  # the service's classification reaches the caller
    unchanged(stack, verified)
    assert outbox_count(stack, REFUND_ACCOUNT_REPORTED, case.name) == 0


def test_a_replayed_confirmation_is_refused_and_changes_nothing(
    stack: Stack, person: httpx.Client
) -> None:
    case = open_case(stack)
    case_id = verify(stack, person, case)
    submitted = person.post(
        api(stack, f"/{case_id}/account"), json={"iban": IBAN, "holder_name": PERSON_NAME}
    )
    etag = submitted.json()["refund_case"]["etag"]
    request_id = str(uuid.uuid4())
    confirm = {"etag": etag, "request_id": request_id}
    first = person.post(api(stack, f"/{case_id}/confirm"), json=confirm)
    assert first.status_code == 200, first.text
    confirmed = stack.run_sync(stack.get_refund_case(case.name))
    assert confirmed.state == State.STATE_AWAITING_APPROVAL

    # The same request again (a retry): the first answer, and nothing happens twice.
    retried = person.post(api(stack, f"/{case_id}/confirm"), json=confirm)
    assert (retried.status_code, retried.json()) == (200, first.json())
    # The confirmation replayed as a new request: refused, with a reason a person reads.
    replayed = person.post(api(stack, f"/{case_id}/confirm"), json={"etag": etag})
    assert replayed.status_code == 409, replayed.text
    assert "REFUND_ACCOUNT_ALREADY_CONFIRMED" in replayed.text
    error_of(replayed)
    unchanged(stack, confirmed)
    assert outbox_count(stack, REFUND_ACCOUNT_REPORTED, case.name) == 1


def cases_in(content: bytes) -> set[str]:
    """The case numbers a pain.001 file pays (EndToEndId = case number - attempt)."""
    return set(re.findall(r"<EndToEndId>(\d{10})-\d+</EndToEndId>", content.decode()))


def export_or_nothing(
    stack: Stack, request_id: str | None = None
) -> refund_service_pb2.ExportPayoutBatchResponse | None:
    try:
        return stack.run_sync(stack.export_payouts(request_id))
    except grpc.RpcError as error:
        assert isinstance(error, grpc.aio.AioRpcError)
        refused = RpcError.from_aio(error)
        assert (refused.code, refused.reason) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "NO_APPROVED_REFUNDS",
        )
        return None


def approved_case(stack: Stack, person: httpx.Client) -> refund_case_pb2.RefundCase:
    case = open_case(stack)
    report(stack, person, case)
    reported = stack.run_sync(stack.get_refund_case(case.name))
    return stack.run_sync(stack.approve_refund(reported))


def test_exporting_the_same_approvals_twice_never_puts_a_refund_in_two_batches(
    stack: Stack, person: httpx.Client
) -> None:
    ours = [approved_case(stack, person) for _ in range(2)]
    numbers = {case.case_number for case in ours}
    request_id = str(uuid.uuid4())

    first = export_or_nothing(stack, request_id)
    assert first is not None
    assert numbers <= cases_in(first.content)
    again = export_or_nothing(stack)  # a new export of the same approvals
    assert again is None or not numbers & cases_in(again.content)
    retried = export_or_nothing(stack, request_id)  # the first export, retried
    assert retried is not None
    assert (retried.payout_batch.name, retried.content) == (
        first.payout_batch.name,
        first.content,
    )

    # Two supervisors at once: each refund lands in exactly one of the two files.
    third = approved_case(stack, person)

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(
                stack.export_payouts(), stack.export_payouts(), return_exceptions=True
            )
        )

    results = stack.run_sync(both())
    files = [
        r.content for r in results if isinstance(r, refund_service_pb2.ExportPayoutBatchResponse)
    ]
    for failure in (r for r in results if isinstance(r, BaseException)):
        assert isinstance(failure, grpc.aio.AioRpcError), failure
        assert failure.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)
    paid_in = [content for content in files if third.case_number in cases_in(content)]
    assert len(paid_in) == 1
    for case in (*ours, third):
        assert stack.run_sync(stack.get_refund_case(case.name)).state == State.STATE_IN_PAYOUT


def test_an_unclear_payment_and_a_credit_note_each_open_a_case(stack: Stack) -> None:
    unknown_reference = "1232"  # a valid check digit and no invoice
    imported = stack.run_sync(
        stack.import_statement(reference_payment_file([(unknown_reference, 4_321)], date.today()))
    )
    (unclear_payment,) = [p for p in imported.bank_payments if not p.invoice]

    demo = fresh_demo_invoice(PERSON)
    invoice = stack.run_sync(stack.import_demo_invoice(demo))
    paid_cents = money_from_proto(invoice.open_amount).minor_units
    transfer = reference_payment_file([(invoice.reference, paid_cents)], date.today())
    assert stack.run_sync(stack.import_statement(transfer)).matched_count == 1
    # Paid first, so that the credit note finds the money already allocated.
    stack.run_sync(stack.wait_for_invoice_state(invoice.name, invoice_pb2.Invoice.STATE_PAID))
    credit_note = dataclasses.replace(
        demo,
        number=str(int(demo.number) + 1),
        credits=OriginalInvoice(number=demo.number, invoice_date=demo.invoice_date),
    )
    stack.run_sync(stack.import_finvoice(finvoice_xml(credit_note)))

    credited = stack.run_sync(stack.wait_for_refund_case(invoice.name))
    assert credited.origin == refund_case_pb2.REFUND_ORIGIN_CREDIT_NOTE
    assert money_from_proto(credited.refundable_amount) == money_from_proto(invoice.open_amount)
    assert money_from_proto(credited.handling_fee).is_zero()
    assert credited.payout_amount == credited.refundable_amount

    async def unclear_case() -> refund_case_pb2.RefundCase:
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            async with grpc.aio.insecure_channel(str(stack.refund_addr)) as channel:
                listed = await stack.refund_stub(channel).ListRefundCases(
                    refund_service_pb2.ListRefundCasesRequest(
                        states=[State.STATE_AWAITING_ACCOUNT], page_size=1000
                    ),
                    timeout=10,
                )
            found = [c for c in listed.refund_cases if c.payment == unclear_payment.name]
            if found:
                return found[0]
            assert asyncio.get_running_loop().time() < deadline, "no case for the unclear payment"
            await asyncio.sleep(0.2)

    unclear = stack.run_sync(unclear_case())
    assert unclear.origin == refund_case_pb2.REFUND_ORIGIN_UNCLEAR_PAYMENT
    assert (unclear.invoice, unclear.debtor_party) == ("", "")
    assert money_from_proto(unclear.refundable_amount).minor_units == 4_321


def test_the_reported_account_appears_only_masked(stack: Stack, person: httpx.Client) -> None:
    case = open_case(stack)
    report(stack, person, case)
    forms = {IBAN, " ".join(IBAN[i : i + 4] for i in range(0, len(IBAN), 4))}

    leaks = [
        f"log of {name}"
        for name, text in stack.logs().items()
        if any(form in text for form in forms)
    ]
    assert stack.nats is not None
    for message in stack.run_sync(stream_messages(stack.nats.url)):
        if any(form.encode() in message for form in forms):
            leaks.append("a NATS message")
    for database in ("gateway", "invoice", "payment", "authorization"):
        for table, column, value in text_cells(stack.tmp_dir / f"{database}.db"):
            if any(form in value for form in forms):
                leaks.append(f"{database}.{table}.{column}")
    assert not leaks, leaks
