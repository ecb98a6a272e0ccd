"""Validation of gRPC requests: every problem of a request reported at once, as
``INVALID_ARGUMENT`` with ``BadRequest`` field violations. Descriptions say what is
expected and never echo the value (a mistyped subject could be a henkilötunnus).
"""

from __future__ import annotations

from collections.abc import Iterable

from ropo.authorization.v1 import access_pb2, authorization_service_pb2
from ropo_platform.errors import Violations

from ropo_authorization.domain.access import AccessReason, Action
from ropo_authorization.domain.subjects import (
    InvalidRole,
    InvalidSubject,
    Party,
    Subject,
    is_invoice_name,
    parse_person,
    parse_subject,
)
from ropo_authorization.entrypoints.proto_mapping import ACCESS_REASONS_FROM_PROTO, ACTIONS
from ropo_authorization.service_layer.handlers import CheckAccess, ListAccessibleInvoices


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
