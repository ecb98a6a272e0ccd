"""Staff actions on a case's authorizations: list them, make a continuous one, revoke one.

Shared by the pages and the JSON API. Each action runs on a case ``CaseGuard.open``
already let the user act on, and calls the authorization service with the staff
user as actor and the session's roles (the service decides again). An
authorization named in a URL must be one of that case's (made for the invoice, or
continuous for its debtor and covering it): any other answers like a missing one,
with one ``access_denied`` record. Every authorization made or ended writes one
``authorization_admin`` record naming the debtor by pseudonym.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import grpc

from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.clients.authorization import AuthorizationView
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import CaseGuard, OpenCase, access_roles, authorization_name
from ropo_gateway.ropo_one.authorizations import (
    FORM,
    AuthorizationRow,
    ContinuousInput,
    Problem,
    authorization_row,
    covers,
    may_get_continuous,
    parse_continuous,
    service_problems,
)
from ropo_gateway.ropo_one.ports import Authorizations

#: Enough for any real case; a case with more is listed newest first up to this.
LIST_LIMIT: Final = 500
AUTHORIZATION_MALFORMED_RESOURCE: Final = "authorizations/-"
NOT_ON_INVOICE: Final = "AUTHORIZATION_NOT_ON_INVOICE"
_NOT_ACTIVE: Final = "AUTHORIZATION_NOT_ACTIVE"


class Refused(Exception):
    """The service (or the form check) refused the input; ``problems`` say what to fix.
    ``upstream`` is the service's error when it was the service that refused."""

    def __init__(self, problems: list[Problem], upstream: UpstreamError | None = None) -> None:
        super().__init__(", ".join(f"{problem.field}:{problem.code}" for problem in problems))
        self.problems = problems
        self.upstream = upstream


class AuthorizationAdmin:
    """The authorization actions of one request (page or API: the guard knows which)."""

    def __init__(self, guard: CaseGuard, authorizations: Authorizations) -> None:
        self._guard = guard
        self._service = authorizations

    async def _of_case(self, case: OpenCase) -> list[AuthorizationView]:
        found = await self._service.list_authorizations(invoice=case.name, limit=LIST_LIMIT)
        # Defence in depth: only what really concerns this invoice is shown or acted on.
        return [view for view in found if covers(view, case.invoice)]

    async def listed(self, case: OpenCase) -> list[AuthorizationRow]:
        """The case's authorizations (per invoice and continuous covering it), newest first."""
        return [authorization_row(view) for view in await self._of_case(case)]

    async def find(
        self, identity: StaffIdentity, case: OpenCase, authorization_id: str
    ) -> AuthorizationView:
        """The case's authorization ``authorization_id``, or ``case_not_found`` (recorded)."""
        name = authorization_name(authorization_id)
        if name is None:
            raise await self._guard.refuse(
                identity, AUTHORIZATION_MALFORMED_RESOURCE, audit.MALFORMED_ID
            )
        for view in await self._of_case(case):
            if view.name == name:
                return view
        raise await self._guard.refuse(identity, name, NOT_ON_INVOICE)

    async def create(
        self,
        identity: StaffIdentity,
        case: OpenCase,
        typed: ContinuousInput,
        request_id: str,
        today: date,
    ) -> AuthorizationRow:
        """Authorize the typed person for the debtor's invoices (all creditors', or only the
        case's creditor's); ``Refused`` with what to fix."""
        if not may_get_continuous(case.invoice):
            raise Refused([Problem(FORM, "not_person")])
        checked, problems = parse_continuous(typed, today)
        if checked is None:
            raise Refused(problems)
        try:
            made = await self._service.create_continuous_authorization(
                actor=identity.subject,
                actor_roles=access_roles(identity),
                grantor=case.debtor,
                grantee=checked.grantee,
                creditor=case.invoice.creditor if checked.creditor_only else "",
                request_id=request_id,
                conversation=checked.conversation,
            )
        except UpstreamError as error:
            refused = service_problems(error)
            if refused is None:
                raise
            raise Refused(refused, error) from None
        await self._record(identity, case, made.name, audit.CREATED)
        return authorization_row(made)

    async def revoke(
        self, identity: StaffIdentity, case: OpenCase, authorization_id: str, request_id: str
    ) -> AuthorizationRow:
        """End the case's authorization ``authorization_id``; ``Refused`` when it is no
        longer in force, ``case_not_found`` when it is not the case's (or the service says
        the user may not end it)."""
        target = await self.find(identity, case, authorization_id)
        try:
            revoked = await self._service.revoke_authorization(
                target.name, identity.subject, request_id, access_roles(identity)
            )
        except UpstreamError as error:
            code = error.rpc_error.code
            if code == grpc.StatusCode.NOT_FOUND:
                raise await self._guard.refuse(identity, target.name, "NOT_FOUND") from None
            if code == grpc.StatusCode.FAILED_PRECONDITION:
                reason = "not_active" if error.rpc_error.reason == _NOT_ACTIVE else "rejected"
                raise Refused([Problem(FORM, reason)], error) from None
            raise
        await self._record(identity, case, revoked.name or target.name, audit.REVOKED)
        return authorization_row(revoked)

    async def _record(
        self, identity: StaffIdentity, case: OpenCase, authorization: str, reason: str
    ) -> None:
        await self._guard.record(
            audit.authorization_admin(
                identity, authorization, case.debtor, reason, self._guard.channel
            )
        )
