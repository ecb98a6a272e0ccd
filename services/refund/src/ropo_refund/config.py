"""Configuration of the refund service: the one module that reads the environment.

Variables (prefix ``ROPO_REFUND_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_REFUND_GRPC_PORT`` (50054), ``ROPO_REFUND_METRICS_PORT`` (9104; the worker
  uses ``ROPO_REFUND_WORKER_METRICS_PORT``, 9114; "off" disables either);
- ``ROPO_REFUND_DATABASE_URL`` (``sqlite+aiosqlite:///var/refund.db``);
- ``ROPO_REFUND_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_REFUND_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree;
- ``ROPO_REFUND_PAYOUT_DEBTOR_NAME`` / ``…_IBAN`` / ``…_BIC``: Ropo's own account the
  refunds are paid from (``Ropo Capital Oy``, ``FI4250001510000023``, the BIC derived
  from a Finnish IBAN when empty). A bad IBAN or BIC stops the service at start;
- ``ROPO_REFUND_PAYOUT_XSD_PATH``: a pain.001.001.09 XSD every payout file is checked
  against as well (the bundled copy always is); empty for none;
- ``ROPO_REFUND_FEE_OVERPAYMENT`` (5.00), ``…_FEE_UNCLEAR_PAYMENT`` (5.00),
  ``…_FEE_CREDIT_NOTE`` (0.00): handling fees in euros, capped at half the refund;
- ``ROPO_REFUND_VERIFICATION_TTL_SECONDS``: how long a verified case number and MyRopo
  ID let the person continue the wizard (3600);
- ``ROPO_REFUND_PORTAL_URL``: the MyRopo address printed on letters
  (``http://localhost:8080``);
- ``ROPO_REFUND_RELAY_POLL_SECONDS``: how often the worker's outbox relay looks for
  events the ``serve`` process committed (0.05).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings
from schwifty import BIC, exceptions

from ropo_refund.domain.accounts import check_iban


class RefundSettings(ServiceSettings):
    """Settings of ``python -m ropo_refund serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_REFUND_")

    service_name: str = "refund"
    grpc_port: int = 50054
    metrics_port: int | None = 9104
    worker_metrics_port: int | None = 9114
    database_url: str = "sqlite+aiosqlite:///var/refund.db"
    payout_debtor_name: str = Field(default="Ropo Capital Oy", min_length=1, max_length=70)
    payout_debtor_iban: str = "FI4250001510000023"
    payout_debtor_bic: str = ""
    payout_xsd_path: str = ""
    fee_overpayment: Decimal = Field(default=Decimal("5.00"), ge=0, decimal_places=2)
    fee_unclear_payment: Decimal = Field(default=Decimal("5.00"), ge=0, decimal_places=2)
    fee_credit_note: Decimal = Field(default=Decimal("0.00"), ge=0, decimal_places=2)
    verification_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    portal_url: str = "http://localhost:8080"
    relay_poll_seconds: float = Field(default=0.05, ge=0.01, le=10)

    @field_validator("payout_debtor_iban")
    @classmethod
    def _valid_debtor_iban(cls, value: str) -> str:
        compact, problem, description = check_iban(value)
        if problem is not None:
            raise ValueError(f"is not a valid SEPA IBAN: {description}")
        return compact

    @field_validator("payout_debtor_bic")
    @classmethod
    def _valid_debtor_bic(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return str(BIC("".join(value.split()).upper()))
        except exceptions.SchwiftyException:
            raise ValueError("is not a valid BIC (8 or 11 letters and digits)") from None

    @field_validator("payout_xsd_path")
    @classmethod
    def _existing_xsd(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError("is not a file")
        return value

    @field_validator("portal_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def payout_xsd(self) -> Path | None:
        return Path(self.payout_xsd_path) if self.payout_xsd_path else None


def load_refund_settings() -> RefundSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(RefundSettings)
