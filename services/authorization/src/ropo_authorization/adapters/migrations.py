"""Where the Alembic scripts are: ``services/authorization/migrations``.

They live beside the package's ``src`` folder (DESIGN §2), so they are found
relative to this file; ``ROPO_AUTHORIZATION_MIGRATIONS_DIR`` wins (another layout,
e.g. an image).
"""

from __future__ import annotations

from pathlib import Path

import ropo_authorization


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where it should be."""


def migrations_dir(configured: str | Path | None = None) -> Path:
    """The folder with ``env.py`` and ``versions/``; ``MigrationsNotFound`` otherwise."""
    if configured:
        candidate = Path(configured)
    else:
        package = Path(ropo_authorization.__file__).resolve().parent  # …/src/ropo_authorization
        candidate = package.parent.parent / "migrations"
    if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
        return candidate
    raise MigrationsNotFound(
        f"authorization migrations not found at {candidate} (set ROPO_AUTHORIZATION_MIGRATIONS_DIR)"
    )
