"""The JSON twins of *Reklamaatiot*: the queue (with each invoice's number and debtor), an
invoice's disputes, one dispute, and the decision — same roles, checks, AIP-193 errors and
audit records as the pages, and described in OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.disputes import AttachmentFile, DisputeOutcome, DisputeState
from ropo_one_dispute_fakes import PDF
from ropo_one_support import AGENT, DEBTOR, TESTI_USER, Console, State, console, make_invoice

API = "/api/ropo-one/v1"
DISPUTE = f"{API}/invoices/inv-1/disputes/d-1"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1", state=State.STATE_COLLECTION))
        running.cases.add(make_invoice("inv-2", invoice_number="100202", debtor_name="Matti"))
        running.disputes.open(
            "inv-1",
            "d-1",
            amount="100.00",
            files=[AttachmentFile("kuitti.pdf", "application/pdf", PDF)],
            minutes=10,
        )
        running.disputes.open("inv-2", "d-2")
        yield running


async def test_without_a_staff_session_every_call_is_401(one: Console) -> None:
    for path in (f"{API}/disputes", f"{API}/invoices/inv-1/disputes", DISPUTE):
        answer = await one.client.get(path)
        assert answer.status_code == 401
        assert answer.json()["error"]["details"][0]["reason"] == "SESSION_REQUIRED"
    answer = await one.client.post(
        f"{DISPUTE}/resolve", json={"outcome": "REJECTED", "message": "Ei."}
    )
    assert answer.status_code == 401
    assert one.disputes.lists == []


async def test_the_queue_lists_open_disputes_with_their_invoices(one: Console) -> None:
    await one.login_staff(AGENT)
    answer = await one.client.get(f"{API}/disputes")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [item["name"] for item in body["disputes"]] == [
        "invoices/inv-1/disputes/d-1",
        "invoices/inv-2/disputes/d-2",
    ]
    first = body["disputes"][0]
    assert first["state"] == "OPEN"
    assert first["disputed_amount"] == {"amount": "100.00", "currency": "EUR"}
    assert first["invoice_number"] == "100101"
    assert first["debtor_name"] == "Maija Meikäläinen"
    assert first["attachments"] == [
        {"index": 0, "filename": "kuitti.pdf", "media_type": "application/pdf", "size": len(PDF)}
    ]
    assert body["disputes"][1]["disputed_amount"] is None
    assert body["next_page_token"] == ""
    assert one.disputes.lists[-1]["states"] == (DisputeState.OPEN,)
    rejected = await one.client.get(
        f"{API}/disputes", params={"state": ["REJECTED"], "page_size": 5}
    )
    assert rejected.json()["disputes"] == []
    assert one.disputes.lists[-1] == {
        "invoice": "",
        "states": (DisputeState.REJECTED,),
        "page_size": 5,
    }
    bad = await one.client.get(f"{API}/disputes", params={"state": "MAYBE"})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][1]["fieldViolations"][0]["field"] == "state"
    listed = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_VIEW]
    assert [(e.resource, e.result_count, e.channel) for e in listed] == [
        ("disputes", 2, Channel.ROPO_ONE_API),
        ("disputes", 0, Channel.ROPO_ONE_API),
    ]


async def test_an_invoices_disputes_and_one_dispute(one: Console) -> None:
    await one.login_staff(AGENT)
    listed = await one.client.get(f"{API}/invoices/inv-1/disputes")
    assert [item["name"] for item in listed.json()["disputes"]] == ["invoices/inv-1/disputes/d-1"]
    single = await one.client.get(DISPUTE)
    assert single.status_code == 200
    assert single.json()["reason"] == "Tuote ei vastannut tilausta."
    assert single.json()["disputer"] == DEBTOR
    events = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_VIEW]
    assert [(e.resource, e.data_subject) for e in events] == [
        ("invoices/inv-1/disputes", DEBTOR),
        ("invoices/inv-1/disputes/d-1", DEBTOR),
    ]
    missing = await one.client.get(f"{API}/invoices/inv-1/disputes/d-2")
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["reason"] == "CASE_NOT_FOUND"


async def test_a_partial_acceptance_is_resolved_through_the_api(one: Console) -> None:
    await one.login_staff(AGENT)
    answer = await one.client.post(
        f"{DISPUTE}/resolve",
        json={
            "outcome": "PARTIALLY_ACCEPTED",
            "credited_amount": {"amount": "40.00", "currency": "EUR"},
            "message": "Hyvitämme osan.",
            "request_id": "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dispute"]["state"] == "PARTIALLY_ACCEPTED"
    assert body["dispute"]["credited_amount"] == {"amount": "40.00", "currency": "EUR"}
    assert body["case"]["open_amount"] == {"amount": "1661.32", "currency": "EUR"}
    (sent,) = one.disputes.resolutions
    assert sent.outcome is DisputeOutcome.PARTIALLY_ACCEPTED
    assert sent.request_id == "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    admin = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_ADMIN]
    assert [(e.reason, e.outcome, e.channel) for e in admin] == [
        ("DISPUTE_PARTIALLY_ACCEPTED", Outcome.ALLOWED, Channel.ROPO_ONE_API)
    ]
    again = await one.client.post(
        f"{DISPUTE}/resolve", json={"outcome": "REJECTED", "message": "Ei."}
    )
    assert again.status_code == 409
    assert again.json()["error"]["details"][0]["reason"] == "DISPUTE_NOT_OPEN"


async def test_refused_decisions_name_the_fields_never_the_values(one: Console) -> None:
    await one.login_staff(AGENT)
    too_much = await one.client.post(
        f"{DISPUTE}/resolve",
        json={
            "outcome": "PARTIALLY_ACCEPTED",
            "credited_amount": {"amount": "100.01"},
            "message": "Hetu 150385-902A",
        },
    )
    assert too_much.status_code == 400
    violations = too_much.json()["error"]["details"][1]["fieldViolations"]
    assert violations == [
        {
            "field": "credited_amount",
            "description": "must not be more than the disputed amount",
        },
        {"field": "message", "description": "must not contain a personal identity code"},
    ]
    assert "150385" not in too_much.text
    dollars = await one.client.post(
        f"{DISPUTE}/resolve",
        json={
            "outcome": "PARTIALLY_ACCEPTED",
            "credited_amount": {"amount": "1.00", "currency": "USD"},
            "message": "x",
        },
    )
    assert dollars.status_code == 400
    unknown = await one.client.post(f"{DISPUTE}/resolve", json={"outcome": "MAYBE", "message": "x"})
    assert unknown.status_code == 400
    extra = await one.client.post(
        f"{DISPUTE}/resolve", json={"outcome": "REJECTED", "message": "x", "actor": "me"}
    )
    assert extra.status_code == 400
    form = await one.client.post(f"{DISPUTE}/resolve", data={"outcome": "REJECTED"})
    assert form.status_code == 415
    assert one.disputes.resolutions == []


async def test_a_creditor_user_gets_403_and_404(one: Console) -> None:
    await one.login_staff(TESTI_USER)
    queue = await one.client.get(f"{API}/disputes")
    assert queue.status_code == 403
    assert queue.json()["error"]["details"][0]["reason"] == "DISPUTES_STAFF_ONLY"
    for answer in (
        await one.client.get(f"{API}/invoices/inv-1/disputes"),
        await one.client.get(DISPUTE),
        await one.client.post(f"{DISPUTE}/resolve", json={"outcome": "ACCEPTED", "message": "x"}),
        # Unusable input is refused only after the access check: the same 404.
        await one.client.post(f"{DISPUTE}/resolve", json={"outcome": "x", "message": ""}),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["details"][0]["reason"] == "CASE_NOT_FOUND"
    assert one.disputes.lists == [] and one.disputes.resolutions == []


async def test_the_api_is_described_in_openapi(one: Console) -> None:
    schema = (await one.client.get("/api/openapi.json")).json()
    paths = schema["paths"]
    assert "get" in paths[f"{API}/disputes"]
    assert "get" in paths[f"{API}/invoices/{{invoice_id}}/disputes"]
    assert "get" in paths[f"{API}/invoices/{{invoice_id}}/disputes/{{dispute_id}}"]
    assert "post" in paths[f"{API}/invoices/{{invoice_id}}/disputes/{{dispute_id}}/resolve"]
    assert "post" in paths[f"{API}/invoices/{{invoice_id}}/payment-monitoring"]
    assert not [path for path in paths if path.startswith("/ropo-one/reklamaatiot")]
