"""The database side: migrations vs. ORM, the ownership repository, the keyset view.

Runs on SQLite and, when ``ROPO_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from authorization_support import ALICE, BOB, ownership
from ropo_authorization.adapters.orm import metadata
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.domain.access import AccessReason
from ropo_authorization.domain.ownership import RecordOutcome
from ropo_authorization.service_layer.handlers import (
    RecordInvoiceRegistered,
    record_invoice_registered,
)

ALL_REASONS = frozenset(AccessReason)


async def test_migrations_create_exactly_the_orm_tables(app: AuthorizationApp) -> None:
    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with app.database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
    await app.database.check_ready(app.migrations)


async def test_repository_round_trip_and_insert_if_absent(app: AuthorizationApp) -> None:
    entry = ownership("i1")
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        assert await uow.ownerships.add(entry)
        assert not await uow.ownerships.add(ownership("i1", debtor=BOB))
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        assert await uow.ownerships.get("invoices/i1") == entry
        assert await uow.ownerships.get("invoices/missing") is None


async def test_uncommitted_work_is_rolled_back(app: AuthorizationApp) -> None:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.ownerships.add(ownership("i1"))
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        assert await uow.ownerships.get("invoices/i1") is None


async def test_view_lists_a_persons_invoices_in_keyset_order(app: AuthorizationApp) -> None:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        for invoice_id in ("c", "a", "d", "b"):
            await uow.ownerships.add(ownership(invoice_id))
        await uow.ownerships.add(ownership("z", debtor=BOB))
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        view = uow.accessible_invoices
        first = await view.list_for_person(ALICE, ALL_REASONS, after=None, limit=3)
        rest = await view.list_for_person(ALICE, ALL_REASONS, after=first[-1].invoice, limit=3)
        none = await view.list_for_person(
            ALICE, frozenset({AccessReason.LOOKUP}), after=None, limit=3
        )
    assert [i.invoice for i in first] == ["invoices/a", "invoices/b", "invoices/c"]
    assert [i.invoice for i in rest] == ["invoices/d"]
    assert {i.reason for i in first} == {AccessReason.OWN}
    assert none == []


async def test_concurrent_registrations_of_one_invoice_record_it_once(
    app: AuthorizationApp,
) -> None:
    command = RecordInvoiceRegistered(
        "invoices/i1", "creditors/c", ALICE, ownership("i1").register_time
    )
    outcomes = await asyncio.gather(
        *(record_invoice_registered(command, SqlAlchemyUnitOfWork(app.database)) for _ in range(5))
    )
    assert sorted(o.value for o in outcomes) == sorted(
        [RecordOutcome.RECORDED.value] + [RecordOutcome.ALREADY_KNOWN.value] * 4
    )
    async with app.database.session() as session:
        count = await session.scalar(sa.text("SELECT COUNT(*) FROM invoice_ownership"))
    assert count == 1
