"""The sandbox's ASGI application: ``create_app(settings)``."""

from __future__ import annotations

import time
from typing import TextIO

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.idp import authorize, metadata, token
from ropo_sandbox.idp.broker import build_broker
from ropo_sandbox.idp.store import Clock
from ropo_sandbox.logs import RequestLogMiddleware, make_logger


def create_app(
    settings: SandboxSettings | None = None,
    *,
    clock: Clock = time.time,
    log_stream: TextIO | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, a fake ``clock`` and a ``log_stream``."""
    settings = settings or SandboxSettings()
    log = make_logger(log_stream, settings.log_level)
    app = FastAPI(
        title="Ropo sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.broker = build_broker(settings, clock, log)
    for router in (metadata.router, authorize.router, token.router):
        app.include_router(router, prefix="/idp")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app.add_middleware(RequestLogMiddleware, logger=log)
    return app
