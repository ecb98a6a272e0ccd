"""Rendering of server-side pages (Jinja2, autoescaped) and of error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from ropo_gateway.auth.csrf import CSRF_FIELD
from ropo_gateway.auth.model import Session
from ropo_gateway.i18n import LANGUAGE_COOKIE, LANGUAGES, Translator, negotiate_language

PACKAGE_DIR: Final = Path(__file__).resolve().parents[1]
TEMPLATES: Final = Jinja2Templates(directory=PACKAGE_DIR / "templates")
STATIC_DIR: Final = PACKAGE_DIR / "static"


def translator_for(request: Request) -> Translator:
    return Translator(negotiate_language(request.cookies.get(LANGUAGE_COOKIE)))


def current_location(request: Request) -> str:
    """Path and query of this request: where the language switch returns to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request,
    template: str,
    *,
    session: Session | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` with the translator ``t``, the language, the session (for the
    header's *Kirjaudu ulos* form and its CSRF token) and ``here`` (the language switch
    returns to it)."""
    t = translator_for(request)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "lang": t.language,
            "languages": LANGUAGES,
            "here": current_location(request),
            "session": session,
            "csrf_field": CSRF_FIELD,
            **context,
        },
        status_code=status_code,
    )


def render_error(
    request: Request,
    page: str,
    status_code: int,
    *,
    session: Session | None = None,
    offer_login: bool = False,
) -> Response:
    """A readable error page; ``page`` selects ``error.<page>.heading``/``.body``.

    When the request had a live session, the header keeps its *Kirjaudu ulos* form.
    The language switch leads to the front page, not back here: an error page then
    never echoes its URL, so e.g. every invoice 404 is byte for byte the same."""
    if session is None:
        session = getattr(request.state, "session", None)
    return render(
        request,
        "error.html",
        session=session,
        status_code=status_code,
        page=page,
        offer_login=offer_login,
        here="/",
    )


def render_internal_error_page() -> bytes:
    """The 500 page, rendered without a request (used when the app itself failed)."""
    t = Translator()
    html = TEMPLATES.get_template("error.html").render(
        t=t,
        lang=t.language,
        languages=LANGUAGES,
        here="/",
        session=None,
        csrf_field=CSRF_FIELD,
        page="internal",
        offer_login=False,
    )
    return html.encode("utf-8")
