"""The hosted payment page: ``GET/POST /psp/pay/{transaction_id}``, its stylesheet and icons.

A form per button, no JavaScript. The POST changes the payment's state and sends the
browser (303) to the merchant's signed redirect URL.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ropo_sandbox.idp.assets import STYLESHEET
from ropo_sandbox.psp.providers import ALL, BANKS, CANCEL, KNOWN_IDS, PENDING, format_euros
from ropo_sandbox.psp.returns import complete_payment
from ropo_sandbox.psp.state import PREFIX, Psp, get_psp
from ropo_sandbox.psp.store import FINAL_STATUSES, Outcome, PaymentFinished, Status, Transaction

router = APIRouter()

STYLESHEET_PATH = f"{PREFIX}/assets/psp.css"
_PAGE_STYLES = """
.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
.summary dt { font-weight: 600; }
.summary dd { margin: 0; }
.amount { font-size: 1.5rem; font-weight: 700; }
.providers { list-style: none; margin: 0; padding: 0;
  display: flex; flex-wrap: wrap; gap: 0.75rem; }
.notice { border-left: 4px solid #00509e; padding: 0.5rem 1rem; background: #eef4fb; }
"""
_FINISHED_TEXT = {
    Status.OK: "Maksu on jo maksettu. Voit sulkea tämän sivun.",
    Status.FAIL: "Maksu on peruttu tai hylätty. Voit sulkea tämän sivun.",
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_OUTCOMES = frozenset(outcome.value for outcome in Outcome)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _headers(transaction: Transaction | None = None) -> dict[str, str]:
    # Chromium applies form-action to the redirect after the POST too, so the
    # merchant's return origins must be allowed.
    targets = ""
    if transaction is not None:
        origins = {_origin(transaction.order.success_url), _origin(transaction.order.cancel_url)}
        targets = "".join(f" {origin}" for origin in sorted(origins))
    csp = (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self'{targets}"
    )
    return {
        **_NO_STORE,
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _error(psp: Psp, message: str, status_code: int) -> HTMLResponse:
    html = psp.templates.get_template("psp/error.html").render(
        message=message, asset_url=STYLESHEET_PATH
    )
    return HTMLResponse(html, status_code=status_code, headers=_headers())


def _page(psp: Psp, transaction: Transaction, status_code: int = 200) -> HTMLResponse:
    html = psp.templates.get_template("psp/pay.html").render(
        asset_url=STYLESHEET_PATH,
        amount=format_euros(transaction.order.amount),
        reference=transaction.order.reference,
        status=transaction.status.value,
        finished=_FINISHED_TEXT.get(transaction.status),
        action=f"{PREFIX}/pay/{transaction.transaction_id}",
        banks=BANKS,
        pending=PENDING,
        cancel=CANCEL,
    )
    return HTMLResponse(html, status_code=status_code, headers=_headers(transaction))


@router.get("/pay/{transaction_id}")
async def show(request: Request, transaction_id: str) -> HTMLResponse:
    """The payment page: amount, reference and the buttons (none once ok or fail)."""
    psp = get_psp(request)
    transaction = psp.store.get(transaction_id)
    if transaction is None:
        return _error(psp, "Maksua ei löydy.", 404)
    return _page(psp, transaction)


@router.post("/pay/{transaction_id}", response_model=None)
async def choose(request: Request, transaction_id: str) -> Response:
    """The payer pressed a button: change the state and redirect to the merchant."""
    psp = get_psp(request)
    transaction = psp.store.get(transaction_id)
    if transaction is None:
        return _error(psp, "Maksua ei löydy.", 404)
    if transaction.status in FINAL_STATUSES:
        return _page(psp, transaction, status_code=409)
    form = await request.form()
    provider, outcome = form.get("provider"), form.get("outcome")
    if provider not in KNOWN_IDS or outcome not in _OUTCOMES:
        return _error(psp, "Tuntematon maksutapa.", 400)
    try:
        location = complete_payment(psp, transaction, Outcome(str(outcome)), str(provider))
    except PaymentFinished:
        return _page(psp, transaction, status_code=409)
    return RedirectResponse(location, status_code=303, headers=_NO_STORE)


@router.get("/assets/psp.css")
async def stylesheet() -> Response:
    """The page's stylesheet: the identity broker's look plus a few page rules."""
    return Response(
        STYLESHEET + _PAGE_STYLES, media_type="text/css", headers={"Cache-Control": "max-age=3600"}
    )


_ICON_NAMES = {provider.id: provider.name for provider in ALL}


@router.get("/providers/{provider_id}.svg")
async def icon(provider_id: str) -> Response:
    """A plain text badge standing in for a bank logo (``providers[].icon``)."""
    name = _ICON_NAMES.get(provider_id)
    if name is None:
        return Response(status_code=404)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48" viewBox="0 0 160 48">'
        '<rect width="160" height="48" rx="6" fill="#00509e"/>'
        '<text x="80" y="30" font-family="sans-serif" font-size="16" fill="#ffffff" '
        f'text-anchor="middle">{escape(name)}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
