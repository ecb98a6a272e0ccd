"""Configuration of the sandbox process: environment variables ``ROPO_SANDBOX_*``.

| variable | default |
| --- | --- |
| ``ROPO_SANDBOX_HOST`` | ``127.0.0.1`` |
| ``ROPO_SANDBOX_PORT`` | ``8090`` |
| ``ROPO_SANDBOX_PUBLIC_BASE_URL`` | ``http://localhost:8090`` (issuer = this + ``/idp``); |
| (alias ``ROPO_SANDBOX_PUBLIC_URL``) | |
| ``ROPO_SANDBOX_GATEWAY_CLIENT_ID`` | ``myropo-gateway`` |
| ``ROPO_SANDBOX_GATEWAY_CLIENT_SECRET`` | ``DEV_GATEWAY_CLIENT_SECRET`` below |
| ``ROPO_SANDBOX_GATEWAY_REDIRECT_URIS`` | ``http://localhost:8080/auth/callback`` (comma list) |
| ``ROPO_SANDBOX_GATEWAY_PUBLIC_URL`` | unset; when set and the redirect URIs are not, |
| | the redirect URI is ``<this>/auth/callback`` |
| ``ROPO_SANDBOX_STAFF_CLIENT_ID`` | ``ropo-one`` (the gateway's Ropo One staff login) |
| ``ROPO_SANDBOX_STAFF_CLIENT_SECRET`` | ``DEV_STAFF_CLIENT_SECRET`` below |
| ``ROPO_SANDBOX_STAFF_REDIRECT_URIS`` | unset: each gateway redirect URI with |
| | ``/auth/callback`` replaced by ``/ropo-one/auth/callback`` (comma list) |
| ``ROPO_SANDBOX_SIGNING_KEY_FILE`` | unset: a fresh RSA key at every start |
| ``ROPO_SANDBOX_SUBJECT_SECRET`` | ``DEV_SUBJECT_SECRET`` below |
| ``ROPO_SANDBOX_CODE_TTL_SECONDS`` | ``60`` |
| ``ROPO_SANDBOX_TOKEN_TTL_SECONDS`` | ``600`` (ID and access token) |
| ``ROPO_SANDBOX_TRANSACTION_TTL_SECONDS`` | ``600`` (how long the login page stays usable) |
| ``ROPO_SANDBOX_LOG_LEVEL`` | ``INFO`` |
| ``ROPO_SANDBOX_PSP_ACCOUNT`` | ``375917`` (Paytrail's public test merchant) |
| ``ROPO_SANDBOX_PSP_SECRET`` | ``SAIPPUAKAUPPIAS`` (its public test secret) |
| ``ROPO_SANDBOX_PSP_CALLBACK_DELAY_SECONDS`` | ``0.0`` (used when a payment sets no |
| | ``callbackDelay``) |
| ``ROPO_SANDBOX_PSP_CALLBACK_DUPLICATES`` | ``1`` (deliveries of each callback, 1–20) |
| ``ROPO_SANDBOX_PSP_DROP_CALLBACKS`` | ``false`` (``true``: never call callbacks) |
| ``ROPO_SANDBOX_SMTP_PORT`` | unset: no mailbox server; a port: the SMTP server whose |
| | messages ``/mail`` shows (``make up`` uses 8025) |
| ``ROPO_SANDBOX_SMTP_HOST`` | ``127.0.0.1`` |
| ``ROPO_ENV`` | ``development``; ``production`` refuses to start |
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Documented development defaults. The sandbox never runs in production (see
# ``refuse_production``), so fixed, public values are acceptable here.
DEV_GATEWAY_CLIENT_SECRET = "myropo-gateway-dev-secret"  # noqa: S105
DEV_SUBJECT_SECRET = "ropo-sandbox-dev-subject-secret"  # noqa: S105
GATEWAY_CLIENT_ID = "myropo-gateway"
DEFAULT_GATEWAY_REDIRECT_URI = "http://localhost:8080/auth/callback"
DEV_STAFF_CLIENT_SECRET = "ropo-one-dev-secret"  # noqa: S105
STAFF_CLIENT_ID = "ropo-one"
CUSTOMER_CALLBACK_PATH = "/auth/callback"
STAFF_CALLBACK_PATH = "/ropo-one/auth/callback"
# Paytrail's published test merchant (docs/payments.md); the payment
# service uses the same defaults outside production.
DEV_PSP_ACCOUNT = "375917"
DEV_PSP_SECRET = "SAIPPUAKAUPPIAS"  # noqa: S105

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class SandboxSettings(BaseSettings):
    """Settings of ``python -m ropo_sandbox serve`` and of ``create_app``."""

    model_config = SettingsConfigDict(
        env_prefix="ROPO_SANDBOX_", extra="ignore", validate_default=True, populate_by_name=True
    )

    environment: str = Field(
        default="development", validation_alias=AliasChoices("ROPO_ENV", "environment")
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    public_base_url: str = Field(
        default="http://localhost:8090",
        validation_alias=AliasChoices(
            "ROPO_SANDBOX_PUBLIC_BASE_URL", "ROPO_SANDBOX_PUBLIC_URL", "public_base_url"
        ),
    )
    gateway_client_id: str = Field(default=GATEWAY_CLIENT_ID, min_length=1)
    gateway_client_secret: SecretStr = SecretStr(DEV_GATEWAY_CLIENT_SECRET)
    gateway_public_url: str | None = None
    # NoDecode: the variable is a plain comma list, not JSON.
    gateway_redirect_uris: Annotated[tuple[str, ...], NoDecode] = (DEFAULT_GATEWAY_REDIRECT_URI,)
    staff_client_id: str = Field(default=STAFF_CLIENT_ID, min_length=1)
    staff_client_secret: SecretStr = SecretStr(DEV_STAFF_CLIENT_SECRET)
    #: Empty: derived from the gateway's redirect URIs (see ``staff_client_redirect_uris``).
    staff_redirect_uris: Annotated[tuple[str, ...], NoDecode] = ()
    signing_key_file: Path | None = None
    subject_secret: SecretStr = SecretStr(DEV_SUBJECT_SECRET)
    code_ttl_seconds: int = Field(default=60, ge=1, le=600)
    token_ttl_seconds: int = Field(default=600, ge=1, le=86400)
    transaction_ttl_seconds: int = Field(default=600, ge=1, le=86400)
    log_level: LogLevel = "INFO"
    psp_account: str = Field(default=DEV_PSP_ACCOUNT, min_length=1)
    psp_secret: SecretStr = SecretStr(DEV_PSP_SECRET)
    psp_callback_delay_seconds: float = Field(default=0.0, ge=0.0, le=900.0)
    psp_callback_duplicates: int = Field(default=1, ge=1, le=20)
    psp_drop_callbacks: bool = False
    #: The mailbox's SMTP listener; ``None`` keeps it off (in-process tests build many apps).
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_host: str = "127.0.0.1"

    @field_validator("gateway_redirect_uris", mode="before")
    @classmethod
    def _split_uris(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("gateway_redirect_uris")
    @classmethod
    def _absolute_uris(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one redirect URI is required")
        for uri in value:
            if not uri.startswith(("http://", "https://")) or "#" in uri:
                raise ValueError(f"redirect URI must be absolute http(s) without fragment: {uri}")
        return value

    @field_validator("staff_redirect_uris", mode="before")
    @classmethod
    def _split_staff_uris(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("staff_redirect_uris")
    @classmethod
    def _absolute_staff_uris(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for uri in value:
            if not uri.startswith(("http://", "https://")) or "#" in uri:
                raise ValueError(f"redirect URI must be absolute http(s) without fragment: {uri}")
        return value

    @field_validator("public_base_url", "gateway_public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("URL must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _derive_redirect_uri(self) -> SandboxSettings:
        # The local runner knows the gateway's public URL; the gateway derives its
        # redirect URI from it the same way (<public URL>/auth/callback).
        if self.gateway_public_url and "gateway_redirect_uris" not in self.model_fields_set:
            self.gateway_redirect_uris = (f"{self.gateway_public_url}/auth/callback",)
        return self

    @field_validator("environment")
    @classmethod
    def _refuse_production(cls, value: str) -> str:
        # The broker hands out identities to anyone who clicks: it must never
        # stand in for real strong identification.
        if value.strip().lower() == "production":
            raise ValueError("the sandbox must not run with ROPO_ENV=production")
        return value

    @property
    def staff_client_redirect_uris(self) -> tuple[str, ...]:
        """Where the staff client may be sent back: the configured URIs, or the gateway's
        Ropo One callback beside each customer callback (the same gateway serves both)."""
        if self.staff_redirect_uris:
            return self.staff_redirect_uris
        return tuple(
            uri.removesuffix(CUSTOMER_CALLBACK_PATH) + STAFF_CALLBACK_PATH
            for uri in self.gateway_redirect_uris
            if uri.endswith(CUSTOMER_CALLBACK_PATH)
        )

    @property
    def issuer(self) -> str:
        """The OpenID Connect issuer identifier (``iss`` of every ID token)."""
        return f"{self.public_base_url}/idp"
