"""The gRPC servicer of ``ropo.authorization.v1.AuthorizationService``.

Thin: validate, call a use case, map the result. Domain errors are raised, not
handled: the platform interceptor turns them into ``google.rpc.Status`` with
``ErrorInfo`` (domain ``authorization.ropo``) and ``BadRequest``.

CheckAccess and ListAccessibleInvoices work now. Every other method of the
service descriptor answers ``UNIMPLEMENTED`` with ``ErrorInfo`` reason
``NOT_IMPLEMENTED_YET`` and ``metadata.issue = "4"`` (access control and
authorizations), so the API is complete on the wire and honest about it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from ropo.authorization.v1 import authorization_service_pb2 as pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc
from ropo_platform.rpc.errors import abort_with_status, error_domain

from ropo_authorization.entrypoints import validation
from ropo_authorization.entrypoints.proto_mapping import (
    accessible_invoice_to_proto,
    decision_to_proto,
)
from ropo_authorization.service_layer.handlers import AuthorizationHandlers

SERVICE = pb.DESCRIPTOR.services_by_name["AuthorizationService"]
DOMAIN = error_domain("authorization")
NOT_IMPLEMENTED_YET = "NOT_IMPLEMENTED_YET"
#: The issue that builds the methods not implemented here.
LATER_ISSUE = "4"

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class AuthorizationServicer(pb_grpc.AuthorizationServiceServicer):
    """Implements CheckAccess and ListAccessibleInvoices."""

    def __init__(self, handlers: AuthorizationHandlers) -> None:
        self._handlers = handlers

    async def CheckAccess(
        self, request: pb.CheckAccessRequest, context: Context
    ) -> pb.CheckAccessResponse:
        query = validation.check_access_request(request)
        return decision_to_proto(await self._handlers.check_access(query))

    async def ListAccessibleInvoices(
        self, request: pb.ListAccessibleInvoicesRequest, context: Context
    ) -> pb.ListAccessibleInvoicesResponse:
        query = validation.list_accessible_invoices_request(request)
        page = await self._handlers.list_accessible_invoices(query)
        return pb.ListAccessibleInvoicesResponse(
            accessible_invoices=[accessible_invoice_to_proto(item) for item in page.invoices],
            next_page_token=page.next_page_token,
        )


def _not_implemented_yet(method: str) -> Callable[..., Awaitable[None]]:
    full_method = f"{SERVICE.full_name}/{method}"
    info = any_pb2.Any()
    info.Pack(
        error_details_pb2.ErrorInfo(
            reason=NOT_IMPLEMENTED_YET,
            domain=DOMAIN,
            metadata={"method": full_method, "issue": LATER_ISSUE},
        )
    )
    status = status_pb2.Status(
        code=code_pb2.UNIMPLEMENTED,
        message=f"{full_method} is not implemented yet (issue {LATER_ISSUE})",
        details=[info],
    )

    async def handler(self: Any, request: Any, context: Context) -> None:
        await abort_with_status(context, status)

    handler.__name__ = method
    handler.__doc__ = f"{method}: UNIMPLEMENTED until issue {LATER_ISSUE}."
    return handler


NOT_IMPLEMENTED = tuple(
    m.name for m in SERVICE.methods if m.name not in vars(AuthorizationServicer)
)
for _method in NOT_IMPLEMENTED:
    setattr(AuthorizationServicer, _method, _not_implemented_yet(_method))
