"""Who may see and do what with refunds in Ropo One, and the audit trail of it.

Refunds are Ropo's own business: agents and supervisors only. A creditor user is answered
403 on the list pages and, on every route that names a refund case or a payout batch,
exactly like a missing one (``case_not_found``: the same 404 body) with one audit record
— as is a malformed or unknown id. Every read of a case, its letter, a batch or its file
and every action (refused by the service or not) writes one record (``refund_view`` /
``refund_admin``), naming the debtor by pseudonym only.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Final

import grpc

from ropo_gateway.audit.model import Channel
from ropo_gateway.auth.staff_identity import INTERNAL_ROLES, StaffIdentity, StaffRole
from ropo_gateway.clients.refunds import (
    PAYOUT_BATCHES_PREFIX,
    REFUND_CASES_PREFIX,
    PayoutFile,
    RefundCaseView,
    StaffActor,
)
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import case_not_found, require_role
from ropo_gateway.ropo_one.ports import AuditSink, RefundDesk

#: The refund service's ids are UUID4 strings.
_ID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Audit reasons of the refusals made here.
STAFF_ONLY: Final = "REFUNDS_STAFF_ONLY"
REFUND_CASE_NOT_FOUND: Final = "REFUND_CASE_NOT_FOUND"
PAYOUT_BATCH_NOT_FOUND: Final = "PAYOUT_BATCH_NOT_FOUND"
_MISSING: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})


def refunds_forbidden() -> ApiError:
    """403 for a list page of a user who may not handle refunds (a creditor user)."""
    return ApiError(
        HTTPStatus.FORBIDDEN,
        STAFF_ONLY,
        "Refunds are handled by Ropo's staff only.",
        page="refunds_forbidden",
    )


def handles_refunds(identity: StaffIdentity) -> bool:
    """True for agents and supervisors."""
    return bool(identity.roles & INTERNAL_ROLES)


def is_supervisor(identity: StaffIdentity) -> bool:
    """Supervisors change accounts, make payout batches and import bank reports."""
    return StaffRole.SUPERVISOR in identity.roles


def staff_actor(identity: StaffIdentity) -> StaffActor:
    """The actor as the refund service checks it: ``staffUsers/{id}`` and its roles."""
    return StaffActor(
        identity.subject, tuple(sorted(role.value for role in identity.roles & INTERNAL_ROLES))
    )


class RefundGuard:
    """The first step of every refund route: check the role, read the object or refuse, and
    write the audit records."""

    def __init__(self, desk: RefundDesk, trail: AuditSink, channel: Channel) -> None:
        self.desk = desk
        self._trail = trail
        self.channel = channel

    def require_lists(self, identity: StaffIdentity) -> None:
        """Raise 403 unless the user may see the refund and batch lists."""
        require_role(identity)
        if not handles_refunds(identity):
            raise refunds_forbidden()

    async def refuse(self, identity: StaffIdentity, resource: str, reason: str) -> ApiError:
        await self._trail.record(audit.denial(identity, resource, reason, self.channel))
        return case_not_found()

    async def open_case(self, identity: StaffIdentity, refund_case_id: str) -> RefundCaseView:
        """The case ``refund_case_id`` or, after one audit record, ``case_not_found``."""
        require_role(identity)
        if not _ID.match(refund_case_id):
            raise await self.refuse(identity, audit.MALFORMED_REFUND_CASE, audit.MALFORMED_ID)
        name = f"{REFUND_CASES_PREFIX}{refund_case_id}"
        if not handles_refunds(identity):
            raise await self.refuse(identity, name, STAFF_ONLY)
        try:
            return await self.desk.get_refund_case(name)
        except UpstreamError as error:
            if error.rpc_error.code not in _MISSING:
                raise
            raise await self.refuse(identity, name, REFUND_CASE_NOT_FOUND) from None

    async def open_batch(self, identity: StaffIdentity, payout_batch_id: str) -> PayoutFile:
        """The batch ``payout_batch_id`` with its file or, after one audit record,
        ``case_not_found``."""
        require_role(identity)
        if not _ID.match(payout_batch_id):
            raise await self.refuse(identity, audit.MALFORMED_PAYOUT_BATCH, audit.MALFORMED_ID)
        name = f"{PAYOUT_BATCHES_PREFIX}{payout_batch_id}"
        if not handles_refunds(identity):
            raise await self.refuse(identity, name, STAFF_ONLY)
        try:
            return await self.desk.get_payout_batch(name)
        except UpstreamError as error:
            if error.rpc_error.code not in _MISSING:
                raise
            raise await self.refuse(identity, name, PAYOUT_BATCH_NOT_FOUND) from None

    async def viewed(
        self,
        identity: StaffIdentity,
        resource: str,
        reason: str,
        data_subject: str = "",
        result_count: int | None = None,
    ) -> None:
        await self._trail.record(
            audit.refund_view(identity, resource, data_subject, reason, self.channel, result_count)
        )

    async def acted(
        self,
        identity: StaffIdentity,
        resource: str,
        reason: str,
        data_subject: str = "",
        *,
        refused: bool = False,
    ) -> None:
        await self._trail.record(
            audit.refund_admin(
                identity, resource, data_subject, reason, self.channel, refused=refused
            )
        )
