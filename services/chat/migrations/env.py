"""Alembic environment of the chat service (async engine via ropo_platform).

Run through ``python -m ropo_chat migrate``; no alembic.ini is needed.
"""

from ropo_chat.adapters.orm import metadata
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=metadata)
