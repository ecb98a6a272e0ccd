"""Request-scoped access to the staff session, the invoice and authorization services and the
audit log (FastAPI dependencies).

Tests replace ``get_cases``, ``get_creditors``, ``get_authorizations``, ``get_payments``,
``get_payment_plans``, ``get_refunds``, ``get_disputes`` and ``get_case_letters`` through
``app.dependency_overrides``; the audit log is the real one on the test database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ropo_gateway.audit.model import Channel
from ropo_gateway.auth.staff_cookies import staff_session_cookie_name
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.clients.disputes import DisputeClient
from ropo_gateway.clients.letters import LetterClient
from ropo_gateway.errors import not_logged_in
from ropo_gateway.ropo_one.access import CaseGuard, require_role
from ropo_gateway.ropo_one.creditors import GrpcCreditorDirectory
from ropo_gateway.ropo_one.ports import (
    AuditSink,
    Authorizations,
    CaseLetters,
    CaseSource,
    CreditorDirectory,
    DisputeDesk,
    PaymentLedger,
    PaymentPlans,
    RefundDesk,
)
from ropo_gateway.ropo_one.refund_access import RefundGuard
from ropo_gateway.runtime import Runtime
from ropo_gateway.web.deps import RuntimeDep


def staff_token(request: Request, runtime: Runtime) -> str | None:
    """The staff session id the browser presented, if any."""
    return request.cookies.get(staff_session_cookie_name(runtime.settings))


async def get_staff_session(request: Request, runtime: RuntimeDep) -> StaffSession | None:
    """The live staff session of this request (idle timer refreshed), or ``None``. A customer
    session is never looked at: it lives in another cookie and another table."""
    cached: StaffSession | None = getattr(request.state, "staff_session", None)
    if cached is not None:
        return cached
    session = await runtime.staff.sessions.resolve(staff_token(request, runtime))
    request.state.staff_session = session
    return session


StaffSessionDep = Annotated[StaffSession | None, Depends(get_staff_session)]


async def require_staff(session: StaffSessionDep) -> StaffSession:
    """The staff session of an API call with a usable role: 401 without one, 403 without a role."""
    if session is None:
        raise not_logged_in()
    require_role(session.identity)
    return session


StaffDep = Annotated[StaffSession, Depends(require_staff)]


def get_cases(runtime: RuntimeDep) -> CaseSource:
    """Invoices, the staff search and timelines (the shared invoice client)."""
    return runtime.invoices


def get_creditors(runtime: RuntimeDep) -> CreditorDirectory:
    """Creditors by business id, over the invoice service's channel."""
    return GrpcCreditorDirectory(runtime.channels["invoice"], runtime.settings.rpc_timeout_seconds)


def get_payments(runtime: RuntimeDep) -> PaymentLedger:
    """The payments of a case (the shared payment client)."""
    return runtime.payments


def get_payment_plans(runtime: RuntimeDep) -> PaymentPlans:
    """Cancelling payment plans (the shared invoice client)."""
    return runtime.invoices


def get_refunds(runtime: RuntimeDep) -> RefundDesk:
    """Refund cases and payout batches (the shared refund client)."""
    return runtime.refunds


CasesDep = Annotated[CaseSource, Depends(get_cases)]
RefundsDep = Annotated[RefundDesk, Depends(get_refunds)]
PaymentPlansDep = Annotated[PaymentPlans, Depends(get_payment_plans)]
PaymentsDep = Annotated[PaymentLedger, Depends(get_payments)]
CreditorsDep = Annotated[CreditorDirectory, Depends(get_creditors)]


def get_authorizations(runtime: RuntimeDep) -> Authorizations:
    """Access decisions and authorizations (the shared authorization client)."""
    return runtime.authorization


def get_audit(runtime: RuntimeDep) -> AuditSink:
    """The durable audit log of access to personal data."""
    return runtime.audit


AuthorizationsDep = Annotated[Authorizations, Depends(get_authorizations)]
AuditDep = Annotated[AuditSink, Depends(get_audit)]


def page_guard(authorizations: AuthorizationsDep, cases: CasesDep, trail: AuditDep) -> CaseGuard:
    """The case guard of the pages (audit channel ``ropo_one``)."""
    return CaseGuard(authorizations, cases, trail, Channel.ROPO_ONE)


def api_guard(authorizations: AuthorizationsDep, cases: CasesDep, trail: AuditDep) -> CaseGuard:
    """The case guard of the JSON API (audit channel ``ropo_one_api``)."""
    return CaseGuard(authorizations, cases, trail, Channel.ROPO_ONE_API)


PageGuardDep = Annotated[CaseGuard, Depends(page_guard)]
ApiGuardDep = Annotated[CaseGuard, Depends(api_guard)]


def refund_guard(refunds: RefundsDep, trail: AuditDep) -> RefundGuard:
    """The refund guard of the pages (audit channel ``ropo_one``)."""
    return RefundGuard(refunds, trail, Channel.ROPO_ONE)


RefundGuardDep = Annotated[RefundGuard, Depends(refund_guard)]


def get_disputes(runtime: RuntimeDep) -> DisputeDesk:
    """Disputes and payment monitoring, over the invoice service's channel."""
    return DisputeClient(runtime.channels["invoice"], runtime.settings.rpc_timeout_seconds)


def get_case_letters(runtime: RuntimeDep) -> CaseLetters:
    """A debtor's letters and letter consent, over the invoice service's channel."""
    return LetterClient(runtime.channels["invoice"], runtime.settings.rpc_timeout_seconds)


DisputesDep = Annotated[DisputeDesk, Depends(get_disputes)]
CaseLettersDep = Annotated[CaseLetters, Depends(get_case_letters)]
