"""MyRopo first page (``GET /``) and its JSON twin (``GET /api/myropo/v1/invoices``).

Both build the same ``Dashboard``; the page renders it, the API serialises it.
Without a session the page is the landing page with *Kirjaudu sisään* and the
API answers 401.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ropo_gateway.errors import not_logged_in
from ropo_gateway.myropo.dashboard import Dashboard, load_dashboard
from ropo_gateway.runtime import Runtime
from ropo_gateway.web.cookies import clear_session_cookie
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token
from ropo_gateway.web.pages import render, translator_for

router = APIRouter()
api = APIRouter(prefix="/api/myropo/v1")


async def _dashboard(request: Request, runtime: Runtime, session: SessionDep) -> Dashboard:
    if session is None:
        raise not_logged_in()
    return await load_dashboard(
        session.identity,
        runtime.authorization,
        runtime.invoices,
        language=translator_for(request).language,
        limit=runtime.settings.dashboard_max_invoices,
    )


@router.get("/")
async def first_page(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    if session is None:
        response = render(request, "landing.html")
        if session_token(request, runtime):
            # An expired or unknown id: drop it so the browser stops sending it.
            clear_session_cookie(response, runtime.settings)
        return response
    dashboard = await _dashboard(request, runtime, session)
    return render(request, "dashboard.html", session=session, dashboard=dashboard)


@api.get("/invoices")
async def list_invoices(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """The person's invoices: ``invoices`` (open, *Laskut*) and ``archive`` (*Arkisto*)."""
    dashboard = await _dashboard(request, runtime, session)
    return dashboard.to_json()
