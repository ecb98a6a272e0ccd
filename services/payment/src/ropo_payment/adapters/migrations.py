"""Where the Alembic scripts are: ``services/payment/migrations`` beside ``src``
(DESIGN §2); ``ROPO_PAYMENT_MIGRATIONS_DIR`` wins (another layout, e.g. an image)."""

from __future__ import annotations

from pathlib import Path

import ropo_payment


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where it should be."""


def migrations_dir(configured: str | Path | None = None) -> Path:
    """The folder with ``env.py`` and ``versions/``; ``MigrationsNotFound`` otherwise."""
    if configured:
        candidate = Path(configured)
    else:
        candidate = Path(ropo_payment.__file__).resolve().parent.parent.parent / "migrations"
    if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
        return candidate
    raise MigrationsNotFound(
        f"payment migrations not found at {candidate} (set ROPO_PAYMENT_MIGRATIONS_DIR)"
    )
