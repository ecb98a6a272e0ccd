"""The mailbox over HTTP: ``GET /mail`` (a page) and ``GET /mail/messages`` (JSON).

``GET /mail/messages?to=address`` returns only the messages to that address, newest
first; ``DELETE /mail/messages`` empties the mailbox. Development only, like the rest
of the sandbox.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ropo_sandbox.mail.mailbox import CapturedMail, Mailbox

router = APIRouter()


def get_mailbox(request: Request) -> Mailbox:
    """The app's mailbox (``app.state.mailbox``)."""
    mailbox: Mailbox = request.app.state.mailbox
    return mailbox


def _as_json(mail: CapturedMail) -> dict[str, object]:
    return {
        "id": mail.id,
        "received_at": mail.received_at.isoformat(),
        "from": mail.mail_from,
        "to": list(mail.recipients),
        "subject": mail.subject,
        "text": mail.text,
    }


@router.get("/messages")
async def list_messages(request: Request, to: str | None = None) -> JSONResponse:
    """The captured messages, newest first."""
    return JSONResponse({"messages": [_as_json(m) for m in get_mailbox(request).messages(to)]})


@router.delete("/messages")
async def clear_messages(request: Request) -> Response:
    """Forget every captured message."""
    get_mailbox(request).clear()
    return Response(status_code=204)


@router.get("", response_class=HTMLResponse)
async def mail_page(request: Request) -> HTMLResponse:
    """A plain page listing the captured messages."""
    rows = "".join(
        f"<article><h2>{escape(m.subject)}</h2><p>{escape(m.received_at.isoformat())} · "
        f"{escape(', '.join(m.recipients))}</p><pre>{escape(m.text)}</pre></article>"
        for m in get_mailbox(request).messages()
    )
    body = rows or "<p>No e-mail yet.</p>"
    return HTMLResponse(
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Sandbox mailbox</title>"
        f"<h1>Sandbox mailbox</h1>{body}</html>"
    )
