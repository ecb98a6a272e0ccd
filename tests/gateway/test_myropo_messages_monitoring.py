"""The latest payment-monitoring letter on the invoice page: shown with its PDF to whoever may
handle the invoice (its debtor, a person they authorized), not to a lookup-grant viewer or
anyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from myropo_fakes import (
    LETTER_PDF,
    MAIJA,
    MATTI,
    Harness,
    make_invoice,
    make_letter,
    running_gateway,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_gateway.clients.letters import LetterType, letter_name

MAIJA_1 = "invoices/maija-1"
SECTION = '<section aria-labelledby="maksuvalvonta-heading"'
PDF_LINK = '<a class="button button-secondary" href="/laskut/maija-1/maksuvalvontakirje.pdf"'


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.access.allow(MAIJA, MAIJA_1)
        h.letters.add(make_letter("maija-1", "l-reminder", recipient=MAIJA.subject))
        yield h


def add_monitoring_letters(gateway: Harness) -> None:
    for letter_id, day in (("l-pm-old", 10), ("l-pm-new", 24)):
        gateway.letters.add(
            make_letter(
                "maija-1",
                letter_id,
                recipient=MAIJA.subject,
                type=LetterType.PAYMENT_MONITORING_LETTER,
                created=datetime(2025, 2, day, 10, 0, tzinfo=UTC),
            )
        )
    newest = letter_name("maija-1", "l-pm-new")
    gateway.letters.documents[newest] = InvoiceDocument(
        "application/pdf", LETTER_PDF, "maksuvalvontakirje.pdf", False
    )


@pytest.mark.parametrize(
    ("language", "heading", "link"),
    [
        ("fi", "Maksuvalvonta", "Avaa maksuvalvontakirje (PDF)"),
        ("sv", "Betalningsövervakning", "Öppna brevet om betalningsövervakning (PDF)"),
        ("en", "Payment monitoring", "Open the payment-monitoring letter (PDF)"),
    ],
)
async def test_the_debtor_sees_the_latest_monitoring_letter(
    gateway: Harness, language: str, heading: str, link: str
) -> None:
    add_monitoring_letters(gateway)
    gateway.client.cookies.set("ropo_lang", language)
    page = await gateway.client.get("/laskut/maija-1")
    assert page.status_code == 200
    assert SECTION in page.text
    assert f'<h2 id="maksuvalvonta-heading">{heading}</h2>' in page.text
    assert PDF_LINK in page.text and link in page.text
    assert "24.2.2025" in page.text and "10.2.2025" not in page.text


async def test_the_pdf_is_the_newest_monitoring_letter_and_reads_it(gateway: Harness) -> None:
    add_monitoring_letters(gateway)
    document = await gateway.client.get("/laskut/maija-1/maksuvalvontakirje.pdf")
    assert document.status_code == 200
    assert document.content == LETTER_PDF
    assert document.headers["content-disposition"] == 'inline; filename="maksuvalvontakirje.pdf"'
    newest = letter_name("maija-1", "l-pm-new")
    assert gateway.letters.document_calls == [(MAIJA_1, newest, "fi")]
    assert gateway.letters.letters[newest].read


async def test_without_a_monitoring_letter_there_is_no_section(gateway: Harness) -> None:
    page = await gateway.client.get("/laskut/maija-1")
    assert page.status_code == 200
    assert SECTION not in page.text
    document = await gateway.client.get("/laskut/maija-1/maksuvalvontakirje.pdf")
    assert document.status_code == 404


async def test_an_authorized_person_sees_it_and_the_read_is_recorded(gateway: Harness) -> None:
    add_monitoring_letters(gateway)
    gateway.access.allow(MATTI, MAIJA_1, "AUTHORIZED")
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/laskut/maija-1")
        assert SECTION in page.text
        document = await matti.get("/laskut/maija-1/maksuvalvontakirje.pdf")
        assert document.status_code == 200
    finally:
        await matti.aclose()
    # Matti is not the recipient: the letter stays unread for Maija.
    assert not gateway.letters.letters[letter_name("maija-1", "l-pm-new")].read
    reads = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.DELEGATE_VIEW
    ]
    assert reads and all(event.data_subject == MAIJA.subject for event in reads)
    assert len(reads) == 2  # the page and the letter


async def test_a_lookup_viewer_and_a_stranger_get_nothing(gateway: Harness) -> None:
    add_monitoring_letters(gateway)
    gateway.access.allow(MATTI, MAIJA_1, "LOOKUP")
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/laskut/maija-1")
        assert page.status_code == 200 and SECTION not in page.text
        document = await matti.get("/laskut/maija-1/maksuvalvontakirje.pdf")
        assert document.status_code == 404
    finally:
        await matti.aclose()
    gateway.access.relations[MATTI.subject] = {}
    matti = await gateway.login(MATTI)
    try:
        assert (await matti.get("/laskut/maija-1/maksuvalvontakirje.pdf")).status_code == 404
    finally:
        await matti.aclose()
    denied = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED
    ]
    assert [(event.actor, event.resource) for event in denied] == [
        (MATTI.subject, MAIJA_1),
        (MATTI.subject, MAIJA_1),
    ]
    assert gateway.letters.document_calls == []
