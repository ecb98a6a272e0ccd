"""The staff login's long-lived parts: its OIDC client and its session manager.

Built once per process by ``runtime.build_runtime``. The staff client talks to the
same issuer as the customers' client (over the same HTTP client) but is registered
separately (``ropo-one``), with its own redirect URI and accepted ``acr`` values, so
a customer's ID token is never accepted as a staff login (audience) and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from ropo_platform.db import Database

from ropo_gateway.auth.oidc import OidcClient, OidcConfig
from ropo_gateway.auth.sessions import Clock, SessionPolicy, utc_now
from ropo_gateway.auth.staff_sessions import StaffSessionManager
from ropo_gateway.config import GatewaySettings
from ropo_gateway.storage.staff_session_store import SqlStaffSessionStore


@dataclass(frozen=True, slots=True)
class StaffAuth:
    """What the Ropo One login and its pages need besides the shared runtime."""

    oidc: OidcClient
    sessions: StaffSessionManager


def staff_oidc_config(settings: GatewaySettings) -> OidcConfig:
    """The ``ropo-one`` relying party: same issuer and validation rules, own client."""
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.staff_oidc_client_id,
        client_secret=settings.staff_oidc_client_secret.get_secret_value(),
        redirect_uri=settings.staff_redirect_uri,
        scopes=settings.oidc_scopes,
        acr_values=tuple(settings.staff_oidc_acr_values),
        algorithms=tuple(settings.oidc_signing_algorithms),
        token_auth_method=settings.oidc_token_auth_method,
        leeway_seconds=settings.oidc_clock_leeway_seconds,
        max_token_age_seconds=settings.oidc_max_token_age_seconds,
        metadata_ttl=timedelta(seconds=settings.oidc_metadata_ttl_seconds),
    )


def staff_session_policy(settings: GatewaySettings) -> SessionPolicy:
    """Idle and absolute timeouts of staff sessions."""
    return SessionPolicy(
        idle_timeout=timedelta(seconds=settings.staff_session_idle_timeout_seconds),
        absolute_timeout=timedelta(seconds=settings.staff_session_absolute_timeout_seconds),
        login_flow_timeout=timedelta(seconds=settings.login_flow_timeout_seconds),
    )


def build_staff_auth(
    settings: GatewaySettings,
    http: httpx.AsyncClient,
    database: Database,
    clock: Clock = utc_now,
) -> StaffAuth:
    """Wire the staff OIDC client and session manager (no I/O until the first request)."""
    return StaffAuth(
        oidc=OidcClient(http, staff_oidc_config(settings), clock),
        sessions=StaffSessionManager(
            SqlStaffSessionStore(database), staff_session_policy(settings), clock
        ),
    )
