"""The PSP's wired state: one instance per app, reached via ``request.app.state.psp``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape

from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.logs import Logger
from ropo_sandbox.psp.callbacks import CallbackSender
from ropo_sandbox.psp.settings import CallbackBehaviour
from ropo_sandbox.psp.store import Clock, PaymentStore

PREFIX = "/psp"


@dataclass
class Psp:
    """Everything the ``/psp`` endpoints need."""

    settings: SandboxSettings
    store: PaymentStore
    behaviour: CallbackBehaviour
    callbacks: CallbackSender
    templates: Environment
    log: Logger

    @property
    def account(self) -> str:
        """The one merchant id the sandbox knows."""
        return self.settings.psp_account

    @property
    def secret(self) -> str:
        """That merchant's signing secret."""
        return self.settings.psp_secret.get_secret_value()

    def url(self, path: str) -> str:
        """An absolute URL under ``<public base URL>/psp``."""
        return f"{self.settings.public_base_url}{PREFIX}{path}"

    def page_url(self, transaction_id: str) -> str:
        """The hosted payment page of a transaction (``href``)."""
        return self.url(f"/pay/{transaction_id}")


def build_psp(
    settings: SandboxSettings, clock: Clock, log: Logger, callbacks: CallbackSender | None = None
) -> Psp:
    """Wire the PSP from settings."""
    templates = Environment(
        loader=PackageLoader("ropo_sandbox", "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )
    return Psp(
        settings=settings,
        store=PaymentStore(clock),
        behaviour=CallbackBehaviour.from_settings(settings),
        callbacks=callbacks or CallbackSender(log),
        templates=templates,
        log=log,
    )


def get_psp(request: Request) -> Psp:
    """The app's PSP (set by ``create_app``)."""
    psp: Psp = request.app.state.psp
    return psp
