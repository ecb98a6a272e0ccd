"""Alembic environment of the payment service (async engine via ropo_platform).

Run through ``python -m ropo_payment migrate``; no alembic.ini is needed.
"""

from ropo_payment.adapters.orm import metadata
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=metadata)
