"""One-time confirmations after a form (*Valtuutus tallennettu*, *Valtuutus peruttu*).

After a successful POST the browser is sent back to the invoice page with 303 (so a
reload does not repeat the action) and the page says what happened. The URL stays the
invoice's own — no query parameters — so the confirmation travels in a short-lived
cookie holding a fixed notice key and the invoice id only (no personal data), shown
once on that invoice's page and then cleared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from fastapi import Request
from starlette.responses import Response

from ropo_gateway.config import GatewaySettings

MAX_AGE_SECONDS: Final = 60
_SEPARATOR: Final = "."
#: What a detail may be: digits, letters and dashes only (no personal data, no separators).
_DETAIL: Final = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class Notice(StrEnum):
    """What can be confirmed; the page text is ``notice.<value>`` in ``i18n``."""

    AUTHORIZATION_SAVED = "authorization_saved"
    AUTHORIZATION_REVOKED = "authorization_revoked"
    #: *Eräpäivä siirretty*; details: the new due date (ISO) and the fee in minor units.
    DUE_DATE_EXTENDED = "due_date_extended"
    #: *Maksusuunnitelma tehty*.
    PAYMENT_PLAN_CREATED = "payment_plan_created"


@dataclass(frozen=True, slots=True)
class PendingNotice:
    """A notice and its details (short tokens such as a date or an amount in cents)."""

    notice: Notice
    details: tuple[str, ...] = ()


def notice_cookie_name(settings: GatewaySettings) -> str:
    return "__Host-ropo_notice" if settings.cookie_secure else "ropo_notice"


def set_notice(
    response: Response,
    settings: GatewaySettings,
    notice: Notice,
    invoice_id: str,
    *details: str,
) -> None:
    """Confirm ``notice`` on the next load of the page of ``invoice_id``; ``details`` are
    short tokens the text needs (``[A-Za-z0-9-]`` only)."""
    if not all(_DETAIL.match(item) for item in details):
        raise ValueError("a notice detail must be a short token")
    response.set_cookie(
        notice_cookie_name(settings),
        _SEPARATOR.join((notice.value, invoice_id, *details)),
        max_age=MAX_AGE_SECONDS,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def pending_notice(request: Request, settings: GatewaySettings, invoice_id: str) -> Notice | None:
    """The notice waiting for this invoice's page, if any (an unknown value is ignored)."""
    pending = pending_notice_details(request, settings, invoice_id)
    return pending.notice if pending is not None else None


def pending_notice_details(
    request: Request, settings: GatewaySettings, invoice_id: str
) -> PendingNotice | None:
    """The notice waiting for this invoice's page with its details, if any."""
    raw = request.cookies.get(notice_cookie_name(settings), "")
    parts = raw.split(_SEPARATOR)
    if len(parts) < 2 or parts[1] != invoice_id:
        return None
    key, details = parts[0], parts[2:]
    if not all(_DETAIL.match(item) for item in details):
        return None
    try:
        return PendingNotice(Notice(key), tuple(details))
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
