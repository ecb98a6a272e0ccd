"""Who may see and resolve disputes (*reklamaatiot*) in Ropo One, and the audit trail of it.

Disputes are handled by Ropo's customer service: agents and supervisors only, as refunds
are. A creditor user is answered 403 on the queue and, on every route that names a
dispute, exactly like a missing case (``case_not_found``) with one audit record — as is a
malformed id or a dispute of another invoice. The invoice itself is opened through the
case guard (``CheckAccess`` first), so the authorization service decides as for the case
page. Every read of a dispute, of one of its files and of the queue, and every resolution
(refused by the service or not), writes one record naming the debtor by pseudonym only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from ropo_platform.redaction import contains_hetu

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.auth.staff_identity import INTERNAL_ROLES, StaffIdentity
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.disputes import DisputeState, DisputeView, dispute_name
from ropo_gateway.errors import ApiError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import CaseGuard, OpenCase, invoice_name, require_role
from ropo_gateway.ropo_one.ports import DisputeDesk

#: The service's dispute ids (UUIDs today); anything else names nothing.
_DISPUTE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
#: The most disputes read for one invoice or for the queue.
MAX_DISPUTES_PER_INVOICE: Final = 1000
PAGE_SIZE: Final = 1000
#: Audit resources and reasons.
QUEUE_RESOURCE: Final = "disputes"
MALFORMED_DISPUTE: Final = "invoices/-/disputes/-"
STAFF_ONLY: Final = "DISPUTES_STAFF_ONLY"
DISPUTE_NOT_FOUND: Final = "DISPUTE_NOT_FOUND"
QUEUE_LISTED: Final = "DISPUTES_LISTED"
DISPUTE_VIEWED: Final = "DISPUTE_VIEWED"
ATTACHMENT_VIEWED: Final = "DISPUTE_ATTACHMENT_VIEWED"
DISPUTE_RESOLVED: Final = "DISPUTE_RESOLVED"


def well_formed_dispute_id(dispute_id: str) -> bool:
    # An id that looks like a henkilötunnus names nothing and must travel no further (not
    # even into the audit record of its refusal).
    return bool(_DISPUTE_ID.match(dispute_id)) and not contains_hetu(dispute_id)


def disputes_forbidden() -> ApiError:
    """403 for the queue of a user who may not handle disputes (a creditor user)."""
    return ApiError(
        HTTPStatus.FORBIDDEN,
        STAFF_ONLY,
        "Disputes are handled by Ropo's staff only.",
        page="disputes_forbidden",
    )


def handles_disputes(identity: StaffIdentity) -> bool:
    """True for agents and supervisors (both may resolve, as both may approve a refund)."""
    return bool(identity.roles & INTERNAL_ROLES)


def dispute_view_event(
    identity: StaffIdentity,
    resource: str,
    data_subject: str,
    reason: str,
    channel: Channel,
    result_count: int | None = None,
) -> AuditEvent:
    """``identity`` read ``resource`` (a dispute, one of its files, or the queue)."""
    return AuditEvent(
        actor=identity.subject,
        resource=resource,
        purpose=Purpose.DISPUTE_VIEW,
        outcome=Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
        result_count=result_count,
    )


def dispute_admin_event(
    identity: StaffIdentity,
    dispute: str,
    data_subject: str,
    reason: str,
    channel: Channel,
    *,
    refused: bool = False,
) -> AuditEvent:
    """``identity`` resolved ``dispute`` (``reason`` the outcome, or the service's refusal
    reason when ``refused``). The message to the debtor is not recorded here: it is a letter."""
    return AuditEvent(
        actor=identity.subject,
        resource=dispute,
        purpose=Purpose.DISPUTE_ADMIN,
        outcome=Outcome.DENIED if refused else Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
    )


async def invoice_disputes(desk: DisputeDesk, invoice: str) -> tuple[DisputeView, ...]:
    """Every dispute of ``invoice``, newest first (as the service lists them)."""
    found: list[DisputeView] = []
    token = ""
    while len(found) < MAX_DISPUTES_PER_INVOICE:
        page = await desk.list_disputes(invoice=invoice, page_size=PAGE_SIZE, page_token=token)
        found.extend(item for item in page.disputes if item.invoice == invoice)
        token = page.next_page_token
        if not token:
            break
    return tuple(found)


@dataclass(frozen=True, slots=True)
class OpenQueue:
    """The open disputes, oldest first; ``truncated`` when there were more than were read."""

    disputes: tuple[DisputeView, ...]
    truncated: bool


async def open_disputes(desk: DisputeDesk, limit: int) -> OpenQueue:
    """The queue: every open dispute (up to ``limit``), the longest waiting first. The service
    lists newest first, so the whole list is read and turned round."""
    found: list[DisputeView] = []
    token = ""
    while len(found) < limit:
        page = await desk.list_disputes(
            states=(DisputeState.OPEN,),
            page_size=min(PAGE_SIZE, limit - len(found)),
            page_token=token,
        )
        found.extend(item for item in page.disputes if item.open)
        token = page.next_page_token
        if not token:
            break
    return OpenQueue(tuple(reversed(found[:limit])), truncated=bool(token))


@dataclass(frozen=True, slots=True)
class OpenDispute:
    """A dispute the user may handle, with its case."""

    case: OpenCase
    dispute: DisputeView

    @property
    def debtor(self) -> str:
        return self.case.debtor


class DisputeGuard:
    """The first step of every dispute route: check the role, open the case through the case
    guard, find the dispute or refuse, and write the audit records."""

    def __init__(self, cases: CaseGuard, desk: DisputeDesk) -> None:
        self.cases = cases
        self.desk = desk

    @property
    def channel(self) -> Channel:
        return self.cases.channel

    def require_queue(self, identity: StaffIdentity) -> None:
        """Raise 403 unless the user may see the dispute queue."""
        require_role(identity)
        if not handles_disputes(identity):
            raise disputes_forbidden()

    async def open(
        self,
        identity: StaffIdentity,
        invoice_id: str,
        dispute_id: str,
        language: str,
        action: Action = Action.VIEW,
    ) -> OpenDispute:
        """The dispute ``invoices/{invoice_id}/disputes/{dispute_id}`` or, after one audit
        record, ``case_not_found``."""
        require_role(identity)
        invoice = invoice_name(invoice_id)
        if invoice is None or not well_formed_dispute_id(dispute_id):
            raise await self.cases.refuse(identity, MALFORMED_DISPUTE, audit.MALFORMED_ID)
        name = dispute_name(invoice_id, dispute_id)
        if not handles_disputes(identity):
            raise await self.cases.refuse(identity, name, STAFF_ONLY)
        case = await self.cases.open(identity, invoice_id, language, action)
        found = next(
            (item for item in await invoice_disputes(self.desk, case.name) if item.name == name),
            None,
        )
        if found is None:
            raise await self.cases.refuse(identity, name, DISPUTE_NOT_FOUND)
        return OpenDispute(case, found)

    async def open_case(
        self,
        identity: StaffIdentity,
        invoice_id: str,
        language: str,
        action: Action = Action.VIEW,
    ) -> OpenCase:
        """The case whose disputes are asked for or, after one audit record,
        ``case_not_found`` (a creditor user is refused before anything is asked)."""
        require_role(identity)
        name = invoice_name(invoice_id)
        if name is None:
            raise await self.cases.refuse(identity, audit.MALFORMED_RESOURCE, audit.MALFORMED_ID)
        if not handles_disputes(identity):
            raise await self.cases.refuse(identity, name, STAFF_ONLY)
        return await self.cases.open(identity, invoice_id, language, action)

    async def case_listed(self, identity: StaffIdentity, case: OpenCase, result_count: int) -> None:
        """Record that ``identity`` read the disputes of ``case``."""
        await self.cases.record(
            dispute_view_event(
                identity,
                f"{case.name}/disputes",
                case.debtor,
                QUEUE_LISTED,
                self.channel,
                result_count,
            )
        )

    async def viewed(
        self, identity: StaffIdentity, opened: OpenDispute, reason: str = DISPUTE_VIEWED
    ) -> None:
        await self.cases.record(
            dispute_view_event(identity, opened.dispute.name, opened.debtor, reason, self.channel)
        )

    async def listed(self, identity: StaffIdentity, result_count: int) -> None:
        # The queue shows debtors' names: recorded like a search.
        await self.cases.record(
            dispute_view_event(
                identity, QUEUE_RESOURCE, "", QUEUE_LISTED, self.channel, result_count
            )
        )

    async def acted(
        self, identity: StaffIdentity, opened: OpenDispute, reason: str, *, refused: bool = False
    ) -> None:
        await self.cases.record(
            dispute_admin_event(
                identity,
                opened.dispute.name,
                opened.debtor,
                reason,
                self.channel,
                refused=refused,
            )
        )
