"""Configuration of the authorization service: the one module that reads the environment.

Variables (prefix ``ROPO_AUTHORIZATION_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_NATS_URL``, ``…_GRPC_HOST`` are described in
``ropo_platform.config``):

- ``ROPO_AUTHORIZATION_GRPC_PORT`` (50053), ``ROPO_AUTHORIZATION_METRICS_PORT`` (9103;
  the worker uses ``ROPO_AUTHORIZATION_WORKER_METRICS_PORT``, 9113; "off" disables);
- ``ROPO_AUTHORIZATION_DATABASE_URL`` (``sqlite+aiosqlite:///var/authorization.db``);
- ``ROPO_AUTHORIZATION_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_AUTHORIZATION_PERSON_KEY_SECRET``: the pseudonym secret shared with invoice and
  the gateway (issue 4 derives grantee keys with it); development default outside
  production only;
- ``ROPO_AUTHORIZATION_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings


class AuthorizationSettings(ServiceSettings):
    """Settings of ``python -m ropo_authorization serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_AUTHORIZATION_")

    service_name: str = "authorization"
    grpc_port: int = 50053
    metrics_port: int | None = 9103
    worker_metrics_port: int | None = 9113
    database_url: str = "sqlite+aiosqlite:///var/authorization.db"


def load_authorization_settings() -> AuthorizationSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(AuthorizationSettings)
