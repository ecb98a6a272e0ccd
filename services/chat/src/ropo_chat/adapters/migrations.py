"""Where the Alembic scripts are: ``services/chat/migrations`` beside ``src``
(DESIGN §2); ``ROPO_CHAT_MIGRATIONS_DIR`` wins (another layout, e.g. an image)."""

from __future__ import annotations

from pathlib import Path

import ropo_chat


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where it should be."""


def migrations_dir(configured: str | Path | None = None) -> Path:
    """The folder with ``env.py`` and ``versions/``; ``MigrationsNotFound`` otherwise."""
    if configured:
        candidate = Path(configured)
    else:
        candidate = Path(ropo_chat.__file__).resolve().parent.parent.parent / "migrations"
    if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
        return candidate
    raise MigrationsNotFound(
        f"chat migrations not found at {candidate} (set ROPO_CHAT_MIGRATIONS_DIR)"
    )
