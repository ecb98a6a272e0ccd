"""Who may see and do what on which case in Ropo One (DESIGN §8), checked on every staff route.

The authorization service decides (``CheckAccess``), before anything of the case is
read: agents and supervisors see every invoice and administer its authorizations; a
creditor user sees its own creditor's invoices only and administers nothing. The
staff user's session roles travel with the question (``agent``, ``supervisor``,
``creditor:{creditor id}``).

A case the user may not see, one that does not exist and a malformed id all answer
exactly alike (``case_not_found``: the same 404 body), and each such refusal writes
one audit record; each allowed case read writes one too (``CaseGuard``). Searches
are not about one object: a creditor user's searches stay limited to its creditor
whatever the request says, and the results are filtered again here (``visible``).
A staff session without a usable role (a creditor user whose creditor was not
resolved) gets nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

import grpc
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.redaction import contains_hetu

from ropo_gateway.audit.model import AuditEvent, Channel
from ropo_gateway.auth.staff_identity import CREDITOR_ROLE_PREFIX, INTERNAL_ROLES, StaffIdentity
from ropo_gateway.clients.authorization import AUTHORIZATIONS_PREFIX, AccessDecision, Action
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.ports import AccessChecker, AuditSink, CaseSource

INVOICES_PREFIX: Final = "invoices/"
CREDITORS_PREFIX: Final = "creditors/"
# The invoice service's resource id format: anything else cannot name an invoice.
_INVOICE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
# The authorization service's resource id format.
_AUTHORIZATION_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
# Upstream answers that mean "no such case" for a well-formed id.
_MISSING_CODES: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})
#: Audit reasons of refusals the gateway itself makes after an allowed ``CheckAccess``.
INVOICE_NOT_FOUND: Final = "INVOICE_NOT_FOUND"
OUTSIDE_CREDITOR_SCOPE: Final = "OUTSIDE_CREDITOR_SCOPE"


def case_not_found() -> ApiError:
    """The single answer for a missing case, a malformed id and another creditor's case."""
    return ApiError(HTTPStatus.NOT_FOUND, "CASE_NOT_FOUND", "Case not found.", page="not_found")


def no_staff_role() -> ApiError:
    """A staff session that grants nothing (fail closed)."""
    return ApiError(
        HTTPStatus.FORBIDDEN, "STAFF_ROLE_REQUIRED", "No Ropo One role.", page="no_access"
    )


def require_role(identity: StaffIdentity) -> None:
    """Raise ``no_staff_role`` unless the identity may use Ropo One at all."""
    if not identity.roles or (identity.is_creditor_user and not identity.creditor):
        raise no_staff_role()


def creditor_scope(identity: StaffIdentity) -> str:
    """The creditor every search of this user is limited to; empty for agents and supervisors."""
    require_role(identity)
    return identity.creditor if identity.is_creditor_user else ""


def may_see(identity: StaffIdentity, invoice: invoice_pb2.Invoice) -> bool:
    """True when the user's scope covers ``invoice`` (defence in depth behind the service)."""
    scope = creditor_scope(identity)
    return not scope or invoice.creditor == scope


def visible(
    identity: StaffIdentity, invoices: Iterable[invoice_pb2.Invoice]
) -> list[invoice_pb2.Invoice]:
    """Defence in depth on search results: drop anything outside the user's scope."""
    return [invoice for invoice in invoices if may_see(identity, invoice)]


def administers_authorizations(identity: StaffIdentity) -> bool:
    """True for agents and supervisors: the users shown the authorization forms (the service
    decides again on every action)."""
    return bool(identity.roles & INTERNAL_ROLES)


def access_roles(identity: StaffIdentity) -> tuple[str, ...]:
    """The session's roles as the authorization service takes them: ``agent``,
    ``supervisor``, ``creditor:{creditor id}``."""
    roles = sorted(role.value for role in identity.roles & INTERNAL_ROLES)
    if identity.is_creditor_user and identity.creditor:
        roles.append(CREDITOR_ROLE_PREFIX + identity.creditor.removeprefix(CREDITORS_PREFIX))
    return tuple(roles)


def _well_formed(pattern: re.Pattern[str], value: str) -> bool:
    # An id that looks like a henkilötunnus names nothing and must travel no further.
    return bool(pattern.match(value)) and not contains_hetu(value)


def invoice_name(invoice_id: str) -> str | None:
    """``invoices/{id}`` for a well-formed id, else ``None``."""
    return f"{INVOICES_PREFIX}{invoice_id}" if _well_formed(_INVOICE_ID, invoice_id) else None


def authorization_name(authorization_id: str) -> str | None:
    """``authorizations/{id}`` for a well-formed id, else ``None``."""
    if not _well_formed(_AUTHORIZATION_ID, authorization_id):
        return None
    return f"{AUTHORIZATIONS_PREFIX}{authorization_id}"


@dataclass(frozen=True, slots=True)
class OpenCase:
    """A case the user may act on: the invoice and the decision that allowed it."""

    invoice: invoice_pb2.Invoice
    decision: AccessDecision

    @property
    def name(self) -> str:
        return self.invoice.name

    @property
    def debtor(self) -> str:
        """The debtor's pseudonym (``persons/{key}``), the audit records' data subject."""
        return self.invoice.debtor.party


class CaseGuard:
    """The first step of every route that names a case: ask, refuse or read, and audit.

    ``open`` asks ``CheckAccess`` before anything is read; every refusal it makes writes
    exactly one ``access_denied`` record and raises ``case_not_found``. A route makes at
    most one refusal and records at most one allowed read (``viewed``) per request.
    """

    def __init__(
        self, checker: AccessChecker, cases: CaseSource, trail: AuditSink, channel: Channel
    ) -> None:
        self._checker = checker
        self._cases = cases
        self._trail = trail
        self.channel = channel

    async def record(self, event: AuditEvent) -> None:
        """Append ``event`` to the audit log (a failure fails the request)."""
        await self._trail.record(event)

    async def refuse(self, identity: StaffIdentity, resource: str, reason: str) -> ApiError:
        """Record the refusal of ``resource``; the error to raise (the one 404)."""
        await self.record(audit.denial(identity, resource, reason, self.channel))
        return case_not_found()

    async def open(
        self,
        identity: StaffIdentity,
        invoice_id: str,
        language: str,
        action: Action = Action.VIEW,
    ) -> OpenCase:
        """The case of ``invoice_id`` if the user may do ``action`` on it, else
        ``case_not_found`` (missing, malformed and someone else's alike)."""
        require_role(identity)
        name = invoice_name(invoice_id)
        if name is None:
            raise await self.refuse(identity, audit.MALFORMED_RESOURCE, audit.MALFORMED_ID)
        decision = await self._checker.check_access(
            identity.subject, name, action, access_roles(identity)
        )
        if not decision.allowed:
            raise await self.refuse(identity, name, decision.explanation or "NO_RELATION")
        try:
            invoice = await self._cases.get_invoice(name, language)
        except UpstreamError as error:
            if error.rpc_error.code not in _MISSING_CODES:
                raise
            raise await self.refuse(identity, name, INVOICE_NOT_FOUND) from None
        if invoice.name != name:
            raise await self.refuse(identity, name, INVOICE_NOT_FOUND)
        if not may_see(identity, invoice):
            raise await self.refuse(identity, name, OUTSIDE_CREDITOR_SCOPE)
        return OpenCase(invoice, decision)

    async def viewed(self, identity: StaffIdentity, case: OpenCase) -> None:
        """Record that ``identity`` read ``case`` (one record per request)."""
        await self.record(
            audit.case_view(
                identity, case.name, case.debtor, case.decision.explanation, self.channel
            )
        )

    async def searched(self, identity: StaffIdentity, result_count: int) -> None:
        """Record a search that showed ``result_count`` cases."""
        await self.record(audit.search(identity, result_count, self.channel))
