"""Client of ``ropo.authorization.v1.AuthorizationService``: who may see and do what.

The gateway asks this service before every read or action on an object
(DESIGN §8). A henkilötunnus typed by a person passes through ``grant_*`` to the
service only: it is never kept, logged or returned here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Final

import grpc.aio
from google.type import date_pb2
from ropo.authorization.v1 import (
    access_pb2,
    authorization_pb2,
    authorization_service_pb2,
    authorization_service_pb2_grpc,
)

from ropo_gateway.clients.base import translate_errors

PEER: Final = "authorization"
PAGE_SIZE: Final = 500
AUTHORIZATIONS_PREFIX: Final = "authorizations/"


class Action(IntEnum):
    """What a subject wants to do with an invoice (``ropo.authorization.v1.Action``)."""

    VIEW = access_pb2.ACTION_VIEW
    PAY = access_pb2.ACTION_PAY
    MANAGE_PAYMENT_TIME = access_pb2.ACTION_MANAGE_PAYMENT_TIME
    AUTHORIZE = access_pb2.ACTION_AUTHORIZE
    CHAT = access_pb2.ACTION_CHAT
    REFUND = access_pb2.ACTION_REFUND
    DISPUTE = access_pb2.ACTION_DISPUTE
    ADMINISTER = access_pb2.ACTION_ADMINISTER


@dataclass(frozen=True, slots=True)
class InvoiceAccess:
    """One invoice a person may see and why (``OWN``, ``AUTHORIZED``, ``LOOKUP``, ...)."""

    invoice: str
    reason: str


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """The answer of ``CheckAccess``. ``reason`` is the relation that allowed it (``OWN``,
    ``AUTHORIZED``, ``LOOKUP``, ``STAFF``, ``CREDITOR`` ...), empty when denied;
    ``explanation`` is the service's UPPER_SNAKE reason either way (for the audit log)."""

    allowed: bool
    reason: str = ""
    explanation: str = ""
    grant: str = ""


@dataclass(frozen=True, slots=True)
class AuthorizationView:
    """An authorization as the pages and the APIs show it (never with a full hetu)."""

    name: str
    type: str  # INVOICE or CONTINUOUS
    state: str  # ACTIVE, REVOKED, EXPIRED, ENDED
    grantor: str
    grantee: str
    grantee_display_name: str
    grantee_masked_identifier: str
    invoice: str
    creditor: str
    expire_date: date | None
    creator: str
    create_time: datetime | None
    end_time: datetime | None
    revoker: str

    @property
    def id(self) -> str:
        """The id used in URLs (``authorizations/{id}`` → ``{id}``)."""
        return self.name.removeprefix(AUTHORIZATIONS_PREFIX)

    @property
    def active(self) -> bool:
        return self.state == "ACTIVE"


@dataclass(frozen=True, slots=True)
class GranteeDetails:
    """Whom an authorization is for, as typed: name and henkilötunnus (sent to the service
    only), optionally the last day in force."""

    name: str
    national_id: str
    expire_date: date | None = None


def _reason_name(value: int) -> str:
    return access_pb2.AccessReason.Name(value).removeprefix("ACCESS_REASON_")  # type: ignore[arg-type]


def _date_to_proto(value: date | None) -> date_pb2.Date | None:
    if value is None:
        return None
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def _date_from_proto(parent: object, field: str) -> date | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    value: date_pb2.Date = getattr(parent, field)
    return date(value.year, value.month, value.day) if value.year else None


def _time_from_proto(parent: object, field: str) -> datetime | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    return getattr(parent, field).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def authorization_view(message: authorization_pb2.Authorization) -> AuthorizationView:
    """Map the wire message once; pages and APIs read only this."""
    return AuthorizationView(
        name=message.name,
        type=authorization_pb2.AuthorizationType.Name(message.type).removeprefix(
            "AUTHORIZATION_TYPE_"
        ),
        state=authorization_pb2.Authorization.State.Name(message.state).removeprefix("STATE_"),
        grantor=message.grantor,
        grantee=message.grantee,
        grantee_display_name=message.grantee_display_name,
        grantee_masked_identifier=message.grantee_masked_identifier,
        invoice=message.invoice,
        creditor=message.creditor,
        expire_date=_date_from_proto(message, "expire_date"),
        creator=message.creator,
        create_time=_time_from_proto(message, "create_time"),
        end_time=_time_from_proto(message, "end_time"),
        revoker=message.revoker,
    )


def new_request_id() -> str:
    """An idempotency key for one mutating call (retries of that call reuse it)."""
    return str(uuid.uuid4())


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
        self,
        subject: str,
        invoice: str,
        action: Action = Action.VIEW,
        roles: Iterable[str] = (),
    ) -> AccessDecision:
        """May ``subject`` perform ``action`` on ``invoice``? ``roles`` are a staff user's
        session roles. A denial never says whether the invoice exists."""
        async with translate_errors(PEER):
            response = await self._stub.CheckAccess(
                authorization_service_pb2.CheckAccessRequest(
                    subject=subject,
                    invoice=invoice,
                    action=int(action),  # type: ignore[arg-type]
                    roles=list(roles),
                ),
                timeout=self._timeout,
            )
        if not response.allowed:
            return AccessDecision(False, explanation=response.reason)
        return AccessDecision(
            True, _reason_name(response.access_reason), response.reason, response.grant
        )

    async def grant_invoice_authorization(
        self, invoice: str, grantor: str, grantee: GranteeDetails, request_id: str
    ) -> AuthorizationView:
        """*Valtuutus*: the debtor ``grantor`` authorizes ``grantee`` for ``invoice``."""
        async with translate_errors(PEER):
            response = await self._stub.GrantInvoiceAuthorization(
                authorization_service_pb2.GrantInvoiceAuthorizationRequest(
                    request_id=request_id,
                    invoice=invoice,
                    grantor=grantor,
                    grantee_national_id=grantee.national_id,
                    grantee_name=grantee.name,
                    expire_date=_date_to_proto(grantee.expire_date),
                ),
                timeout=self._timeout,
            )
        return authorization_view(response.authorization)

    async def revoke_authorization(
        self, name: str, actor: str, request_id: str, actor_roles: Iterable[str] = ()
    ) -> AuthorizationView:
        """End ``name`` (``authorizations/{id}``) on behalf of the grantor or staff."""
        async with translate_errors(PEER):
            response = await self._stub.RevokeAuthorization(
                authorization_service_pb2.RevokeAuthorizationRequest(
                    request_id=request_id, name=name, actor=actor, actor_roles=list(actor_roles)
                ),
                timeout=self._timeout,
            )
        return authorization_view(response.authorization)

    async def list_authorizations(
        self,
        *,
        invoice: str = "",
        grantor: str = "",
        grantee: str = "",
        active_only: bool = False,
        limit: int = 200,
    ) -> list[AuthorizationView]:
        """Authorizations by invoice (continuous ones covering it included), grantor or
        grantee, newest first, at most ``limit``."""
        found: list[AuthorizationView] = []
        token = ""
        async with translate_errors(PEER):
            while len(found) < limit:
                response = await self._stub.ListAuthorizations(
                    authorization_service_pb2.ListAuthorizationsRequest(
                        page_size=min(PAGE_SIZE, limit - len(found)),
                        page_token=token,
                        invoice=invoice,
                        grantor=grantor,
                        grantee=grantee,
                        active_only=active_only,
                    ),
                    timeout=self._timeout,
                )
                found.extend(authorization_view(item) for item in response.authorizations)
                token = response.next_page_token
                if not token:
                    break
        return found[:limit]

    async def create_continuous_authorization(
        self,
        *,
        actor: str,
        actor_roles: Iterable[str],
        grantor: str,
        grantee: GranteeDetails,
        creditor: str,
        request_id: str,
        conversation: str = "",
    ) -> AuthorizationView:
        """Staff authorize ``grantee`` for every invoice of ``grantor`` (of ``creditor`` only
        when set)."""
        async with translate_errors(PEER):
            response = await self._stub.CreateContinuousAuthorization(
                authorization_service_pb2.CreateContinuousAuthorizationRequest(
                    request_id=request_id,
                    actor=actor,
                    actor_roles=list(actor_roles),
                    grantor=grantor,
                    grantee_national_id=grantee.national_id,
                    grantee_name=grantee.name,
                    creditor=creditor,
                    expire_date=_date_to_proto(grantee.expire_date),
                    conversation=conversation,
                ),
                timeout=self._timeout,
            )
        return authorization_view(response.authorization)

    async def grant_lookup_access(self, subject: str, invoice: str, request_id: str) -> datetime:
        """Give ``subject`` view-and-pay access to ``invoice`` found with *Hae lasku*;
        returns when the grant ends."""
        async with translate_errors(PEER):
            response = await self._stub.GrantLookupAccess(
                authorization_service_pb2.GrantLookupAccessRequest(
                    request_id=request_id, subject=subject, invoice=invoice
                ),
                timeout=self._timeout,
            )
        return response.lookup_grant.expire_time.ToDatetime(tzinfo=UTC)
