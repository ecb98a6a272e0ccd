"""Request-scoped access to the runtime and the current session (FastAPI dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ropo_gateway.auth.model import Session
from ropo_gateway.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def session_token(request: Request, runtime: Runtime) -> str | None:
    """The session id the browser presented, if any."""
    return request.cookies.get(runtime.settings.session_cookie_name)


async def get_session(request: Request, runtime: RuntimeDep) -> Session | None:
    """The live session of this request (idle timer refreshed), or ``None``."""
    cached: Session | None = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    session = await runtime.sessions.resolve(session_token(request, runtime))
    request.state.session = session
    return session


SessionDep = Annotated[Session | None, Depends(get_session)]
