"""Staff login, callback and logout of Ropo One.

- ``GET /ropo-one/kirjaudu`` creates the pre-login record (state, nonce, PKCE verifier),
  binds it to the browser with the staff login cookie and redirects to the identity
  broker as the ``ropo-one`` client.
- ``GET /ropo-one/auth/callback`` consumes that record (single use), checks ``state``,
  redeems the code with the verifier, validates the ID token (audience ``ropo-one``,
  nonce, staff ``acr``), reads the staff id and roles, binds a creditor user to its
  creditor and starts a staff session under a new id.
- ``POST /ropo-one/kirjaudu-ulos`` (CSRF-checked) deletes the staff session.

Failures show a readable page and are logged with a reason code only; nothing
from the broker's response reaches a log line or a URL.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from prometheus_client import Counter
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD
from ropo_gateway.auth.id_token import IdTokenError
from ropo_gateway.auth.model import LoginFlow
from ropo_gateway.auth.oidc import OidcError
from ropo_gateway.auth.staff_cookies import (
    clear_staff_login_cookie,
    clear_staff_session_cookie,
    set_staff_login_cookie,
    set_staff_session_cookie,
    staff_login_cookie_name,
)
from ropo_gateway.auth.staff_identity import StaffIdentity, StaffIdentityError
from ropo_gateway.auth.staff_identity import staff_identity_from_claims as identity_from
from ropo_gateway.auth.tokens import tokens_equal
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.deps import CreditorsDep, StaffSessionDep, staff_token
from ropo_gateway.ropo_one.ports import CreditorDirectory
from ropo_gateway.ropo_one.rendering import render, render_error
from ropo_gateway.web.deps import RuntimeDep

HOME_PATH: Final = "/ropo-one"
LOGIN_PATH: Final = "/ropo-one/kirjaudu"
CALLBACK_PATH: Final = "/ropo-one/auth/callback"
LOGOUT_PATH: Final = "/ropo-one/kirjaudu-ulos"
LOGGED_OUT_PATH: Final = "/ropo-one/uloskirjautunut"

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.ropo_one.login")
_ERROR_CODE: Final = re.compile(r"^[a-z_]{1,64}$")
# Identity reasons that mean "a real staff user, but without a usable Ropo One role".
_NO_ACCESS_REASONS: Final = frozenset(
    {"missing_roles", "no_staff_role", "conflicting_roles", "invalid_creditor_role"}
)

STAFF_LOGINS = Counter(
    "ropo_gateway_staff_logins_total",
    "Completed Ropo One staff login attempts by outcome (ok, or the failure's reason code).",
    ["outcome"],
)


class _LoginRefused(Exception):
    def __init__(self, reason: str, page: str, status_code: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.page = page
        self.status_code = status_code


def _login_failed(request: Request, runtime: RuntimeDep, refused: _LoginRefused) -> Response:
    STAFF_LOGINS.labels(refused.reason).inc()
    _log.warning("staff_login_failed", reason=refused.reason)
    response = render_error(
        request, refused.page, refused.status_code, session=None, offer_login=True
    )
    clear_staff_login_cookie(response, runtime.settings)
    return response


@router.get(LOGIN_PATH)
async def login(request: Request, runtime: RuntimeDep, session: StaffSessionDep) -> Response:
    """Start the staff login at the identity broker."""
    if session is not None:
        return RedirectResponse(HOME_PATH, status_code=303)
    try:
        # Metadata first: no pre-login record is written when the broker is down.
        await runtime.staff.oidc.metadata()
    except OidcError as error:
        _log.warning("staff_login_unavailable", reason=error.reason)
        return render_error(request, "unavailable", 503, session=None)
    flow_token, flow = await runtime.sessions.begin_login()
    response = RedirectResponse(await runtime.staff.oidc.authorization_url(flow), status_code=303)
    set_staff_login_cookie(response, runtime.settings, flow_token)
    return response


async def _bind_creditor(identity: StaffIdentity, creditors: CreditorDirectory) -> StaffIdentity:
    """A creditor user with its creditor resolved; refuses when it cannot be."""
    if not identity.is_creditor_user:
        return identity
    try:
        creditor = await creditors.creditor_by_business_id(identity.creditor_business_id)
    except UpstreamError as failure:
        raise _LoginRefused(
            f"creditor_lookup:{failure.rpc_error.code.name.lower()}", "unavailable", 503
        ) from None
    if creditor is None or not creditor.name:
        raise _LoginRefused("unknown_creditor", "no_access", 403)
    return replace(identity, creditor=creditor.name, creditor_name=creditor.display_name)


async def _identity(
    runtime: RuntimeDep, creditors: CreditorDirectory, code: str, flow: LoginFlow
) -> StaffIdentity:
    oidc = runtime.staff.oidc
    try:
        claims = await oidc.validate(await oidc.exchange_code(code, flow), flow)
        identity = identity_from(claims)
    except OidcError as failure:
        page = "unavailable" if failure.unavailable else "login_failed"
        raise _LoginRefused(failure.reason, page, 503 if failure.unavailable else 400) from None
    except IdTokenError as failure:
        raise _LoginRefused(failure.reason, "login_failed", 400) from None
    except StaffIdentityError as failure:
        if failure.reason in _NO_ACCESS_REASONS:
            raise _LoginRefused(failure.reason, "no_access", 403) from None
        raise _LoginRefused(failure.reason, "login_failed", 400) from None
    return await _bind_creditor(identity, creditors)


@router.get(CALLBACK_PATH)
async def callback(
    request: Request,
    runtime: RuntimeDep,
    creditors: CreditorsDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """The broker's answer: a staff session on success, a readable page otherwise."""
    settings = runtime.settings
    flow_token = request.cookies.get(staff_login_cookie_name(settings))
    flow = await runtime.sessions.finish_login(flow_token)
    try:
        if flow is None:
            raise _LoginRefused("no_login_flow", "login_expired", 400)
        if error is not None:
            reason = error if _ERROR_CODE.match(error) else "invalid_error_code"
            page = "login_cancelled" if reason == "access_denied" else "login_failed"
            raise _LoginRefused(f"broker_error:{reason}", page, 400)
        if not state or not tokens_equal(flow.state, state):
            raise _LoginRefused("state_mismatch", "login_failed", 400)
        if not code:
            raise _LoginRefused("missing_code", "login_failed", 400)
        identity = await _identity(runtime, creditors, code, flow)
    except _LoginRefused as refused:
        return _login_failed(request, runtime, refused)

    token, _ = await runtime.staff.sessions.open_session(identity, staff_token(request, runtime))
    STAFF_LOGINS.labels("ok").inc()
    _log.info(
        "staff_login_succeeded",
        actor=identity.subject,
        roles=list(identity.role_names),
        creditor=identity.creditor,
        acr=identity.acr,
    )
    response = RedirectResponse(HOME_PATH, status_code=303)
    set_staff_session_cookie(response, settings, token)
    clear_staff_login_cookie(response, settings)
    return response


@router.post(LOGOUT_PATH)
async def logout(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSessionDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    """*Kirjaudu ulos*: the staff session ends server-side."""
    if session is not None:
        if not csrf_token or not tokens_equal(session.csrf_token, csrf_token):
            _log.warning("csrf_rejected", route=LOGOUT_PATH)
            return render_error(request, "forbidden", 403, session=session)
        await runtime.staff.sessions.close(staff_token(request, runtime))
        _log.info("staff_logout", actor=session.identity.subject)
    response = RedirectResponse(LOGGED_OUT_PATH, status_code=303)
    clear_staff_session_cookie(response, runtime.settings)
    return response


@router.get(LOGGED_OUT_PATH)
async def logged_out(request: Request) -> Response:
    """The page after *Kirjaudu ulos*."""
    return render(request, "ropo_one/logged_out.html", session=None)
