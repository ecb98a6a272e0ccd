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

from typing import Any

from ropo.authorization.v1 import authorization_service_pb2 as pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import answer_unimplemented, error_domain

from ropo_authorization.entrypoints import validation
from ropo_authorization.entrypoints.proto_mapping import (
    accessible_invoice_to_proto,
    decision_to_proto,
)
from ropo_authorization.service_layer.handlers import AuthorizationHandlers

SERVICE = pb.DESCRIPTOR.services_by_name["AuthorizationService"]
DOMAIN = error_domain("authorization")
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


NOT_IMPLEMENTED = answer_unimplemented(
    AuthorizationServicer, SERVICE, domain=DOMAIN, issue=LATER_ISSUE
)
