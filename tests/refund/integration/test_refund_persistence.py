"""The refund database: the migrations create exactly the ORM tables, and cases with
their account history and batches with their items survive a round trip."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from refund_support import AGENT, ALICE, OPENED, SUPERVISOR, account, eur, new_case
from ropo_refund.adapters.orm import metadata
from ropo_refund.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_refund.bootstrap import RefundApp
from ropo_refund.domain.payouts import PayoutBatch, PayoutItem
from ropo_refund.service_layer.ports import CaseFilter, Conflict

pytestmark = pytest.mark.postgres
AT = OPENED + timedelta(hours=1)
BATCH = "00000000-0000-4000-8000-00000000b001"


async def test_migrations_create_exactly_the_orm_tables(app: RefundApp) -> None:
    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with app.database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
    await app.database.check_ready(app.migrations)


async def test_a_case_and_its_account_history_round_trip(app: RefundApp) -> None:
    case = new_case()
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.cases.add(case)
        await uow.commit()
    expected = case.version
    case.submit_account("acc-1", account(), ALICE, AT)
    case.confirm_account(case.etag, AT)
    case.approve(AGENT, case.etag, AT)
    case.change_account("acc-2", account(iban="FI1410093000123458"), SUPERVISOR, "called", AT)
    case.pull_events()
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        assert await uow.cases.update(case, expected)
        assert not await uow.cases.update(case, expected)  # the version moved on
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        stored = await uow.cases.get(case.id)
        assert stored == case
        assert await uow.cases.get_by_case_number(case.case_number) == case
        assert await uow.cases.get_by_source(case.source_key) == case
        assert await uow.cases.payable() == []
        listed = await uow.cases.list(CaseFilter(invoice="invoices/inv-1"), None, 10)
        assert [c.id for c in listed] == [case.id]


async def test_a_taken_case_number_is_a_conflict_and_the_transaction_goes_on(
    app: RefundApp,
) -> None:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.cases.add(new_case())
        with pytest.raises(Conflict):
            await uow.cases.add(new_case(case_id="00000000-0000-4000-8000-000000000002"))
        await uow.cases.add(
            new_case(case_id="00000000-0000-4000-8000-000000000003", case_number="9000000025")
        )
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        assert len(await uow.cases.list(CaseFilter(), None, 10)) == 2


async def test_one_payout_of_a_case_is_in_one_batch_only(app: RefundApp) -> None:
    case = new_case()
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.cases.add(case)
        await uow.commit()

    def batch(batch_id: str, message_id: str) -> PayoutBatch:
        item = PayoutItem(case.id, 0, "9000000017-0", eur("45.00"), "M", "FI42", "", "P")
        return PayoutBatch(batch_id, message_id, date(2026, 12, 3), AT, AGENT, b"<x/>", [item])

    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.batches.add(batch(BATCH, "ROPO1"))
        with pytest.raises(Conflict):
            await uow.batches.add(batch("00000000-0000-4000-8000-00000000b002", "ROPO2"))
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        stored = await uow.batches.get_by_message_id("ROPO1")
        assert stored is not None and stored.content == b"<x/>"
        assert stored.total_amount == eur("45.00")
        assert [b.id for b in await uow.batches.list(None, 10)] == [BATCH]
        assert await uow.batches.get("00000000-0000-4000-8000-00000000b002") is None
