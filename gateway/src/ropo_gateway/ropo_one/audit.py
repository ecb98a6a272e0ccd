"""Ropo One's audit events (DESIGN §8): what a staff user read, did or was refused.

The events go to the durable, hash-chained audit log (``runtime.audit``, see
``ropo_gateway.audit``), which adds the time and the request id. They name the
actor (``staffUsers/{id}``), the resource, the purpose and the debtor by pseudonym
(``persons/{key}``) only: never a name, an identifier or search text.
"""

from __future__ import annotations

from typing import Final

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.auth.staff_identity import StaffIdentity

#: The resource of a search (many cases, no one debtor).
SEARCH_RESOURCE: Final = "invoices"
#: The resource of a refused id that does not name anything (never the raw input: it may be
#: anything a user typed into the address bar, a henkilötunnus included).
MALFORMED_RESOURCE: Final = "invoices/-"
MALFORMED_ID: Final = "MALFORMED_ID"
CREATED: Final = "CONTINUOUS_AUTHORIZATION_CREATED"
REVOKED: Final = "AUTHORIZATION_REVOKED"


def case_view(
    identity: StaffIdentity, invoice: str, data_subject: str, reason: str, channel: Channel
) -> AuditEvent:
    """``identity`` read the case of ``invoice`` (``invoices/{id}``) whose debtor is
    ``data_subject``; ``reason`` is the authorization service's explanation."""
    return AuditEvent(
        actor=identity.subject,
        resource=invoice,
        purpose=Purpose.CASE_VIEW,
        outcome=Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
    )


def search(identity: StaffIdentity, result_count: int, channel: Channel) -> AuditEvent:
    """``identity`` searched and saw ``result_count`` cases (the criteria are not recorded:
    they may hold a debtor's name)."""
    return AuditEvent(
        actor=identity.subject,
        resource=SEARCH_RESOURCE,
        purpose=Purpose.CASE_SEARCH,
        outcome=Outcome.ALLOWED,
        channel=channel,
        result_count=result_count,
    )


def denial(identity: StaffIdentity, resource: str, reason: str, channel: Channel) -> AuditEvent:
    """``identity`` asked for ``resource`` and was answered "not found"."""
    return AuditEvent(
        actor=identity.subject,
        resource=resource,
        purpose=Purpose.ACCESS_DENIED,
        outcome=Outcome.DENIED,
        channel=channel,
        reason=reason,
    )


def authorization_admin(
    identity: StaffIdentity, authorization: str, data_subject: str, reason: str, channel: Channel
) -> AuditEvent:
    """``identity`` created or ended ``authorization`` on behalf of ``data_subject``."""
    return AuditEvent(
        actor=identity.subject,
        resource=authorization,
        purpose=Purpose.AUTHORIZATION_ADMIN,
        outcome=Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
    )


PLAN_CANCELLED: Final = "PAYMENT_PLAN_CANCELLED"


def payment_plan_admin(
    identity: StaffIdentity, plan: str, data_subject: str, channel: Channel
) -> AuditEvent:
    """``identity`` cancelled the payment plan ``plan`` of ``data_subject``'s invoice (the
    free-text reason is not recorded here: it goes to the invoice's timeline)."""
    return AuditEvent(
        actor=identity.subject,
        resource=plan,
        purpose=Purpose.PAYMENT_PLAN_ADMIN,
        outcome=Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=PLAN_CANCELLED,
    )


#: The resource of the refund list (many cases, no one debtor).
REFUND_LIST_RESOURCE: Final = "refundCases"
#: The resource of a refused refund case or batch id that names nothing.
MALFORMED_REFUND_CASE: Final = "refundCases/-"
MALFORMED_PAYOUT_BATCH: Final = "payoutBatches/-"


def refund_view(
    identity: StaffIdentity,
    resource: str,
    data_subject: str,
    reason: str,
    channel: Channel,
    result_count: int | None = None,
) -> AuditEvent:
    """``identity`` read ``resource`` (a refund case, its letter, a payout batch or file, or
    the refund list with ``result_count`` cases) whose debtor is ``data_subject``."""
    return AuditEvent(
        actor=identity.subject,
        resource=resource,
        purpose=Purpose.REFUND_VIEW,
        outcome=Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
        result_count=result_count,
    )


def refund_admin(
    identity: StaffIdentity,
    resource: str,
    data_subject: str,
    reason: str,
    channel: Channel,
    *,
    refused: bool = False,
) -> AuditEvent:
    """``identity`` acted on ``resource`` (``reason`` says how: ``REFUND_APPROVED``,
    ``PAYOUT_BATCH_EXPORTED``...); ``refused`` when the service said no (then ``reason`` is
    the service's)."""
    return AuditEvent(
        actor=identity.subject,
        resource=resource,
        purpose=Purpose.REFUND_ADMIN,
        outcome=Outcome.DENIED if refused else Outcome.ALLOWED,
        channel=channel,
        data_subject=data_subject,
        reason=reason,
    )
