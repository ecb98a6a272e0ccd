"""Alembic environment of the invoice service (async engine via ropo_platform).

Run through ``python -m ropo_invoice migrate``; no alembic.ini is needed.
"""

from ropo_invoice.adapters.orm import metadata
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=metadata)
