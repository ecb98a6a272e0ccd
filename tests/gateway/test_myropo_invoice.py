"""The invoice page ``/laskut/{id}``, *Avaa lasku* (``lasku.pdf``) and their JSON twins:
what is shown, in which language, and that someone else's invoice answers exactly like a
missing one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from google.protobuf.timestamp_pb2 import Timestamp
from myropo_fakes import MAIJA, MATTI, PDF, Harness, make_invoice, running_gateway, upstream
from ropo.invoice.v1 import invoice_event_pb2
from ropo_gateway.clients.invoices import InvoiceDocument
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as harness:
        own = harness.invoices.add(make_invoice("own-1", display_status="Maksettu MyRopossa"))
        harness.access.allow(MAIJA, own.name)
        others = harness.invoices.add(make_invoice("matti-1", reference="RF332348236"))
        harness.access.allow(MATTI, others.name)
        yield harness


async def test_invoice_page_shows_every_fact_the_person_needs(gateway: Harness) -> None:
    page = await gateway.client.get("/laskut/own-1")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")
    facts = {
        "Laskun tila": "Maksettu MyRopossa",
        "Eräpäivä": "5.3.2025",
        "Avoinna yhteensä": "1 696,32 €",
        "Laskuttaja": "Testi-yritys Oy",
        "Maksuviite": "12 34561",
        "Laskun numero": "20240017",
        "Asianumero": "1234 5678 9012",
    }
    for label, value in facts.items():
        assert f"<dt>{label}</dt>" in html
        assert value in html.split(f"<dt>{label}</dt>", 1)[1].split("</div>", 1)[0]
    # Ledger components with amount and open, and the invoice rows.
    for component in ("CAPITAL", "REMINDER_FEE", "PENALTY_INTEREST"):
        assert f'<tr data-component="{component}">' in html
    assert "Maksumuistutusmaksu" in html and "Sähkö 1.1.–31.1." in html
    assert '<h2 id="actions-heading">Lisätoiminnot</h2>' in html
    assert '<a class="button button-secondary" href="/laskut/own-1/lasku.pdf"' in html
    assert ">Avaa lasku<" in html
    # The timeline, in the page language, with the time in Finnish time.
    assert "Lasku vastaanotettu" in html and "5.2.2025 klo 12.06" in html


async def test_rf_reference_is_printed_in_groups_of_four(gateway: Harness) -> None:
    gateway.access.allow(MAIJA, "invoices/matti-1", "AUTHORIZED")
    page = await gateway.client.get("/laskut/matti-1")
    assert "RF33 2348 236" in page.text


async def test_page_and_api_follow_the_language_cookie(gateway: Harness) -> None:
    await gateway.client.get("/kieli/sv?next=/")
    swedish = await gateway.client.get("/laskut/own-1")
    for text in (
        "Fakturans status",
        "Förfallodag",
        "Öppet totalt",
        "Referensnummer",
        "Ärendenummer",
        "Fler funktioner",
        "Öppna fakturan",
        "Fakturan mottagen",
    ):
        assert text in swedish.text
    assert "Faktura" in swedish.text.split("<dt>Fakturans status</dt>", 1)[1][:80]
    await gateway.client.get("/kieli/en?next=/")
    english = await gateway.client.get("/laskut/own-1")
    for text in (
        "Invoice status",
        "Due date",
        "Total open",
        "Payment reference",
        "Case number",
        "More actions",
        "Open the invoice",
        "Invoice received",
    ):
        assert text in english.text
    api = (await gateway.client.get("/api/myropo/v1/invoices/own-1/events")).json()
    assert api["events"][0]["title"] == "Invoice received"


async def test_someone_elses_invoice_answers_exactly_like_a_missing_one(
    gateway: Harness,
) -> None:
    answers = {}
    for path in ("/laskut/matti-1", "/laskut/no-such-invoice", "/laskut/x%20y", "/laskut/%C3%A4"):
        answers[path] = await gateway.client.get(path)
    first = answers["/laskut/matti-1"]
    assert first.status_code == 404 and "Laskua ei löytynyt" in first.text
    for response in answers.values():
        assert (response.status_code, response.content) == (first.status_code, first.content)
    for suffix in ("", "/lasku.pdf"):
        other = await gateway.client.get(f"/laskut/matti-1{suffix}")
        missing = await gateway.client.get(f"/laskut/missing{suffix}")
        assert other.status_code == missing.status_code == 404
        assert other.content == missing.content == first.content


async def test_json_404_is_the_same_for_someone_elses_and_a_missing_invoice(
    gateway: Harness,
) -> None:
    for suffix in ("", "/events", "/document"):
        other = await gateway.client.get(f"/api/myropo/v1/invoices/matti-1{suffix}")
        missing = await gateway.client.get(f"/api/myropo/v1/invoices/missing{suffix}")
        assert other.status_code == missing.status_code == 404
        assert other.content == missing.content
        error = other.json()["error"]
        assert (error["code"], error["status"]) == (404, "NOT_FOUND")
        assert error["details"][0]["reason"] == "INVOICE_NOT_FOUND"
    assert gateway.invoices.list_calls == []


async def test_invoice_json_has_the_ledger_rows_and_document_url(gateway: Harness) -> None:
    response = await gateway.client.get("/api/myropo/v1/invoices/own-1")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "own-1" and body["access"] == "OWN"
    assert body["display_status"] == "Maksettu MyRopossa"
    assert body["reference_printed"] == "12 34561" and body["case_number"] == "123456789012"
    assert body["open_amount"] == {"amount": "1696.32", "currency": "EUR"}
    assert [item["type"] for item in body["ledger_components"]] == [
        "CAPITAL",
        "REMINDER_FEE",
        "PENALTY_INTEREST",
    ]
    assert body["ledger_components"][1]["open_amount"] == {"amount": "5.00", "currency": "EUR"}
    assert body["lines"][0]["gross_amount"] == {"amount": "1690.32", "currency": "EUR"}
    assert body["document_url"] == "/api/myropo/v1/invoices/own-1/document"


async def test_timeline_json_keeps_the_service_order_and_amounts(gateway: Harness) -> None:
    gateway.invoices.events["invoices/own-1"] = [
        invoice_event_pb2.InvoiceEvent(
            type=invoice_event_pb2.InvoiceEvent.TYPE_IMPORTED,
            event_time=Timestamp(seconds=1_700_000_000),
            title="Lasku vastaanotettu",
        ),
        invoice_event_pb2.InvoiceEvent(
            type=invoice_event_pb2.InvoiceEvent.TYPE_COST_ADDED,
            event_time=Timestamp(seconds=1_700_100_000),
            title="Maksumuistutus",
            description="Muistutusmaksu lisätty",
            amount=money_to_proto(Money("5.00", "EUR")),
        ),
    ]
    body = (await gateway.client.get("/api/myropo/v1/invoices/own-1/events")).json()
    assert [event["type"] for event in body["events"]] == ["IMPORTED", "COST_ADDED"]
    assert body["events"][1]["amount"] == {"amount": "5.00", "currency": "EUR"}
    assert body["events"][0]["time"] == "2023-11-14T22:13:20Z"
    page = await gateway.client.get("/laskut/own-1")
    assert page.text.index("Lasku vastaanotettu") < page.text.index("Muistutusmaksu lisätty")


async def test_a_failing_timeline_leaves_the_page_usable(gateway: Harness) -> None:
    gateway.invoices.events_fail_with = upstream(grpc.StatusCode.UNIMPLEMENTED, "later")
    page = await gateway.client.get("/laskut/own-1")
    assert page.status_code == 200
    assert "Tapahtumia ei voitu juuri nyt hakea." in page.text and "Avaa lasku" in page.text
    api = await gateway.client.get("/api/myropo/v1/invoices/own-1/events")
    assert api.status_code == 501


@pytest.mark.parametrize(
    "path", ["/laskut/own-1/lasku.pdf", "/api/myropo/v1/invoices/own-1/document"]
)
async def test_avaa_lasku_streams_the_pdf_inline_uncached(gateway: Harness, path: str) -> None:
    gateway.invoices.documents["invoices/own-1"] = InvoiceDocument(
        "application/pdf", PDF, 'lasku "20240017";\r\nx.pdf', True
    )
    response = await gateway.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == 'inline; filename="lasku-20240017-x.pdf"'
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_document_that_is_not_a_pdf_is_never_served(gateway: Harness) -> None:
    gateway.invoices.documents["invoices/own-1"] = InvoiceDocument(
        "text/html", b"<script>alert(1)</script>", "x.html", True
    )
    page = await gateway.client.get("/laskut/own-1/lasku.pdf")
    assert page.status_code == 502 and "<script>alert(1)" not in page.text
    api = await gateway.client.get("/api/myropo/v1/invoices/own-1/document")
    assert api.status_code == 502
    assert api.json()["error"]["details"][0]["reason"] == "DOCUMENT_UNAVAILABLE"


async def test_invoice_gone_after_the_access_check_is_still_404(gateway: Harness) -> None:
    gateway.access.allow(MAIJA, "invoices/ghost")
    missing = await gateway.client.get("/laskut/missing")
    ghost = await gateway.client.get("/laskut/ghost")
    assert ghost.status_code == 404 and ghost.content == missing.content


async def test_service_down_is_a_readable_503(gateway: Harness) -> None:
    gateway.invoices.fail_with = upstream(grpc.StatusCode.UNAVAILABLE, "connect failed 10.0.0.1")
    page = await gateway.client.get("/laskut/own-1")
    assert page.status_code == 503 and "Palvelu ei ole juuri nyt käytettävissä" in page.text
    api = await gateway.client.get("/api/myropo/v1/invoices/own-1")
    assert api.status_code == 503 and "10.0.0.1" not in api.text
