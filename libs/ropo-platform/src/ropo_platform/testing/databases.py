"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database.

PostgreSQL runs when ``ROPO_TEST_POSTGRES_URL`` points at a server where the
user may create databases (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``);
each test gets a uniquely named database that is dropped afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

POSTGRES_ENV = "ROPO_TEST_POSTGRES_URL"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server URL for tests, or ``None`` when not configured."""
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _database_name(label: str) -> str:
    clean = re.sub(r"[^a-z0-9_]", "_", label.lower())[:30]
    return f"ropo_test_{clean}_{uuid.uuid4().hex[:10]}"


class DatabaseFactory:
    """Creates databases of one backend and drops them all in ``cleanup()``."""

    def __init__(self, backend: str, tmp_dir: Path, admin_url: str | None = None) -> None:
        if backend not in (SQLITE, POSTGRESQL):
            raise ValueError(f"unknown backend {backend!r}")
        if backend == POSTGRESQL and not admin_url:
            raise ValueError(f"{POSTGRES_ENV} is not set")
        self.backend = backend
        self._tmp_dir = Path(tmp_dir)
        self._admin_url = make_url(admin_url) if admin_url else None
        self._created: list[str] = []

    async def create(self, label: str = "db") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = _database_name(label)
        if self.backend == SQLITE:
            return f"sqlite+aiosqlite:///{self._tmp_dir / f'{name}.db'}"
        assert self._admin_url is not None
        connection = await asyncpg.connect(_asyncpg_dsn(self._admin_url))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self._created.append(name)
        return self._admin_url.set(database=name).render_as_string(hide_password=False)

    async def cleanup(self) -> None:
        """Drop every PostgreSQL database created here (SQLite files go with tmp_path)."""
        if not self._created or self._admin_url is None:
            return
        connection = await asyncpg.connect(_asyncpg_dsn(self._admin_url))
        try:
            for name in self._created:
                # FORCE: connections of killed subprocesses may linger for a moment.
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()
        self._created.clear()


__all__ = [
    "POSTGRESQL",
    "POSTGRES_ENV",
    "SQLITE",
    "DatabaseFactory",
    "postgres_admin_url",
]
