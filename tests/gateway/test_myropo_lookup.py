"""*Hae lasku* (``/hae-lasku`` and ``POST /api/myropo/v1/lookups``): both ways, the grant,
one identical answer for every miss, format errors, CSRF and the rate limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, make_invoice, names, running_gateway

API = "/api/myropo/v1/lookups"
# Another person's invoice: Maija has no relation to it.
NUMBER, REFERENCE, POSTAL_CODE, MYROPO_ID = "4711", "1234561", "33100", "K7QMXP4D3HRT"
RIGHT = {"invoice_number": NUMBER, "reference": REFERENCE, "postal_code": POSTAL_CODE}
#: The four kinds of wrong input of the issue, each with the other fields right.
WRONG_INPUTS = {
    "unknown invoice number": {**RIGHT, "invoice_number": "4712"},
    "wrong reference": {**RIGHT, "reference": "1232"},
    "wrong postal code": {**RIGHT, "postal_code": "00100"},
    "bad check digit": {**RIGHT, "reference": "1234562"},
}


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path, session_idle_timeout_seconds=3600) as harness:
        harness.invoices.add(
            make_invoice(
                "matti-1",
                number=NUMBER,
                reference=REFERENCE,
                postal_code=POSTAL_CODE,
                myropo_id=MYROPO_ID,
                creditor="Matin Sähkö Oy",
            )
        )
        harness.access.allow(MATTI, "invoices/matti-1")
        yield harness


async def submit(
    gateway: Harness,
    data: dict[str, str],
    way: str = "details",
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    token = await gateway.csrf_token(client)
    return await (client or gateway.client).post(
        "/hae-lasku", data={"csrf_token": token, "way": way, **data}
    )


async def test_lookup_page_has_both_ways_with_labelled_fields(gateway: Harness) -> None:
    page = await gateway.client.get("/hae-lasku")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Hae lasku</h1>" in html
    assert '<h2 id="by-details-heading">Hae laskun tiedolla</h2>' in html
    assert '<h2 id="by-id-heading">Hae MyRopo-tunnuksella</h2>' in html
    for field, label in (
        ("invoice_number", "Laskun numero"),
        ("reference", "Laskun viitenumero"),
        ("postal_code", "Laskulla oleva postinumerosi"),
        ("myropo_id", "MyRopo-tunnus"),
    ):
        assert f'<label for="{field}">{label}</label>' in html
        assert f'id="{field}" name="{field}"' in html
    assert html.count('<button type="submit" class="button">Hae</button>') == 2
    assert html.count('name="csrf_token"') == 3  # both forms and the logout form


async def test_hit_by_details_grants_the_invoice_for_this_session(gateway: Harness) -> None:
    assert (await gateway.client.get("/laskut/matti-1")).status_code == 404
    response = await submit(gateway, {**RIGHT, "reference": "12 34561"})
    assert response.status_code == 303 and response.headers["location"] == "/laskut/matti-1"
    page = await gateway.client.get("/laskut/matti-1")
    assert page.status_code == 200 and "Matin Sähkö Oy" in page.text
    # Listed on the front page and in the JSON, with access LOOKUP.
    front = await gateway.client.get("/")
    assert '<tr data-invoice="invoices/matti-1">' in front.text
    listed = (await gateway.client.get("/api/myropo/v1/invoices")).json()["invoices"]
    assert [(item["name"], item["access"]) for item in listed] == [("invoices/matti-1", "LOOKUP")]
    assert (await gateway.client.get("/laskut/matti-1/lasku.pdf")).status_code == 200


async def test_hit_by_myropo_id_in_its_printed_form(gateway: Harness) -> None:
    response = await submit(gateway, {"myropo_id": "k7qm-xp4d-3hrt"}, way="myropo_id")
    assert response.status_code == 303 and response.headers["location"] == "/laskut/matti-1"
    assert gateway.invoices.lookup_calls[-1] == ("k7qm-xp4d-3hrt",)


async def test_a_hit_asks_the_authorization_service_for_a_lookup_grant(gateway: Harness) -> None:
    await submit(gateway, WRONG_INPUTS["wrong reference"])
    assert gateway.access.lookup_grants == []  # a miss grants nothing
    await submit(gateway, RIGHT)
    ((subject, invoice, request_id),) = gateway.access.lookup_grants
    assert (subject, invoice) == (MAIJA.subject, "invoices/matti-1")
    assert uuid.UUID(request_id).version == 4  # an idempotency key of its own
    # The grant is the person's (the service keeps it, time-limited), not the browser's:
    # it is not kept in the gateway's database any more.
    second_browser = await gateway.login(MAIJA)
    try:
        assert (await second_browser.get("/laskut/matti-1")).status_code == 200
    finally:
        await second_browser.aclose()
    # A lookup grant is for viewing and paying only: authorizing is refused like a missing
    # invoice.
    listed = await gateway.client.get("/api/myropo/v1/invoices/matti-1/authorizations")
    assert listed.status_code == 404
    assert (await gateway.client.get("/api/myropo/v1/invoices/matti-1/payment")).status_code == 200
    page = await gateway.client.get("/laskut/matti-1")
    assert "Valtuutus" not in page.text and "Hae lasku -toiminnolla" in page.text


async def test_every_miss_renders_the_very_same_page(gateway: Harness) -> None:
    answers = {kind: await submit(gateway, data) for kind, data in WRONG_INPUTS.items()}
    answers["wrong MyRopo ID"] = await submit(gateway, {"myropo_id": "K7QMXP4D3HRX"}, "myropo_id")
    first = answers["unknown invoice number"]
    assert first.status_code == 404
    assert "Laskua ei löytynyt antamillasi tiedoilla" in first.text
    for kind, response in answers.items():
        assert response.status_code == 404, kind
        assert response.content == first.content, kind
    # Nothing typed is echoed back after a miss.
    for value in ("4712", "1234562", "33100", "K7QMXP4D3HRX"):
        assert value not in first.text
    assert (await gateway.client.get("/laskut/matti-1")).status_code == 404


async def test_every_api_miss_is_byte_identical(gateway: Harness) -> None:
    answers = {
        kind: await gateway.client.post(API, json=data) for kind, data in WRONG_INPUTS.items()
    }
    answers["wrong MyRopo ID"] = await gateway.client.post(API, json={"myropo_id": "K7QMXP4D3HRX"})
    first = answers["unknown invoice number"]
    assert first.status_code == 404
    assert first.json() == {
        "error": {
            "code": 404,
            "status": "NOT_FOUND",
            "message": "No invoice matches the details given.",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "INVOICE_LOOKUP_FAILED",
                    "domain": "gateway.ropo",
                    "metadata": {},
                }
            ],
        }
    }
    for kind, response in answers.items():
        assert (response.status_code, response.content) == (404, first.content), kind


async def test_api_hit_returns_the_invoice_and_grants_it(gateway: Harness) -> None:
    response = await gateway.client.post(API, json={"myropo_id": MYROPO_ID})
    assert response.status_code == 200
    body = response.json()
    assert body["invoice"]["name"] == "invoices/matti-1"
    assert body["invoice"]["access"] == "LOOKUP"
    assert body["invoice_url"] == "/api/myropo/v1/invoices/matti-1"
    detail = await gateway.client.get(body["invoice_url"])
    assert detail.status_code == 200 and detail.json()["access"] == "LOOKUP"
    listed = (await gateway.client.get("/api/myropo/v1/invoices")).json()
    assert names(listed["invoices"]) == ["invoices/matti-1"]


async def test_empty_fields_are_named_and_the_typed_values_kept(gateway: Harness) -> None:
    response = await submit(
        gateway, {"invoice_number": "4711", "reference": " ", "postal_code": ""}
    )
    assert response.status_code == 400
    html = response.text
    assert "Tarkista lomake" in html
    assert "Täytä kenttä Laskun viitenumero." in html
    assert "Täytä kenttä Laskulla oleva postinumerosi." in html
    assert 'id="reference" name="reference"' in html and 'aria-invalid="true"' in html
    assert 'value="4711"' in html
    assert gateway.invoices.lookup_calls == []
    api = await gateway.client.post(API, json={"invoice_number": "4711"})
    assert api.status_code == 400
    violations = api.json()["error"]["details"][1]["fieldViolations"]
    assert [item["field"] for item in violations] == ["reference", "postal_code"]
    too_long = await gateway.client.post(API, json={"myropo_id": "X" * 65})
    assert too_long.json()["error"]["details"][1]["fieldViolations"][0]["reason"] == "TOO_LONG"
    both = await gateway.client.post(API, json={"myropo_id": MYROPO_ID, "reference": "1"})
    assert both.status_code == 400
    assert not (await gateway.client.post(API, json={})).is_success


async def test_csrf_token_is_required(gateway: Harness) -> None:
    for token in (None, "forged"):
        data = {"way": "details", **RIGHT}
        if token:
            data["csrf_token"] = token
        response = await gateway.client.post("/hae-lasku", data=data)
        assert response.status_code == 403
    assert gateway.invoices.lookup_calls == []
    assert (await gateway.client.get("/laskut/matti-1")).status_code == 404


async def test_api_accepts_only_json_bodies(gateway: Harness) -> None:
    form = await gateway.client.post(API, data={"myropo_id": MYROPO_ID})
    assert form.status_code == 415
    plain = await gateway.client.post(
        API, content=f'{{"myropo_id": "{MYROPO_ID}"}}', headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 415
    assert gateway.invoices.lookup_calls == []


async def test_eleventh_attempt_in_fifteen_minutes_is_429_then_allowed_again(
    gateway: Harness,
) -> None:
    for _ in range(10):
        assert (
            await gateway.client.post(API, json=WRONG_INPUTS["wrong reference"])
        ).status_code == 404
    limited = await gateway.client.post(API, json=RIGHT)
    assert limited.status_code == 429
    assert limited.json()["error"]["details"][0]["reason"] == "LOOKUP_RATE_LIMITED"
    assert int(limited.headers["retry-after"]) == 15 * 60
    page = await submit(gateway, RIGHT)
    assert page.status_code == 429 and "Liian monta hakua" in page.text
    assert "retry-after" in page.headers
    assert len(gateway.invoices.lookup_calls) == 10  # no lookup ran beyond the limit
    # Another session of the same person does not get a fresh allowance.
    second_browser = await gateway.login(MAIJA)
    try:
        assert (await second_browser.post(API, json=RIGHT)).status_code == 429
    finally:
        await second_browser.aclose()
    # Another person is not affected.
    matti = await gateway.login(MATTI)
    try:
        assert (await matti.post(API, json=RIGHT)).status_code == 200
    finally:
        await matti.aclose()
    gateway.clock.advance(minutes=15, seconds=1)
    assert (await gateway.client.post(API, json=RIGHT)).status_code == 200


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_lookup_page_in_swedish_and_english(gateway: Harness, language: str) -> None:
    await gateway.client.get(f"/kieli/{language}?next=/hae-lasku")
    page = await gateway.client.get("/hae-lasku")
    expected = {
        "sv": ("Sök faktura", "Sök med fakturans uppgifter", "Ditt postnummer på fakturan"),
        "en": ("Find an invoice", "Search with the invoice details", "MyRopo ID"),
    }[language]
    for text in expected:
        assert text in page.text
    miss = await submit(gateway, WRONG_INPUTS["wrong reference"])
    assert miss.status_code == 404
    assert re.search(r"Ingen faktura hittades|No invoice was found", miss.text)
