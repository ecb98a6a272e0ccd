"""Persistence: async SQLAlchemy engines and sessions (SQLite or PostgreSQL by URL),
Alembic helpers, the messaging tables and idempotent request replay.

The transactional outbox, the relay and the inbox live in ``ropo_platform.messaging``.
"""

from ropo_platform.db.database import Database, DatabaseNotReady
from ropo_platform.db.engine import EngineOptions, create_engine, is_sqlite
from ropo_platform.db.migrations import (
    run_migrations_online,
    upgrade_to_head,
    upgrade_to_head_async,
)
from ropo_platform.db.schema import (
    MessagingTables,
    create_messaging_tables_v1,
    drop_messaging_tables_v1,
    make_metadata,
    messaging_tables,
)
from ropo_platform.db.types import UtcDateTime, utcnow

__all__ = [
    "Database",
    "DatabaseNotReady",
    "EngineOptions",
    "MessagingTables",
    "UtcDateTime",
    "create_engine",
    "create_messaging_tables_v1",
    "drop_messaging_tables_v1",
    "is_sqlite",
    "make_metadata",
    "messaging_tables",
    "run_migrations_online",
    "upgrade_to_head",
    "upgrade_to_head_async",
    "utcnow",
]
