"""Alembic environment of the authorization service (async engine via ropo_platform).

Run through ``python -m ropo_authorization migrate``; no alembic.ini is needed.
"""

from ropo_authorization.adapters.orm import metadata
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=metadata)
