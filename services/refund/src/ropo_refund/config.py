"""Configuration of the refund service: the one module that reads the environment.

Variables (prefix ``ROPO_REFUND_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_REFUND_GRPC_PORT`` (50054), ``ROPO_REFUND_METRICS_PORT`` (9104; the worker
  uses ``ROPO_REFUND_WORKER_METRICS_PORT``, 9114; "off" disables either);
- ``ROPO_REFUND_DATABASE_URL`` (``sqlite+aiosqlite:///var/refund.db``);
- ``ROPO_REFUND_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_REFUND_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings


class RefundSettings(ServiceSettings):
    """Settings of ``python -m ropo_refund serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_REFUND_")

    service_name: str = "refund"
    grpc_port: int = 50054
    metrics_port: int | None = 9104
    worker_metrics_port: int | None = 9114
    database_url: str = "sqlite+aiosqlite:///var/refund.db"


def load_refund_settings() -> RefundSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(RefundSettings)
