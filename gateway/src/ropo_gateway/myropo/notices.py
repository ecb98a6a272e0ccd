"""One-time confirmations after a form (*Valtuutus tallennettu*, *Valtuutus peruttu*).

After a successful POST the browser is sent back to the invoice page with 303 (so a
reload does not repeat the action) and the page says what happened. The URL stays the
invoice's own — no query parameters — so the confirmation travels in a short-lived
cookie holding a fixed notice key and the invoice id only (no personal data), shown
once on that invoice's page and then cleared.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from fastapi import Request
from starlette.responses import Response

from ropo_gateway.config import GatewaySettings

MAX_AGE_SECONDS: Final = 60
_SEPARATOR: Final = "."


class Notice(StrEnum):
    """What can be confirmed; the page text is ``notice.<value>`` in ``i18n``."""

    AUTHORIZATION_SAVED = "authorization_saved"
    AUTHORIZATION_REVOKED = "authorization_revoked"


def notice_cookie_name(settings: GatewaySettings) -> str:
    return "__Host-ropo_notice" if settings.cookie_secure else "ropo_notice"


def set_notice(
    response: Response, settings: GatewaySettings, notice: Notice, invoice_id: str
) -> None:
    """Confirm ``notice`` on the next load of the page of ``invoice_id``."""
    response.set_cookie(
        notice_cookie_name(settings),
        f"{notice.value}{_SEPARATOR}{invoice_id}",
        max_age=MAX_AGE_SECONDS,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def pending_notice(request: Request, settings: GatewaySettings, invoice_id: str) -> Notice | None:
    """The notice waiting for this invoice's page, if any (an unknown value is ignored)."""
    raw = request.cookies.get(notice_cookie_name(settings), "")
    key, _, target = raw.partition(_SEPARATOR)
    if target != invoice_id:
        return None
    try:
        return Notice(key)
    except ValueError:
        return None


def clear_notice(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        notice_cookie_name(settings),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
