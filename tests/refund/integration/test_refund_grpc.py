"""RefundService over a real gRPC server on a real database (SQLite; PostgreSQL too when
ROPO_TEST_POSTGRES_URL is set): the whole way from a case to a paid refund, and every
way it must refuse to change anything."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import grpc
import pytest
import xmlschema
from google.rpc import status_pb2
from refund_support import (
    AGENT,
    AGENT_2,
    ALICE,
    BOB,
    BR_IBAN,
    DE_IBAN,
    FI_IBAN,
    FI_IBAN_2,
    SUPERVISOR,
    RunningServer,
    approve,
    call_error,
    change_account,
    confirm,
    count_rows,
    export,
    import_status,
    new_request_id,
    open_overpayment,
    outbox_events,
    outbox_payloads,
    pain002,
    person,
    refund_settings,
    require_samples_xsd,
    samples_xsd,
    start_server,
    submit,
    verify,
)
from ropo.refund.v1 import events_pb2, payout_batch_pb2, refund_case_pb2, refund_service_pb2_grpc
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo_platform.rpc import REQUEST_ID_KEY
from ropo_platform.rpc.errors import GRPC_DETAILS_METADATA_KEY
from ropo_refund.adapters.outbox import (
    REFUND_ACCOUNT_REPORTED,
    REFUND_CASE_OPENED,
    REFUND_PAID,
)
from ropo_refund.adapters.pain001 import read_pain001
from ropo_refund.bootstrap import bootstrap
from ropo_refund.domain.refund_case import RefundCase

pytestmark = pytest.mark.postgres
State = refund_case_pb2.RefundCase


async def reported(
    running: RunningServer, amount: str = "50.00", holder: str = "Matti Meikäläinen"
) -> refund_case_pb2.RefundCase:
    """A case opened, verified, with a submitted and confirmed account (steps 1–3)."""
    case = await open_overpayment(running.app, amount=amount)
    name = f"refundCases/{case.id}"
    await running.stub.VerifyRefundCase(verify(case))
    submitted = (await running.stub.SubmitRefundAccount(submit(name, holder=holder))).refund_case
    return (await running.stub.ConfirmRefundAccount(confirm(name, submitted.etag))).refund_case


async def approved(running: RunningServer, amount: str = "50.00") -> refund_case_pb2.RefundCase:
    case = await reported(running, amount)
    return (await running.stub.ApproveRefund(approve(case.name, case.etag))).refund_case


async def get(running: RunningServer, name: str) -> refund_case_pb2.RefundCase:
    return (await running.stub.GetRefundCase(pb.GetRefundCaseRequest(name=name))).refund_case


def cents(money: object) -> int:
    units, nanos = getattr(money, "units"), getattr(money, "nanos")  # noqa: B009
    return int(units) * 100 + int(nanos) // 10_000_000


# --------------------------------------------------------------------------- happy path


async def test_overpayment_to_paid_refund(running: RunningServer) -> None:
    case = await open_overpayment(running.app, amount="123.45")
    name = f"refundCases/{case.id}"
    assert await outbox_events(running.app.database, REFUND_CASE_OPENED) == 1

    verified = (await running.stub.VerifyRefundCase(verify(case))).refund_case
    assert (verified.name, verified.state) == (name, State.STATE_AWAITING_ACCOUNT)
    assert verified.case_number == case.case_number
    assert (cents(verified.handling_fee), cents(verified.payout_amount)) == (500, 11845)

    submitted = (await running.stub.SubmitRefundAccount(submit(name))).refund_case
    assert submitted.state == State.STATE_ACCOUNT_SUBMITTED
    assert submitted.account.masked_iban == "FI42 **** **** **** 23"
    assert submitted.account.bic == "OKOYFIHH"
    assert not submitted.account.confirmed
    assert FI_IBAN not in submitted.SerializeToString().decode("latin-1")

    confirmed = (await running.stub.ConfirmRefundAccount(confirm(name, submitted.etag))).refund_case
    assert confirmed.state == State.STATE_AWAITING_APPROVAL
    assert confirmed.account.confirmed
    mine = await running.stub.GetRefundCase(pb.GetRefundCaseRequest(name=name, subject=ALICE))
    assert mine.refund_case.etag == confirmed.etag

    approved_case = (await running.stub.ApproveRefund(approve(name, confirmed.etag))).refund_case
    assert (approved_case.state, approved_case.approver) == (State.STATE_APPROVED, AGENT)

    exported = await running.stub.ExportPayoutBatch(export())
    assert exported.media_type == "application/xml"
    assert list(exported.payout_batch.refund_cases) == [name]
    assert cents(exported.payout_batch.total_amount) == 11845
    xsd = samples_xsd()
    if xsd is not None:  # the published schema, when the samples are here (see below)
        xmlschema.XMLSchema(str(xsd)).validate(exported.content)
    summary = read_pain001(exported.content)
    assert summary.message_id == exported.payout_batch.message_id
    [transfer] = summary.transactions
    assert (transfer.creditor_iban, transfer.amount.amount) == (FI_IBAN, Decimal("118.45"))
    assert transfer.end_to_end_id == f"{case.case_number}-0"
    assert summary.control_sum == Decimal("118.45")
    in_payout = await get(running, name)
    assert in_payout.state == State.STATE_IN_PAYOUT
    assert in_payout.payout_batch == exported.payout_batch.name

    report = pain002(exported.payout_batch.message_id, {transfer.end_to_end_id: ("ACSC", "")})
    imported = await running.stub.ImportPayoutStatus(import_status(report))
    assert (imported.paid_count, imported.failed_count) == (1, 0)
    assert imported.payout_batch.state == payout_batch_pb2.PayoutBatch.STATE_COMPLETED
    paid = await get(running, name)
    assert paid.state == State.STATE_PAID and paid.HasField("paid_time")
    [payload] = await outbox_payloads(running.app.database, REFUND_PAID)
    event = events_pb2.RefundPaid.FromString(payload)
    assert (event.refund_case, event.payout_batch) == (name, exported.payout_batch.name)
    assert cents(event.amount) == 11845

    batch = await running.stub.GetPayoutBatch(
        pb.GetPayoutBatchRequest(name=exported.payout_batch.name)
    )
    assert batch.content == exported.content
    assert batch.payout_batch.paid_count == 1
    listed = await running.stub.ListPayoutBatches(pb.ListPayoutBatchesRequest())
    assert [b.name for b in listed.payout_batches] == [exported.payout_batch.name]
    letter = await running.stub.GetRefundLetter(pb.GetRefundLetterRequest(refund_case=name))
    assert letter.media_type == "application/pdf" and letter.content.startswith(b"%PDF")


async def test_payout_files_validate_against_the_published_xsd(migrated_url: str) -> None:
    """Also with the runtime check of ROPO_REFUND_PAYOUT_XSD_PATH, and with a foreign
    account without a BIC."""
    xsd = require_samples_xsd()
    app = bootstrap(refund_settings(migrated_url, payout_xsd_path=str(xsd)))
    server, channel = await start_server(app)
    try:
        await server.wait_until_ready(app.readiness)
        running = RunningServer(
            server, channel, refund_service_pb2_grpc.RefundServiceStub(channel), app
        )
        first = await open_overpayment(app, amount="10.05")
        second = await open_overpayment(app, amount="1000.00", debtor_name="Hans Müller")
        for case, iban, holder in ((first, FI_IBAN, "Matti Meikäläinen"),
                                   (second, DE_IBAN, "Hans Müller")):  # fmt: skip
            name = f"refundCases/{case.id}"
            await running.stub.VerifyRefundCase(verify(case))
            submitted = await running.stub.SubmitRefundAccount(
                submit(name, iban=iban, holder=holder)
            )
            confirmed = await running.stub.ConfirmRefundAccount(
                confirm(name, submitted.refund_case.etag)
            )
            await running.stub.ApproveRefund(approve(name, confirmed.refund_case.etag))
        exported = await running.stub.ExportPayoutBatch(export())
        xmlschema.XMLSchema(str(xsd)).validate(exported.content)
        summary = read_pain001(exported.content)
        assert [(t.creditor_iban, t.amount.amount) for t in summary.transactions] == [
            (FI_IBAN, Decimal("5.05")),
            (DE_IBAN, Decimal("995.00")),
        ]
        assert summary.control_sum == Decimal("1000.05")
    finally:
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


# --------------------------------------------------------------------------- bad IBANs


@pytest.mark.parametrize(
    ("iban", "problem", "description"),
    [
        (
            "FI4250001510000024",
            "checksum",
            "The IBAN's check digits do not match: check the number.",
        ),
        (BR_IBAN, "not_sepa", "Refunds are paid only to accounts in the SEPA area."),
        ("FI42500015100000", "length", "An IBAN of FI has 18 characters."),
    ],
)
async def test_a_bad_iban_is_refused_and_changes_nothing(
    running: RunningServer, iban: str, problem: str, description: str
) -> None:
    case = await open_overpayment(running.app)
    name = f"refundCases/{case.id}"
    await running.stub.VerifyRefundCase(verify(case))
    outbox_before = await count_rows(running.app.database, "SELECT count(*) FROM outbox")
    error = await call_error(running.stub.SubmitRefundAccount(submit(name, iban=iban)))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "REFUND_ACCOUNT_INVALID"
    assert error.error_info is not None
    assert error.error_info.metadata == {"iban_problem": problem}
    assert [(v.field, v.description) for v in error.field_violations] == [("iban", description)]
    assert iban not in error.message
    assert (await get(running, name)).state == State.STATE_AWAITING_ACCOUNT
    assert not (await get(running, name)).HasField("account")
    assert await count_rows(running.app.database, "SELECT count(*) FROM refund_accounts") == 0
    assert await count_rows(running.app.database, "SELECT count(*) FROM outbox") == outbox_before


async def test_a_subject_must_be_a_strongly_identified_person(running: RunningServer) -> None:
    case = await open_overpayment(running.app)
    error = await call_error(running.stub.VerifyRefundCase(verify(case, subject=AGENT)))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["subject"]


# --------------------------------------------------------------------------- step 1


def _details(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    for key, value in error.trailing_metadata() or ():
        if key == GRPC_DETAILS_METADATA_KEY and isinstance(value, bytes):
            return status_pb2.Status.FromString(value)
    raise AssertionError("no status details")


async def test_a_wrong_myropo_id_looks_exactly_like_an_unknown_case(
    running: RunningServer,
) -> None:
    case = await open_overpayment(running.app)
    metadata = ((REQUEST_ID_KEY, "same-request"),)
    statuses = []
    for request in (
        verify(case, myropo_id="AAAA-AAAA-AAAA"),
        verify(
            case, case_number="9000000017" if case.case_number != "9000000017" else "9000000025"
        ),
        verify(case, case_number="no number"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await running.stub.VerifyRefundCase(request, metadata=metadata)
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        statuses.append(_details(raised.value))
    assert statuses[0] == statuses[1] == statuses[2]
    assert statuses[0].message == "No refund case matches the case number and MyRopo ID."


async def test_five_failures_lock_the_subject_and_another_subject_still_gets_in(
    running: RunningServer,
) -> None:
    case = await open_overpayment(running.app)
    for _ in range(5):
        error = await call_error(
            running.stub.VerifyRefundCase(verify(case, myropo_id="AAAA-AAAA-AAAA"))
        )
        assert error.code == grpc.StatusCode.NOT_FOUND
    locked = await call_error(running.stub.VerifyRefundCase(verify(case)))
    assert locked.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert locked.reason == "REFUND_VERIFICATION_LOCKED"
    assert locked.retry_after_seconds is not None and 0 < locked.retry_after_seconds <= 900
    unknown = await call_error(
        running.stub.VerifyRefundCase(verify(case, case_number="9999999999"))
    )
    assert (unknown.code, unknown.reason) == (locked.code, locked.reason)
    other = await running.stub.VerifyRefundCase(verify(case, subject=BOB))
    assert other.refund_case.name == f"refundCases/{case.id}"


async def test_concurrent_guesses_never_get_past_the_limit(running: RunningServer) -> None:
    case = await open_overpayment(running.app)
    guesses = [
        running.stub.VerifyRefundCase(verify(case, myropo_id="AAAA-AAAA-AAAA")) for _ in range(12)
    ]
    codes = [error.code for error in await asyncio.gather(*(call_error(g) for g in guesses))]
    assert codes.count(grpc.StatusCode.NOT_FOUND) == 5
    assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 7


async def test_steps_2_and_3_answer_not_found_without_verification(
    running: RunningServer,
) -> None:
    case = await open_overpayment(running.app)
    name = f"refundCases/{case.id}"
    await running.stub.VerifyRefundCase(verify(case))
    error = await call_error(running.stub.SubmitRefundAccount(submit(name, subject=BOB)))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "REFUND_CASE_NOT_FOUND")
    hidden = await call_error(
        running.stub.GetRefundCase(pb.GetRefundCaseRequest(name=name, subject=BOB))
    )
    assert hidden.code == grpc.StatusCode.NOT_FOUND


# --------------------------------------------------------------------------- step 3


async def test_a_replayed_confirmation(running: RunningServer) -> None:
    case = await open_overpayment(running.app)
    name = f"refundCases/{case.id}"
    await running.stub.VerifyRefundCase(verify(case))
    submitted = (await running.stub.SubmitRefundAccount(submit(name))).refund_case
    request = confirm(name, submitted.etag)
    first = await running.stub.ConfirmRefundAccount(request)
    again = await running.stub.ConfirmRefundAccount(request)
    assert again == first
    assert await outbox_events(running.app.database, REFUND_ACCOUNT_REPORTED) == 1

    error = await call_error(running.stub.ConfirmRefundAccount(confirm(name, submitted.etag)))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "REFUND_ACCOUNT_ALREADY_CONFIRMED"
    assert await outbox_events(running.app.database, REFUND_ACCOUNT_REPORTED) == 1
    assert (await get(running, name)) == first.refund_case

    reused = await call_error(
        running.stub.ConfirmRefundAccount(
            confirm(name, "other-etag", request_id=request.request_id)
        )
    )
    assert (reused.code, reused.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")


async def test_a_stale_etag_is_aborted(running: RunningServer) -> None:
    case = await open_overpayment(running.app)
    name = f"refundCases/{case.id}"
    await running.stub.VerifyRefundCase(verify(case))
    first = (await running.stub.SubmitRefundAccount(submit(name))).refund_case
    await running.stub.SubmitRefundAccount(submit(name, iban=DE_IBAN))
    error = await call_error(running.stub.ConfirmRefundAccount(confirm(name, first.etag)))
    assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "REFUND_CASE_CHANGED")
    current = await get(running, name)
    assert current.state == State.STATE_ACCOUNT_SUBMITTED
    assert len(current.previous_accounts) == 1


async def test_a_holder_name_that_does_not_match_goes_to_manual_review(
    running: RunningServer,
) -> None:
    case = await reported(running, holder="Someone Else")
    assert case.state == State.STATE_MANUAL_REVIEW
    [payload] = await outbox_payloads(running.app.database, REFUND_ACCOUNT_REPORTED)
    assert events_pb2.RefundAccountReported.FromString(payload).manual_review


# --------------------------------------------------------------------------- export


async def test_exporting_twice_never_puts_a_refund_in_two_batches(
    running: RunningServer,
) -> None:
    first_case = await approved(running, "50.00")
    second_case = await approved(running, "20.00")
    request = export()
    first = await running.stub.ExportPayoutBatch(request)
    assert set(first.payout_batch.refund_cases) == {first_case.name, second_case.name}
    assert await running.stub.ExportPayoutBatch(request) == first  # same request_id

    error = await call_error(running.stub.ExportPayoutBatch(export()))
    assert (error.code, error.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "NO_APPROVED_REFUNDS",
    )
    assert await count_rows(running.app.database, "SELECT count(*) FROM payout_batches") == 1
    assert await count_rows(running.app.database, "SELECT count(*) FROM payout_items") == 2


async def test_concurrent_exports_put_every_refund_in_exactly_one_batch(
    running: RunningServer,
) -> None:
    cases = [await approved(running, f"{10 + index}.00") for index in range(4)]
    results = await asyncio.gather(
        *(running.stub.ExportPayoutBatch(export()) for _ in range(4)), return_exceptions=True
    )
    batches = [r for r in results if isinstance(r, pb.ExportPayoutBatchResponse)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(batches) + len(refused) == 4
    assert batches, results
    for error in refused:
        assert error.code() in {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}
    exported = [name for batch in batches for name in batch.payout_batch.refund_cases]
    assert sorted(exported) == sorted(case.name for case in cases)
    rows = await count_rows(running.app.database, "SELECT count(*) FROM payout_items")
    assert rows == 4
    for case in cases:
        assert (await get(running, case.name)).state == State.STATE_IN_PAYOUT


async def test_an_account_changed_after_approval_is_not_paid_until_approved_again(
    running: RunningServer,
) -> None:
    case = await approved(running)
    changed = (await running.stub.ChangeRefundAccount(change_account(case.name))).refund_case
    assert changed.state == State.STATE_AWAITING_APPROVAL
    assert (changed.approver, changed.HasField("approve_time")) == ("", False)
    assert changed.account.reporter == SUPERVISOR and changed.account.confirmed
    [old] = changed.previous_accounts
    assert (old.replaced_by, old.masked_iban) == (SUPERVISOR, "FI42 **** **** **** 23")
    assert old.replace_reason == "The person called: the account was closed."

    error = await call_error(running.stub.ExportPayoutBatch(export()))
    assert error.reason == "NO_APPROVED_REFUNDS"
    own = await call_error(
        running.stub.ApproveRefund(
            pb.ApproveRefundRequest(
                request_id=new_request_id(),
                name=case.name,
                actor=SUPERVISOR,
                actor_roles=["supervisor"],
                etag=changed.etag,
            )
        )
    )
    assert (own.code, own.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "REFUND_FOUR_EYES_REQUIRED",
    )
    stale = await call_error(running.stub.ApproveRefund(approve(case.name, case.etag, AGENT_2)))
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "REFUND_CASE_CHANGED")
    again = (
        await running.stub.ApproveRefund(approve(case.name, changed.etag, AGENT_2))
    ).refund_case
    assert again.state == State.STATE_APPROVED
    exported = await running.stub.ExportPayoutBatch(export())
    [transfer] = read_pain001(exported.content).transactions
    assert transfer.creditor_iban == FI_IBAN_2

    in_payout = await call_error(running.stub.ChangeRefundAccount(change_account(case.name)))
    assert (in_payout.code, in_payout.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "REFUND_IN_PAYOUT",
    )
    assert (await get(running, case.name)).account.masked_iban == "FI14 **** **** **** 58"


async def test_staff_roles_are_checked(running: RunningServer) -> None:
    case = await reported(running)
    request = approve(case.name, case.etag)
    del request.actor_roles[:]
    request.actor_roles.append("creditor:testi")
    error = await call_error(running.stub.ApproveRefund(request))
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REFUND_ROLE_REQUIRED")
    agent_export = export()
    agent_export.actor_roles[:] = ["agent"]
    error = await call_error(running.stub.ExportPayoutBatch(agent_export))
    assert error.reason == "REFUND_ROLE_REQUIRED"
    agent_import = import_status(b"<Document/>", actor=AGENT, roles=("agent",))
    error = await call_error(running.stub.ImportPayoutStatus(agent_import))
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REFUND_ROLE_REQUIRED")


# --------------------------------------------------------------------------- import


async def test_a_rejected_payout_is_asked_again_and_paid_in_a_second_batch(
    running: RunningServer,
) -> None:
    case = await approved(running)
    first = await running.stub.ExportPayoutBatch(export())
    [transfer] = read_pain001(first.content).transactions
    report = pain002(first.payout_batch.message_id, {transfer.end_to_end_id: ("RJCT", "AC04")})
    imported = await running.stub.ImportPayoutStatus(import_status(report))
    assert (imported.paid_count, imported.failed_count) == (0, 1)
    failed = await get(running, case.name)
    assert failed.state == State.STATE_AWAITING_ACCOUNT
    assert failed.failed_payout_count == 1
    assert "AC04" in failed.status_message
    assert (failed.payout_batch, failed.HasField("account")) == ("", False)
    assert len(failed.previous_accounts) == 1

    again = await running.stub.ImportPayoutStatus(import_status(report))
    assert (again.paid_count, again.failed_count) == (0, 0)
    assert (await get(running, case.name)) == failed

    # The person reports a new account (the verification is still valid).
    submitted = (
        await running.stub.SubmitRefundAccount(submit(case.name, iban=DE_IBAN, bic="COBADEFFXXX"))
    ).refund_case
    confirmed = (
        await running.stub.ConfirmRefundAccount(confirm(case.name, submitted.etag))
    ).refund_case
    await running.stub.ApproveRefund(approve(case.name, confirmed.etag))
    second = await running.stub.ExportPayoutBatch(export())
    assert second.payout_batch.name != first.payout_batch.name
    [retry] = read_pain001(second.content).transactions
    assert retry.end_to_end_id == f"{confirmed.case_number}-1"
    assert retry.creditor_iban == DE_IBAN
    attempts = await count_rows(
        running.app.database,
        "SELECT count(*) FROM payout_items WHERE refund_case_id = :c AND payout_attempt = 1",
        c=case.name.removeprefix("refundCases/"),
    )
    assert attempts == 1
    paid = pain002(second.payout_batch.message_id, {retry.end_to_end_id: ("ACSC", "")})
    await running.stub.ImportPayoutStatus(import_status(paid))
    assert (await get(running, case.name)).state == State.STATE_PAID
    # A late report of the first batch changes nothing now.
    late = pain002(first.payout_batch.message_id, {transfer.end_to_end_id: ("ACSC", "")})
    assert (await running.stub.ImportPayoutStatus(import_status(late))).paid_count == 0
    assert await outbox_events(running.app.database, REFUND_PAID) == 1


async def test_import_of_an_unknown_batch_or_garbage(running: RunningServer) -> None:
    unknown = await call_error(
        running.stub.ImportPayoutStatus(import_status(pain002("ROPO" + "A" * 28, {})))
    )
    assert (unknown.code, unknown.reason) == (grpc.StatusCode.NOT_FOUND, "PAYOUT_BATCH_NOT_FOUND")
    garbage = await call_error(running.stub.ImportPayoutStatus(import_status(b"<nope")))
    assert garbage.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in garbage.field_violations] == ["content"]


# --------------------------------------------------------------------------- Ropo One


async def test_list_cases_by_state_oldest_first_with_pages(running: RunningServer) -> None:
    opened: list[RefundCase] = [await open_overpayment(running.app) for _ in range(3)]
    await reported(running)
    listed = await running.stub.ListRefundCases(
        pb.ListRefundCasesRequest(states=[State.STATE_AWAITING_ACCOUNT], page_size=2)
    )
    names = [case.name for case in listed.refund_cases]
    rest = await running.stub.ListRefundCases(
        pb.ListRefundCasesRequest(
            states=[State.STATE_AWAITING_ACCOUNT], page_size=2, page_token=listed.next_page_token
        )
    )
    names += [case.name for case in rest.refund_cases]
    assert names == [f"refundCases/{case.id}" for case in opened]
    assert rest.next_page_token == ""
    everything = await running.stub.ListRefundCases(
        pb.ListRefundCasesRequest(debtor_party=ALICE, invoice="invoices/inv-1")
    )
    assert len(everything.refund_cases) == 4
    none = await running.stub.ListRefundCases(pb.ListRefundCasesRequest(debtor_party=person("z")))
    assert list(none.refund_cases) == []
    bad = await call_error(
        running.stub.ListRefundCases(
            pb.ListRefundCasesRequest(states=[State.STATE_PAID], page_token=listed.next_page_token)
        )
    )
    assert bad.reason == "INVALID_PAGE_TOKEN"


async def test_reject_closes_the_case_and_verification_then_fails(
    running: RunningServer,
) -> None:
    case = await open_overpayment(running.app)
    name = f"refundCases/{case.id}"
    rejected = await running.stub.RejectRefund(
        pb.RejectRefundRequest(
            request_id=new_request_id(),
            name=name,
            actor=AGENT,
            actor_roles=["agent"],
            reason="Paid back by the creditor.",
        )
    )
    assert rejected.refund_case.state == State.STATE_REJECTED
    assert rejected.refund_case.status_message == "Paid back by the creditor."
    error = await call_error(running.stub.VerifyRefundCase(verify(case)))
    assert error.reason == "REFUND_CASE_NOT_FOUND"
