"""*Valtuutus* in MyRopo: the debtor authorizes a named person for one invoice, sees the
authorizations given for it and revokes them (the page and the JSON API share this).

Only a person the authorization service lets ``AUTHORIZE`` the invoice gets here —
its debtor; an authorized person or a lookup-grant holder cannot authorize others.
Continuous authorizations (all invoices) are made by customer service only.

The henkilötunnus typed for the grantee is validated here before anything is sent
(``NationalId``) and then passes to the service only: it is never kept, logged,
echoed in a message or shown again; the service answers with the masked form.
Every problem is reported per field by a reason code, never with the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

import grpc
from ropo_platform.errors import FieldViolation
from ropo_platform.national_id import InvalidNationalId, NationalId
from ropo_platform.redaction import contains_hetu

from ropo_gateway.clients.authorization import (
    AUTHORIZATIONS_PREFIX,
    Action,
    AuthorizationView,
    GranteeDetails,
    new_request_id,
)
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.access import (
    MALFORMED_ID,
    OWN_REASON,
    InvoiceAccess,
    InvoiceAccessPolicy,
)
from ropo_gateway.myropo.ports import AuthorizationSource

#: Longest grantee name accepted (a full Finnish name fits with room to spare).
MAX_NAME_LENGTH: Final = 200
#: Longer than any henkilötunnus, with room for stray spaces.
MAX_NATIONAL_ID_LENGTH: Final = 20
MAX_DATE_LENGTH: Final = 10
#: How many authorizations of one invoice are listed (far more than anyone gives).
MAX_LISTED: Final = 200
_AUTHORIZATION_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FINNISH_DATE: Final = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")
#: What the audit record names when an authorization id was malformed.
MALFORMED_AUTHORIZATION: Final = f"{AUTHORIZATIONS_PREFIX}-"
#: Audit reason when the authorization is not one given for the invoice in the URL.
NOT_ON_INVOICE: Final = "AUTHORIZATION_NOT_ON_INVOICE"

# Field names of the form and of the JSON body.
NAME: Final = "name"
NATIONAL_ID: Final = "national_id"
EXPIRE_DATE: Final = "expire_date"

# Reasons of the field violations (the page maps each to a plain sentence).
REQUIRED: Final = "REQUIRED"
TOO_LONG: Final = "TOO_LONG"
NAME_HAS_NATIONAL_ID: Final = "NAME_CONTAINS_NATIONAL_ID"
INVALID_NATIONAL_ID: Final = "INVALID_NATIONAL_ID"
SELF_AUTHORIZATION: Final = "SELF_AUTHORIZATION"
INVALID_DATE: Final = "INVALID_DATE"
DATE_IN_PAST: Final = "EXPIRE_DATE_IN_PAST"
INVALID_NAME: Final = "INVALID_NAME"

# Refusals because of the state of things (409).
ALREADY_ACTIVE: Final = "AUTHORIZATION_ALREADY_ACTIVE"
INVOICE_CLOSED: Final = "INVOICE_CLOSED"
NOT_ACTIVE: Final = "AUTHORIZATION_NOT_ACTIVE"
CONFLICT_REASONS: Final = frozenset({ALREADY_ACTIVE, INVOICE_CLOSED, NOT_ACTIVE})

_DESCRIPTIONS: Final = {
    REQUIRED: "is required",
    TOO_LONG: "is too long",
    NAME_HAS_NATIONAL_ID: "must be a name, not an identity code",
    INVALID_NAME: "is not a valid name",
    INVALID_NATIONAL_ID: "is not a valid Finnish personal identity code",
    SELF_AUTHORIZATION: "you cannot authorize yourself",
    INVALID_DATE: "is not a date (YYYY-MM-DD)",
    DATE_IN_PAST: "must be today or later",
}
#: The service's request fields → ours.
_SERVICE_FIELDS: Final = {
    "grantee_name": NAME,
    "grantee_national_id": NATIONAL_ID,
    "expire_date": EXPIRE_DATE,
}
#: What a service violation on each of our fields means when it gives no reason we know.
_DEFAULT_REASONS: Final = {
    NAME: INVALID_NAME,
    NATIONAL_ID: INVALID_NATIONAL_ID,
    EXPIRE_DATE: DATE_IN_PAST,
}


def violation(field: str, reason: str) -> FieldViolation:
    """A field violation with our fixed description (never the value)."""
    return FieldViolation(field, _DESCRIPTIONS.get(reason, "is invalid"), reason)


class AuthorizationInputError(Exception):
    """The form or body cannot make an authorization; one violation per bad field."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("invalid authorization input")
        self.violations = violations


class AuthorizationConflict(Exception):
    """Refused because of the state of things (``CONFLICT_REASONS``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_expire_date(text: str | None) -> date | None:
    """The optional last day in force: ``YYYY-MM-DD`` (a date input) or ``d.m.yyyy``
    (typed by hand); ``None`` when empty. ``ValueError`` when it is not a date."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > MAX_DATE_LENGTH:
        raise ValueError("not a date")
    finnish = _FINNISH_DATE.match(value)
    if finnish:
        day, month, year = (int(part) for part in finnish.groups())
        return date(year, month, day)
    return date.fromisoformat(value)


def grantee_details(
    name: str | None, national_id: str | None, expire_date: str | date | None
) -> GranteeDetails:
    """Check the typed values; ``AuthorizationInputError`` names every bad field."""
    violations: list[FieldViolation] = []
    clean_name = " ".join((name or "").split())
    if not clean_name:
        violations.append(violation(NAME, REQUIRED))
    elif len(clean_name) > MAX_NAME_LENGTH:
        violations.append(violation(NAME, TOO_LONG))
    elif contains_hetu(clean_name):
        # Typed into the wrong field: it would otherwise be stored and shown as a name.
        violations.append(violation(NAME, NAME_HAS_NATIONAL_ID))
    typed_id = (national_id or "").strip()
    code = ""
    if not typed_id:
        violations.append(violation(NATIONAL_ID, REQUIRED))
    else:
        try:
            if len(typed_id) > MAX_NATIONAL_ID_LENGTH:
                raise InvalidNationalId()
            code = NationalId.parse(typed_id).reveal()
        except InvalidNationalId:
            violations.append(violation(NATIONAL_ID, INVALID_NATIONAL_ID))
    until: date | None = None
    if isinstance(expire_date, date):
        until = expire_date
    else:
        try:
            until = parse_expire_date(expire_date)
        except ValueError:
            violations.append(violation(EXPIRE_DATE, INVALID_DATE))
    if violations:
        raise AuthorizationInputError(violations)
    return GranteeDetails(name=clean_name, national_id=code, expire_date=until)


def _service_violations(error: UpstreamError) -> list[FieldViolation]:
    found = []
    for item in error.rpc_error.field_violations:
        field = _SERVICE_FIELDS.get(item.field)
        if field is None:
            continue
        reason = item.reason if item.reason in _DESCRIPTIONS else _DEFAULT_REASONS[field]
        found.append(violation(field, reason))
    return found


def is_authorization_id(value: str) -> bool:
    """True when ``value`` has the shape of an authorization id."""
    return bool(_AUTHORIZATION_ID.match(value))


@dataclass(frozen=True, slots=True)
class ValtuutusSection:
    """What the debtor's *Valtuutus* section shows: the form (while the invoice is open)
    and the authorizations given for this invoice."""

    can_grant: bool
    given: list[AuthorizationView]


def revocable(authorization: AuthorizationView, access: InvoiceAccess) -> bool:
    """The debtor revokes their own per-invoice authorizations of this invoice while in
    force; continuous ones are handled by customer service."""
    return (
        authorization.active
        and authorization.type == "INVOICE"
        and authorization.invoice == access.invoice
        and authorization.grantor == access.subject
    )


class InvoiceAuthorizations:
    """The use cases; one instance per request (it only holds collaborators)."""

    def __init__(self, policy: InvoiceAccessPolicy, authorizations: AuthorizationSource) -> None:
        self._policy = policy
        self._authorizations = authorizations

    async def require(self, subject: str, invoice_id: str) -> InvoiceAccess:
        """The access to authorize on the invoice, or (audited) the one 404."""
        return await self._policy.require(subject, invoice_id, Action.AUTHORIZE)

    async def section(self, access: InvoiceAccess, *, archived: bool) -> ValtuutusSection | None:
        """The *Valtuutus* section of an invoice page the person already may view: only for
        the debtor (``None`` for anyone else; asking is a probe, not a refusal)."""
        if access.reason != OWN_REASON or not await self._policy.permits(access, Action.AUTHORIZE):
            return None
        return ValtuutusSection(can_grant=not archived, given=await self.given(access))

    async def given(self, access: InvoiceAccess) -> list[AuthorizationView]:
        """The authorizations the person gave that cover this invoice, newest first."""
        found = await self._authorizations.list_authorizations(
            invoice=access.invoice, grantor=access.subject, limit=MAX_LISTED
        )
        return [item for item in found if item.grantor == access.subject]

    async def grant(self, access: InvoiceAccess, grantee: GranteeDetails) -> AuthorizationView:
        """Authorize ``grantee`` for the invoice; ``AuthorizationInputError`` or
        ``AuthorizationConflict`` when the service refuses."""
        try:
            return await self._authorizations.grant_invoice_authorization(
                access.invoice, access.subject, grantee, new_request_id()
            )
        except UpstreamError as error:
            raise await self._translate(error, access, access.invoice) from None

    async def revoke(self, access: InvoiceAccess, authorization_id: str) -> AuthorizationView:
        """End one authorization given for this invoice. Any other id — malformed, unknown,
        someone else's, another invoice's — is refused (audited) like a missing invoice."""
        if not is_authorization_id(authorization_id):
            raise await self._policy.deny(access.subject, MALFORMED_AUTHORIZATION, MALFORMED_ID)
        name = f"{AUTHORIZATIONS_PREFIX}{authorization_id}"
        found = next((item for item in await self.given(access) if item.name == name), None)
        if (
            found is None
            or found.type != "INVOICE"
            or found.invoice != access.invoice
            or found.grantor != access.subject
        ):
            raise await self._policy.deny(access.subject, name, NOT_ON_INVOICE)
        if not found.active:
            raise AuthorizationConflict(NOT_ACTIVE)
        try:
            return await self._authorizations.revoke_authorization(
                name, access.subject, new_request_id()
            )
        except UpstreamError as error:
            raise await self._translate(error, access, name) from None

    async def _translate(
        self, error: UpstreamError, access: InvoiceAccess, resource: str
    ) -> Exception:
        code = error.rpc_error.code
        reason = error.rpc_error.reason
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            violations = _service_violations(error)
            if violations:
                return AuthorizationInputError(violations)
        if code == grpc.StatusCode.FAILED_PRECONDITION and reason in CONFLICT_REASONS:
            return AuthorizationConflict(reason)
        if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
            # Allowed a moment ago, refused now (revoked meanwhile, ...): the one 404.
            return await self._policy.deny(access.subject, resource, reason or code.name)
        return error
