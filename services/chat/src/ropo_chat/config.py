"""Configuration of the chat service: the one module that reads the environment.

Variables (prefix ``ROPO_CHAT_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_CHAT_GRPC_PORT`` (50055), ``ROPO_CHAT_METRICS_PORT`` (9105; the worker
  uses ``ROPO_CHAT_WORKER_METRICS_PORT``, 9115; "off" disables either);
- ``ROPO_CHAT_DATABASE_URL`` (``sqlite+aiosqlite:///var/chat.db``);
- ``ROPO_CHAT_NATS_URL`` (``nats://127.0.0.1:14222``);
- ``ROPO_CHAT_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings


class ChatSettings(ServiceSettings):
    """Settings of ``python -m ropo_chat serve|worker|migrate``."""

    model_config = SettingsConfigDict(env_prefix="ROPO_CHAT_")

    service_name: str = "chat"
    grpc_port: int = 50055
    metrics_port: int | None = 9105
    worker_metrics_port: int | None = 9115
    database_url: str = "sqlite+aiosqlite:///var/chat.db"


def load_chat_settings() -> ChatSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(ChatSettings)
