"""Alembic helpers: a service-style env.py, the v1 messaging tables, readiness."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ropo_platform.db import Database, DatabaseNotReady, make_metadata, messaging_tables
from ropo_platform.db.migrations import (
    alembic_config,
    head_revisions,
    upgrade_to_head,
    upgrade_to_head_async,
)
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

ENV_PY = """
from ropo_platform.db import make_metadata, messaging_tables
from ropo_platform.db.migrations import run_migrations_online

metadata = make_metadata()
messaging_tables(metadata)
run_migrations_online(target_metadata=metadata)
"""

FIRST = """
from alembic import op
from ropo_platform.db import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

def upgrade():
    create_messaging_tables_v1(op)

def downgrade():
    drop_messaging_tables_v1(op)
"""

SECOND = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

def upgrade():
    op.create_table("later", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("later")
"""

REPLAY = """
from alembic import op
from ropo_platform.db.schema import add_dead_letter_replay_v2, drop_dead_letter_replay_v2

revision = "0002_replay"
down_revision = "0001"
branch_labels = None
depends_on = None

def upgrade():
    add_dead_letter_replay_v2(op)

def downgrade():
    drop_dead_letter_replay_v2(op)
"""


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(ENV_PY)
    (root / "versions" / "0001_messaging.py").write_text(FIRST)
    return root


def _add_second_revision(migrations_dir: Path) -> None:
    (migrations_dir / "versions" / "0002_later.py").write_text(SECOND)


def _add_replay_revision(migrations_dir: Path) -> None:
    (migrations_dir / "versions" / "0002_replay.py").write_text(REPLAY)


async def test_readiness_follows_the_migration_head(
    database_url: str, migrations_dir: Path
) -> None:
    db = Database(database_url)
    try:
        await db.ping()
        with pytest.raises(DatabaseNotReady, match="migration head"):
            await db.check_ready(migrations_dir)
        await upgrade_to_head_async(database_url, migrations_dir)
        await db.check_ready(migrations_dir)
        assert await db.is_ready(migrations_dir)

        _add_second_revision(migrations_dir)
        assert head_revisions(migrations_dir) == {"0002"}
        assert not await db.is_ready(migrations_dir)
        await upgrade_to_head_async(database_url, migrations_dir)
        assert await db.is_ready(migrations_dir)
    finally:
        await db.dispose()


async def test_migration_matches_the_table_definitions(
    database_url: str, migrations_dir: Path
) -> None:
    _add_replay_revision(migrations_dir)
    await upgrade_to_head_async(database_url, migrations_dir)
    metadata = make_metadata()
    messaging_tables(metadata)

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await db.dispose()


async def test_downgrade_removes_the_tables(database_url: str, migrations_dir: Path) -> None:
    _add_replay_revision(migrations_dir)
    await upgrade_to_head_async(database_url, migrations_dir)

    def downgrade() -> None:
        command.downgrade(alembic_config(database_url, migrations_dir), "base")

    await asyncio.to_thread(downgrade)
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not names & {"outbox", "inbox", "dead_letter", "request_log"}
    finally:
        await db.dispose()


def test_upgrade_from_a_cli_creates_the_sqlite_directory(
    tmp_path: Path, migrations_dir: Path
) -> None:
    # What `python -m ropo_<ctx> migrate` does on a fresh checkout.
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'nested' / 'svc.db'}"
    upgrade_to_head(url, migrations_dir)
    assert (tmp_path / "var" / "nested" / "svc.db").exists()


async def test_unreachable_database_is_not_ready(free_tcp_port: int) -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_tcp_port}/nothing")
    try:
        with pytest.raises(DatabaseNotReady, match="unreachable"):
            await db.check_ready()
        assert not await db.is_ready()
    finally:
        await db.dispose()
