"""The gRPC servicer of ``ropo.refund.v1.RefundService``.

Thin: validate, call a use case, map the result. Domain errors are raised, not handled:
the platform interceptor turns them into ``google.rpc.Status`` with ``ErrorInfo``
(domain ``refund.ropo``) and ``BadRequest``. Mutating calls answer with the response
the use case stored for replay, so a retry gets the same bytes.
"""

from __future__ import annotations

from typing import Any

from ropo.refund.v1 import refund_service_pb2 as pb
from ropo.refund.v1 import refund_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import error_domain

from ropo_refund.entrypoints import validation
from ropo_refund.entrypoints.proto_mapping import XML, batch_to_proto, case_to_proto
from ropo_refund.service_layer.handlers import RefundHandlers

SERVICE = pb.DESCRIPTOR.services_by_name["RefundService"]
DOMAIN = error_domain("refund")
PDF = "application/pdf"

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class RefundServicer(pb_grpc.RefundServiceServicer):
    """Implements every method of ``RefundService``."""

    def __init__(self, handlers: RefundHandlers) -> None:
        self._handlers = handlers

    # ------------------------------------------------------------------ the wizard

    async def VerifyRefundCase(
        self, request: pb.VerifyRefundCaseRequest, context: Context
    ) -> pb.VerifyRefundCaseResponse:
        command = validation.verify_request(request)
        return pb.VerifyRefundCaseResponse.FromString(await self._handlers.wizard.verify(command))

    async def SubmitRefundAccount(
        self, request: pb.SubmitRefundAccountRequest, context: Context
    ) -> pb.SubmitRefundAccountResponse:
        command = validation.submit_request(request)
        return pb.SubmitRefundAccountResponse.FromString(
            await self._handlers.wizard.submit(command)
        )

    async def ConfirmRefundAccount(
        self, request: pb.ConfirmRefundAccountRequest, context: Context
    ) -> pb.ConfirmRefundAccountResponse:
        command = validation.confirm_request(request)
        return pb.ConfirmRefundAccountResponse.FromString(
            await self._handlers.wizard.confirm(command)
        )

    async def GetRefundCase(
        self, request: pb.GetRefundCaseRequest, context: Context
    ) -> pb.GetRefundCaseResponse:
        case_id, subject = validation.get_case_request(request)
        if subject:
            case = await self._handlers.wizard.get_case(case_id, subject)
        else:
            case = await self._handlers.staff.get_case(case_id)
        return pb.GetRefundCaseResponse(refund_case=case_to_proto(case))

    # ------------------------------------------------------------------ staff

    async def ListRefundCases(
        self, request: pb.ListRefundCasesRequest, context: Context
    ) -> pb.ListRefundCasesResponse:
        page = await self._handlers.staff.list_cases(validation.list_cases_request(request))
        return pb.ListRefundCasesResponse(
            refund_cases=[case_to_proto(case) for case in page.cases],
            next_page_token=page.next_page_token,
        )

    async def GetRefundLetter(
        self, request: pb.GetRefundLetterRequest, context: Context
    ) -> pb.GetRefundLetterResponse:
        case_id, language = validation.letter_request(request)
        letter = await self._handlers.staff.letter(case_id, language)
        return pb.GetRefundLetterResponse(
            media_type=PDF, content=letter.content, filename=letter.filename
        )

    async def ApproveRefund(
        self, request: pb.ApproveRefundRequest, context: Context
    ) -> pb.ApproveRefundResponse:
        command = validation.approve_request(request)
        return pb.ApproveRefundResponse.FromString(await self._handlers.staff.approve(command))

    async def RejectRefund(
        self, request: pb.RejectRefundRequest, context: Context
    ) -> pb.RejectRefundResponse:
        command = validation.reject_request(request)
        return pb.RejectRefundResponse.FromString(await self._handlers.staff.reject(command))

    async def ChangeRefundAccount(
        self, request: pb.ChangeRefundAccountRequest, context: Context
    ) -> pb.ChangeRefundAccountResponse:
        command = validation.change_account_request(request)
        return pb.ChangeRefundAccountResponse.FromString(
            await self._handlers.staff.change_account(command)
        )

    # ------------------------------------------------------------------ payouts

    async def ExportPayoutBatch(
        self, request: pb.ExportPayoutBatchRequest, context: Context
    ) -> pb.ExportPayoutBatchResponse:
        command = validation.export_request(request)
        return pb.ExportPayoutBatchResponse.FromString(await self._handlers.payouts.export(command))

    async def ImportPayoutStatus(
        self, request: pb.ImportPayoutStatusRequest, context: Context
    ) -> pb.ImportPayoutStatusResponse:
        command = validation.import_request(request)
        return pb.ImportPayoutStatusResponse.FromString(
            await self._handlers.payouts.import_status(command)
        )

    async def ListPayoutBatches(
        self, request: pb.ListPayoutBatchesRequest, context: Context
    ) -> pb.ListPayoutBatchesResponse:
        page = await self._handlers.payouts.list_batches(request.page_size, request.page_token)
        return pb.ListPayoutBatchesResponse(
            payout_batches=[batch_to_proto(batch) for batch in page.batches],
            next_page_token=page.next_page_token,
        )

    async def GetPayoutBatch(
        self, request: pb.GetPayoutBatchRequest, context: Context
    ) -> pb.GetPayoutBatchResponse:
        batch = await self._handlers.payouts.get_batch(validation.batch_id(request.name))
        return pb.GetPayoutBatchResponse(
            payout_batch=batch_to_proto(batch),
            content=batch.content,
            media_type=XML,
            filename=batch.filename,
        )
