"""Configuration of the chat service: the one module that reads the environment.

Variables (prefix ``ROPO_CHAT_``; the shared ones such as ``ROPO_ENV``,
``…_LOG_LEVEL``, ``…_LOG_FORMAT``, ``…_GRPC_HOST`` are described in ``ropo_platform.config``):

- ``ROPO_CHAT_GRPC_PORT`` (50055), ``ROPO_CHAT_METRICS_PORT`` (9105; the worker
  uses ``ROPO_CHAT_WORKER_METRICS_PORT``, 9115; "off" disables either);
- ``ROPO_CHAT_DATABASE_URL`` (``sqlite+aiosqlite:///var/chat.db``);
- ``ROPO_CHAT_NATS_URL`` (``nats://127.0.0.1:14222``): the worker's relay publishes there,
  and ``serve`` listens there for the live delivery of WatchConversation;
- ``ROPO_CHAT_MIGRATIONS_DIR``: Alembic scripts, when not beside the source tree;
- ``ROPO_CHAT_INVOICE_ADDR`` (``127.0.0.1:50051``) and ``ROPO_CHAT_AUTHORIZATION_ADDR``
  (``127.0.0.1:50053``): where the bot's facts about a logged-in person come from;
- ``ROPO_CHAT_PEER_TIMEOUT_SECONDS`` (2.0): how long a message waits for those facts before
  the bot answers without them;
- ``ROPO_CHAT_RELAY_POLL_SECONDS`` (0.05): how often the worker's outbox relay looks for
  events the ``serve`` process committed;
- ``ROPO_CHAT_WATCH_HEARTBEAT_SECONDS`` (15): how often a watched conversation is re-read
  from the database although NATS is connected (a message lost on the way is still
  delivered);
- ``ROPO_CHAT_WATCH_POLL_SECONDS`` (1.0): how often it is re-read while NATS is unreachable.
"""

from __future__ import annotations

from pydantic import Field
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
    invoice_addr: str = Field(default="127.0.0.1:50051", min_length=1)
    authorization_addr: str = Field(default="127.0.0.1:50053", min_length=1)
    peer_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    relay_poll_seconds: float = Field(default=0.05, ge=0.01, le=10)
    watch_heartbeat_seconds: float = Field(default=15, gt=0, le=300)
    watch_poll_seconds: float = Field(default=1.0, gt=0, le=60)


def load_chat_settings() -> ChatSettings:
    """Settings from the environment; exits with one line per problem on bad config."""
    return load_settings(ChatSettings)
