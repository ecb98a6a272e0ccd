"""A busy database is told apart from a broken statement (``is_contention``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from ropo_platform.db import Database, EngineOptions
from ropo_platform.db.contention import is_contention
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError


async def test_a_write_that_waited_too_long_for_sqlite_is_contention(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}"
    holder = Database(url)
    waiter = Database(url, EngineOptions(sqlite_busy_timeout_ms=50))
    try:
        async with holder.transaction() as session:
            await session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        async with holder.transaction() as session:
            await session.execute(sa.text("INSERT INTO t VALUES (1)"))
            with pytest.raises(OperationalError) as caught:
                async with waiter.transaction() as other:
                    await other.execute(sa.text("INSERT INTO t VALUES (2)"))
        assert is_contention(caught.value)
    finally:
        await holder.dispose()
        await waiter.dispose()


@pytest.mark.parametrize(
    ("sqlstate", "busy"),
    [("40001", True), ("40P01", True), ("55P03", True), ("23505", False), (None, False)],
)
def test_postgresql_serialisation_deadlock_and_lock_timeout_are_contention(
    sqlstate: str | None, busy: bool
) -> None:
    error = DBAPIError("UPDATE t", {}, SimpleNamespace(sqlstate=sqlstate))  # type: ignore[arg-type]
    assert is_contention(error) is busy


def test_other_errors_are_not_contention() -> None:
    broken = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: t"))
    duplicate = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not is_contention(broken)
    assert not is_contention(duplicate)
    assert not is_contention(RuntimeError("database is locked"))
