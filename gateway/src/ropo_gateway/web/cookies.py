"""The gateway's cookies: the session id and the pre-login binding.

Both are HttpOnly, SameSite=Lax (the return from the identity broker is a
top-level GET navigation, which Lax allows) and Path=/. With ``cookie_secure``
they are also Secure and ``__Host-`` prefixed, which makes browsers refuse a
Domain attribute or a narrower path, so a sibling subdomain cannot plant one.
The session cookie has no Max-Age: it ends with the browser; the server
enforces the idle and absolute timeouts.
"""

from __future__ import annotations

from starlette.responses import Response

from ropo_gateway.config import GatewaySettings


def set_session_cookie(response: Response, settings: GatewaySettings, token: str) -> None:
    response.set_cookie(
        settings.session_cookie_name,
        token,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def set_login_cookie(response: Response, settings: GatewaySettings, token: str) -> None:
    response.set_cookie(
        settings.login_cookie_name,
        token,
        max_age=settings.login_flow_timeout_seconds,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_login_cookie(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        settings.login_cookie_name,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
