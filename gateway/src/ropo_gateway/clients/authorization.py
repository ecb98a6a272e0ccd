"""Client of ``ropo.authorization.v1.AuthorizationService``: who may see which invoice."""

from __future__ import annotations

from dataclasses import dataclass

import grpc.aio
from ropo.authorization.v1 import (
    access_pb2,
    authorization_service_pb2,
    authorization_service_pb2_grpc,
)

from ropo_gateway.clients.base import translate_errors

PEER = "authorization"
PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class InvoiceAccess:
    """One invoice a person may see and why (``OWN``, ``AUTHORIZED``, ``LOOKUP``, ...)."""

    invoice: str
    reason: str


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """The answer of ``CheckAccess``; ``reason`` is the relation that allowed it (``OWN``,
    ``AUTHORIZED``, ``LOOKUP``, ...), empty when denied."""

    allowed: bool
    reason: str = ""


def _reason_name(value: int) -> str:
    return access_pb2.AccessReason.Name(value).removeprefix("ACCESS_REASON_")  # type: ignore[arg-type]


class AuthorizationClient:
    """Typed wrapper of the generated stub; every call has the channel's deadline."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = authorization_service_pb2_grpc.AuthorizationServiceStub(channel)
        self._timeout = timeout_seconds

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]:
        """All invoices ``subject`` (``persons/{key}``) may see, at most ``limit`` of them."""
        found: list[InvoiceAccess] = []
        token = ""
        async with translate_errors(PEER):
            while len(found) < limit:
                response = await self._stub.ListAccessibleInvoices(
                    authorization_service_pb2.ListAccessibleInvoicesRequest(
                        subject=subject,
                        page_size=min(PAGE_SIZE, limit - len(found)),
                        page_token=token,
                    ),
                    timeout=self._timeout,
                )
                found.extend(
                    InvoiceAccess(entry.invoice, _reason_name(entry.reason))
                    for entry in response.accessible_invoices
                )
                token = response.next_page_token
                if not token:
                    break
        return found[:limit]

    async def check_access(
        self, subject: str, invoice: str, action: int = access_pb2.ACTION_VIEW
    ) -> AccessDecision:
        """May ``subject`` perform ``action`` (an ``access_pb2.Action``) on ``invoice``?
        A denial never says whether the invoice exists."""
        async with translate_errors(PEER):
            response = await self._stub.CheckAccess(
                authorization_service_pb2.CheckAccessRequest(
                    subject=subject,
                    invoice=invoice,
                    action=action,  # type: ignore[arg-type]
                ),
                timeout=self._timeout,
            )
        if not response.allowed:
            return AccessDecision(False)
        return AccessDecision(True, _reason_name(response.access_reason))
