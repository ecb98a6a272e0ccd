"""The gateway's refund client against a stand-in ``RefundService`` on loopback: the requests
it builds (subject, states, roles, dates), how the answers are mapped (money, masked account,
states, times) and how refusals come back (reason, ``iban_problem``, violations, RetryInfo)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2
from ropo.refund.v1 import (
    payout_batch_pb2,
    refund_case_pb2,
    refund_service_pb2,
    refund_service_pb2_grpc,
)
from ropo_gateway.clients.refunds import (
    AccountInput,
    PayoutBatchState,
    RefundClient,
    RefundOrigin,
    RefundState,
    StaffActor,
)
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.refunds import iban_problem
from ropo_platform.errors import FieldViolation, ResourceExhausted, ValidationFailed
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc.errors import abort_with_error

Context = Any
CASE = "refundCases/0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
BATCH = "payoutBatches/5c1d2a9b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def case_message(state: int = refund_case_pb2.RefundCase.STATE_ACCOUNT_SUBMITTED) -> Any:
    return refund_case_pb2.RefundCase(
        name=CASE,
        state=state,  # type: ignore[arg-type]
        origin=refund_case_pb2.REFUND_ORIGIN_OVERPAYMENT,
        case_number="9000000017",
        invoice="invoices/inv-1",
        debtor_party="persons/" + "a" * 64,
        debtor_display_name="Maija Meikäläinen",
        refundable_amount=money_to_proto(Money("25.00", "EUR")),
        handling_fee=money_to_proto(Money("5.00", "EUR")),
        payout_amount=money_to_proto(Money("20.00", "EUR")),
        account=refund_case_pb2.RefundAccount(
            masked_iban="FI49 **** **** **** 30",
            bic="OKOYFIHH",
            holder_name="Maija Meikäläinen",
            reporter="persons/" + "a" * 64,
            report_time=Timestamp(seconds=1_740_830_400),
        ),
        previous_accounts=[
            refund_case_pb2.RefundAccount(
                masked_iban="DE89 **** **** **** **** 00",
                replaced_by="staffUsers/eero",
                replace_reason="korjaus",
            )
        ],
        etag="e1",
        create_time=Timestamp(seconds=1_740_826_800),
    )


@dataclass
class StandIn(refund_service_pb2_grpc.RefundServiceServicer):
    requests: list[Any] = field(default_factory=list)
    deadlines: list[float | None] = field(default_factory=list)

    async def VerifyRefundCase(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        if request.myropo_id != "4KQ79XMP2D3H":
            await abort_with_error(
                context,
                ResourceExhausted("REFUND_VERIFICATION_LOCKED", retry_after_seconds=600),
                domain="refund.ropo",
            )
        return refund_service_pb2.VerifyRefundCaseResponse(refund_case=case_message(1))

    async def SubmitRefundAccount(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        await abort_with_error(
            context,
            ValidationFailed(
                [FieldViolation("iban", "Refunds are paid only to accounts in the SEPA area.")],
                reason="REFUND_ACCOUNT_INVALID",
                metadata={"iban_problem": "not_sepa"},
            ),
            domain="refund.ropo",
        )
        raise AssertionError("unreachable")

    async def GetRefundCase(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return refund_service_pb2.GetRefundCaseResponse(refund_case=case_message())

    async def ListRefundCases(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return refund_service_pb2.ListRefundCasesResponse(
            refund_cases=[case_message(99)], next_page_token="n"
        )

    async def ApproveRefund(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        return refund_service_pb2.ApproveRefundResponse(refund_case=case_message(5))

    async def ExportPayoutBatch(self, request: Any, context: Context) -> Any:
        self.requests.append(request)
        self.deadlines.append(context.time_remaining())
        return refund_service_pb2.ExportPayoutBatchResponse(
            payout_batch=payout_batch_pb2.PayoutBatch(
                name=BATCH,
                state=payout_batch_pb2.PayoutBatch.STATE_EXPORTED,
                message_id="ROPO" + "0" * 28,
                refund_cases=[CASE],
                total_amount=money_to_proto(Money("20.00", "EUR")),
                execution_date=request.execution_date,
            ),
            content=b"<Document/>",
            media_type="application/xml",
            filename="ropo.xml",
        )


@dataclass
class Running:
    client: RefundClient
    stand_in: StandIn


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    stand_in = StandIn()
    server = grpc.aio.server()
    refund_service_pb2_grpc.add_RefundServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Running(RefundClient(channel, 5.0), stand_in)
    finally:
        await channel.close()
        await server.stop(grace=None)


async def test_a_case_is_mapped_once_into_plain_values(running: Running) -> None:
    case = await running.client.get_refund_case(CASE, "persons/k")
    request = running.stand_in.requests[-1]
    assert (request.name, request.subject) == (CASE, "persons/k")
    assert case.id == "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    assert case.state is RefundState.ACCOUNT_SUBMITTED and not case.confirmed
    assert case.origin is RefundOrigin.OVERPAYMENT
    assert case.payout_amount == Money("20.00", "EUR")
    assert case.handling_fee == Money("5.00", "EUR")
    assert case.account is not None and case.account.masked_iban == "FI49 **** **** **** 30"
    assert case.account.report_time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert case.previous_accounts[0].replace_reason == "korjaus"
    assert case.invoice_id == "inv-1" and case.paid_time is None


async def test_an_unknown_state_is_unspecified_and_lists_send_states(running: Running) -> None:
    page = await running.client.list_refund_cases(
        states=(RefundState.MANUAL_REVIEW, RefundState.APPROVED),
        debtor_party="persons/k",
        page_size=5000,
        page_token="t",
    )
    request = running.stand_in.requests[-1]
    assert list(request.states) == [
        refund_case_pb2.RefundCase.STATE_MANUAL_REVIEW,
        refund_case_pb2.RefundCase.STATE_APPROVED,
    ]
    assert (request.debtor_party, request.page_size, request.page_token) == ("persons/k", 1000, "t")
    assert page.cases[0].state is RefundState.UNSPECIFIED and page.next_page_token == "n"


async def test_a_locked_verification_carries_its_retry_delay(running: Running) -> None:
    ok = await running.client.verify_refund_case("r1", "persons/k", "9000000017", "4KQ79XMP2D3H")
    assert ok.state is RefundState.AWAITING_ACCOUNT
    with pytest.raises(UpstreamError) as raised:
        await running.client.verify_refund_case("r2", "persons/k", "9000000017", "WRONG")
    error = raised.value.rpc_error
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.reason == "REFUND_VERIFICATION_LOCKED" and error.retry_after_seconds == 600


async def test_an_invalid_account_keeps_its_iban_problem(running: Running) -> None:
    with pytest.raises(UpstreamError) as raised:
        await running.client.submit_refund_account(
            "r1", CASE, "persons/k", AccountInput("SA03 8000", "", "Maija")
        )
    request = running.stand_in.requests[-1]
    assert (request.iban, request.refund_case, request.subject) == ("SA03 8000", CASE, "persons/k")
    assert raised.value.rpc_error.reason == "REFUND_ACCOUNT_INVALID"
    assert iban_problem(raised.value) == "not_sepa"


async def test_staff_calls_carry_the_actor_roles_and_dates(running: Running) -> None:
    actor = StaffActor("staffUsers/aino", ("agent",))
    approved = await running.client.approve_refund("r1", CASE, actor, "e1")
    request = running.stand_in.requests[-1]
    assert (request.actor, list(request.actor_roles), request.etag) == (
        "staffUsers/aino",
        ["agent"],
        "e1",
    )
    assert approved.state is RefundState.APPROVED
    made = await running.client.export_payout_batch("r2", actor, date(2025, 3, 10))
    sent = running.stand_in.requests[-1].execution_date
    assert sent == date_pb2.Date(year=2025, month=3, day=10)
    assert made.batch.execution_date == date(2025, 3, 10)
    assert made.batch.state is PayoutBatchState.EXPORTED and made.content == b"<Document/>"
    # A whole batch is not cut off at the 5 s every other call gets (it would only be redone).
    remaining = running.stand_in.deadlines[-1]
    assert remaining is not None and remaining > 60
    await running.client.export_payout_batch("r3", actor)
    assert not running.stand_in.requests[-1].HasField("execution_date")
