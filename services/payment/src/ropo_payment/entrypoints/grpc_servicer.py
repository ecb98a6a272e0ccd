"""The gRPC servicer of ``ropo.payment.v1.PaymentService``.

Thin: validate, call a use case, map the result. Domain errors are raised, not
handled: the platform interceptor turns them into ``google.rpc.Status`` with
``ErrorInfo`` (domain ``payment.ropo``) and ``BadRequest``. The bank statement
methods delegate to ``BankStatementRpc``.
"""

from __future__ import annotations

from typing import Any

from ropo.payment.v1 import payment_service_pb2 as pb
from ropo.payment.v1 import payment_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import error_domain

from ropo_payment.entrypoints import validation
from ropo_payment.entrypoints.bank_rpc import BankStatementRpc
from ropo_payment.entrypoints.proto_mapping import payment_to_proto
from ropo_payment.service_layer.handlers import PaymentHandlers

SERVICE = pb.DESCRIPTOR.services_by_name["PaymentService"]
DOMAIN = error_domain("payment")

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class PaymentServicer(pb_grpc.PaymentServiceServicer):
    """Implements every method of ``PaymentService``."""

    def __init__(self, handlers: PaymentHandlers, bank: BankStatementRpc) -> None:
        self._handlers = handlers
        self._bank = bank

    async def CreatePayment(
        self, request: pb.CreatePaymentRequest, context: Context
    ) -> pb.CreatePaymentResponse:
        command = validation.create_payment_request(request)
        return pb.CreatePaymentResponse.FromString(await self._handlers.create_payment(command))

    async def GetPayment(
        self, request: pb.GetPaymentRequest, context: Context
    ) -> pb.GetPaymentResponse:
        payment = await self._handlers.get_payment(validation.get_payment_request(request))
        return pb.GetPaymentResponse(payment=payment_to_proto(payment))

    async def ListPayments(
        self, request: pb.ListPaymentsRequest, context: Context
    ) -> pb.ListPaymentsResponse:
        page = await self._handlers.list_payments(validation.list_payments_request(request))
        return pb.ListPaymentsResponse(
            payments=[payment_to_proto(payment) for payment in page.payments],
            next_page_token=page.next_page_token,
        )

    async def HandlePspReturn(
        self, request: pb.HandlePspReturnRequest, context: Context
    ) -> pb.HandlePspReturnResponse:
        command = validation.handle_psp_return_request(request)
        payment = await self._handlers.handle_psp_return(command)
        return pb.HandlePspReturnResponse(payment=payment_to_proto(payment))

    async def ImportBankStatement(
        self, request: pb.ImportBankStatementRequest, context: Context
    ) -> pb.ImportBankStatementResponse:
        return await self._bank.import_bank_statement(request, context)

    async def ListBankPayments(
        self, request: pb.ListBankPaymentsRequest, context: Context
    ) -> pb.ListBankPaymentsResponse:
        return await self._bank.list_bank_payments(request, context)
