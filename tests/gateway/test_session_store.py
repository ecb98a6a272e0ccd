"""The SQL session store on a migrated gateway database (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import sqlalchemy as sa
from gateway_support import FakeClock
from ropo_gateway.auth.model import Identity
from ropo_gateway.auth.sessions import SessionManager, SessionPolicy
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR
from ropo_gateway.storage.session_store import SqlSessionStore
from ropo_platform.db import Database, upgrade_to_head_async

IDENTITY = Identity("c" * 32, "Matti Meikäläinen", "021178-****", "loa2")


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await upgrade_to_head_async(database_url, DEFAULT_MIGRATIONS_DIR)
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def manager(database: Database, clock: FakeClock) -> SessionManager:
    return SessionManager(SqlSessionStore(database), SessionPolicy(), clock)


async def test_migrated_schema_is_at_head(database: Database) -> None:
    assert await database.is_ready(DEFAULT_MIGRATIONS_DIR)


async def test_session_round_trip_timeouts_and_logout(database: Database, clock: FakeClock) -> None:
    sessions = manager(database, clock)
    token, opened = await sessions.open_session(IDENTITY, None)
    assert await sessions.resolve(token) == opened
    clock.advance(minutes=10)
    touched = await sessions.resolve(token)
    assert touched is not None and touched.last_seen_at == clock()
    clock.advance(minutes=14)
    assert await sessions.resolve(token) is not None  # idle timer was reset by the touch
    await sessions.close(token)
    assert await sessions.resolve(token) is None


async def test_nothing_but_digests_and_the_masked_id_is_stored(
    database: Database, clock: FakeClock
) -> None:
    sessions = manager(database, clock)
    token, session = await sessions.open_session(IDENTITY, None)
    async with database.session() as db:
        rows = (await db.execute(sa.text("SELECT * FROM sessions"))).mappings().all()
    assert len(rows) == 1
    values = {str(value) for value in rows[0].values()}
    assert token not in values
    assert session.csrf_token in values and "021178-****" in values


async def test_login_flow_is_taken_once_even_under_a_race(
    database: Database, clock: FakeClock
) -> None:
    sessions = manager(database, clock)
    token, flow = await sessions.begin_login()
    results = await asyncio.gather(*(sessions.finish_login(token) for _ in range(5)))
    assert [result for result in results if result is not None] == [flow]


async def test_purge_deletes_expired_rows(database: Database, clock: FakeClock) -> None:
    sessions = manager(database, clock)
    await sessions.open_session(IDENTITY, None)
    await sessions.begin_login()
    clock.advance(minutes=16)
    live, _ = await sessions.open_session(IDENTITY, None)
    assert await sessions.purge_expired() == 2
    assert await sessions.resolve(live) is not None
    clock.advance(hours=9)
    assert await sessions.purge_expired() == 1
