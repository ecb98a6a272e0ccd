"""The sandbox's ASGI application: ``create_app(settings)``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from ropo_sandbox.bank import api as bank_api
from ropo_sandbox.bank.state import PREFIX as BANK_PREFIX
from ropo_sandbox.bank.state import build_bank
from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.idp import authorize, metadata, token
from ropo_sandbox.idp.broker import build_broker
from ropo_sandbox.idp.store import Clock
from ropo_sandbox.logs import RequestLogMiddleware, make_logger
from ropo_sandbox.mail import api as mail_api
from ropo_sandbox.mail.mailbox import Mailbox, SmtpServer
from ropo_sandbox.psp import api as psp_api
from ropo_sandbox.psp import control as psp_control
from ropo_sandbox.psp import page as psp_page
from ropo_sandbox.psp.state import PREFIX as PSP_PREFIX
from ropo_sandbox.psp.state import build_psp


def create_app(
    settings: SandboxSettings | None = None,
    *,
    clock: Clock = time.time,
    log_stream: TextIO | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, a fake ``clock`` and a ``log_stream``."""
    settings = settings or SandboxSettings()
    log = make_logger(log_stream, settings.log_level)
    psp = build_psp(settings, clock, log)
    mailbox = Mailbox()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        smtp = None
        if settings.smtp_port is not None:
            smtp = SmtpServer(mailbox, settings.smtp_host, settings.smtp_port)
            smtp.start()
            log.info("mailbox_listening", host=settings.smtp_host, port=settings.smtp_port)
        try:
            yield
        finally:
            if smtp is not None:
                smtp.stop()
            # Pending PSP callbacks must not outlive the server.
            await psp.callbacks.aclose()

    app = FastAPI(
        title="Ropo sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.broker = build_broker(settings, clock, log)
    app.state.psp = psp
    for router in (metadata.router, authorize.router, token.router):
        app.include_router(router, prefix="/idp")
    for router in (psp_api.router, psp_page.router, psp_control.router):
        app.include_router(router, prefix=PSP_PREFIX)
    app.state.bank = build_bank(clock, log)
    app.include_router(bank_api.router, prefix=BANK_PREFIX)
    app.state.mailbox = mailbox
    app.include_router(mail_api.router, prefix="/mail")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app.add_middleware(RequestLogMiddleware, logger=log)
    return app
