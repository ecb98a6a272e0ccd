"""Validation of gRPC requests: every problem of a request reported at once, as
``INVALID_ARGUMENT`` with ``BadRequest`` field violations. Descriptions say what is
expected and never echo the value (a mistyped subject could be a henkilötunnus).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date

from google.type import date_pb2
from ropo.authorization.v1 import access_pb2, authorization_service_pb2
from ropo_platform.errors import Violations
from ropo_platform.national_id import InvalidNationalId, NationalId

from ropo_authorization.domain.access import AccessReason, Action
from ropo_authorization.domain.authorizations import (
    AUTHORIZATIONS,
    InvalidDisplayName,
    display_name,
)
from ropo_authorization.domain.subjects import (
    InvalidRole,
    InvalidSubject,
    Party,
    Subject,
    is_creditor_name,
    is_invoice_name,
    parse_person,
    parse_subject,
)
from ropo_authorization.entrypoints.proto_mapping import ACCESS_REASONS_FROM_PROTO, ACTIONS
from ropo_authorization.service_layer.handlers import (
    CheckAccess,
    CreateContinuousAuthorization,
    GrantInvoiceAuthorization,
    GrantLookupAccess,
    ListAccessibleInvoices,
    ListAuthorizations,
    RevokeAuthorization,
)

_RESOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}")
_AUTHORIZATION_ID = re.compile(r"[0-9a-f]{32}")


def _subject(violations: Violations, field: str, name: str, roles: Iterable[str]) -> Subject | None:
    if not name:
        violations.add(field, "is required")
        return None
    try:
        return parse_subject(name, roles)
    except InvalidRole as error:
        violations.add("roles", str(error))
    except InvalidSubject as error:
        violations.add(field, str(error))
    return None


def _invoice(violations: Violations, name: str) -> str:
    if not name:
        violations.add("invoice", "is required")
    elif not is_invoice_name(name):
        violations.add("invoice", "must be invoices/{invoice}")
    return name


def check_access_request(request: authorization_service_pb2.CheckAccessRequest) -> CheckAccess:
    violations = Violations()
    subject = _subject(violations, "subject", request.subject, request.roles)
    invoice = _invoice(violations, request.invoice)
    action: Action | None = None
    if request.action != access_pb2.ACTION_UNSPECIFIED:
        action = ACTIONS.get(request.action)
        if action is None:
            violations.add("action", "is not a known Action value")
    # ACTION_UNSPECIFIED is valid on the wire and always denied (the proto says so).
    violations.raise_if_any()
    assert subject is not None
    return CheckAccess(subject, invoice, action)


def list_accessible_invoices_request(
    request: authorization_service_pb2.ListAccessibleInvoicesRequest,
) -> ListAccessibleInvoices:
    violations = Violations()
    person: Party | None = None
    if not request.subject:
        violations.add("subject", "is required")
    else:
        try:
            person = parse_person(request.subject)
        except InvalidSubject as error:
            violations.add("subject", str(error))
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    reasons: set[AccessReason] = set()
    for index, value in enumerate(request.reasons):
        reason = ACCESS_REASONS_FROM_PROTO.get(value)
        if reason is None:
            violations.add(f"reasons[{index}]", "must be a specified AccessReason value")
        else:
            reasons.add(reason)
    violations.raise_if_any()
    assert person is not None
    return ListAccessibleInvoices(person, frozenset(reasons), request.page_size, request.page_token)


# --------------------------------------------------------------------- shared checks


def _request_id(violations: Violations, value: str) -> str:
    """A UUID4 chosen by the caller (the idempotency key)."""
    try:
        valid = bool(value) and uuid.UUID(value).version == 4
    except ValueError:
        valid = False
    if not value:
        violations.add("request_id", "is required")
    elif not valid:
        violations.add("request_id", "must be a UUID4")
    return value.lower()


def _person(violations: Violations, field: str, name: str) -> Party | None:
    if not name:
        violations.add(field, "is required")
        return None
    try:
        return parse_person(name)
    except InvalidSubject:
        violations.add(field, "must be persons/{key}")
    return None


def _optional_person(violations: Violations, field: str, name: str) -> str:
    if name:
        _person(violations, field, name)
    return name


def _national_id(violations: Violations, field: str, raw: str) -> NationalId | None:
    # The description never contains the value: it is a henkilötunnus (or a typo of one).
    if not raw.strip():
        violations.add(field, "is required")
        return None
    try:
        return NationalId.parse(raw)
    except InvalidNationalId:
        violations.add(field, "must be a valid Finnish personal identity code")
    return None


def _display_name(violations: Violations, field: str, raw: str) -> str:
    try:
        return display_name(raw)
    except InvalidDisplayName as error:
        violations.add(field, str(error))
    return ""


def _date(violations: Violations, field: str, value: date_pb2.Date, present: bool) -> date | None:
    if not present or (value.year, value.month, value.day) == (0, 0, 0):
        return None
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        violations.add(field, "must be a full calendar date")
    return None


def _actor(
    violations: Violations, field: str, name: str, roles: Iterable[str], roles_field: str
) -> Subject | None:
    if not name:
        violations.add(field, "is required")
        return None
    try:
        return parse_subject(name, roles)
    except InvalidRole as error:
        violations.add(roles_field, str(error))
    except InvalidSubject as error:
        violations.add(field, str(error))
    return None


def _named(violations: Violations, field: str, name: str, collection: str) -> str:
    if name and not (
        name.startswith(collection) and _RESOURCE_ID.fullmatch(name.removeprefix(collection))
    ):
        violations.add(field, f"must be {collection}{{{field}}}")
    return name


# --------------------------------------------------------------------------- requests


def grant_invoice_authorization_request(
    request: authorization_service_pb2.GrantInvoiceAuthorizationRequest,
) -> GrantInvoiceAuthorization:
    violations = Violations()
    request_id = _request_id(violations, request.request_id)
    invoice = _invoice(violations, request.invoice)
    # Only a person grants a valtuutus here: an organization's invoices are not authorized
    # through MyRopo.
    grantor = _person(violations, "grantor", request.grantor)
    national_id = _national_id(violations, "grantee_national_id", request.grantee_national_id)
    name = _display_name(violations, "grantee_name", request.grantee_name)
    expire_date = _date(
        violations, "expire_date", request.expire_date, request.HasField("expire_date")
    )
    violations.raise_if_any()
    assert grantor is not None and national_id is not None
    return GrantInvoiceAuthorization(request_id, invoice, grantor, national_id, name, expire_date)


def revoke_authorization_request(
    request: authorization_service_pb2.RevokeAuthorizationRequest,
) -> RevokeAuthorization:
    violations = Violations()
    request_id = _request_id(violations, request.request_id)
    if not request.name:
        violations.add("name", "is required")
    elif not (
        request.name.startswith(AUTHORIZATIONS)
        and _AUTHORIZATION_ID.fullmatch(request.name.removeprefix(AUTHORIZATIONS))
    ):
        violations.add("name", "must be authorizations/{authorization}")
    actor = _actor(violations, "actor", request.actor, request.actor_roles, "actor_roles")
    violations.raise_if_any()
    assert actor is not None
    return RevokeAuthorization(request_id, request.name.removeprefix(AUTHORIZATIONS), actor)


def list_authorizations_request(
    request: authorization_service_pb2.ListAuthorizationsRequest,
) -> ListAuthorizations:
    violations = Violations()
    if request.invoice:
        _invoice(violations, request.invoice)
    _optional_person(violations, "grantor", request.grantor)
    _optional_person(violations, "grantee", request.grantee)
    if not (request.invoice or request.grantor or request.grantee):
        violations.add("invoice", "at least one of invoice, grantor and grantee is required")
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
    return ListAuthorizations(
        invoice=request.invoice,
        grantor=request.grantor,
        grantee=request.grantee,
        active_only=request.active_only,
        page_size=request.page_size,
        page_token=request.page_token,
    )


def create_continuous_authorization_request(
    request: authorization_service_pb2.CreateContinuousAuthorizationRequest,
) -> CreateContinuousAuthorization:
    violations = Violations()
    request_id = _request_id(violations, request.request_id)
    actor = _actor(violations, "actor", request.actor, request.actor_roles, "actor_roles")
    grantor = _person(violations, "grantor", request.grantor)
    national_id = _national_id(violations, "grantee_national_id", request.grantee_national_id)
    name = _display_name(violations, "grantee_name", request.grantee_name)
    if request.creditor and not is_creditor_name(request.creditor):
        violations.add("creditor", "must be creditors/{creditor}")
    conversation = _named(violations, "conversation", request.conversation, "conversations/")
    expire_date = _date(
        violations, "expire_date", request.expire_date, request.HasField("expire_date")
    )
    violations.raise_if_any()
    assert actor is not None and grantor is not None and national_id is not None
    return CreateContinuousAuthorization(
        request_id,
        actor,
        grantor,
        national_id,
        name,
        creditor=request.creditor,
        expire_date=expire_date,
        conversation=conversation,
    )


def grant_lookup_access_request(
    request: authorization_service_pb2.GrantLookupAccessRequest,
) -> GrantLookupAccess:
    violations = Violations()
    request_id = _request_id(violations, request.request_id)
    subject = _person(violations, "subject", request.subject)
    invoice = _invoice(violations, request.invoice)
    violations.raise_if_any()
    assert subject is not None
    return GrantLookupAccess(request_id, subject, invoice)
