"""Alembic helpers shared by every service (one migration history per service).

A service's ``migrations/env.py`` is three lines::

    from ropo_platform.db.migrations import run_migrations_online
    from ropo_invoice.adapters.orm import metadata
    run_migrations_online(target_metadata=metadata)

and ``python -m ropo_invoice migrate`` calls
``upgrade_to_head(settings.database_url, MIGRATIONS_DIR)``. No ``alembic.ini`` is
needed: the configuration is built here from the URL and the folder.
``locate_migrations`` finds that folder: ``services/<ctx>/migrations`` beside the
package's ``src`` (DESIGN §2), or ``ROPO_<CTX>_MIGRATIONS_DIR`` when set.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from ropo_platform.db.engine import EngineOptions, create_engine, is_sqlite

# Key under ``Config.attributes`` for an already open (sync) connection; lets a
# caller run migrations inside its own connection (e.g. tests).
CONNECTION_ATTRIBUTE = "connection"


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where it should be."""


def locate_migrations(
    package_file: str | Path, configured: str | Path | None, context: str
) -> Path:
    """The folder with ``env.py`` and ``versions/`` of service ``context``.

    ``configured`` (``ROPO_<CTX>_MIGRATIONS_DIR``) wins, e.g. in an image with
    another layout; otherwise ``migrations`` beside the ``src`` folder that holds
    the package whose ``__init__.py`` is ``package_file``
    (``services/<ctx>/src/ropo_<ctx>/__init__.py`` → ``services/<ctx>/migrations``).
    Raises ``MigrationsNotFound`` naming the folder and the variable.
    """
    if configured:
        candidate = Path(configured)
    else:
        candidate = Path(package_file).resolve().parent.parent.parent / "migrations"
    if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
        return candidate
    raise MigrationsNotFound(
        f"{context} migrations not found at {candidate} (set ROPO_{context.upper()}_MIGRATIONS_DIR)"
    )


def alembic_config(database_url: str, migrations_dir: str | Path) -> Config:
    """An in-memory Alembic ``Config`` for ``migrations_dir`` and ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations_dir)))
    # ConfigParser interpolation would eat a "%" in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@functools.lru_cache(maxsize=32)
def _heads(migrations_dir: str, _versions_mtime_ns: int) -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://", migrations_dir))
    return frozenset(script.get_heads())


def head_revisions(migrations_dir: str | Path) -> frozenset[str]:
    """The head revision ids of the service's migration scripts.

    Loading the scripts executes every revision file, so the result is cached
    (health probes ask often) until a file is added to ``versions/``.
    """
    path = Path(migrations_dir).resolve()
    versions = path / "versions"
    mtime = versions.stat().st_mtime_ns if versions.exists() else 0
    return _heads(str(path), mtime)


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revision ids recorded in the database (empty before the first upgrade)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def migrations_at_head(connection: AsyncConnection, migrations_dir: str | Path) -> bool:
    """True when the database is at the head of ``migrations_dir``."""
    heads = head_revisions(migrations_dir)
    current = await connection.run_sync(current_revisions)
    return current == heads


def upgrade_to_head(database_url: str, migrations_dir: str | Path) -> None:
    """``alembic upgrade head`` for a service (blocking; call from a CLI, not a running loop)."""
    command.upgrade(alembic_config(database_url, migrations_dir), "head")


async def upgrade_to_head_async(database_url: str, migrations_dir: str | Path) -> None:
    """``upgrade_to_head`` from async code (runs in a thread with its own event loop)."""
    await asyncio.to_thread(upgrade_to_head, database_url, migrations_dir)


def _configure_kwargs(url: str, target_metadata: MetaData | Sequence[MetaData] | None) -> Any:
    return {
        "target_metadata": target_metadata,
        # SQLite cannot ALTER most things: batch mode recreates the table.
        "render_as_batch": is_sqlite(url),
        "compare_type": True,
    }


def run_migrations_online(
    *,
    target_metadata: MetaData | Sequence[MetaData] | None,
    engine_options: EngineOptions | None = None,
) -> None:
    """Body of a service's ``migrations/env.py`` (offline ``--sql`` and online modes)."""
    # Imported here: ``alembic.context`` is only populated while env.py runs.
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set (use ropo_platform.db.migrations)")
    kwargs = _configure_kwargs(url, target_metadata)

    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **kwargs)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, **kwargs)
        with context.begin_transaction():
            context.run_migrations()

    given = config.attributes.get(CONNECTION_ATTRIBUTE)
    if given is not None:
        do_run(given)
        return

    async def run_online() -> None:
        options = engine_options or EngineOptions(null_pool=True)
        engine = create_engine(url, options)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run_online())


__all__ = [
    "CONNECTION_ATTRIBUTE",
    "MigrationsNotFound",
    "alembic_config",
    "current_revisions",
    "head_revisions",
    "locate_migrations",
    "migrations_at_head",
    "run_migrations_online",
    "upgrade_to_head",
    "upgrade_to_head_async",
]
