"""The broker's wired state: one instance per app, reached via ``request.app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape

from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.idp.clients import ClientRegistry, OidcClient
from ropo_sandbox.idp.keys import SigningKey, generate_signing_key, load_signing_key
from ropo_sandbox.idp.store import Clock, GrantStore
from ropo_sandbox.idp.tokens import IdTokenIssuer
from ropo_sandbox.logs import Logger

BROWSER_COOKIE = "ropo_sandbox_idp_browser"


@dataclass
class Broker:
    """Everything the /idp endpoints need."""

    settings: SandboxSettings
    clients: ClientRegistry
    store: GrantStore
    signing_key: SigningKey
    id_tokens: IdTokenIssuer
    templates: Environment
    log: Logger

    @property
    def issuer(self) -> str:
        """The issuer identifier (``<public base URL>/idp``)."""
        return self.settings.issuer

    def url(self, path: str) -> str:
        """An absolute URL under the issuer, e.g. ``url("/token")``."""
        return f"{self.issuer}{path}"

    @property
    def subject_secret(self) -> bytes:
        """Key of the broker-scoped ``sub`` pseudonym."""
        return self.settings.subject_secret.get_secret_value().encode()


def build_broker(settings: SandboxSettings, clock: Clock, log: Logger) -> Broker:
    """Wire the broker from settings: clients (MyRopo and Ropo One), key, store and templates."""
    gateway = OidcClient(
        client_id=settings.gateway_client_id,
        client_secret=settings.gateway_client_secret.get_secret_value(),
        redirect_uris=settings.gateway_redirect_uris,
        display_name="MyRopo",
    )
    staff_console = OidcClient(
        client_id=settings.staff_client_id,
        client_secret=settings.staff_client_secret.get_secret_value(),
        redirect_uris=settings.staff_client_redirect_uris,
        display_name="Ropo One",
        users="staff",
    )
    key = (
        load_signing_key(settings.signing_key_file)
        if settings.signing_key_file is not None
        else generate_signing_key()
    )
    templates = Environment(
        loader=PackageLoader("ropo_sandbox", "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )
    return Broker(
        settings=settings,
        clients=ClientRegistry([gateway, staff_console]),
        store=GrantStore(clock),
        signing_key=key,
        id_tokens=IdTokenIssuer(settings.issuer, key, settings.token_ttl_seconds),
        templates=templates,
        log=log,
    )


def get_broker(request: Request) -> Broker:
    """The app's broker (set by ``create_app``)."""
    broker: Broker = request.app.state.broker
    return broker
