"""The shared units of work (``ropo_platform.db.unit_of_work``) on SQLite and PostgreSQL:
what commits, what rolls back, and what a joined one leaves to its owner."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from ropo_platform.db import Database, make_metadata
from ropo_platform.db.unit_of_work import JoinedTransaction, OwnTransaction
from ropo_platform.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

metadata = make_metadata()
notes = sa.Table(
    "uow_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.String(40), nullable=False),
)


class Notes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, note_id: int, text: str) -> None:
        await self._session.execute(sa.insert(notes).values(id=note_id, text=text))

    async def count(self) -> int:
        return int(await self._session.scalar(sa.select(sa.func.count()).select_from(notes)) or 0)


class NotesUnitOfWork(UnitOfWork):
    notes: Notes

    def _bind(self, session: AsyncSession) -> None:
        self.notes = Notes(session)


class OwnNotes(NotesUnitOfWork, OwnTransaction):
    pass


class JoinedNotes(NotesUnitOfWork, JoinedTransaction):
    pass


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def stored(db: Database) -> int:
    async with OwnNotes(db, read_only=True) as uow:
        return await uow.notes.count()


async def test_what_is_committed_stays_and_what_is_not_is_undone(db: Database) -> None:
    async with OwnNotes(db) as uow:
        await uow.notes.add(1, "kept")
        await uow.commit()
    async with OwnNotes(db) as uow:
        await uow.notes.add(2, "left without commit")
    with pytest.raises(RuntimeError, match="boom"):
        async with OwnNotes(db) as uow:
            await uow.notes.add(3, "failed")
            raise RuntimeError("boom")
    assert await stored(db) == 1


async def test_a_read_only_unit_of_work_cannot_commit(db: Database) -> None:
    async with OwnNotes(db, read_only=True) as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()


async def test_a_joined_unit_of_work_leaves_the_outcome_to_the_owner(db: Database) -> None:
    async with db.transaction() as session, JoinedNotes(session) as uow:
        await uow.notes.add(1, "flushed, not committed")
        await uow.commit()
        assert await uow.notes.count() == 1
    assert await stored(db) == 1  # the owner's transaction committed it

    with pytest.raises(RuntimeError, match="owner fails"):
        async with db.transaction() as session:
            async with JoinedNotes(session) as uow:
                await uow.notes.add(2, "undone with the owner")
                await uow.commit()
            raise RuntimeError("owner fails")
    assert await stored(db) == 1
