"""Where the Alembic scripts are: ``services/authorization/migrations`` beside ``src``
(DESIGN §2); ``ROPO_AUTHORIZATION_MIGRATIONS_DIR`` wins (another layout, e.g. an image)."""

from __future__ import annotations

from pathlib import Path

from ropo_platform.db.migrations import MigrationsNotFound, locate_migrations

import ropo_authorization

__all__ = ["MigrationsNotFound", "migrations_dir"]


def migrations_dir(configured: str | Path | None = None) -> Path:
    """The folder with ``env.py`` and ``versions/``; ``MigrationsNotFound`` otherwise."""
    return locate_migrations(ropo_authorization.__file__, configured, "authorization")
