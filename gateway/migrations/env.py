"""Alembic environment of the gateway database (sessions, login flows)."""

from ropo_gateway.storage.tables import metadata
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=metadata)
