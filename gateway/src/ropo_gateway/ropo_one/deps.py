"""Request-scoped access to the staff session and to the invoice service (FastAPI dependencies).

Tests replace ``get_cases`` and ``get_creditors`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ropo_gateway.auth.staff_cookies import staff_session_cookie_name
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.errors import not_logged_in
from ropo_gateway.ropo_one.access import require_role
from ropo_gateway.ropo_one.creditors import GrpcCreditorDirectory
from ropo_gateway.ropo_one.ports import CaseSource, CreditorDirectory
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


CasesDep = Annotated[CaseSource, Depends(get_cases)]
CreditorsDep = Annotated[CreditorDirectory, Depends(get_creditors)]
