"""*Peru maksusuunnitelma*: a staff user cancels a case's payment plan.

Only agents and supervisors are offered it (a creditor user is not); the authorization
service decides again (``CheckAccess(ACTION_ADMINISTER)`` in ``CaseGuard.open``). The
reason is free text for the invoice's timeline: required, bounded, and refused when it
looks like a henkilötunnus (it would otherwise be stored). Every cancellation writes one
audit record (``payment_plan_admin``) naming the plan and the debtor by pseudonym.
"""

from __future__ import annotations

from typing import Final

import grpc
from ropo_platform.redaction import contains_hetu

from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.clients.payment_time import PaymentPlanView, plan_view
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import CaseGuard, OpenCase
from ropo_gateway.ropo_one.ports import PaymentPlans

MAX_REASON_LENGTH: Final = 500


class PlanRefused(Exception):
    """Why the plan was not cancelled: ``code`` names the text ``one.plan.problem.<code>``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def active_plan(case: OpenCase) -> PaymentPlanView | None:
    """The case's payment plan while it is in force."""
    if not case.invoice.HasField("payment_plan"):
        return None
    plan = plan_view(case.invoice.payment_plan)
    return plan if plan.active else None


def cleaned_reason(reason: str) -> str:
    """The reason as stored, or ``PlanRefused``."""
    text = " ".join(reason.split())
    if not text:
        raise PlanRefused("reason_required")
    if len(text) > MAX_REASON_LENGTH:
        raise PlanRefused("reason_too_long")
    if contains_hetu(text):
        raise PlanRefused("identity_code")
    return text


async def cancel_plan(
    guard: CaseGuard,
    plans: PaymentPlans,
    identity: StaffIdentity,
    case: OpenCase,
    reason: str,
    request_id: str,
) -> PaymentPlanView:
    """Cancel the case's active plan; ``PlanRefused`` when there is none, the reason is
    unusable or the invoice service refuses it for the state of things."""
    text = cleaned_reason(reason)
    plan = active_plan(case)
    if plan is None:
        raise PlanRefused("not_active")
    try:
        cancelled = await plans.cancel_payment_plan(request_id, plan.name, identity.subject, text)
    except UpstreamError as error:
        if error.rpc_error.code in (
            grpc.StatusCode.FAILED_PRECONDITION,
            grpc.StatusCode.NOT_FOUND,
        ):
            raise PlanRefused("not_active") from None
        raise
    await guard.record(audit.payment_plan_admin(identity, plan.name, case.debtor, guard.channel))
    return cancelled
