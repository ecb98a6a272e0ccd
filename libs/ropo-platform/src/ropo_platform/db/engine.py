"""Async SQLAlchemy engines chosen by URL: SQLite (embedded) or PostgreSQL (production).

Supported URLs: ``sqlite+aiosqlite:///relative/or/absolute/path.db`` and
``postgresql+asyncpg://user@host:5432/db``. Anything else fails fast.

SQLite gets the settings an embedded service needs to behave like a server
database: WAL (readers never block the writer), foreign keys, a busy timeout
(writers queue instead of failing with "database is locked") and our own
``BEGIN`` so that write transactions can take the write lock up front
(``BEGIN IMMEDIATE``, see :data:`SQLITE_BEGIN_OPTION`). Without that, two
deferred transactions that both read and then write deadlock-fail at the
upgrade, and the busy timeout does not help.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"

# Execution option read by the SQLite "begin" hook: "IMMEDIATE" takes the write
# lock at BEGIN. ``Database.transaction()`` sets it; plain sessions do not.
SQLITE_BEGIN_OPTION = "ropo_sqlite_begin"


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Tuning knobs; the defaults suit a service process."""

    # PostgreSQL connection pool (per process).
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 30.0
    # Recycle before common idle-connection killers (PgBouncer, cloud LBs) strike.
    pool_recycle: int = 1800
    pool_pre_ping: bool = True
    application_name: str | None = None
    # SQLite.
    sqlite_busy_timeout_ms: int = 5000
    # NORMAL in WAL mode survives process crashes; only an OS crash can lose the
    # last transactions. The embedded setup is for development and tests.
    sqlite_synchronous: str = "NORMAL"
    # No pooling at all: one-shot tools (migrations) and tests that fork.
    null_pool: bool = False
    echo: bool = False


def parse_database_url(database_url: str | URL) -> URL:
    """Parse and validate a database URL (raises ``ValueError`` for unsupported drivers)."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ValueError("unsupported database URL (cannot be parsed)") from exc
    if url.drivername not in (SQLITE_DRIVER, POSTGRES_DRIVER):
        raise ValueError(
            f"unsupported database driver {url.drivername!r}: "
            f"use {SQLITE_DRIVER}:///path or {POSTGRES_DRIVER}://user@host/db"
        )
    return url


def is_sqlite(database_url: str | URL) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _install_sqlite_hooks(engine: AsyncEngine, options: EngineOptions) -> None:
    synchronous = options.sqlite_synchronous.upper()
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"invalid sqlite_synchronous: {options.sqlite_synchronous!r}")
    busy_timeout = int(options.sqlite_busy_timeout_ms)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (the driver's implicit BEGIN is DEFERRED
        # and is skipped before DDL, which breaks transactional migrations).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def create_engine(database_url: str | URL, options: EngineOptions | None = None) -> AsyncEngine:
    """An ``AsyncEngine`` for ``database_url`` with the settings described above.

    For a SQLite file the parent directory is created, so the default
    ``sqlite+aiosqlite:///var/invoice.db`` works in a fresh checkout.
    """
    options = options or EngineOptions()
    url = parse_database_url(database_url)
    kwargs: dict[str, Any] = {"echo": options.echo}
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if options.null_pool:
                kwargs["poolclass"] = NullPool
        else:
            # One shared connection, or every session would see its own empty database.
            kwargs["poolclass"] = StaticPool
        engine = create_async_engine(url, **kwargs)
        _install_sqlite_hooks(engine, options)
        return engine

    connect_args: dict[str, Any] = {}
    if options.application_name:
        connect_args["server_settings"] = {"application_name": options.application_name}
    kwargs["connect_args"] = connect_args
    if options.null_pool:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(
            pool_size=options.pool_size,
            max_overflow=options.max_overflow,
            pool_timeout=options.pool_timeout,
            pool_recycle=options.pool_recycle,
            pool_pre_ping=options.pool_pre_ping,
        )
    return create_async_engine(url, **kwargs)


__all__ = [
    "POSTGRES_DRIVER",
    "SQLITE_BEGIN_OPTION",
    "SQLITE_DRIVER",
    "EngineOptions",
    "create_engine",
    "is_sqlite",
    "parse_database_url",
]
