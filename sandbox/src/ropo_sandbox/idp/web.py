"""Small HTTP helpers shared by the /idp endpoints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi.responses import HTMLResponse, RedirectResponse

from ropo_sandbox.idp.broker import Broker

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Pages link root-relative, so they work whatever host name the browser used;
# only the issuer and the discovery document use the public base URL.
STYLESHEET_PATH = "/idp/assets/sandbox.css"
DECISION_PATH = "/idp/authorize/decision"


def single_params(items: Iterable[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
    """First value of each parameter, and the names that were repeated.

    RFC 6749 §3.1: request parameters must not be included more than once.
    """
    params: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in items:
        if name in params:
            repeated.add(name)
        else:
            params[name] = value
    return params, repeated


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` appended to its query (keeping what it already has)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def origin_of(uri: str) -> str:
    """``scheme://host[:port]`` of an absolute URI."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def redirect_to_client(uri: str, params: Mapping[str, str | None]) -> RedirectResponse:
    """303 to the client's redirect URI; after a form POST the browser then uses GET."""
    return RedirectResponse(with_query(uri, params), status_code=303, headers=NO_STORE)


def page_headers(form_target: str | None = None) -> dict[str, str]:
    """Security headers of the broker's HTML pages.

    ``form-action`` must also allow the client's origin: Chromium applies it
    to the redirect that follows the form POST.
    """
    form_action = "'self'" + (f" {origin_of(form_target)}" if form_target else "")
    csp = (
        "default-src 'none'; style-src 'self'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action {form_action}"
    )
    return {
        **NO_STORE,
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # The authorize URL carries state and nonce: do not leak it onwards.
        "Referrer-Policy": "no-referrer",
    }


def error_page(broker: Broker, message: str, status_code: int = 400) -> HTMLResponse:
    """A readable error page for errors that must not redirect (bad client or redirect URI)."""
    html = broker.templates.get_template("idp/error.html").render(
        message=message, asset_url=STYLESHEET_PATH
    )
    return HTMLResponse(html, status_code=status_code, headers=page_headers())
