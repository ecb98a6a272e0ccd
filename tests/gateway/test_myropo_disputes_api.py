"""*Reklamaatio* in the MyRopo JSON API: the invoice's disputes and a multipart upload guarded by
the session's CSRF token; every refusal an AIP-193 body with a violation per problem in the
request's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from myropo_fakes import (
    MAIJA,
    MALFORMED_MARKER,
    MATTI,
    Harness,
    make_invoice,
    resolved_dispute,
    running_gateway,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.disputes import DisputeState
from ropo_platform.money import Money

URL = "/api/myropo/v1/invoices/maija-1/disputes"
PDF_FILE = b"%PDF-1.4\n%%EOF\n"
PNG_FILE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.access.allow(MAIJA, "invoices/maija-1")
        yield h


async def csrf_token(gateway: Harness) -> str:
    listing = await gateway.client.get(URL)
    assert listing.status_code == 200
    return str(listing.json()["csrf_token"])


def violations(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    details = body["error"]["details"]
    bad = next(item for item in details if item["@type"].endswith("BadRequest"))
    return [
        (item["field"], item.get("reason", ""), item["description"])
        for item in bad["fieldViolations"]
    ]


async def test_the_disputes_of_the_invoice(gateway: Harness) -> None:
    empty = await gateway.client.get(URL)
    assert empty.status_code == 200
    assert empty.json()["disputes"] == [] and empty.json()["may_dispute"] is True
    gateway.disputes.add(
        resolved_dispute(
            "maija-1", DisputeState.PARTIALLY_ACCEPTED, "Hyvitimme osan.", credited="20.00"
        )
    )
    body = (await gateway.client.get(URL)).json()
    (dispute,) = body["disputes"]
    assert dispute["state"] == "PARTIALLY_ACCEPTED"
    assert dispute["resolution_message"] == "Hyvitimme osan."
    assert dispute["credited_amount"] == {"amount": "20.00", "currency": "EUR"}
    assert dispute["disputed_amount"] is None


async def test_a_dispute_is_made_with_the_csrf_header(gateway: Harness) -> None:
    token = await csrf_token(gateway)
    response = await gateway.client.post(
        URL,
        headers={"X-CSRF-Token": token},
        data={"reason": "Väärä summa", "disputed_amount": "12,50"},
        files=[
            ("attachments", ("kuitti.pdf", PDF_FILE, "application/pdf")),
            ("attachments", ("kuva.png", PNG_FILE, "image/png")),
        ],
    )
    assert response.status_code == 201, response.text
    dispute = response.json()["dispute"]
    assert dispute["state"] == "OPEN"
    assert dispute["disputed_amount"] == {"amount": "12.50", "currency": "EUR"}
    assert dispute["attachment_filenames"] == ["kuitti.pdf", "kuva.png"]
    (order,) = gateway.disputes.orders
    assert order.disputed_amount == Money("12.50", "EUR")
    listing = (await gateway.client.get(URL)).json()
    assert listing["may_dispute"] is False
    channels = {
        r.event.channel.value
        for r in await gateway.audit_records()
        if r.event.purpose is Purpose.DISPUTE_SUBMIT
    }
    assert channels == {"myropo_api"}


async def test_the_token_may_also_be_a_form_part(gateway: Harness) -> None:
    token = await csrf_token(gateway)
    response = await gateway.client.post(
        URL, data={"reason": "Koko lasku on aiheeton", "csrf_token": token}, files=[]
    )
    assert response.status_code == 201
    assert gateway.disputes.orders[0].disputed_amount is None


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_without_the_csrf_token_nothing_happens(gateway: Harness, token: str | None) -> None:
    headers = {"X-CSRF-Token": token} if token else {}
    response = await gateway.client.post(
        URL,
        headers=headers,
        data={"reason": "x"},
        files=[("attachments", ("kuitti.pdf", PDF_FILE, "application/pdf"))],
    )
    assert response.status_code == 403
    assert response.json()["error"]["details"][0]["reason"] == "CSRF_TOKEN_INVALID"
    assert gateway.disputes.orders == []


@pytest.mark.parametrize(
    ("language", "files", "expected"),
    [
        (
            "fi",
            [("lasku.docx", b"PK\x03\x04", "application/msword")],
            [("attachments[0]", "FILE_TYPE", "lasku.docx: vain PDF-, JPEG- ja PNG-tiedostot")],
        ),
        (
            "sv",
            [("kuitti.pdf", PNG_FILE, "application/pdf")],
            [("attachments[0]", "FILE_MISMATCH", "kuitti.pdf: filens innehåll motsvarar inte")],
        ),
        (
            "en",
            [("a.pdf", PDF_FILE, "application/pdf")] * 6,
            [("attachments", "FILES_TOO_MANY", "You can attach at most 5 files.")],
        ),
        (
            "en",
            [
                ("ok.pdf", PDF_FILE, "application/pdf"),
                ("bad.pdf", PDF_FILE + MALFORMED_MARKER, "application/pdf"),
            ],
            [("attachments[1]", "FILE_MALFORMED", "bad.pdf: the file could not be opened.")],
        ),
    ],
)
async def test_refusals_name_each_problem_in_the_persons_language(
    gateway: Harness,
    language: str,
    files: list[tuple[str, bytes, str]],
    expected: list[tuple[str, str, str]],
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    token = await csrf_token(gateway)
    response = await gateway.client.post(
        URL,
        headers={"X-CSRF-Token": token},
        data={"reason": "Perustelu"},
        files=[("attachments", item) for item in files],
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["reason"] == "DISPUTE_INVALID"
    found = violations(response.json())
    assert [(field, reason) for field, reason, _ in found] == [
        (field, reason) for field, reason, _ in expected
    ]
    for (_, _, description), (_, _, start) in zip(found, expected, strict=True):
        assert description.startswith(start)


async def test_amount_and_reason_violations(gateway: Harness) -> None:
    token = await csrf_token(gateway)
    response = await gateway.client.post(
        URL, headers={"X-CSRF-Token": token}, data={"reason": "", "disputed_amount": "9999"}
    )
    assert response.status_code == 400
    assert [(field, reason) for field, reason, _ in violations(response.json())] == [
        ("disputed_amount", "AMOUNT_TOO_LARGE"),
        ("reason", "REASON_REQUIRED"),
    ]


async def test_one_open_dispute_at_a_time(gateway: Harness) -> None:
    token = await csrf_token(gateway)
    headers = {"X-CSRF-Token": token}
    first = await gateway.client.post(URL, headers=headers, data={"reason": "Yksi"}, files=[])
    assert first.status_code == 201
    second = await gateway.client.post(URL, headers=headers, data={"reason": "Kaksi"}, files=[])
    assert second.status_code == 409
    assert second.json()["error"]["details"][0]["reason"] == "DISPUTE_ALREADY_OPEN"


async def test_someone_elses_invoice_is_not_found(gateway: Harness) -> None:
    matti = await gateway.login(MATTI)
    try:
        listing = await matti.get(URL)
        posted = await matti.post(URL, data={"reason": "x"}, files=[])
        missing = await matti.get("/api/myropo/v1/invoices/nothing/disputes")
    finally:
        await matti.aclose()
    assert listing.status_code == posted.status_code == missing.status_code == 404
    assert listing.json() == posted.json() == missing.json()
    assert gateway.disputes.orders == [] and gateway.disputes.list_calls == []


async def test_the_openapi_description_documents_the_upload(gateway: Harness) -> None:
    description = (await gateway.client.get("/api/openapi.json")).json()
    operation = description["paths"]["/api/myropo/v1/invoices/{invoice_id}/disputes"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["attachments"]["maxItems"] == 5
    assert {"400", "403", "404", "409", "413"} <= set(operation["responses"])
    assert "/api/myropo/v1/letters/{invoice_id}/{letter_id}:markRead" in description["paths"]
    assert "/api/myropo/v1/letter-consent" in description["paths"]
