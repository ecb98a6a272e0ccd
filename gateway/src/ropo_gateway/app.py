"""The FastAPI application: routers, middleware, error handling, lifespan.

Router layout (prefixes are part of the contract with the ingress):

- ``/``, ``/login``, ``/auth/callback``, ``/logout``, ``/logged-out`` — MyRopo pages and login
- ``/laskut/{id}``, ``/laskut/{id}/lasku.pdf``, ``/hae-lasku`` — MyRopo pages
- ``/tilinumero``, ``/tilinumero/{id}/{tili,vahvista,valmis}`` — *Ilmoita tilinumero*
  (``myropo.refund_routes``)
- ``/viestit``, ``/viestit/{invoice_id}/{letter_id}[.pdf]``, ``/asetukset/sahkoiset-kirjeet``,
  ``/saldotodistus[.pdf]``, ``/laskut/{id}/maksuvalvontakirje.pdf`` — *Viestikeskus*, the
  consent to electronic letters, the balance certificate (``myropo.messages_routes``)
- ``/laskut/{id}/reklamaatio`` — *Tee reklamaatio* (``myropo.dispute_routes``; the only
  page with a larger body cap, for its files)
- ``/chat``, ``/chat/{id}``, ``/chat/{id}/events`` (Server-Sent Events), ``/chat/{id}/sulje``
  — *Avaa Chat* (``myropo.chat_routes``)
- ``/laskut/{id}/maksa`` (POST), ``/laskut/maksa`` — *Maksa* through the PSP
- ``/maksu/paluu`` (the browser back from the PSP), ``/maksu/callback`` (the PSP's server
  calls; no session) — ``myropo.payment_routes``
- ``/kieli/{fi|sv|en}`` — the language switch of every page
- ``/api/myropo/v1/...`` — MyRopo JSON API (AIP-193 errors), described at ``/api/openapi.json``
- ``/ropo-one/...`` and ``/api/ropo-one/v1/...`` — the Ropo One staff console (``ropo_one``)
- ``/static/...`` — CSS and the chat page's script
- ``/healthz``, ``/readyz``, ``/metrics`` — operations
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Final
from urllib.parse import urlsplit

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from ropo_platform.logging import get_logger
from ropo_platform.telemetry import instrument_sqlalchemy
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from ropo_gateway import __version__, ropo_one
from ropo_gateway.auth.routes import router as auth_router
from ropo_gateway.auth.sessions import Clock, utc_now
from ropo_gateway.config import GatewaySettings
from ropo_gateway.errors import ApiError, UpstreamError, error_body
from ropo_gateway.myropo.api import api as myropo_api
from ropo_gateway.myropo.chat_routes import router as chat_router
from ropo_gateway.myropo.dispute_api import api as dispute_api
from ropo_gateway.myropo.dispute_routes import UPLOAD_BODY_LIMITS, render_too_large_page
from ropo_gateway.myropo.dispute_routes import router as dispute_router
from ropo_gateway.myropo.messages_api import api as messages_api
from ropo_gateway.myropo.messages_routes import router as messages_router
from ropo_gateway.myropo.messages_routes import unread_letters_badge
from ropo_gateway.myropo.payment_routes import router as payment_router
from ropo_gateway.myropo.payment_time_api import api as payment_time_api
from ropo_gateway.myropo.payment_time_routes import router as payment_time_router
from ropo_gateway.myropo.refund_api import api as refund_api
from ropo_gateway.myropo.refund_routes import router as refund_router
from ropo_gateway.myropo.routes import router as myropo_router
from ropo_gateway.runtime import Runtime, build_runtime
from ropo_gateway.web import language, ops
from ropo_gateway.web.middleware import GatewayMiddleware, security_headers
from ropo_gateway.web.pages import STATIC_DIR, render_error

API_PREFIX: Final = "/api/"
API_DESCRIPTION: Final = (
    "JSON API of the MyRopo customer channel. Authentication is the page session "
    "(the `ropo_session` cookie set by the login). Errors follow AIP-193: "
    '`{"error": {"code", "status", "message", "details"}}` with an `ErrorInfo` reason. '
    "Amounts are exact decimal strings with their currency."
)
MAX_BODY_BYTES: Final = 1024 * 1024
PURGE_INTERVAL_SECONDS: Final = 300.0

_log = get_logger("ropo_gateway.app")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _phrase(status: int) -> str:
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "Error."


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _purge_periodically(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
        try:
            removed = await runtime.sessions.purge_expired()
            if removed:
                _log.info("sessions_purged", removed=removed)
            attempts = await runtime.lookup_limiter.purge()
            if attempts:
                _log.info("lookup_attempts_purged", removed=attempts)
            staff = await runtime.staff.sessions.purge_expired()
            if staff:
                _log.info("staff_sessions_purged", removed=staff)
        except Exception:  # housekeeping must never stop: log and try again later
            _log.exception("session_purge_failed")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        if _wants_json(request):
            return JSONResponse(
                error.to_json(), status_code=error.http_status, headers=error.headers
            )
        response = render_error(
            request, error.page, error.http_status, offer_login=error.page == "login"
        )
        response.headers.update(error.headers)
        return response

    @app.exception_handler(UpstreamError)
    async def upstream_error(request: Request, error: UpstreamError) -> Response:
        _log.warning(
            "upstream_error",
            peer=error.peer,
            code=error.rpc_error.code.name,
            reason=error.rpc_error.reason,
        )
        if _wants_json(request):
            return JSONResponse(
                error.to_json(), status_code=error.http_status, headers=error.headers
            )
        response = render_error(request, error.page, error.http_status)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        status = error.status_code
        if _wants_json(request):
            body = error_body(status, _phrase(status), reason=f"HTTP_{status}")
            return JSONResponse(body, status_code=status, headers=error.headers)
        page = "not_found" if status == 404 else "bad_request"
        return render_error(request, page, status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        if _wants_json(request):
            violations = [
                {
                    "field": ".".join(str(part) for part in item["loc"][1:]),
                    "description": str(item["msg"]),
                }
                for item in error.errors()
            ]
            body = error_body(
                400,
                "Invalid request.",
                reason="INVALID_REQUEST",
                extra_details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": violations,
                    }
                ],
            )
            return JSONResponse(body, status_code=400)
        return render_error(request, "bad_request", 400)


def create_app(
    settings: GatewaySettings,
    *,
    runtime: Runtime | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Build the app; the runtime (DB, channels, HTTP client) is created at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or build_runtime(settings, http_transport=http_transport, clock=clock)
        instrument_sqlalchemy(rt.database.engine)
        app.state.runtime = rt
        purger = asyncio.create_task(_purge_periodically(rt), name="session-purge")
        try:
            yield
        finally:
            purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purger
            await rt.close()

    app = FastAPI(
        title="MyRopo gateway",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        # FastAPI's built-in OpenTelemetry would record query strings (authorization codes
        # and state on /auth/callback) and exception messages with request values, and it
        # starts its own root span beside ours. GatewayMiddleware traces every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # The header's *Viestikeskus (n)* on every MyRopo page (a no-op for other requests).
        dependencies=[Depends(unread_letters_badge)],
    )
    _install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(auth_router)
    app.include_router(language.router)
    app.include_router(myropo_router)
    app.include_router(payment_router)
    app.include_router(payment_time_router)
    app.include_router(refund_router)
    app.include_router(chat_router)
    app.include_router(messages_router)
    app.include_router(dispute_router)
    app.include_router(myropo_api)
    app.include_router(payment_time_api)
    app.include_router(refund_api)
    app.include_router(messages_api)
    app.include_router(dispute_api)
    app.include_router(ropo_one.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(
        GatewayMiddleware,
        headers=security_headers(
            # The identity broker (login) and the PSP's payment page (*Maksa*).
            form_targets=[_origin(settings.oidc_issuer), settings.psp_page_origin],
            hsts=settings.public_url.startswith("https://"),
        ),
        max_body_bytes=MAX_BODY_BYTES,
        body_limits=UPLOAD_BODY_LIMITS,
        too_large_page=render_too_large_page,
    )
    return app
