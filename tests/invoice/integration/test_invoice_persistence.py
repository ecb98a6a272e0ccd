"""Import on a real database: idempotency, the outbox in the same transaction, and the
henkilötunnus stored only encrypted. Runs on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from invoice_server_support import PERSON_KEY_SECRET
from invoice_support import HETU_MAIJA, HETU_MATTI, finvoice_xml
from ropo.invoice.v1 import events_pb2
from ropo_invoice.adapters.orm import metadata
from ropo_invoice.bootstrap import InvoiceApp
from ropo_invoice.domain.events import Event
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_invoice.service_layer.integration_events import IntegrationEvent
from ropo_invoice.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from ropo_platform.messaging.outbox import OutboxWriter
from ropo_platform.pseudonym import person_key


async def rows(app: InvoiceApp, table: str) -> list[dict[str, Any]]:
    async with app.database.session() as session:
        result = await session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608 - fixed names
        return [dict(row) for row in result.mappings()]


async def test_migrations_create_exactly_the_orm_tables(app: InvoiceApp) -> None:
    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with app.database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_import_stores_invoice_ledger_lines_and_one_outbox_event(app: InvoiceApp) -> None:
    result = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    assert result.created
    invoice = result.invoice

    (stored,) = await rows(app, "invoices")
    assert stored["id"] == invoice.id
    assert stored["open_amount_minor"] == 12400
    assert stored["debtor_party"] == f"persons/{person_key(HETU_MATTI, PERSON_KEY_SECRET.encode())}"
    (component,) = await rows(app, "ledger_components")
    assert (component["type"], component["amount_minor"]) == ("capital", 12400)
    (line,) = await rows(app, "invoice_lines")
    assert line["description"] == "Konsultointi"
    (creditor,) = await rows(app, "creditors")
    assert creditor["business_id"] == "2345678-0"

    (event,) = await rows(app, "outbox")
    assert event["event_type"] == "ropo.invoice.v1.invoice_registered"
    assert event["subject"] == f"invoices/{invoice.id}"
    assert event["source"] == "/ropo/invoice"
    assert event["sent_at"] is None
    message = events_pb2.InvoiceRegistered.FromString(event["payload"])
    assert message.invoice == f"invoices/{invoice.id}"
    assert message.debtor_party == stored["debtor_party"]
    assert (message.total_amount.currency_code, message.total_amount.units) == ("EUR", 124)
    assert message.case_number == invoice.case_number.value

    loaded = await app.handlers.get_invoice(invoice.id)
    assert loaded.ledger.open_amount == invoice.ledger.open_amount
    assert loaded.lines == invoice.lines
    assert loaded.debtor == invoice.debtor
    assert loaded.myropo_id == invoice.myropo_id


async def test_reimport_is_idempotent(app: InvoiceApp) -> None:
    first = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    again = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    assert not again.created
    assert again.invoice.id == first.invoice.id
    assert len(await rows(app, "invoices")) == 1
    assert len(await rows(app, "outbox")) == 1


async def test_request_id_replay_and_reuse(app: InvoiceApp) -> None:
    request_id = "0b8f3c2e-8a5e-4c55-9d3c-6f1f0e2a7b10"
    first = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml(), request_id))
    replay = await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml(), request_id))
    assert replay.created and replay.invoice.id == first.invoice.id
    (logged,) = await rows(app, "request_log")
    assert logged["request_id"] == request_id


async def test_concurrent_imports_of_one_invoice_create_it_once(app: InvoiceApp) -> None:
    results = await asyncio.gather(
        *(app.handlers.import_finvoice(ImportFinvoice(finvoice_xml())) for _ in range(4))
    )
    assert sum(result.created for result in results) == 1
    assert len({result.invoice.id for result in results}) == 1
    assert len(await rows(app, "outbox")) == 1


async def test_a_failing_outbox_write_rolls_the_invoice_back(app: InvoiceApp) -> None:
    def broken(event: Event) -> IntegrationEvent:
        raise RuntimeError("outbox mapping failed")

    def failing_uow(*, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        from ropo_invoice.adapters.repository import sql_repositories

        return SqlAlchemyUnitOfWork(
            app.database,
            OutboxWriter("/ropo/invoice"),
            sql_repositories,
            read_only=read_only,
            translate=broken,
        )

    app.handlers.uow = failing_uow
    with pytest.raises(RuntimeError, match="outbox mapping failed"):
        await app.handlers.import_finvoice(ImportFinvoice(finvoice_xml()))
    assert await rows(app, "invoices") == []
    assert await rows(app, "creditors") == []
    assert await rows(app, "outbox") == []


async def test_henkilotunnus_is_stored_only_encrypted(app: InvoiceApp, database_url: str) -> None:
    for number, hetu in (("1", HETU_MATTI), ("2", HETU_MAIJA)):
        await app.handlers.import_finvoice(
            ImportFinvoice(finvoice_xml(number=number, buyer_id=hetu))
        )
    forbidden = [HETU_MATTI, HETU_MAIJA, HETU_MATTI.replace("-", ""), HETU_MAIJA[7:]]
    for table in ("invoices", "ledger_components", "invoice_lines", "creditors", "outbox"):
        for row in await rows(app, table):
            for value in row.values():
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                for hetu in forbidden:
                    assert hetu not in text, f"{table} holds a henkilötunnus in clear text"
    if database_url.startswith("sqlite"):
        # Also the raw database file (and its write-ahead log).
        path = Path(database_url.split(":///", 1)[1])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for hetu in forbidden:
            assert hetu.encode() not in raw
    (first, _second) = sorted(await rows(app, "invoices"), key=lambda r: r["invoice_number"])
    assert first["debtor_national_id_masked"] == "010190-****"
    # And the protector can still read it back when a letter needs it.
    loaded = await app.handlers.get_invoice(first["id"])
    assert loaded.debtor.national_id is not None
    assert app.handlers.protector.reveal(loaded.debtor.national_id).reveal() == HETU_MATTI
