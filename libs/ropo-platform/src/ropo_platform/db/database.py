"""The ``Database`` object a service builds once in ``bootstrap.py``.

::

    db = Database(settings.database_url)
    async with db.transaction() as session:      # one unit of work: commit or roll back
        session.add(thing)
        await add_event(session, ...)             # outbox row in the same transaction
    await db.check_ready(MIGRATIONS_DIR)          # for the health service
    await db.dispose()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ropo_platform.db.engine import (
    SQLITE_BEGIN_OPTION,
    EngineOptions,
    create_engine,
    parse_database_url,
)
from ropo_platform.db.migrations import migrations_at_head


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached or its schema is not at the migration head."""


class Database:
    """An engine plus session factories for one service database."""

    def __init__(self, database_url: str | URL, options: EngineOptions | None = None) -> None:
        self._url = parse_database_url(database_url)
        self._engine = create_engine(self._url, options)
        # Objects stay usable after commit (handlers build responses from them).
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        # Write transactions take SQLite's write lock at BEGIN (no-op on PostgreSQL).
        self._write_sessions = async_sessionmaker(
            self._engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
        )
        # PostgreSQL runs each statement of a read session on its own: no BEGIN and
        # ROLLBACK round trips around a single SELECT. (Under READ COMMITTED a transaction
        # gives statements no common snapshot anyway.) SQLite keeps plain sessions: its
        # BEGIN is emitted by our hook, and it costs no network round trip.
        self._read_sessions = (
            async_sessionmaker(
                self._engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
            )
            if self.dialect_name == "postgresql"
            else self._sessions
        )

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def url(self) -> URL:
        return self._url

    @property
    def dialect_name(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def session(self) -> AsyncSession:
        """A session for reads or hand-managed transactions: ``async with db.session() as s``."""
        return self._sessions()

    def read_session(self) -> AsyncSession:
        """A session for reads that need no snapshot shared by their statements (one
        ``SELECT``, or several that may each see the latest data); it cannot write."""
        return self._read_sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends normally, rolls back on an exception."""
        async with self._write_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """``SELECT 1``; raises the driver's error when the database is unreachable."""
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_ready(
        self, migrations_dir: str | Path | None = None, *, max_seconds: float = 5.0
    ) -> None:
        """Raise ``DatabaseNotReady`` unless reachable and (if given) migrated to head.

        ``max_seconds`` bounds the whole check so that a hanging database makes a
        health probe fail instead of hang.
        """
        try:
            async with asyncio.timeout(max_seconds), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                if migrations_dir is not None and not await migrations_at_head(
                    connection, migrations_dir
                ):
                    raise DatabaseNotReady("database schema is not at the migration head")
        except DatabaseNotReady:
            raise
        except Exception as exc:
            raise DatabaseNotReady(f"database unreachable: {type(exc).__name__}") from exc

    async def is_ready(
        self, migrations_dir: str | Path | None = None, *, max_seconds: float = 5.0
    ) -> bool:
        """``check_ready`` as a boolean (for health probes)."""
        try:
            await self.check_ready(migrations_dir, max_seconds=max_seconds)
        except DatabaseNotReady:
            return False
        return True

    async def dispose(self) -> None:
        """Close all pooled connections (call on shutdown)."""
        await self._engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self._url.render_as_string(hide_password=True)!r})"


__all__ = ["Database", "DatabaseNotReady"]
