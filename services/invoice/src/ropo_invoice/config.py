"""Configuration of the invoice service: the one module that reads the environment.

Variables (prefix ``ROPO_INVOICE_``; see ``ropo_platform.config`` for the shared ones
such as ``ROPO_ENV``, ``LOG_LEVEL``, ``LOG_FORMAT``, ``NATS_URL``):

- ``ROPO_INVOICE_GRPC_PORT`` (50051), ``ROPO_INVOICE_METRICS_PORT`` (9101; the
  worker uses ``ROPO_INVOICE_WORKER_METRICS_PORT``, 9111; "off" disables either);
- ``ROPO_INVOICE_DATABASE_URL`` (``sqlite+aiosqlite:///var/invoice.db``);
- ``ROPO_INVOICE_PERSON_KEY_SECRET``: pseudonym secret shared with authorization and
  the gateway (documented development default outside production);
- ``ROPO_INVOICE_HETU_ENCRYPTION_KEY``: base64 of 32 bytes, the AES-256-GCM key of
  stored henkilötunnus values. The development default below is public and is
  refused when ``ROPO_ENV=production``;
- ``ROPO_INVOICE_HETU_DECRYPTION_KEYS``: comma-separated base64 keys that still open
  stored values but never seal new ones (key rotation; see
  ``ropo_platform.national_id_keys`` and ``python -m ropo_invoice reencrypt-national-ids``);
- ``ROPO_INVOICE_FINVOICE_MAX_BYTES``: largest accepted Finvoice message;
- ``ROPO_INVOICE_FINVOICE_XSD_DIR``: folder with ``Finvoice3.0.xsd`` and
  ``Finvoice2.01.xsd`` (``Finvoice1.3.xsd`` used when present). When set, every
  imported message is validated against the schema of its ``Version`` first
  (compiled once at startup); unset (the default), only the parser's own checks
  apply;
- ``ROPO_INVOICE_ORIGINAL_DOCUMENT_MAX_BYTES``: largest original invoice PDF kept with
  an import (10 MiB);
- ``ROPO_INVOICE_COLLECTION_INTERVAL``: seconds between the worker's collection runs
  (penalty interest and letters for overdue invoices; 3600);
- ``ROPO_INVOICE_REFERENCE_RATES_FILE``: a CSV (``period_start,rate_percent``) whose
  half-years add to or replace the packaged reference-rate table;
- ``ROPO_INVOICE_LOOKUP_MIN_DURATION``: seconds every *Hae lasku* answer takes at
  least (0.2), so that timing does not tell which detail was wrong;
- ``ROPO_INVOICE_MIGRATIONS_DIR``: Alembic scripts, when not next to the source tree;
- ``ROPO_INVOICE_SMTP_HOST`` / ``_SMTP_PORT`` (25): the mail server of e-mail
  notifications; empty host (the default): nothing is sent, e-mails wait in the outbox;
  ``_SMTP_FROM`` the sender, ``_SMTP_USERNAME`` / ``_SMTP_PASSWORD`` a login when set,
  ``_SMTP_STARTTLS`` (false) upgrade the connection with STARTTLS;
- ``ROPO_INVOICE_EMAIL_INTERVAL``: seconds between the worker's e-mail rounds (5);
- ``ROPO_INVOICE_PORTAL_URL``: the MyRopo address e-mails link to
  (``http://127.0.0.1:8080``, the local gateway);
- ``ROPO_INVOICE_NOTIFY_DAYS_BEFORE``: days before a due date or plan instalment that
  a consenting person gets an e-mail (3).
"""

from __future__ import annotations

import base64
from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import (
    AES_KEY_BYTES,
    ServiceSettings,
    aes_key_bytes,
    load_settings,
    validated_aes_key,
)
from ropo_platform.national_id_keys import (
    NationalIdKeyRing,
    decode_key_list,
    key_ring,
    validated_decryption_keys,
)

# Public development key (base64 of 32 bytes): `make up` works without setup, and data
# encrypted with it is demo data only. Production must set its own key.
DEV_HETU_ENCRYPTION_KEY = base64.b64encode(b"ropo-invoice-dev-hetu-key-32byte").decode()
HETU_KEY_BYTES = AES_KEY_BYTES


class InvoiceSettings(ServiceSettings):
    """Settings of ``python -m ropo_invoice serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_INVOICE_")

    service_name: str = "invoice"
    grpc_port: int = 50051
    metrics_port: int | None = 9101
    worker_metrics_port: int | None = 9111
    database_url: str = "sqlite+aiosqlite:///var/invoice.db"
    hetu_encryption_key: SecretStr = SecretStr(DEV_HETU_ENCRYPTION_KEY)
    hetu_decryption_keys: SecretStr = SecretStr("")
    finvoice_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    finvoice_xsd_dir: Path | None = None
    original_document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    lookup_min_duration: float = Field(default=0.2, ge=0.0, le=5.0)
    collection_interval: float = Field(default=3600.0, ge=1.0, le=86400.0)
    reference_rates_file: Path | None = None
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "MyRopo <no-reply@myropo.invalid>"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    email_interval: float = Field(default=5.0, ge=0.1, le=3600.0)
    portal_url: str = "http://127.0.0.1:8080"
    notify_days_before: int = Field(default=3, ge=0, le=60)

    @field_validator("finvoice_xsd_dir")
    @classmethod
    def _existing_folder(cls, value: Path | None) -> Path | None:
        # Fail at startup, not on the first import.
        if value is not None and not value.is_dir():
            raise ValueError("must be an existing folder with the Finvoice XSD files")
        return value

    @field_validator("portal_url")
    @classmethod
    def _portal_address(cls, value: str) -> str:
        # E-mails append paths to it ("/viestit"): no trailing slash, an absolute URL.
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("hetu_encryption_key")
    @classmethod
    def _valid_key(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        return validated_aes_key(value, info.data.get("environment"), DEV_HETU_ENCRYPTION_KEY)

    @property
    def hetu_encryption_key_bytes(self) -> bytes:
        """The AES-256 key."""
        return aes_key_bytes(self.hetu_encryption_key)

    @field_validator("hetu_decryption_keys")
    @classmethod
    def _valid_decryption_keys(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        return validated_decryption_keys(
            value, info.data.get("environment"), DEV_HETU_ENCRYPTION_KEY
        )

    @property
    def hetu_key_ring(self) -> NationalIdKeyRing:
        """The current key (seals) and the decryption-only keys (open old values)."""
        return key_ring(
            self.hetu_encryption_key_bytes,
            decode_key_list(self.hetu_decryption_keys.get_secret_value()),
        )


def load_invoice_settings() -> InvoiceSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(InvoiceSettings)
