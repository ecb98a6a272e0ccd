"""Alembic environment of the refund service (async engine via ropo_platform).

Run through ``python -m ropo_refund migrate``; no alembic.ini is needed.
"""

from ropo_platform.db.migrations import run_migrations_online
from ropo_refund.adapters.orm import metadata

run_migrations_online(target_metadata=metadata)
