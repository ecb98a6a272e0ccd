"""*Tee reklamaatio* in MyRopo: the link on the invoice page for whoever may handle the invoice,
the form (whole or part in euros, reason, up to five files), every refusal the gateway makes
before it calls the service (type, declared type, content, size, count, the body cap) and
the service's own (a file that does not parse, one dispute at a time, a closed invoice) shown
per field and file in the person's language; on success the invoice page says collection is
on hold, and a resolved dispute shows its outcome and the agent's message."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio
from myropo_fakes import (
    MAIJA,
    MALFORMED_MARKER,
    MATTI,
    Harness,
    State,
    make_invoice,
    resolved_dispute,
    running_gateway,
    upstream,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.disputes import AttachmentUpload, DisputeState
from ropo_gateway.myropo.disputes import MAX_ATTACHMENT_BYTES, MAX_DISPUTE_BODY_BYTES
from ropo_platform.money import Money

MAIJA_1 = "invoices/maija-1"
FORM = "/laskut/maija-1/reklamaatio"
PDF_FILE = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_FILE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_FILE = b"\xff\xd8\xff\xe0" + b"\x00" * 32
SECTION = '<section aria-labelledby="reklamaatio-heading"'
LINK = f'<a class="button button-secondary" href="{FORM}">'
RECEIVED = "Reklamaatio vastaanotettu — perintä on keskeytetty, kunnes asia on käsitelty."

Files = list[tuple[str, tuple[str, bytes, str]]]


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        h.access.allow(MAIJA, MAIJA_1)
        h.access.allow(MATTI, "invoices/matti-1")
        yield h


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return unescape(match.group(1))


def problems(html: str) -> list[tuple[str, str]]:
    """(field, text) of every problem listed at the top of the form."""
    return [
        (field, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for field, text in re.findall(
            r'<li data-field="([^"]+)" data-error="[^"]+">(.*?)</li>', html, re.S
        )
    ]


def attachment(name: str, content: bytes, media_type: str) -> tuple[str, tuple[str, bytes, str]]:
    return ("attachments", (name, content, media_type))


async def submit(
    gateway: Harness,
    *,
    scope: str = "whole",
    amount: str = "",
    reason: str = "Tuote palautettiin 3.2., hyvityslasku puuttuu.",
    files: Files | None = None,
    csrf: bool = True,
    client: httpx.AsyncClient | None = None,
    path: str = FORM,
) -> httpx.Response:
    browser = client or gateway.client
    page = await browser.get(path)
    assert page.status_code == 200, page.text
    data = {
        "request_id": hidden(page.text, "request_id"),
        "scope": scope,
        "disputed_amount": amount,
        "reason": reason,
    }
    if csrf:
        data["csrf_token"] = hidden(page.text, "csrf_token")
    sent = files if files is not None else [attachment("kuitti.pdf", PDF_FILE, "application/pdf")]
    # An empty file input still sends an empty part, as a browser does.
    parts = sent or [("attachments", ("", b"", "application/octet-stream"))]
    return await browser.post(path, data=data, files=parts)


async def test_the_invoice_page_offers_a_dispute_to_whoever_may_handle_it(
    gateway: Harness,
) -> None:
    page = await gateway.client.get("/laskut/maija-1")
    assert SECTION in page.text and LINK in page.text
    assert ">Tee reklamaatio</a>" in page.text
    gateway.access.allow(MATTI, MAIJA_1, "AUTHORIZED")
    matti = await gateway.login(MATTI)
    try:
        assert LINK in (await matti.get("/laskut/maija-1")).text
        gateway.access.allow(MATTI, MAIJA_1, "LOOKUP")
        lookup_page = await matti.get("/laskut/maija-1")
        assert lookup_page.status_code == 200
        assert SECTION not in lookup_page.text and "reklamaatio" not in lookup_page.text
    finally:
        await matti.aclose()


@pytest.mark.parametrize(
    ("language", "heading", "submit_text", "hint"),
    [
        ("fi", "Tee reklamaatio", "Lähetä reklamaatio", "Enintään 5 tiedostoa"),
        ("sv", "Gör en reklamation", "Skicka reklamationen", "Högst 5 filer"),
        ("en", "Dispute the invoice", "Send the dispute", "At most 5 files"),
    ],
)
async def test_the_form_in_each_language(
    gateway: Harness, language: str, heading: str, submit_text: str, hint: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    page = await gateway.client.get(FORM)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file" id="dispute-files" name="attachments" multiple' in page.text
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page.text
    assert '<textarea id="dispute-reason" name="reason"' in page.text
    assert 'name="scope" value="whole" checked' in page.text
    assert f">{submit_text}</button>" in page.text
    assert hint in page.text
    assert "20240017" in page.text


async def test_disputing_the_whole_invoice_puts_it_on_hold(gateway: Harness) -> None:
    files = [
        attachment("kuitti.pdf", PDF_FILE, "application/pdf"),
        attachment("C:\\fakepath\\kuva.PNG", PNG_FILE, "image/png"),
        attachment("kuva.jpeg", JPEG_FILE, "image/jpeg"),
    ]
    response = await submit(gateway, files=files)
    assert response.status_code == 303
    assert response.headers["location"] == "/laskut/maija-1#reklamaatio"
    (order,) = gateway.disputes.orders
    assert order.invoice == MAIJA_1 and order.actor == MAIJA.subject
    assert order.disputed_amount is None
    assert order.reason == "Tuote palautettiin 3.2., hyvityslasku puuttuu."
    assert list(order.attachments) == [
        AttachmentUpload("kuitti.pdf", "application/pdf", PDF_FILE),
        AttachmentUpload("kuva.PNG", "image/png", PNG_FILE),
        AttachmentUpload("kuva.jpeg", "image/jpeg", JPEG_FILE),
    ]

    page = await gateway.client.get("/laskut/maija-1")
    assert RECEIVED in page.text
    assert '<dd class="dispute-state">Käsittelyssä</dd>' in page.text
    assert "kuitti.pdf, kuva.PNG, kuva.jpeg" in page.text
    assert LINK not in page.text  # one dispute at a time
    (record,) = [
        r.event for r in await gateway.audit_records() if r.event.purpose is Purpose.DISPUTE_SUBMIT
    ]
    assert record.actor == MAIJA.subject == record.data_subject
    assert record.resource == f"{MAIJA_1}/disputes/d1"

    again = await gateway.client.get(FORM)
    assert "Laskusta on jo käsittelemätön reklamaatio." in again.text
    assert 'id="dispute-reason"' not in again.text


async def test_a_dispute_needs_no_attachment(gateway: Harness) -> None:
    response = await submit(gateway, files=[])
    assert response.status_code == 303
    assert list(gateway.disputes.orders[0].attachments) == []


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("12,50", "12.50"), ("1 234,5 €", "1234.50"), ("0.05", "0.05"), ("1696,32", "1696.32")],
)
async def test_a_part_of_the_invoice_in_euros(gateway: Harness, typed: str, amount: str) -> None:
    response = await submit(gateway, scope="part", amount=typed)
    assert response.status_code == 303
    assert gateway.disputes.orders[0].disputed_amount == Money(amount, "EUR")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Anna reklamoitava summa."),
        ("12,505", "Anna summa euroina, esimerkiksi 12,50."),
        ("kaksitoista", "Anna summa euroina, esimerkiksi 12,50."),
        ("-5", "Anna summa euroina, esimerkiksi 12,50."),
        ("0,00", "Summan on oltava suurempi kuin nolla."),
        ("1696,33", "Summa voi olla enintään laskun avoin summa."),
    ],
)
async def test_a_bad_amount_is_named(gateway: Harness, typed: str, message: str) -> None:
    response = await submit(gateway, scope="part", amount=typed)
    assert response.status_code == 400
    assert problems(response.text) == [("disputed_amount", message)]
    assert 'id="dispute-amount-error">' + message in unescape(response.text)
    assert 'name="scope" value="part" checked' in response.text
    assert gateway.disputes.orders == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "Kirjoita perustelu."),
        ("x" * 2001, "Perustelu on liian pitkä (enintään 2000 merkkiä)."),
    ],
)
async def test_a_missing_or_long_reason_is_named(
    gateway: Harness, reason: str, message: str
) -> None:
    response = await submit(gateway, reason=reason)
    assert response.status_code == 400
    assert problems(response.text) == [("reason", message)]
    assert "Valitse liitteet uudelleen ennen lähettämistä." in response.text
    assert gateway.disputes.orders == []


@pytest.mark.parametrize(
    ("filename", "media_type", "content", "message"),
    [
        (
            "kuitti.txt",
            "text/plain",
            b"plain text",
            "kuitti.txt: vain PDF-, JPEG- ja PNG-tiedostot ovat sallittuja.",
        ),
        ("kuitti.gif", "image/gif", b"GIF89a....", "kuitti.gif: vain PDF-, JPEG- ja PNG-tiedostot"),
        (
            "kuitti.pdf",
            "image/png",
            PDF_FILE,
            "kuitti.pdf: tiedoston sisältö ei vastaa sen tyyppiä.",
        ),
        ("kuitti.pdf", "application/pdf", PNG_FILE, "kuitti.pdf: tiedoston sisältö ei vastaa"),
        ("kuva.png", "image/png", JPEG_FILE, "kuva.png: tiedoston sisältö ei vastaa"),
        ("kuva.jpg", "image/jpeg", b"GIF89a" + b"\x00" * 10, "kuva.jpg: tiedoston sisältö ei"),
        ("kuva.jpg", "application/octet-stream", JPEG_FILE, "kuva.jpg: tiedoston sisältö ei"),
        ("tyhja.pdf", "application/pdf", b"", "tyhja.pdf: tiedosto on tyhjä."),
        (
            "iso.pdf",
            "application/pdf",
            PDF_FILE + b"\x00" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF_FILE)),
            "iso.pdf: tiedosto on liian suuri (enintään 5 Mt).",
        ),
    ],
)
async def test_every_upload_refusal_names_the_file(
    gateway: Harness, filename: str, media_type: str, content: bytes, message: str
) -> None:
    files = [
        attachment("ok.pdf", PDF_FILE, "application/pdf"),
        attachment(filename, content, media_type),
    ]
    response = await submit(gateway, files=files)
    assert response.status_code == 400
    (found,) = problems(response.text)
    assert found[0] == "attachments[1]"
    assert found[1].startswith(message)
    assert message in unescape(response.text.split('id="dispute-files-error"', 1)[1])
    assert gateway.disputes.orders == []


async def test_a_file_exactly_at_the_limit_is_accepted(gateway: Harness) -> None:
    content = PDF_FILE + b"\x00" * (MAX_ATTACHMENT_BYTES - len(PDF_FILE))
    response = await submit(gateway, files=[attachment("raja.pdf", content, "application/pdf")])
    assert response.status_code == 303
    assert len(gateway.disputes.orders[0].attachments[0].content) == MAX_ATTACHMENT_BYTES  # type: ignore[union-attr]


@pytest.mark.parametrize("count", [6, 25])
async def test_more_than_five_files_are_refused(gateway: Harness, count: int) -> None:
    files = [attachment(f"liite-{n}.pdf", PDF_FILE, "application/pdf") for n in range(count)]
    response = await submit(gateway, files=files)
    assert response.status_code == 400
    assert problems(response.text) == [("attachments", "Voit liittää enintään 5 tiedostoa.")]
    assert gateway.disputes.orders == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fi", "rikki.pdf: tiedostoa ei voitu avata. Se voi olla vioittunut tai salattu."),
        ("sv", "rikki.pdf: filen kunde inte öppnas. Den kan vara skadad eller krypterad."),
        ("en", "rikki.pdf: the file could not be opened. It may be damaged or encrypted."),
    ],
)
async def test_a_file_the_service_cannot_open_is_named_in_the_persons_language(
    gateway: Harness, language: str, message: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    files = [
        attachment("ok.png", PNG_FILE, "image/png"),
        attachment("rikki.pdf", PDF_FILE + MALFORMED_MARKER, "application/pdf"),
    ]
    response = await submit(gateway, files=files)
    assert response.status_code == 400
    assert problems(response.text) == [("attachments[1]", message)]
    assert len(gateway.disputes.orders) == 1  # the service was asked and refused
    assert gateway.disputes.disputes == {}
    # The retry is a new request, not a replay of the refused one.
    assert hidden(response.text, "request_id") != gateway.disputes.orders[0].request_id


async def test_a_second_dispute_while_one_is_open_is_refused(gateway: Harness) -> None:
    page = await gateway.client.get(FORM)
    token, request_id = hidden(page.text, "csrf_token"), hidden(page.text, "request_id")
    assert (await submit(gateway)).status_code == 303
    # The old form, a new request: the service says one is already open.
    late = await gateway.client.post(
        FORM,
        data={
            "csrf_token": token,
            "request_id": request_id,
            "scope": "whole",
            "reason": "Uudestaan",
        },
        files=[attachment("kuitti.pdf", PDF_FILE, "application/pdf")],
    )
    assert late.status_code == 409
    assert "Laskusta on jo käsittelemätön reklamaatio." in late.text
    assert len(gateway.disputes.disputes[MAIJA_1]) == 1


async def test_a_double_submit_acts_once(gateway: Harness) -> None:
    page = await gateway.client.get(FORM)
    data = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "request_id": hidden(page.text, "request_id"),
        "scope": "whole",
        "reason": "Tuote palautettu",
    }
    for _ in range(2):
        response = await gateway.client.post(FORM, data=data, files=[])
        assert response.status_code == 303
    assert len(gateway.disputes.disputes[MAIJA_1]) == 1
    assert len({order.request_id for order in gateway.disputes.orders}) == 1


async def test_a_closed_invoice_cannot_be_disputed(gateway: Harness) -> None:
    gateway.invoices.add(
        make_invoice("maija-1", debtor=MAIJA.subject, state=State.STATE_PAID, open_amount="0")
    )
    page = await gateway.client.get("/laskut/maija-1")
    assert LINK not in page.text
    form = await gateway.client.get(FORM)
    assert "Laskua ei voi enää reklamoida, koska se on maksettu tai päättynyt." in form.text
    assert "dispute-reason" not in form.text


async def test_the_service_being_down_is_a_readable_message(gateway: Harness) -> None:
    gateway.disputes.fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    response = await submit(gateway)
    assert response.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä." in response.text


async def test_the_form_needs_the_csrf_token(gateway: Harness) -> None:
    response = await submit(gateway, csrf=False)
    assert response.status_code == 403
    assert gateway.disputes.orders == []


async def test_someone_elses_invoice_is_not_found_and_nothing_is_read(gateway: Harness) -> None:
    matti = await gateway.login(MATTI)
    try:
        form = await matti.get(FORM)
        sent = await matti.post(
            FORM,
            data={"reason": "x"},
            files=[attachment("kuitti.pdf", PDF_FILE, "application/pdf")],
        )
        missing = await matti.get("/laskut/nothing-here/reklamaatio")
        gateway.access.allow(MATTI, MAIJA_1, "LOOKUP")
        lookup = await matti.get(FORM)
    finally:
        await matti.aclose()
    assert form.status_code == sent.status_code == missing.status_code == lookup.status_code == 404
    assert form.text == missing.text
    denied = [
        (r.event.actor, r.event.resource)
        for r in await gateway.audit_records()
        if r.event.purpose is Purpose.ACCESS_DENIED
    ]
    assert denied == [
        (MATTI.subject, MAIJA_1),
        (MATTI.subject, MAIJA_1),
        (MATTI.subject, "invoices/nothing-here"),
        (MATTI.subject, MAIJA_1),
    ]
    assert gateway.disputes.orders == []


async def test_an_authorized_person_disputes_for_the_debtor(gateway: Harness) -> None:
    gateway.access.allow(MATTI, MAIJA_1, "AUTHORIZED")
    matti = await gateway.login(MATTI)
    try:
        response = await submit(gateway, client=matti)
    finally:
        await matti.aclose()
    assert response.status_code == 303
    assert gateway.disputes.orders[0].actor == MATTI.subject
    (record,) = [
        r.event for r in await gateway.audit_records() if r.event.purpose is Purpose.DISPUTE_SUBMIT
    ]
    assert record.actor == MATTI.subject and record.data_subject == MAIJA.subject


@pytest.mark.parametrize(
    ("state", "credited", "outcome"),
    [
        (
            DisputeState.ACCEPTED,
            "1696.32",
            "Reklamaatio hyväksyttiin, ja reklamoitu summa hyvitettiin.",
        ),
        (
            DisputeState.PARTIALLY_ACCEPTED,
            "20.00",
            "Reklamaatio hyväksyttiin osittain: 20,00\xa0€ hyvitettiin. "
            "Perintä jatkuu muilta osin.",
        ),
        (DisputeState.REJECTED, None, "Reklamaatio hylättiin. Perintä jatkuu."),
    ],
)
async def test_a_resolved_dispute_shows_the_outcome_and_the_message(
    gateway: Harness, state: DisputeState, credited: str | None, outcome: str
) -> None:
    message = "Tarkistimme asian.\nPalautus on kirjattu 5.2."
    gateway.disputes.add(resolved_dispute("maija-1", state, message, credited=credited))
    page = await gateway.client.get("/laskut/maija-1")
    text = unescape(page.text)
    assert outcome in text
    assert message in text
    assert "Asiakaspalvelun viesti" in text
    assert RECEIVED not in text
    assert LINK in page.text  # resolved: another dispute may be made


async def test_a_resolved_dispute_in_english(gateway: Harness) -> None:
    gateway.disputes.add(
        resolved_dispute("maija-1", DisputeState.REJECTED, "We checked it.", disputed="20.00")
    )
    gateway.client.cookies.set("ropo_lang", "en")
    page = await gateway.client.get("/laskut/maija-1")
    assert "The dispute was rejected. Collection continues." in page.text
    assert "Message from customer service" in page.text and "We checked it." in page.text
    assert "€20.00" in page.text


async def test_a_failing_dispute_list_leaves_the_invoice_page_usable(gateway: Harness) -> None:
    gateway.disputes.list_fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    page = await gateway.client.get("/laskut/maija-1")
    assert page.status_code == 200
    assert "Reklamaatioiden tietoja ei juuri nyt saatu." in page.text


# ------------------------------------------------------------------------- the body cap


async def test_a_body_over_the_cap_is_refused_with_a_readable_page(gateway: Harness) -> None:
    page = await gateway.client.get(FORM)
    body = b"x" * (MAX_DISPUTE_BODY_BYTES + 1)
    for language, heading in (("fi", "Lähetys on liian suuri"), ("en", "Too much data was sent")):
        gateway.client.cookies.set("ropo_lang", language)
        response = await gateway.client.post(
            FORM,
            content=body,
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert f"<h1>{heading}</h1>" in response.text
    assert "csrf_token" in page.text
    assert gateway.disputes.orders == []


async def test_a_streamed_body_is_cut_off_at_the_cap(gateway: Harness) -> None:
    chunk = b"\x00" * (1024 * 1024)

    async def stream() -> AsyncIterator[bytes]:
        # A well-formed start (the parser reads on), then a file that never ends.
        yield (
            b'--xyz\r\nContent-Disposition: form-data; name="attachments"; '
            b'filename="iso.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
        )
        for _ in range(MAX_DISPUTE_BODY_BYTES // len(chunk) + 2):
            yield chunk

    response = await gateway.client.post(
        FORM,
        content=stream(),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 413
    assert "<h1>Lähetys on liian suuri</h1>" in response.text
    assert gateway.disputes.orders == []


async def test_the_cap_of_a_dispute_is_above_the_usual_one(gateway: Harness) -> None:
    big = PDF_FILE + b"\x00" * (3 * 1024 * 1024)
    files = [attachment(f"iso-{n}.pdf", big, "application/pdf") for n in range(3)]
    response = await submit(gateway, files=files)
    assert response.status_code == 303
    # Any other page keeps the usual cap, now with a readable page too.
    other = await gateway.client.post(
        "/hae-lasku",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert other.status_code == 413
    assert "<h1>Lähetys on liian suuri</h1>" in other.text


async def test_the_api_answers_the_cap_in_json(gateway: Harness) -> None:
    response = await gateway.client.post(
        "/api/myropo/v1/invoices/maija-1/disputes",
        content=b"x" * (MAX_DISPUTE_BODY_BYTES + 1),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["details"][0]["reason"] == "REQUEST_TOO_LARGE"
