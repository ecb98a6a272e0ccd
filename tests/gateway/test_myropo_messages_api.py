"""*Viestikeskus* in the MyRopo JSON API: the person's letters, one letter, ``:markRead``
(JSON only, idempotent), someone else's letter the 404 of a missing one (audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, make_invoice, make_letter, running_gateway
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.letters import LetterChannel, LetterType, letter_name
from ropo_gateway.myropo.messages import read_request_id

API = "/api/myropo/v1"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.access.allow(MAIJA, "invoices/maija-1")
        h.letters.add(
            make_letter(
                "maija-1",
                "l-reminder",
                recipient=MAIJA.subject,
                channel=LetterChannel.ELECTRONIC,
                created=datetime(2025, 2, 20, 9, 0, tzinfo=UTC),
            )
        )
        h.letters.add(
            make_letter(
                "maija-1",
                "l-message",
                recipient=MAIJA.subject,
                type=LetterType.CUSTOMER_SERVICE_MESSAGE,
                created=datetime(2025, 2, 25, 9, 0, tzinfo=UTC),
                body="Hyvitimme 12,50 €.",
            )
        )
        h.letters.add(make_letter("matti-1", "l-matti", recipient=MATTI.subject))
        yield h


async def test_the_letters_are_listed_newest_first_with_their_details(gateway: Harness) -> None:
    gateway.client.cookies.set("ropo_lang", "en")
    response = await gateway.client.get(f"{API}/letters")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["letters"]] == ["l-message", "l-reminder"]
    message, reminder = body["letters"]
    assert message == {
        "id": "l-message",
        "invoice_id": "maija-1",
        "name": "invoices/maija-1/letters/l-message",
        "type": "CUSTOMER_SERVICE_MESSAGE",
        "title": "Message from customer service",
        "channel": "PAPER",
        "read": False,
        "create_time": "2025-02-25T09:00:00Z",
        "read_time": None,
        "invoice_number": "20240017",
        "creditor": "Testi-yritys Oy",
        "due_date": None,
        "body": "Hyvitimme 12,50 €.",
        "document_url": "/viestit/maija-1/l-message.pdf",
    }
    assert reminder["channel"] == "ELECTRONIC" and reminder["due_date"] == "2025-03-20"
    assert reminder["title"] == "Reminder"
    assert body["next_page_token"] == ""


async def test_pages_follow_the_token_and_a_forged_one_is_refused(gateway: Harness) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for number in range(30):
        gateway.letters.add(
            make_letter(
                "maija-1",
                f"l-{number:02d}",
                recipient=MAIJA.subject,
                created=start + timedelta(hours=number),
            )
        )
    first = (await gateway.client.get(f"{API}/letters")).json()
    assert len(first["letters"]) == 20 and first["next_page_token"]
    second = (
        await gateway.client.get(f"{API}/letters", params={"page_token": first["next_page_token"]})
    ).json()
    assert len(second["letters"]) == 12 and not second["next_page_token"]
    forged = await gateway.client.get(f"{API}/letters", params={"page_token": "forged"})
    assert forged.status_code == 400
    assert forged.json()["error"]["details"][0]["reason"] == "INVALID_PAGE_TOKEN"


async def test_mark_read_is_json_only_idempotent_and_keeps_the_first_time(
    gateway: Harness,
) -> None:
    url = f"{API}/letters/maija-1/l-reminder:markRead"
    not_json = await gateway.client.post(url, content=b"", headers={"content-type": "text/plain"})
    assert not_json.status_code == 415
    assert gateway.letters.read_calls == []

    got = await gateway.client.get(f"{API}/letters/maija-1/l-reminder")
    assert (
        got.status_code == 200 and got.json()["letter"]["read"] is False
    )  # reading is not opening

    first = await gateway.client.post(url, json={})
    assert first.status_code == 200
    letter = first.json()["letter"]
    assert letter["read"] is True and letter["read_time"] == "2025-03-01T12:00:00Z"
    gateway.clock.advance(minutes=5)
    again = await gateway.client.post(url, json={})
    assert again.json()["letter"]["read_time"] == "2025-03-01T12:00:00Z"
    name = letter_name("maija-1", "l-reminder")
    assert gateway.letters.read_calls == [
        (read_request_id(name, MAIJA.subject), name, MAIJA.subject)
    ]


async def test_someone_elses_letter_answers_like_a_missing_one(gateway: Harness) -> None:
    responses = [
        await gateway.client.get(f"{API}/letters/matti-1/l-matti"),
        await gateway.client.get(f"{API}/letters/matti-1/l-missing"),
        await gateway.client.post(f"{API}/letters/matti-1/l-matti:markRead", json={}),
        await gateway.client.post(f"{API}/letters/matti-1/l-missing:markRead", json={}),
    ]
    assert {response.status_code for response in responses} == {404}
    assert responses[0].json() == responses[1].json() == responses[2].json() == responses[3].json()
    assert responses[0].json()["error"]["details"][0]["reason"] == "LETTER_NOT_FOUND"
    denied = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED
    ]
    assert len(denied) == 4
    assert {event.channel.value for event in denied} == {"myropo_api"}
    assert gateway.letters.read_calls == []


async def test_the_api_needs_a_login(gateway: Harness) -> None:
    visitor = gateway.visitor()
    try:
        assert (await visitor.get(f"{API}/letters")).status_code == 401
        marked = await visitor.post(f"{API}/letters/maija-1/l-reminder:markRead", json={})
        assert marked.status_code == 401
    finally:
        await visitor.aclose()
