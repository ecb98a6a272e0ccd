"""Cookies of Ropo One staff: the staff session id and the staff pre-login binding.

Same rules as the customers' cookies (``web/cookies.py``): HttpOnly, SameSite=Lax,
Path=/, and with ``cookie_secure`` also Secure and ``__Host-`` prefixed; the session
cookie has no Max-Age and the server enforces the timeouts. The names differ from
the customers' so that one browser can hold both kinds and neither is ever read as
the other.
"""

from __future__ import annotations

from starlette.responses import Response

from ropo_gateway.config import GatewaySettings


def staff_session_cookie_name(settings: GatewaySettings) -> str:
    """``__Host-ropo_staff_session`` (or ``ropo_staff_session`` for plain-http tests)."""
    return "__Host-ropo_staff_session" if settings.cookie_secure else "ropo_staff_session"


def staff_login_cookie_name(settings: GatewaySettings) -> str:
    """Cookie that binds a staff pre-login record to the browser that started the login."""
    return "__Host-ropo_staff_login" if settings.cookie_secure else "ropo_staff_login"


def set_staff_session_cookie(response: Response, settings: GatewaySettings, token: str) -> None:
    response.set_cookie(
        staff_session_cookie_name(settings),
        token,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_staff_session_cookie(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        staff_session_cookie_name(settings),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def set_staff_login_cookie(response: Response, settings: GatewaySettings, token: str) -> None:
    response.set_cookie(
        staff_login_cookie_name(settings),
        token,
        max_age=settings.login_flow_timeout_seconds,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_staff_login_cookie(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        staff_login_cookie_name(settings),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
