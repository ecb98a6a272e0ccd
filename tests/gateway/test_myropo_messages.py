"""*Viestikeskus* in MyRopo: the person's letters, newest first, unread ones marked, one page
at a time; opening a letter marks it read (once, with a key a reload repeats); the header's
*Viestikeskus (n)*; a letter addressed to someone else is the 404 of a missing one with one
audit denial."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from myropo_fakes import (
    LETTER_PDF,
    MAIJA,
    MATTI,
    PDF,
    Harness,
    make_invoice,
    make_letter,
    running_gateway,
    upstream,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_gateway.clients.letters import LetterChannel, LetterType, letter_name
from ropo_gateway.myropo.messages import MALFORMED_LETTER, read_request_id

MAIJA_1 = "invoices/maija-1"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        h.access.allow(MAIJA, MAIJA_1)
        h.access.allow(MATTI, "invoices/matti-1")
        yield h


def rows(html: str) -> list[str]:
    """The letters' rows of the *Viestikeskus* table, in order."""
    return re.findall(r'<tr data-letter="[^"]*" class="[^"]*">.*?</tr>', html, re.S)


def nav_messages(html: str) -> str:
    match = re.search(r'<a href="/viestit" class="nav-messages">(.*?)</a>', html, re.S)
    assert match, "no Viestikeskus link in the header"
    return " ".join(re.sub(r"<[^>]+>", "", unescape(match.group(1))).split())


async def denials(gateway: Harness) -> list[tuple[str, str, str]]:
    return [
        (record.event.actor, record.event.resource, record.event.reason)
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED
    ]


def seed(gateway: Harness) -> None:
    gateway.letters.add(
        make_letter(
            "maija-1",
            "maija-1",
            recipient=MAIJA.subject,
            type=LetterType.INVOICE,
            created=datetime(2025, 2, 5, 8, 0, tzinfo=UTC),
            read=True,
        )
    )
    gateway.letters.add(
        make_letter(
            "maija-1",
            "l-reminder",
            recipient=MAIJA.subject,
            channel=LetterChannel.ELECTRONIC,
            created=datetime(2025, 2, 20, 9, 0, tzinfo=UTC),
        )
    )
    gateway.letters.add(
        make_letter(
            "maija-1",
            "l-message",
            recipient=MAIJA.subject,
            type=LetterType.CUSTOMER_SERVICE_MESSAGE,
            created=datetime(2025, 2, 25, 14, 30, tzinfo=UTC),
            body="Reklamaatiosi on käsitelty.\nHyvitimme 12,50 €.",
        )
    )
    gateway.letters.add(
        make_letter(
            "matti-1",
            "l-matti",
            recipient=MATTI.subject,
            created=datetime(2025, 2, 26, 9, 0, tzinfo=UTC),
        )
    )


async def test_the_message_centre_lists_the_persons_letters_newest_first(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/viestit")
    assert page.status_code == 200
    assert "<h1>Viestikeskus</h1>" in page.text
    listed = rows(page.text)
    # Only Maija's letters, newest first; Matti's is not there.
    assert [re.search(r'data-letter="([^"]+)"', row).group(1) for row in listed] == [  # type: ignore[union-attr]
        "invoices/maija-1/letters/l-message",
        "invoices/maija-1/letters/l-reminder",
        "invoices/maija-1/letters/maija-1",
    ]
    assert "l-matti" not in page.text
    message, reminder, invoice = listed
    # Unread: bold and "Uusi"; read: neither.
    assert (
        '<strong><a href="/viestit/maija-1/l-message">Asiakaspalvelun viesti</a></strong>'
        in message
    )
    assert '<span class="badge badge-new">Uusi</span>' in message
    assert "<strong>" not in invoice and "Uusi" not in invoice
    assert '<a href="/viestit/maija-1/maija-1">Lasku</a>' in invoice
    # Invoice number, creditor, date and channel.
    assert "20240017" in reminder and "Testi-yritys Oy" in reminder
    assert "20.2.2025 klo 11.00" in reminder
    assert 'data-channel="ELECTRONIC">Sähköinen<' in reminder
    assert 'data-channel="PAPER">Paperi<' in invoice
    assert "Lukemattomia viestejä: 2" in page.text
    assert '<a href="/asetukset/sahkoiset-kirjeet">' in page.text
    # The service was asked for the session's own party only.
    asked = {query.recipient_party for query in gateway.letters.list_calls}
    assert asked == {MAIJA.subject}


@pytest.mark.parametrize(
    ("language", "heading", "title", "channel", "new"),
    [
        ("fi", "Viestikeskus", "Maksumuistutus", "Sähköinen", "Uusi"),
        ("sv", "Meddelandecenter", "Betalningspåminnelse", "Elektroniskt", "Ny"),
        ("en", "Message centre", "Reminder", "Electronic", "New"),
    ],
)
async def test_the_message_centre_speaks_the_persons_language(
    gateway: Harness, language: str, heading: str, title: str, channel: str, new: str
) -> None:
    seed(gateway)
    gateway.client.cookies.set("ropo_lang", language)
    page = await gateway.client.get("/viestit")
    assert f"<h1>{heading}</h1>" in page.text
    assert f">{title}</a>" in page.text
    assert f'data-channel="ELECTRONIC">{channel}<' in page.text
    assert f'<span class="badge badge-new">{new}</span>' in page.text
    assert f'<html lang="{language}">' in page.text
    assert nav_messages(page.text).startswith(heading)


async def test_an_empty_message_centre_says_so(gateway: Harness) -> None:
    page = await gateway.client.get("/viestit")
    assert page.status_code == 200
    assert "Sinulla ei ole viestejä." in page.text
    assert nav_messages(page.text) == "Viestikeskus"


async def test_show_more_pages_through_the_letters(gateway: Harness) -> None:
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    for number in range(25):
        gateway.letters.add(
            make_letter(
                "maija-1",
                f"l-{number:02d}",
                recipient=MAIJA.subject,
                created=start + timedelta(days=number),
                read=True,
            )
        )
    first = await gateway.client.get("/viestit")
    assert len(rows(first.text)) == 20
    assert "l-24" in rows(first.text)[0]
    more = re.search(r'<a href="(/viestit\?sivu=[^"]+)" rel="next">Näytä lisää</a>', first.text)
    assert more, "no Näytä lisää"
    second = await gateway.client.get(unescape(more.group(1)))
    assert [row for row in rows(second.text) if "l-04" in row]
    assert len(rows(second.text)) == 5
    assert 'rel="next"' not in second.text
    assert '<a href="/viestit">Uusimmat viestit</a>' in second.text
    # A token the service does not know starts from the first page again.
    stale = await gateway.client.get("/viestit?sivu=forged")
    assert stale.status_code == 303
    assert stale.headers["location"] == "/viestit"


async def test_the_header_counts_unread_letters_and_opening_one_reads_it(
    gateway: Harness,
) -> None:
    seed(gateway)
    front = await gateway.client.get("/")
    assert nav_messages(front.text) == "Viestikeskus (2 lukematonta viestiä)"

    opened = await gateway.client.get("/viestit/maija-1/l-reminder")
    assert opened.status_code == 200
    # The page that opened it already counts it read.
    assert nav_messages(opened.text) == "Viestikeskus (1 lukematonta viestiä)"
    name = letter_name("maija-1", "l-reminder")
    assert gateway.letters.read_calls == [
        (read_request_id(name, MAIJA.subject), name, MAIJA.subject)
    ]
    assert gateway.letters.letters[name].read
    assert "Luettu" in opened.text

    again = await gateway.client.get("/viestit/maija-1/l-reminder")
    assert again.status_code == 200
    assert len(gateway.letters.read_calls) == 1  # already read: nothing to mark
    listing = await gateway.client.get("/viestit")
    reminder = next(row for row in rows(listing.text) if "l-reminder" in row)
    assert "Uusi" not in reminder and "<strong>" not in reminder
    assert nav_messages(listing.text) == "Viestikeskus (1 lukematonta viestiä)"


def test_the_read_receipt_key_is_the_same_on_every_reload() -> None:
    name = letter_name("maija-1", "l-reminder")
    assert read_request_id(name, MAIJA.subject) == read_request_id(name, MAIJA.subject)
    assert read_request_id(name, MAIJA.subject) != read_request_id(name, MATTI.subject)
    assert read_request_id(name, MAIJA.subject) != read_request_id(
        letter_name("maija-1", "other"), MAIJA.subject
    )


async def test_a_customer_service_message_is_shown_as_text(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/viestit/maija-1/l-message")
    assert page.status_code == 200
    assert "<h1>Asiakaspalvelun viesti</h1>" in page.text
    assert "Reklamaatiosi on käsitelty.\nHyvitimme 12,50 €." in unescape(page.text)
    assert ".pdf" not in page.text
    assert '<a class="button button-secondary" href="/laskut/maija-1">' in page.text


async def test_a_letter_opens_as_its_pdf(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/viestit/maija-1/l-reminder")
    assert '<a class="button" href="/viestit/maija-1/l-reminder.pdf"' in page.text
    assert "Eräpäivä" in page.text and "20.3.2025" in page.text
    document = await gateway.client.get("/viestit/maija-1/l-reminder.pdf")
    assert document.status_code == 200
    assert document.content == LETTER_PDF
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"] == 'inline; filename="muistutus.pdf"'
    assert document.headers["cache-control"] == "no-store"
    assert gateway.letters.document_calls == [(MAIJA_1, letter_name("maija-1", "l-reminder"), "fi")]


async def test_opening_the_pdf_straight_away_also_marks_the_letter_read(
    gateway: Harness,
) -> None:
    seed(gateway)
    document = await gateway.client.get("/viestit/maija-1/l-reminder.pdf")
    assert document.status_code == 200
    assert gateway.letters.letters[letter_name("maija-1", "l-reminder")].read


async def test_a_refund_letter_comes_from_the_refund_service(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    gateway.letters.add(
        make_letter(
            "maija-1",
            "l-refund",
            recipient=MAIJA.subject,
            type=LetterType.REFUND_LETTER,
            refund_case=case.name,
        )
    )
    gateway.client.cookies.set("ropo_lang", "sv")
    document = await gateway.client.get("/viestit/maija-1/l-refund.pdf")
    assert document.status_code == 200
    assert document.content == PDF
    assert document.headers["content-disposition"] == 'inline; filename="palautus-sv.pdf"'
    assert gateway.letters.document_calls == []


async def test_a_document_that_is_not_a_pdf_is_never_served(gateway: Harness) -> None:
    seed(gateway)
    name = letter_name("maija-1", "l-reminder")
    gateway.letters.documents[name] = InvoiceDocument(
        "text/html", b"<script>alert(1)</script>", "x.html", False
    )
    document = await gateway.client.get("/viestit/maija-1/l-reminder.pdf")
    assert document.status_code == 502
    assert "<script>alert(1)" not in document.text


async def test_someone_elses_letter_is_not_found_with_one_audit_denial(gateway: Harness) -> None:
    seed(gateway)
    missing = await gateway.client.get("/viestit/matti-1/l-nothing")
    others = await gateway.client.get("/viestit/matti-1/l-matti")
    missing_pdf = await gateway.client.get("/viestit/matti-1/l-nothing.pdf")
    others_pdf = await gateway.client.get("/viestit/matti-1/l-matti.pdf")
    assert {response.status_code for response in (missing, others, missing_pdf, others_pdf)} == {
        404
    }
    assert missing.text == others.text
    assert missing_pdf.text == others_pdf.text
    assert "Viestiä ei löytynyt" in others.text
    assert gateway.letters.read_calls == []
    assert gateway.letters.document_calls == []
    assert await denials(gateway) == [
        (MAIJA.subject, letter_name("matti-1", "l-nothing"), "LETTER_NOT_FOUND"),
        (MAIJA.subject, letter_name("matti-1", "l-matti"), "LETTER_NOT_FOUND"),
        (MAIJA.subject, letter_name("matti-1", "l-nothing"), "LETTER_NOT_FOUND"),
        (MAIJA.subject, letter_name("matti-1", "l-matti"), "LETTER_NOT_FOUND"),
    ]
    # Matti's letter stays unread.
    assert not gateway.letters.letters[letter_name("matti-1", "l-matti")].read


async def test_a_malformed_id_is_not_found_and_never_echoed(gateway: Harness) -> None:
    page = await gateway.client.get("/viestit/maija-1/150385-902X%3Cb%3E")
    assert page.status_code == 404
    assert "150385" not in page.text
    assert await denials(gateway) == [(MAIJA.subject, MALFORMED_LETTER, "MALFORMED_ID")]
    assert gateway.letters.list_calls == [] or all(
        query.unread_only for query in gateway.letters.list_calls
    )


async def test_the_message_centre_needs_a_login(gateway: Harness) -> None:
    visitor = gateway.visitor()
    try:
        for path in ("/viestit", "/viestit/maija-1/l-reminder", "/viestit/maija-1/l-reminder.pdf"):
            response = await visitor.get(path)
            assert response.status_code == 401, path
    finally:
        await visitor.aclose()


async def test_a_failing_service_hides_only_the_count(gateway: Harness) -> None:
    seed(gateway)
    gateway.letters.fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    front = await gateway.client.get("/")
    assert front.status_code == 200
    assert nav_messages(front.text) == "Viestikeskus"
    listing = await gateway.client.get("/viestit")
    assert listing.status_code == 503
