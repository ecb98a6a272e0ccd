"""Ropo One's JSON API with a fake invoice service: search, case and timeline as JSON, the same
session and role checks as the pages, AIP-193 errors, and the description in OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest_asyncio
from ropo_gateway.audit.model import Channel, Purpose
from ropo_one_support import (
    AGENT,
    DEBTOR,
    TESTI,
    TESTI_USER,
    YRITYS_X,
    Console,
    State,
    captured_logs,
    console,
    make_invoice,
)

API = "/api/ropo-one/v1"
HETU = "150385-902A"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1", display_status="Maksettu MyRopossa"))
        running.cases.add(make_invoice("inv-x", creditor=YRITYS_X, state=State.STATE_PAID))
        yield running


async def test_without_a_staff_session_every_call_is_401_json(one: Console) -> None:
    for path in (f"{API}/invoices", f"{API}/invoices/inv-1", f"{API}/invoices/inv-1/events"):
        response = await one.client.get(path)
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["status"] == "UNAUTHENTICATED"
        assert error["details"][0]["reason"] == "SESSION_REQUIRED"
    assert one.cases.gets == [] and one.cases.searches == []


async def test_search_returns_exact_amounts_and_states(one: Console) -> None:
    await one.login_staff(AGENT)
    response = await one.client.get(
        f"{API}/invoices",
        params={"case_number": "2025 0000 0017", "open_only": "true", "state": ["REMINDER"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_page_token"] == ""
    assert [item["name"] for item in body["invoices"]] == ["invoices/inv-1"]
    assert body["invoices"][0] == {
        "name": "invoices/inv-1",
        "case_number": "202500000017",
        "invoice_number": "100101",
        "creditor": TESTI,
        "creditor_name": "Testi-yritys Oy",
        "debtor_name": "Maija Meikäläinen",
        "due_date": "2025-03-05",
        "open_amount": {"amount": "1701.32", "currency": "EUR"},
        "state": "REMINDER",
        "display_status": "Maksettu MyRopossa",
        "paid_in_myropo": False,
    }
    search = one.cases.searches[-1]
    assert search.open_only and list(search.states) == [State.STATE_REMINDER]


@contextmanager
def quiet_test_client() -> Iterator[None]:
    """Silence the test client's own request log while a test plays a client that puts a
    henkilötunnus into a URL: that line would print the URL the test built on purpose."""
    client_log = logging.getLogger("httpx")
    level = client_log.level
    client_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        client_log.setLevel(level)


async def test_refused_criteria_are_400_naming_the_field_without_the_value(one: Console) -> None:
    await one.login_staff(AGENT)
    with quiet_test_client(), captured_logs() as logs:
        response = await one.client.get(
            f"{API}/invoices", params={"debtor_name": HETU, "state": "SOLD"}
        )
        assert response.status_code == 400
        assert "150385" not in response.text
        details = response.json()["error"]["details"]
        violations = next(d for d in details if d["@type"].endswith("BadRequest"))
        assert {v["field"] for v in violations["fieldViolations"]} == {"debtor_name", "state"}
        # An identity code is refused in whichever criterion it is sent.
        for name in ("query", "case_number", "invoice_number", "reference", "debtor_name"):
            for value in (HETU, "1503 85-902A"):
                refused = await one.client.get(f"{API}/invoices", params={name: value})
                assert refused.status_code == 400
                assert "150385" not in refused.text and "902A" not in refused.text
                bad_request = next(
                    d
                    for d in refused.json()["error"]["details"]
                    if d["@type"].endswith("BadRequest")
                )
                assert bad_request["fieldViolations"] == [
                    {
                        "field": name,
                        "description": "must not be a personal identity code: "
                        "search by name, number or reference",
                    }
                ]
    assert "150385" not in " ".join(str(line) for line in logs())
    bad_language = await one.client.get(f"{API}/invoices", params={"language_code": "de"})
    assert bad_language.status_code == 400
    assert one.cases.searches == []


async def test_the_case_and_its_timeline(one: Console) -> None:
    await one.login_staff(AGENT)
    with captured_logs() as logs:
        case = await one.client.get(f"{API}/invoices/inv-1")
        events = await one.client.get(f"{API}/invoices/inv-1/events")
    assert case.status_code == 200, case.text
    body = case.json()
    assert body["display_status"] == "Maksettu MyRopossa"
    assert body["debtor"] == {
        "customer_type": "PERSON",
        "name": "Maija Meikäläinen",
        "masked_identifier": "150385-****",
    }
    assert body["capital"] == {"amount": "1696.32", "currency": "EUR"}
    assert body["open_capital"] == {"amount": "1696.32", "currency": "EUR"}
    assert body["myropo_id"] == "4KQ79XMP2D3H"
    assert [c["type"] for c in body["ledger_components"]] == ["CAPITAL", "REMINDER_FEE"]
    assert events.status_code == 200
    assert [e["type"] for e in events.json()["events"]] == ["IMPORTED", "COST_ADDED"]
    assert events.json()["events"][1]["amount"] == {"amount": "5.00", "currency": "EUR"}
    records = await one.audit()
    assert [
        (r.event.actor, r.event.resource, r.event.purpose, r.event.channel, r.event.data_subject)
        for r in records
    ] == [
        (f"staffUsers/{AGENT}", "invoices/inv-1", Purpose.CASE_VIEW, Channel.ROPO_ONE_API, DEBTOR)
    ] * 2
    assert "150385" not in " ".join(str(line) for line in logs())


async def test_a_creditor_user_gets_404_for_another_creditors_case_exactly_like_missing(
    one: Console,
) -> None:
    one.cases.leaked = [one.cases.invoices["invoices/inv-x"]]
    await one.login_staff(TESTI_USER)
    listed = await one.client.get(f"{API}/invoices")
    assert [item["name"] for item in listed.json()["invoices"]] == ["invoices/inv-1"]
    assert one.cases.searches[-1].creditor == TESTI

    other = await one.client.get(f"{API}/invoices/inv-x")
    missing = await one.client.get(f"{API}/invoices/nope")
    malformed = await one.client.get(f"{API}/invoices/not%20an%20id")
    other_events = await one.client.get(f"{API}/invoices/inv-x/events")
    assert other.status_code == missing.status_code == malformed.status_code == 404
    assert other.content == missing.content == malformed.content == other_events.content
    assert other.json()["error"]["details"][0]["reason"] == "CASE_NOT_FOUND"
    denials = await one.denials()
    assert [(d.event.resource, d.event.reason) for d in denials] == [
        ("invoices/inv-x", "NO_RELATION"),
        ("invoices/nope", "NO_RELATION"),
        ("invoices/-", "MALFORMED_ID"),
        ("invoices/inv-x", "NO_RELATION"),
    ]
    assert {d.event.channel for d in denials} == {Channel.ROPO_ONE_API}
    assert "invoices/inv-x" not in one.cases.gets
    assert (await one.client.get(f"{API}/invoices/inv-1")).status_code == 200


async def test_the_api_is_described_in_openapi(one: Console) -> None:
    spec = (await one.client.get("/api/openapi.json")).json()
    paths = spec["paths"]
    search = paths[f"{API}/invoices"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {
        "query",
        "case_number",
        "invoice_number",
        "reference",
        "debtor_name",
        "state",
        "open_only",
        "page_size",
        "page_token",
    }
    # Criteria travel in the query string: the description tells clients never to send a code.
    assert "query string" in search["description"]
    assert "never send a henkilötunnus" in search["description"]
    assert "henkilötunnus" in search["responses"]["400"]["description"]
    ok = search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok.endswith("/CaseSearchOut")
    case = paths[f"{API}/invoices/{{invoice_id}}"]["get"]["responses"]
    assert case["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseOut")
    assert "401" in case
    error_ref = case["404"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorResponse")  # the one AIP-193 error schema of the API
    events = paths[f"{API}/invoices/{{invoice_id}}/events"]["get"]["responses"]
    assert events["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseEventsOut")
    schemas = spec["components"]["schemas"]
    assert {"open_capital", "capital", "display_status", "debtor"} <= set(
        schemas["CaseOut"]["properties"]
    )
    # Staff pages are pages, not API operations.
    assert not [path for path in paths if path.startswith("/ropo-one")]
