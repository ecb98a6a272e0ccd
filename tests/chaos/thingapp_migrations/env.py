"""Alembic environment of the test app: what a service's env.py looks like
(plus a sys.path entry, because the test app is a script, not an installed package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ropo_platform.db.migrations import run_migrations_online
from thingapp import metadata

run_migrations_online(target_metadata=metadata)
