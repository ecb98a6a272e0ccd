"""Configuration of the payment service: the one module that reads the environment.

Variables (prefix ``ROPO_PAYMENT_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_PAYMENT_GRPC_PORT`` (50052), ``ROPO_PAYMENT_METRICS_PORT`` (9102; the worker
  uses ``ROPO_PAYMENT_WORKER_METRICS_PORT``, 9112; "off" disables either);
- ``ROPO_PAYMENT_DATABASE_URL`` (``sqlite+aiosqlite:///var/payment.db``);
- ``ROPO_PAYMENT_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_PAYMENT_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings


class PaymentSettings(ServiceSettings):
    """Settings of ``python -m ropo_payment serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_PAYMENT_")

    service_name: str = "payment"
    grpc_port: int = 50052
    metrics_port: int | None = 9102
    worker_metrics_port: int | None = 9112
    database_url: str = "sqlite+aiosqlite:///var/payment.db"


def load_payment_settings() -> PaymentSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(PaymentSettings)
