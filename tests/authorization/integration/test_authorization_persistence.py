"""The database side: migrations vs. ORM, the ownership repository, the keyset view.

Runs on SQLite and, when ``ROPO_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from authorization_support import ALICE, BOB, GRANTEE_HETU, ownership
from ropo_authorization.adapters.orm import metadata
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.domain.access import AccessReason
from ropo_authorization.domain.ownership import RecordOutcome
from ropo_authorization.domain.subjects import Party
from ropo_authorization.service_layer.handlers import (
    GrantInvoiceAuthorization,
    RecordInvoiceRegistered,
    record_invoice_registered,
)
from ropo_platform.errors import FailedPrecondition
from ropo_platform.national_id import NationalId

ALL_REASONS = frozenset(AccessReason)
NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)


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
        first = await view.list_for_person(ALICE, ALL_REASONS, after=None, limit=3, now=NOW)
        rest = await view.list_for_person(
            ALICE, ALL_REASONS, after=first[-1].invoice, limit=3, now=NOW
        )
        none = await view.list_for_person(
            ALICE, frozenset({AccessReason.LOOKUP}), after=None, limit=3, now=NOW
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


def _grant(request_id: str) -> GrantInvoiceAuthorization:
    return GrantInvoiceAuthorization(
        request_id, "invoices/i1", Party(ALICE), NationalId.parse(GRANTEE_HETU), "Bertta"
    )


async def test_concurrent_retries_with_one_request_id_make_one_authorization(
    app: AuthorizationApp,
) -> None:
    await record_invoice_registered(
        RecordInvoiceRegistered("invoices/i1", "creditors/c", ALICE, NOW),
        SqlAlchemyUnitOfWork(app.database),
    )
    request_id = str(uuid.uuid4())
    made = await asyncio.gather(
        *(app.handlers.grant_invoice_authorization(_grant(request_id)) for _ in range(5))
    )
    assert len({authorization.id for authorization in made}) == 1
    async with app.database.session() as session:
        count = await session.scalar(sa.text("SELECT COUNT(*) FROM authorizations"))
        events = await session.scalar(sa.text("SELECT COUNT(*) FROM outbox"))
    assert (count, events) == (1, 1)


async def test_concurrent_grants_leave_one_active_authorization(app: AuthorizationApp) -> None:
    await record_invoice_registered(
        RecordInvoiceRegistered("invoices/i1", "creditors/c", ALICE, NOW),
        SqlAlchemyUnitOfWork(app.database),
    )
    results = await asyncio.gather(
        *(app.handlers.grant_invoice_authorization(_grant(str(uuid.uuid4()))) for _ in range(5)),
        return_exceptions=True,
    )
    made = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    assert len(made) == 1
    assert len(refused) == 4
    assert {r.reason for r in refused} == {"AUTHORIZATION_ALREADY_ACTIVE"}
