"""The e-mail outbox on a real database with a real local SMTP server: two dispatchers
at once send every e-mail exactly once; a refused address is given up (and
forgotten), an unreachable server is retried later; the backlog metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from invoice_server_support import invoice_settings
from mail_support import SmtpServer, smtp_server
from prometheus_client import REGISTRY
from ropo_invoice.adapters.orm import email_outbox
from ropo_invoice.bootstrap import InvoiceApp, bootstrap
from ropo_invoice.domain.delivery import DeliveryType
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.notifications import new_letter_email
from ropo_platform.testing import free_port

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


async def make_app(migrated_url: str, port: int) -> InvoiceApp:
    return bootstrap(
        invoice_settings(migrated_url, smtp_host="127.0.0.1", smtp_port=port),
        clock=lambda: NOW,
    )


@pytest_asyncio.fixture
async def app(migrated_url: str, smtp: SmtpServer) -> AsyncIterator[InvoiceApp]:
    service = await make_app(migrated_url, smtp.port)
    try:
        yield service
    finally:
        await service.close()


async def queue(app: InvoiceApp, *addresses: str) -> None:
    async with app.message_centre.uow() as uow:
        for address in addresses:
            uow.emails.add(new_letter_email(address, Language.FI, DeliveryType.REMINDER, NOW))
        await uow.commit()


async def rows(app: InvoiceApp) -> list[Any]:
    async with app.database.session() as session:
        return list((await session.execute(sa.select(email_outbox))).mappings().all())


async def test_two_dispatchers_send_every_email_exactly_once(
    app: InvoiceApp, smtp: SmtpServer
) -> None:
    addresses = [f"person{n}@example.fi" for n in range(30)]
    await queue(app, *addresses)
    first, second = app.email_dispatcher(), app.email_dispatcher()
    first.batch_size = second.batch_size = 4

    for _ in range(20):
        await asyncio.gather(first.dispatch_once(), second.dispatch_once())
        if all(row["sent_at"] is not None for row in await rows(app)):
            break

    received = sorted(r for mail in smtp.received for r in mail.recipients)
    assert received == sorted(addresses)
    assert all(row["attempts"] == 1 and row["to_address"] == "" for row in await rows(app))
    assert REGISTRY.get_sample_value("ropo_invoice_email_outbox_pending") == 0


async def test_a_refused_address_is_given_up_and_forgotten(
    app: InvoiceApp, smtp: SmtpServer
) -> None:
    smtp.catcher.refuse_code = 550
    await queue(app, "nobody@example.fi")
    summary = await app.email_dispatcher().dispatch_once()
    assert summary.given_up == 1
    (row,) = await rows(app)
    assert row["sent_at"] is None and row["next_attempt_at"] is None
    assert row["last_error"] == "SMTPRecipientsRefused 550"
    assert row["to_address"] == ""
    assert REGISTRY.get_sample_value("ropo_invoice_email_outbox_pending") == 0


async def test_an_unreachable_server_is_tried_again_later(migrated_url: str) -> None:
    app = await make_app(migrated_url, free_port())  # nothing listens there
    try:
        await queue(app, "matti@example.fi")
        summary = await app.email_dispatcher().dispatch_once()
        assert summary.retrying == 1
        (row,) = await rows(app)
        assert row["attempts"] == 1 and row["sent_at"] is None
        assert row["next_attempt_at"] == NOW + timedelta(seconds=30)
        assert row["last_error"].startswith("SMTP") or row["last_error"].endswith("Error")
        assert "matti" not in row["last_error"]
        assert row["to_address"] == "matti@example.fi"  # still needed for the retry
        assert REGISTRY.get_sample_value("ropo_invoice_email_outbox_pending") == 1
        age = REGISTRY.get_sample_value("ropo_invoice_email_outbox_oldest_age_seconds")
        assert age == 0  # the clock stands at the moment it was written
    finally:
        await app.close()


async def test_without_an_smtp_host_nothing_is_sent(migrated_url: str) -> None:
    app = bootstrap(invoice_settings(migrated_url), clock=lambda: NOW + timedelta(minutes=2))
    try:
        await queue(app, "matti@example.fi")
        summary = await app.email_dispatcher().dispatch_once()
        assert summary.sent == 0
        (row,) = await rows(app)
        assert row["attempts"] == 0 and row["next_attempt_at"] is not None
        assert REGISTRY.get_sample_value("ropo_invoice_email_outbox_oldest_age_seconds") == 120
    finally:
        await app.close()
