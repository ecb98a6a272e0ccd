"""Engines, sessions and units of work on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message
from ropo_platform.db import Database, UtcDateTime, is_sqlite, make_metadata
from ropo_platform.db.engine import EngineOptions, parse_database_url
from ropo_platform.db.request_log import (
    RequestIdReused,
    find_response,
    record_response,
    request_fingerprint,
)
from sqlalchemy.exc import IntegrityError, StatementError

metadata = make_metadata()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("balance", sa.Integer, nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=True),
)
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "does" / "not" / "exist" / "svc.db"
    db = Database(f"sqlite+aiosqlite:///{path}", EngineOptions(sqlite_busy_timeout_ms=1234))
    try:
        async with db.session() as session:
            pragma = {
                name: (await session.execute(sa.text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 1234,
            "synchronous": 1,  # NORMAL
        }
        assert path.exists()
        assert db.dialect_name == "sqlite"
        assert is_sqlite(db.url)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    "url", ["sqlite:///x.db", "postgresql://u@h/db", "mysql+aiomysql://u@h/db", "nonsense"]
)
def test_unsupported_urls_fail_fast(url: str) -> None:
    with pytest.raises(ValueError, match=r"unsupported database (driver|URL)"):
        parse_database_url(url)


def test_repr_hides_the_password() -> None:
    db = Database("postgresql+asyncpg://user:secret@127.0.0.1:1/db")
    assert "secret" not in repr(db)


async def test_transaction_commits(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(sa.insert(accounts).values(id=1, balance=10))
    async with db.session() as session:
        assert (await session.execute(sa.select(accounts.c.balance))).scalar_one() == 10


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.execute(sa.insert(accounts).values(id=1, balance=10))
            raise RuntimeError("boom")
    async with db.session() as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(accounts))
        ).scalar() == 0


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(sa.insert(entries).values(id=1, account_id=404))


async def test_concurrent_read_modify_write_transactions_serialise(db: Database) -> None:
    # Two units of work that read then write the same row: on SQLite the write
    # lock is taken at BEGIN (no "database is locked" upgrade failure); on
    # PostgreSQL the row lock serialises them. Either way no update is lost.
    async with db.transaction() as session:
        await session.execute(sa.insert(accounts).values(id=1, balance=0))

    async def deposit() -> None:
        async with db.transaction() as session:
            query = sa.select(accounts.c.balance).where(accounts.c.id == 1)
            if db.dialect_name == "postgresql":
                query = query.with_for_update()
            balance = (await session.execute(query)).scalar_one()
            await asyncio.sleep(0.01)
            await session.execute(
                sa.update(accounts).where(accounts.c.id == 1).values(balance=balance + 1)
            )

    await asyncio.gather(*(deposit() for _ in range(10)))
    async with db.session() as session:
        assert (await session.execute(sa.select(accounts.c.balance))).scalar_one() == 10


async def test_utc_datetimes_round_trip_aware(db: Database) -> None:
    helsinki = timezone(timedelta(hours=3))
    opened = datetime(2026, 6, 1, 12, 0, 0, 500, tzinfo=helsinki)
    async with db.transaction() as session:
        await session.execute(sa.insert(accounts).values(id=1, balance=0, opened_at=opened))
    async with db.session() as session:
        stored = (await session.execute(sa.select(accounts.c.opened_at))).scalar_one()
    assert stored == opened
    assert stored.tzinfo == UTC


async def test_naive_datetimes_are_rejected(db: Database) -> None:
    with pytest.raises(StatementError, match="aware"):
        async with db.transaction() as session:
            naive = datetime(2026, 1, 1)
            await session.execute(sa.insert(accounts).values(id=1, balance=0, opened_at=naive))


# ---------------------------------------------------------------- request_id replay


def _request_class() -> type[Message]:
    proto = descriptor_pb2.FileDescriptorProto(name="ropo_test_request.proto", package="ropotest")
    message = proto.message_type.add(name="PayRequest")
    string, int64 = (
        descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
    )
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    message.field.add(name="request_id", number=1, type=string, label=optional)
    message.field.add(name="amount", number=2, type=int64, label=optional)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("ropotest.PayRequest"))


PayRequest = _request_class()


def test_fingerprint_ignores_the_request_id() -> None:
    a = PayRequest(request_id="r1", amount=100)
    b = PayRequest(request_id="r2", amount=100)
    c = PayRequest(request_id="r1", amount=101)
    assert request_fingerprint(a) == request_fingerprint(b) != request_fingerprint(c)
    assert getattr(a, "request_id") == "r1"  # noqa: B009 - dynamic message class; original untouched


async def test_request_log_replays_and_rejects_reuse(messaging_database: Database) -> None:
    db = messaging_database
    first = PayRequest(request_id="r1", amount=100)
    fingerprint = request_fingerprint(first)
    async with db.transaction() as session:
        assert await find_response(session, "Pay", "r1", fingerprint) is None
        await record_response(session, "Pay", "r1", fingerprint, b"response-1")
    async with db.transaction() as session:
        assert await find_response(session, "Pay", "r1", fingerprint) == b"response-1"
        # Same id on another method is another request.
        assert await find_response(session, "Refund", "r1", fingerprint) is None
        other = request_fingerprint(PayRequest(request_id="r1", amount=5))
        with pytest.raises(RequestIdReused):
            await find_response(session, "Pay", "r1", other)


async def test_request_log_second_first_call_loses(messaging_database: Database) -> None:
    db = messaging_database
    async with db.transaction() as session:
        await record_response(session, "Pay", "r1", "f", b"one")
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await record_response(session, "Pay", "r1", "f", b"two")


async def test_read_session_sees_committed_data_and_holds_no_transaction_on_postgresql(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await session.execute(sa.insert(accounts).values(id=7, balance=70))
    async with db.read_session() as session:
        assert (await session.execute(sa.select(accounts.c.balance))).scalar_one() == 70
        if db.dialect_name != "postgresql":
            return
        # Inside one transaction both statements would share one transaction id.
        first = (await session.execute(sa.text("SELECT txid_current()"))).scalar_one()
        second = (await session.execute(sa.text("SELECT txid_current()"))).scalar_one()
        assert first != second
