"""The gRPC servicer of ``ropo.authorization.v1.AuthorizationService``.

Thin: validate, call a use case, map the result. Domain errors are raised, not
handled: the platform interceptor turns them into ``google.rpc.Status`` with
``ErrorInfo`` (domain ``authorization.ropo``) and ``BadRequest``. Every method of
the service is implemented.
"""

from __future__ import annotations

from typing import Any

from ropo.authorization.v1 import authorization_service_pb2 as pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import error_domain

from ropo_authorization.entrypoints import validation
from ropo_authorization.entrypoints.proto_mapping import (
    accessible_invoice_to_proto,
    authorization_to_proto,
    decision_to_proto,
    lookup_grant_to_proto,
)
from ropo_authorization.service_layer.handlers import AuthorizationHandlers

SERVICE = pb.DESCRIPTOR.services_by_name["AuthorizationService"]
DOMAIN = error_domain("authorization")

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class AuthorizationServicer(pb_grpc.AuthorizationServiceServicer):
    """Implements every method of ``AuthorizationService``."""

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

    async def GrantInvoiceAuthorization(
        self, request: pb.GrantInvoiceAuthorizationRequest, context: Context
    ) -> pb.GrantInvoiceAuthorizationResponse:
        command = validation.grant_invoice_authorization_request(request)
        authorization = await self._handlers.grant_invoice_authorization(command)
        return pb.GrantInvoiceAuthorizationResponse(
            authorization=authorization_to_proto(authorization)
        )

    async def RevokeAuthorization(
        self, request: pb.RevokeAuthorizationRequest, context: Context
    ) -> pb.RevokeAuthorizationResponse:
        command = validation.revoke_authorization_request(request)
        authorization = await self._handlers.revoke_authorization(command)
        return pb.RevokeAuthorizationResponse(authorization=authorization_to_proto(authorization))

    async def ListAuthorizations(
        self, request: pb.ListAuthorizationsRequest, context: Context
    ) -> pb.ListAuthorizationsResponse:
        query = validation.list_authorizations_request(request)
        page = await self._handlers.list_authorizations(query)
        return pb.ListAuthorizationsResponse(
            authorizations=[authorization_to_proto(item) for item in page.authorizations],
            next_page_token=page.next_page_token,
        )

    async def CreateContinuousAuthorization(
        self, request: pb.CreateContinuousAuthorizationRequest, context: Context
    ) -> pb.CreateContinuousAuthorizationResponse:
        command = validation.create_continuous_authorization_request(request)
        authorization = await self._handlers.create_continuous_authorization(command)
        return pb.CreateContinuousAuthorizationResponse(
            authorization=authorization_to_proto(authorization)
        )

    async def GrantLookupAccess(
        self, request: pb.GrantLookupAccessRequest, context: Context
    ) -> pb.GrantLookupAccessResponse:
        command = validation.grant_lookup_access_request(request)
        grant = await self._handlers.grant_lookup_access(command)
        return pb.GrantLookupAccessResponse(lookup_grant=lookup_grant_to_proto(grant))
