"""Configuration of the authorization service: the one module that reads the environment.

Variables (prefix ``ROPO_AUTHORIZATION_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_NATS_URL``, ``…_GRPC_HOST`` are described in
``ropo_platform.config``):

- ``ROPO_AUTHORIZATION_GRPC_PORT`` (50053), ``ROPO_AUTHORIZATION_METRICS_PORT`` (9103;
  the worker uses ``ROPO_AUTHORIZATION_WORKER_METRICS_PORT``, 9113; "off" disables);
- ``ROPO_AUTHORIZATION_DATABASE_URL`` (``sqlite+aiosqlite:///var/authorization.db``);
- ``ROPO_AUTHORIZATION_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_AUTHORIZATION_PERSON_KEY_SECRET``: the pseudonym secret shared with invoice and
  the gateway (grantee keys are derived with it); development default outside
  production only;
- ``ROPO_AUTHORIZATION_HETU_ENCRYPTION_KEY``: base64 of 32 bytes, the AES-256-GCM key of
  the grantees' stored henkilötunnus values. The development default below is public
  and is refused when ``ROPO_ENV=production``;
- ``ROPO_AUTHORIZATION_HETU_DECRYPTION_KEYS``: comma-separated base64 keys that still open
  stored grantee codes but never seal new ones (key rotation; see
  ``ropo_platform.national_id_keys`` and
  ``python -m ropo_authorization reencrypt-national-ids``);
- ``ROPO_AUTHORIZATION_LOOKUP_GRANT_MINUTES``: how long a lookup grant (after a
  successful *Hae lasku*) lasts, and how far a repeated lookup extends it (15);
- ``ROPO_AUTHORIZATION_EXPIRY_SWEEP_INTERVAL``: seconds between the worker's sweeps
  that mark authorizations past their ``expire_date`` EXPIRED (60);
- ``ROPO_AUTHORIZATION_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree.
"""

from __future__ import annotations

import base64

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
# sealed with it is demo data only. Production must set its own key.
DEV_HETU_ENCRYPTION_KEY = base64.b64encode(b"ropo-authz-dev-hetu-key-32-bytes").decode()
HETU_KEY_BYTES = AES_KEY_BYTES


class AuthorizationSettings(ServiceSettings):
    """Settings of ``python -m ropo_authorization serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_AUTHORIZATION_")

    service_name: str = "authorization"
    grpc_port: int = 50053
    metrics_port: int | None = 9103
    worker_metrics_port: int | None = 9113
    database_url: str = "sqlite+aiosqlite:///var/authorization.db"
    hetu_encryption_key: SecretStr = SecretStr(DEV_HETU_ENCRYPTION_KEY)
    hetu_decryption_keys: SecretStr = SecretStr("")
    lookup_grant_minutes: int = Field(default=15, ge=1, le=24 * 60)
    expiry_sweep_interval: float = Field(default=60.0, ge=0.05, le=86400.0)

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


def load_authorization_settings() -> AuthorizationSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(AuthorizationSettings)
