"""Gateway configuration: environment variables ``ROPO_GATEWAY_*`` (the one module that reads them).

Besides the fields below, ``ServiceSettings`` contributes ``ROPO_ENV``,
``ROPO_GATEWAY_LOG_LEVEL``, ``ROPO_GATEWAY_LOG_FORMAT``, ``ROPO_GATEWAY_PERSON_KEY_SECRET``
(same value as in invoice and authorization; dev default refused in production),
``ROPO_GATEWAY_DATABASE_URL`` (default ``sqlite+aiosqlite:///var/gateway.db``) and the
standard ``OTEL_*`` variables.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import Environment, ServiceSettings, load_settings

# Development default of the OIDC client secret; the sandbox identity broker
# accepts the same value when it runs in development (see tools/ropo_dev).
DEV_OIDC_CLIENT_SECRET = "myropo-gateway-dev-secret"  # noqa: S105

# FTN levels of assurance: "substantial" (loa2) and "high" (loa3) both suffice for MyRopo.
FTN_ACR_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2"
FTN_ACR_HIGH = "http://ftn.ficora.fi/2017/loa3"

TokenAuthMethod = Literal["client_secret_basic", "client_secret_post"]

# Ropo One staff login: development default of its client secret (the sandbox broker's
# ``ropo-one`` client accepts it) and the level the sandbox's workforce login asserts.
DEV_STAFF_OIDC_CLIENT_SECRET = "ropo-one-dev-secret"  # noqa: S105
SANDBOX_STAFF_ACR = "urn:ropo:sandbox:acr:staff-mfa"


class GatewaySettings(ServiceSettings):
    """Everything the gateway process needs; see the module docstring for inherited fields."""

    model_config = SettingsConfigDict(env_prefix="ROPO_GATEWAY_")

    service_name: str = "gateway"

    # --- HTTP listener and public address -------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    #: The URL browsers use to reach the gateway; the OIDC redirect URI is derived from it.
    public_url: str = "http://localhost:8080"
    #: False only for plain-http test clients: drops ``Secure`` and the ``__Host-`` prefix.
    cookie_secure: bool = True

    # --- OpenID Connect relying party -------------------------------------------------------
    oidc_issuer: str = "http://localhost:8090/idp"
    oidc_client_id: str = "myropo-gateway"
    oidc_client_secret: SecretStr = SecretStr(DEV_OIDC_CLIENT_SECRET)
    oidc_token_auth_method: TokenAuthMethod = "client_secret_basic"  # noqa: S105 - not a secret
    oidc_scopes: str = "openid profile"
    #: ``acr`` values accepted in the ID token (strong identification, at least substantial).
    oidc_acr_values: list[str] = Field(default_factory=lambda: [FTN_ACR_SUBSTANTIAL, FTN_ACR_HIGH])
    #: Signature algorithms accepted for ID tokens (never ``none`` or an HMAC).
    oidc_signing_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "PS256"])
    oidc_clock_leeway_seconds: int = Field(default=60, ge=0, le=300)
    #: An ID token issued longer ago than this is refused even if not yet expired.
    oidc_max_token_age_seconds: int = Field(default=600, gt=0)
    oidc_http_timeout_seconds: float = Field(default=5.0, gt=0)
    #: How long discovery metadata and the JWKS are cached.
    oidc_metadata_ttl_seconds: int = Field(default=3600, gt=0)

    # --- sessions ---------------------------------------------------------------------------
    session_idle_timeout_seconds: int = Field(default=15 * 60, gt=0)
    session_absolute_timeout_seconds: int = Field(default=8 * 60 * 60, gt=0)
    #: Lifetime of the pre-login record (state, nonce, PKCE verifier).
    login_flow_timeout_seconds: int = Field(default=10 * 60, gt=0)

    # --- gRPC peers -------------------------------------------------------------------------
    invoice_addr: str = "127.0.0.1:50051"
    payment_addr: str = "127.0.0.1:50052"
    authorization_addr: str = "127.0.0.1:50053"
    refund_addr: str = "127.0.0.1:50054"
    chat_addr: str = "127.0.0.1:50055"
    #: Deadline of every outgoing gRPC call.
    rpc_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    #: Upper bound on invoices listed on the first page (pagination loop guard).
    dashboard_max_invoices: int = Field(default=500, gt=0, le=5000)

    # --- MyRopo pages -----------------------------------------------------------------------
    #: Invoices per page of *Laskut* / *Arkisto* (and of the JSON list).
    myropo_page_size: int = Field(default=20, gt=0, le=200)
    #: *Hae lasku* attempts a person may make within ``lookup_window_seconds``.
    lookup_max_attempts: int = Field(default=10, gt=0, le=1000)
    lookup_window_seconds: int = Field(default=15 * 60, gt=0, le=24 * 60 * 60)

    # --- Avaa Chat for visitors (no login) ------------------------------------------------
    #: How long a visitor's pass (the signed ``ropo_visitor`` cookie) is honoured.
    chat_visitor_lifetime_seconds: int = Field(default=8 * 60 * 60, gt=0, le=7 * 24 * 60 * 60)
    #: Conversations visitors from one client address may start within
    #: ``lookup_window_seconds`` (the same window: both counts share one table and its purge).
    chat_visitor_starts_per_address: int = Field(default=20, gt=0, le=10_000)

    # --- Ropo One (staff console): a second OIDC client at the same issuer ---------------------
    staff_oidc_client_id: str = Field(default="ropo-one", min_length=1)
    staff_oidc_client_secret: SecretStr = SecretStr(DEV_STAFF_OIDC_CLIENT_SECRET)
    #: ``acr`` values accepted in a staff ID token (the workforce login's multi-factor level).
    staff_oidc_acr_values: list[str] = Field(
        default_factory=lambda: [SANDBOX_STAFF_ACR], min_length=1
    )
    staff_session_idle_timeout_seconds: int = Field(default=30 * 60, gt=0)
    staff_session_absolute_timeout_seconds: int = Field(default=10 * 60 * 60, gt=0)
    #: Rows per page of the Ropo One search (page and JSON default).
    staff_search_page_size: int = Field(default=25, gt=0, le=200)

    # --- payments through the PSP -------------------------------------------------------------
    #: Origin of the PSP's hosted payment page (``https://pay.example``): *Maksa* answers a form
    #: POST with a redirect there, which CSP ``form-action`` must allow. Empty: the OIDC
    #: issuer's origin (the sandbox hosts both the identity broker and the PSP in development).
    psp_page_origin: str = ""

    #: Alembic scripts of the gateway database; empty = gateway/migrations beside the sources.
    migrations_dir: str = ""

    @field_validator("public_url", "oidc_issuer")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("psp_page_origin")
    @classmethod
    def _origin_or_empty(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) origin or empty")
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("oidc_signing_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        # HS* would let anyone holding the client secret (or a public key used as
        # an HMAC key) mint tokens; "none" needs no comment.
        bad = [alg for alg in value if alg.lower() == "none" or alg.upper().startswith("HS")]
        if bad or not value:
            raise ValueError("only asymmetric signature algorithms are allowed")
        return value

    @field_validator("oidc_client_secret")
    @classmethod
    def _client_secret_fit(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if (
            info.data.get("environment") is Environment.PRODUCTION
            and value.get_secret_value() == DEV_OIDC_CLIENT_SECRET
        ):
            raise ValueError("the development default is not allowed when ROPO_ENV=production")
        return value

    @field_validator("staff_oidc_client_secret")
    @classmethod
    def _staff_client_secret_fit(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if (
            info.data.get("environment") is Environment.PRODUCTION
            and value.get_secret_value() == DEV_STAFF_OIDC_CLIENT_SECRET
        ):
            raise ValueError("the development default is not allowed when ROPO_ENV=production")
        return value

    @field_validator("cookie_secure")
    @classmethod
    def _secure_in_production(cls, value: bool, info: ValidationInfo) -> bool:
        if info.data.get("environment") is Environment.PRODUCTION and not value:
            raise ValueError("must be true when ROPO_ENV=production")
        return value

    @property
    def redirect_uri(self) -> str:
        """Where the identity broker sends the browser back (registered with the broker)."""
        return f"{self.public_url}/auth/callback"

    @property
    def staff_redirect_uri(self) -> str:
        """Ropo One's callback at the broker (the ``ropo-one`` client's registered URI)."""
        return f"{self.public_url}/ropo-one/auth/callback"

    @property
    def payment_return_url(self) -> str:
        """Where the PSP sends the browser back after paying or cancelling (``/maksu/paluu``)."""
        return f"{self.public_url}/maksu/paluu"

    @property
    def session_cookie_name(self) -> str:
        """``__Host-`` prefixed when secure: browsers then refuse Domain and non-/ Path."""
        return "__Host-ropo_session" if self.cookie_secure else "ropo_session"

    @property
    def login_cookie_name(self) -> str:
        """Cookie that binds the pre-login record to the browser that started the login."""
        return "__Host-ropo_login" if self.cookie_secure else "ropo_login"


def get_settings() -> GatewaySettings:
    """Read the environment once; exits with readable lines on bad configuration."""
    return load_settings(GatewaySettings)
