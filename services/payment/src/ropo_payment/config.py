"""Configuration of the payment service: the one module that reads the environment.

Variables (prefix ``ROPO_PAYMENT_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_PAYMENT_GRPC_PORT`` (50052), ``ROPO_PAYMENT_METRICS_PORT`` (9102; the worker
  uses ``ROPO_PAYMENT_WORKER_METRICS_PORT``, 9112; "off" disables either);
- ``ROPO_PAYMENT_DATABASE_URL`` (``sqlite+aiosqlite:///var/payment.db``);
- ``ROPO_PAYMENT_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_PAYMENT_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree;
- ``ROPO_PAYMENT_PSP_BASE_URL``: base URL of the PSP's payment API
  (``http://localhost:8090/psp``, the sandbox). The hosted payment page a PSP answer
  points to must be on this URL's scheme and host; any other page is refused;
- ``ROPO_PAYMENT_PSP_ACCOUNT`` (``375917``) and ``ROPO_PAYMENT_PSP_SECRET``
  (``SAIPPUAKAUPPIAS``): the merchant credentials. The defaults are Paytrail's public
  test merchant and are refused when ``ROPO_ENV=production``;
- ``ROPO_PAYMENT_PSP_ALGORITHM``: HMAC of our signed requests, ``sha256`` (default) or ``sha512``;
- ``ROPO_PAYMENT_PSP_TIMEOUT_SECONDS``: timeout of one PSP request (10);
- ``ROPO_PAYMENT_PSP_CALLBACK_URL``: where the PSP calls back, for both success and
  cancel (``http://localhost:8080/maksu/callback``, the gateway);
- ``ROPO_PAYMENT_PSP_CUSTOMER_EMAIL``: the e-mail sent to the PSP, which requires one; we
  do not hold the person's (``maksut@myropo.invalid``);
- ``ROPO_PAYMENT_CREATE_LEASE_SECONDS``: how long a CreatePayment call holds its
  ``request_id`` before a retry may take over (30; must exceed the PSP timeout, so a
  live call is never taken over);
- ``ROPO_PAYMENT_RECONCILE_INTERVAL_SECONDS``: seconds between the worker's reconciler
  rounds (30);
- ``ROPO_PAYMENT_RECONCILE_AFTER_SECONDS``: a pending payment unchanged this long is
  asked from the PSP (120);
- ``ROPO_PAYMENT_RECONCILE_MAX_AGE_SECONDS``: payments older than this are no longer
  asked about (7 days; an abandoned payment page never completes, and a late settlement
  report still settles a payment that did);
- ``ROPO_PAYMENT_RELAY_POLL_SECONDS``: how often the worker's outbox relay looks for
  events the ``serve`` process committed (0.05). Short on purpose: a payment's event is
  what turns the invoice *Maksettu MyRopossa*, and the poll is one indexed query.
"""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import Environment, ServiceSettings, load_settings

# Paytrail's public test merchant (docs/payments.md): `make up` works
# against the sandbox without setup; production must set its own.
DEV_PSP_ACCOUNT = "375917"
DEV_PSP_SECRET = "SAIPPUAKAUPPIAS"  # noqa: S105


class PaymentSettings(ServiceSettings):
    """Settings of ``python -m ropo_payment serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_PAYMENT_")

    service_name: str = "payment"
    grpc_port: int = 50052
    metrics_port: int | None = 9102
    worker_metrics_port: int | None = 9112
    database_url: str = "sqlite+aiosqlite:///var/payment.db"
    psp_base_url: str = "http://localhost:8090/psp"
    psp_account: str = DEV_PSP_ACCOUNT
    psp_secret: SecretStr = SecretStr(DEV_PSP_SECRET)
    psp_algorithm: Literal["sha256", "sha512"] = "sha256"
    psp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    psp_callback_url: str = "http://localhost:8080/maksu/callback"
    psp_customer_email: str = "maksut@myropo.invalid"
    create_lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    reconcile_interval_seconds: float = Field(default=30.0, ge=0.05, le=86400)
    reconcile_after_seconds: float = Field(default=120.0, ge=0, le=7 * 86400)
    reconcile_max_age_seconds: float = Field(default=7 * 86400, gt=0, le=90 * 86400)
    relay_poll_seconds: float = Field(default=0.05, ge=0.01, le=10)

    @field_validator("psp_base_url", "psp_callback_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("psp_account")
    @classmethod
    def _real_account_in_production(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            raise ValueError("is required")
        if info.data.get("environment") is Environment.PRODUCTION and value == DEV_PSP_ACCOUNT:
            raise ValueError("the public test merchant is not allowed when ROPO_ENV=production")
        return value

    @field_validator("psp_secret")
    @classmethod
    def _real_secret_in_production(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        secret = value.get_secret_value()
        if not secret:
            raise ValueError("is required")
        if info.data.get("environment") is Environment.PRODUCTION and secret == DEV_PSP_SECRET:
            raise ValueError("the development default is not allowed when ROPO_ENV=production")
        return value

    @model_validator(mode="after")
    def _lease_outlives_psp_call(self) -> Self:
        # A lease shorter than a PSP call would let a retry take over a call still running.
        if self.create_lease_seconds <= self.psp_timeout_seconds:
            raise ValueError("create_lease_seconds must exceed psp_timeout_seconds")
        return self

    @property
    def psp_origin(self) -> str:
        """Scheme and host of the PSP: the only place a hosted payment page may be."""
        parts = urlsplit(self.psp_base_url)
        return f"{parts.scheme}://{parts.netloc}"


def load_payment_settings() -> PaymentSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(PaymentSettings)
