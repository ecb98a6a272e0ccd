"""Login, callback and logout of MyRopo customers.

- ``GET /login`` creates the pre-login record (state, nonce, PKCE verifier), binds it
  to the browser with a short-lived cookie and redirects to the identity broker.
- ``GET /auth/callback`` consumes that record (single use), checks ``state``, redeems
  the code with the verifier, validates the ID token (nonce, acr, ...), turns the
  henkilötunnus into the person key and starts a session under a new id.
- ``POST /logout`` (CSRF-checked) deletes the session server-side.

Failures show a readable page and are logged with a reason code only; nothing
from the broker's response (codes, tokens, claims) reaches a log line or a URL.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.auth.id_token import IdTokenError
from ropo_gateway.auth.identity import IdentityError, identity_from_claims
from ropo_gateway.auth.oidc import OidcError
from ropo_gateway.auth.tokens import tokens_equal
from ropo_gateway.web.cookies import (
    clear_login_cookie,
    clear_session_cookie,
    set_login_cookie,
    set_session_cookie,
)
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token
from ropo_gateway.web.metrics import LOGINS
from ropo_gateway.web.pages import render, render_error

router = APIRouter()
_log = get_logger("ropo_gateway.auth")

_ERROR_CODE: Final = re.compile(r"^[a-z_]{1,64}$")
LOGGED_OUT_PATH: Final = "/logged-out"


def _login_failed(
    request: Request, runtime: RuntimeDep, reason: str, page: str, status_code: int = 400
) -> Response:
    LOGINS.labels(reason).inc()
    _log.warning("login_failed", reason=reason)
    response = render_error(request, page, status_code, offer_login=True)
    clear_login_cookie(response, runtime.settings)
    return response


@router.get("/login")
async def login(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    if session is not None:
        return RedirectResponse("/", status_code=303)
    try:
        # Metadata first: no pre-login record is written when the broker is down.
        await runtime.oidc.metadata()
    except OidcError as error:
        _log.warning("login_unavailable", reason=error.reason)
        return render_error(request, "unavailable", 503)
    flow_token, flow = await runtime.sessions.begin_login()
    response = RedirectResponse(await runtime.oidc.authorization_url(flow), status_code=303)
    set_login_cookie(response, runtime.settings, flow_token)
    return response


@router.get("/auth/callback")
async def callback(
    request: Request,
    runtime: RuntimeDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    settings = runtime.settings
    flow = await runtime.sessions.finish_login(request.cookies.get(settings.login_cookie_name))
    if flow is None:
        return _login_failed(request, runtime, "no_login_flow", "login_expired")
    if error is not None:
        reason = error if _ERROR_CODE.match(error) else "invalid_error_code"
        page = "login_cancelled" if reason == "access_denied" else "login_failed"
        return _login_failed(request, runtime, f"broker_error:{reason}", page)
    if not state or not tokens_equal(flow.state, state):
        return _login_failed(request, runtime, "state_mismatch", "login_failed")
    if not code:
        return _login_failed(request, runtime, "missing_code", "login_failed")
    try:
        id_token = await runtime.oidc.exchange_code(code, flow)
        identity = identity_from_claims(
            await runtime.oidc.validate(id_token, flow), runtime.person_key_secret
        )
    except OidcError as failure:
        page = "unavailable" if failure.unavailable else "login_failed"
        return _login_failed(
            request, runtime, failure.reason, page, 503 if failure.unavailable else 400
        )
    except (IdTokenError, IdentityError) as failure:
        return _login_failed(request, runtime, str(failure), "login_failed")

    token, _ = await runtime.sessions.open_session(identity, session_token(request, runtime))
    LOGINS.labels("ok").inc()
    _log.info("login_succeeded", subject=identity.subject, acr=identity.acr)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, settings, token)
    clear_login_cookie(response, settings)
    return response


@router.post("/logout")
async def logout(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    if session is not None:
        if not csrf_valid(session, csrf_token):
            _log.warning("csrf_rejected", route="/logout")
            return render_error(request, "forbidden", 403, session=session)
        await runtime.sessions.close(session_token(request, runtime))
        _log.info("logout", subject=session.identity.subject)
    response = RedirectResponse(LOGGED_OUT_PATH, status_code=303)
    clear_session_cookie(response, runtime.settings)
    return response


@router.get(LOGGED_OUT_PATH)
async def logged_out(request: Request) -> Response:
    return render(request, "logged_out.html")
