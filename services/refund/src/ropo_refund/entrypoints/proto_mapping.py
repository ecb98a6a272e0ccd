"""Domain objects → ``ropo.refund.v1`` messages, and the stored responses of mutating calls.

An account leaves the service with its IBAN masked only; the clear IBAN exists on the
wire solely inside the pain.001 file staff download for the bank.
"""

from __future__ import annotations

from typing import ClassVar

from google.protobuf.message import Message
from google.type import date_pb2
from ropo.refund.v1 import payout_batch_pb2, refund_case_pb2
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo_platform.money_proto import money_to_proto

from ropo_refund.adapters.outbox import ORIGINS, timestamp
from ropo_refund.domain.payouts import BatchState, PayoutBatch
from ropo_refund.domain.refund_case import RefundAccount, RefundCase, RefundState

Case = refund_case_pb2.RefundCase
XML = "application/xml"

STATES = {
    RefundState.AWAITING_ACCOUNT: Case.STATE_AWAITING_ACCOUNT,
    RefundState.ACCOUNT_SUBMITTED: Case.STATE_ACCOUNT_SUBMITTED,
    RefundState.MANUAL_REVIEW: Case.STATE_MANUAL_REVIEW,
    RefundState.AWAITING_APPROVAL: Case.STATE_AWAITING_APPROVAL,
    RefundState.APPROVED: Case.STATE_APPROVED,
    RefundState.IN_PAYOUT: Case.STATE_IN_PAYOUT,
    RefundState.PAID: Case.STATE_PAID,
    RefundState.REJECTED: Case.STATE_REJECTED,
}
STATES_FROM_PROTO = {value: key for key, value in STATES.items()}
BATCH_STATES = {
    BatchState.EXPORTED: payout_batch_pb2.PayoutBatch.STATE_EXPORTED,
    BatchState.COMPLETED: payout_batch_pb2.PayoutBatch.STATE_COMPLETED,
}


def account_to_proto(account: RefundAccount) -> refund_case_pb2.RefundAccount:
    message = refund_case_pb2.RefundAccount(
        masked_iban=account.masked_iban,
        bic=account.bic,
        holder_name=account.holder_name,
        confirmed=account.confirmed,
        reporter=account.reporter,
        report_time=timestamp(account.report_time),
        replaced_by=account.replaced_by,
        replace_reason=account.replace_reason,
    )
    if account.replace_time is not None:
        message.replace_time.CopyFrom(timestamp(account.replace_time))
    return message


def case_to_proto(case: RefundCase) -> refund_case_pb2.RefundCase:
    message = refund_case_pb2.RefundCase(
        name=case.name,
        state=STATES[case.state],
        origin=ORIGINS[case.origin],
        case_number=case.case_number,
        invoice=case.invoice,
        payment=case.payment,
        debtor_party=case.debtor_party,
        debtor_display_name=case.debtor_display_name,
        refundable_amount=money_to_proto(case.refundable_amount),
        handling_fee=money_to_proto(case.handling_fee),
        payout_amount=money_to_proto(case.payout_amount),
        payout_batch=f"payoutBatches/{case.payout_batch_id}" if case.payout_batch_id else "",
        status_message=case.status_message,
        etag=case.etag,
        create_time=timestamp(case.create_time),
        update_time=timestamp(case.update_time),
        approver=case.approver,
        previous_accounts=[account_to_proto(account) for account in case.previous_accounts],
        failed_payout_count=case.failed_payout_count,
    )
    if case.account is not None:
        message.account.CopyFrom(account_to_proto(case.account))
    if case.paid_time is not None:
        message.paid_time.CopyFrom(timestamp(case.paid_time))
    if case.approve_time is not None:
        message.approve_time.CopyFrom(timestamp(case.approve_time))
    return message


def batch_to_proto(batch: PayoutBatch) -> payout_batch_pb2.PayoutBatch:
    day = batch.execution_date
    message = payout_batch_pb2.PayoutBatch(
        name=batch.name,
        state=BATCH_STATES[batch.state],
        message_id=batch.message_id,
        refund_cases=[f"refundCases/{item.refund_case_id}" for item in batch.items],
        total_amount=money_to_proto(batch.total_amount),
        execution_date=date_pb2.Date(year=day.year, month=day.month, day=day.day),
        create_time=timestamp(batch.create_time),
        exporter=batch.exporter,
        paid_count=batch.paid_count,
        failed_count=batch.failed_count,
    )
    if batch.status_time is not None:
        message.status_time.CopyFrom(timestamp(batch.status_time))
    return message


class ProtoResponses:
    """``Responses``: the serialized gRPC responses (stored for idempotent replay)."""

    _CASE_RESPONSES: ClassVar[dict[str, type[Message]]] = {
        "VerifyRefundCase": pb.VerifyRefundCaseResponse,
        "SubmitRefundAccount": pb.SubmitRefundAccountResponse,
        "ConfirmRefundAccount": pb.ConfirmRefundAccountResponse,
        "ApproveRefund": pb.ApproveRefundResponse,
        "RejectRefund": pb.RejectRefundResponse,
        "ChangeRefundAccount": pb.ChangeRefundAccountResponse,
    }

    def refund_case(self, method: str, case: RefundCase) -> bytes:
        response = self._CASE_RESPONSES[method]()
        getattr(response, "refund_case").CopyFrom(case_to_proto(case))  # noqa: B009
        return response.SerializeToString()

    def payout_export(self, batch: PayoutBatch) -> bytes:
        return pb.ExportPayoutBatchResponse(
            payout_batch=batch_to_proto(batch),
            content=batch.content,
            media_type=XML,
            filename=batch.filename,
        ).SerializeToString()

    def payout_status(self, batch: PayoutBatch, paid: int, failed: int) -> bytes:
        return pb.ImportPayoutStatusResponse(
            payout_batch=batch_to_proto(batch), paid_count=paid, failed_count=failed
        ).SerializeToString()
