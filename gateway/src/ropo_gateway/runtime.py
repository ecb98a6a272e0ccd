"""The gateway's long-lived parts, built once per process (the one place that wires them).

``Runtime`` holds the database, the session manager, the OIDC client with its
HTTP client, and one gRPC channel per peer. Tests build it with another HTTP
transport (a fake identity broker) or another clock; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Final

import grpc.aio
import httpx
from ropo_platform.db import Database

from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.auth.oidc import OidcClient, OidcConfig
from ropo_gateway.auth.sessions import Clock, SessionManager, SessionPolicy, utc_now
from ropo_gateway.auth.staff_wiring import StaffAuth, build_staff_auth
from ropo_gateway.clients.authorization import AuthorizationClient
from ropo_gateway.clients.base import open_channel
from ropo_gateway.clients.chat import ChatClient
from ropo_gateway.clients.invoices import InvoiceClient
from ropo_gateway.clients.payments import PaymentClient
from ropo_gateway.clients.refunds import RefundClient
from ropo_gateway.config import GatewaySettings
from ropo_gateway.myropo.rate_limit import LookupRateLimiter, RateLimit
from ropo_gateway.myropo.visitors import VisitorPasses
from ropo_gateway.storage.audit_store import SqlAuditLog
from ropo_gateway.storage.lookup_store import SqlAttemptStore
from ropo_gateway.storage.session_store import SqlSessionStore

# gateway/migrations beside the package sources (src/ropo_gateway → ../../migrations).
DEFAULT_MIGRATIONS_DIR: Final = Path(__file__).resolve().parents[2] / "migrations"

INVOICE_SERVICE: Final = "ropo.invoice.v1.InvoiceService"
AUTHORIZATION_SERVICE: Final = "ropo.authorization.v1.AuthorizationService"
PAYMENT_SERVICE: Final = "ropo.payment.v1.PaymentService"
REFUND_SERVICE: Final = "ropo.refund.v1.RefundService"
CHAT_SERVICE: Final = "ropo.chat.v1.ChatService"


def migrations_dir(settings: GatewaySettings) -> Path:
    """Where the Alembic scripts are (``ROPO_GATEWAY_MIGRATIONS_DIR`` or the source tree)."""
    return Path(settings.migrations_dir) if settings.migrations_dir else DEFAULT_MIGRATIONS_DIR


def oidc_config(settings: GatewaySettings) -> OidcConfig:
    """The relying-party configuration derived from the settings."""
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        redirect_uri=settings.redirect_uri,
        scopes=settings.oidc_scopes,
        acr_values=tuple(settings.oidc_acr_values),
        algorithms=tuple(settings.oidc_signing_algorithms),
        token_auth_method=settings.oidc_token_auth_method,
        leeway_seconds=settings.oidc_clock_leeway_seconds,
        max_token_age_seconds=settings.oidc_max_token_age_seconds,
        metadata_ttl=timedelta(seconds=settings.oidc_metadata_ttl_seconds),
    )


def lookup_rate_limit(settings: GatewaySettings) -> RateLimit:
    """*Hae lasku* attempts allowed per person and window."""
    return RateLimit(
        max_attempts=settings.lookup_max_attempts,
        window=timedelta(seconds=settings.lookup_window_seconds),
    )


def visitor_start_rate_limit(settings: GatewaySettings) -> RateLimit:
    """Conversations visitors may start per client address and window. The window is the
    lookup one: the attempts share the table, whose purge uses that window."""
    return RateLimit(
        max_attempts=settings.chat_visitor_starts_per_address,
        window=timedelta(seconds=settings.lookup_window_seconds),
    )


def session_policy(settings: GatewaySettings) -> SessionPolicy:
    return SessionPolicy(
        idle_timeout=timedelta(seconds=settings.session_idle_timeout_seconds),
        absolute_timeout=timedelta(seconds=settings.session_absolute_timeout_seconds),
        login_flow_timeout=timedelta(seconds=settings.login_flow_timeout_seconds),
    )


@dataclass
class Runtime:
    """Process-wide dependencies of the request handlers."""

    settings: GatewaySettings
    database: Database
    sessions: SessionManager
    http: httpx.AsyncClient
    oidc: OidcClient
    invoices: InvoiceClient
    authorization: AuthorizationClient
    #: Payments through the PSP (*Maksa*, the return and callback endpoints, Ropo One).
    payments: PaymentClient
    #: Refund cases and payouts (*Ilmoita tilinumero*, Ropo One's *Palautukset*).
    refunds: RefundClient
    #: Conversations with the bot and customer service (*Avaa Chat*, Ropo One's chat queue).
    chat: ChatClient
    #: *Hae lasku* attempts per person (the grants are kept by the authorization service).
    lookup_limiter: LookupRateLimiter
    #: *Avaa Chat* without a login: visitor passes and new conversations per client address.
    visitor_passes: VisitorPasses
    visitor_start_limiter: LookupRateLimiter
    #: Ropo One's staff login: its OIDC client and staff sessions.
    staff: StaffAuth
    #: The audit log of access to personal data (records are read back by tests and audits).
    audit_log: SqlAuditLog
    audit: AuditTrail
    #: Logical peer name → channel (also used by the readiness probe).
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    @property
    def person_key_secret(self) -> bytes:
        return self.settings.person_key_secret_bytes

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        await self.http.aclose()
        await self.database.dispose()


def build_runtime(
    settings: GatewaySettings,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
) -> Runtime:
    """Wire the real implementations (no I/O happens until the first request)."""
    database = Database(settings.database_url)
    http = httpx.AsyncClient(
        transport=http_transport,
        timeout=settings.oidc_http_timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": "ropo-gateway"},
    )
    timeout = settings.rpc_timeout_seconds
    audit_log = SqlAuditLog(database, clock)
    attempts = SqlAttemptStore(database)
    channels = {
        "invoice": open_channel(settings.invoice_addr, timeout),
        "authorization": open_channel(settings.authorization_addr, timeout),
        "payment": open_channel(settings.payment_addr, timeout),
        "refund": open_channel(settings.refund_addr, timeout),
        "chat": open_channel(settings.chat_addr, timeout),
    }
    return Runtime(
        settings=settings,
        database=database,
        sessions=SessionManager(SqlSessionStore(database), session_policy(settings), clock),
        http=http,
        oidc=OidcClient(http, oidc_config(settings), clock),
        invoices=InvoiceClient(channels["invoice"], timeout),
        authorization=AuthorizationClient(channels["authorization"], timeout),
        payments=PaymentClient(channels["payment"], timeout),
        refunds=RefundClient(channels["refund"], timeout),
        chat=ChatClient(channels["chat"], timeout),
        lookup_limiter=LookupRateLimiter(attempts, lookup_rate_limit(settings), clock),
        visitor_passes=VisitorPasses(
            settings.person_key_secret_bytes,
            timedelta(seconds=settings.chat_visitor_lifetime_seconds),
            clock,
        ),
        visitor_start_limiter=LookupRateLimiter(
            attempts, visitor_start_rate_limit(settings), clock
        ),
        staff=build_staff_auth(settings, http, database, clock),
        audit_log=audit_log,
        audit=AuditTrail(audit_log),
        channels=channels,
    )
