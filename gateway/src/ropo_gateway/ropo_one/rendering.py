"""Rendering of Ropo One's pages and of their error pages (its own layout and texts).

Errors of staff pages are rendered here rather than by the app-wide handlers, so a
staff user sees the console's header (with *Kirjaudu ulos*) and its wording.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import Request
from ropo_platform.logging import get_logger
from starlette.responses import Response

from ropo_gateway.auth.csrf import CSRF_FIELD
from ropo_gateway.auth.staff_identity import INTERNAL_ROLES
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.i18n import LANGUAGE_COOKIE, LANGUAGES, negotiate_language
from ropo_gateway.myropo.formatting import printed_case_number, printed_reference
from ropo_gateway.ropo_one.texts import LANGUAGE_NAMES, StaffTranslator
from ropo_gateway.ropo_one.views import printed_myropo_id
from ropo_gateway.web.pages import TEMPLATES

_log = get_logger("ropo_gateway.ropo_one")

CONSOLE_HOME: Final = "/ropo-one"
#: Error pages that have texts in Ropo One's catalogue (``one.error.<page>.*``).
ERROR_PAGES: Final = frozenset(
    {
        "not_found",
        "login",
        "no_access",
        "login_failed",
        "login_cancelled",
        "login_expired",
        "forbidden",
        "unavailable",
        "bad_request",
        "internal",
        "refunds_forbidden",
        "chat_forbidden",
        "disputes_forbidden",
    }
)


def staff_translator(request: Request) -> StaffTranslator:
    """Texts and formats in the language the browser chose (Finnish by default)."""
    return StaffTranslator(negotiate_language(request.cookies.get(LANGUAGE_COOKIE)))


def _here(request: Request) -> str:
    # The language switch returns to this page by its path alone: no Ropo One page takes
    # criteria from a query string, and whatever one carries is not copied into a link.
    return request.url.path


def render(
    request: Request,
    template: str,
    *,
    session: StaffSession | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a ``ropo_one/`` template with the translator ``t``, the staff session (header
    and logout form) and the language switch's links back to this page."""
    t = staff_translator(request)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "lang": t.language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "back_here": quote(_here(request), safe=""),
            "staff": session,
            # *Palautukset*, *Maksuaineistot* and *Chat* in the header: Ropo's own staff only.
            "refund_nav": session is not None and bool(session.identity.roles & INTERNAL_ROLES),
            "csrf_field": CSRF_FIELD,
            "printed_case_number": printed_case_number,
            "printed_reference": printed_reference,
            "printed_myropo_id": printed_myropo_id,
            **context,
        },
        status_code=status_code,
    )


def render_error(
    request: Request,
    page: str,
    status_code: int,
    *,
    session: StaffSession | None,
    offer_login: bool = False,
) -> Response:
    """The console's error page; ``page`` selects ``one.error.<page>.heading``/``.body``."""
    if page not in ERROR_PAGES:
        page = "internal" if status_code >= 500 else "bad_request"
    return render(
        request,
        "ropo_one/error.html",
        session=session,
        status_code=status_code,
        page=page,
        offer_login=offer_login,
        # Back to the console's home, not to the refused URL: a 404 for another creditor's
        # case must not differ by a byte from one for a case that does not exist.
        back_here=quote(CONSOLE_HOME, safe=""),
    )


def error_page(
    request: Request, error: ApiError | UpstreamError, session: StaffSession | None
) -> Response:
    """The page for a refusal or a failed call, logged like the app-wide handler does."""
    if isinstance(error, UpstreamError):
        _log.warning(
            "upstream_error",
            peer=error.peer,
            code=error.rpc_error.code.name,
            reason=error.rpc_error.reason,
        )
    return render_error(
        request,
        error.page,
        int(error.http_status),
        session=session,
        offer_login=error.http_status == 401,
    )
