"""The PSP's answers: ``GET /maksu/paluu`` (the browser, with or without a session) shows the
receipt for each state, and ``GET /maksu/callback`` (the PSP's server) answers ``OK`` in plain
text without a session cookie; both pass every query parameter to HandlePspReturn, refuse a
bad signature with 400 and an audit record, and never log the signature."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest_asyncio
from myropo_fakes import (
    MAIJA,
    MATTI,
    FakePayments,
    Harness,
    make_invoice,
    make_payment,
    payment_error,
    running_gateway,
)
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.payments import PspReturnKind
from ropo_one_support import captured_logs, text

GOOD = FakePayments.GOOD_SIGNATURE


def query(status: str = "ok", signature: str = GOOD, **extra: str) -> dict[str, str]:
    return {
        "checkout-account": "375917",
        "checkout-algorithm": "sha256",
        "checkout-amount": "169632",
        "checkout-stamp": "p1",
        "checkout-reference": "RF332348236",
        "checkout-transaction-id": "tx-1",
        "checkout-status": status,
        "checkout-provider": "nordea",
        "signature": signature,
        **extra,
    }


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as harness:
        harness.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        harness.access.allow(MAIJA, "invoices/maija-1")
        harness.payments.add(make_payment("p1", payer=MAIJA.subject))
        yield harness


def anonymous(gateway: Harness) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=gateway.client._transport, base_url="http://localhost")


async def test_a_paid_return_shows_maksettu_myropossa(gateway: Harness) -> None:
    sent = query("ok", **{"checkout-foo": "bar"})
    page = await gateway.client.get("/maksu/paluu", params=sent)
    assert page.status_code == 200
    body = text(page.text)
    assert "Maksettu MyRopossa" in body and "1 696,32 €" in body
    assert "1–2 pankkipäivän" in body and "nordea" in body
    assert '<a href="/laskut/maija-1">Avaa lasku</a>' in page.text
    ((kind, received, request_id),) = gateway.payments.returns
    assert kind is PspReturnKind.REDIRECT and received == sent  # every parameter, unchanged
    assert len(request_id) == 36
    # The language switch does not carry the signed query along.
    assert GOOD not in page.text


async def test_cancelled_and_pending_returns(gateway: Harness) -> None:
    failed = await gateway.client.get("/maksu/paluu", params=query("fail"))
    assert "Maksu peruttiin" in failed.text and 'href="/laskut/maija-1"' in failed.text
    gateway.payments.add(make_payment("p2", payer=MAIJA.subject, transaction="tx-2"))
    pending = await gateway.client.get(
        "/maksu/paluu", params=query("pending", **{"checkout-transaction-id": "tx-2"})
    )
    assert pending.status_code == 200 and "Maksu odottaa vahvistusta" in pending.text


async def test_the_receipt_without_a_session_links_no_invoice(gateway: Harness) -> None:
    async with anonymous(gateway) as browser:
        page = await browser.get("/maksu/paluu", params=query())
    assert page.status_code == 200 and "Maksettu MyRopossa" in page.text
    assert "/laskut/maija-1" not in page.text and "RF33" not in page.text
    assert "set-cookie" not in page.headers


async def test_another_person_sees_no_link_to_the_invoice(gateway: Harness) -> None:
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/maksu/paluu", params=query())
    finally:
        await matti.aclose()
    assert page.status_code == 200 and "/laskut/maija-1" not in page.text


async def test_a_bad_signature_is_refused_and_recorded(gateway: Harness) -> None:
    page = await gateway.client.get("/maksu/paluu", params=query(signature="forged"))
    assert page.status_code == 400 and "Maksun paluutieto ei kelpaa." in page.text
    (record,) = await gateway.audit_records()
    event = record.event
    assert (event.actor, event.purpose, event.outcome, event.channel, event.reason) == (
        MAIJA.subject,
        Purpose.PSP_RETURN,
        Outcome.REJECTED,
        Channel.MYROPO,
        "BAD_SIGNATURE",
    )
    assert event.resource == "payments/-"


async def test_unknown_transaction_and_malformed_query(gateway: Harness) -> None:
    unknown = await gateway.client.get(
        "/maksu/paluu", params=query(**{"checkout-transaction-id": "tx-9"})
    )
    assert unknown.status_code == 404
    # A repeated parameter is ambiguous: refused before the service is asked.
    calls = len(gateway.payments.returns)
    twice = await gateway.client.get("/maksu/paluu?checkout-status=ok&checkout-status=fail")
    assert twice.status_code == 400 and len(gateway.payments.returns) == calls
    assert (await gateway.audit_records())[-1].event.reason == "MALFORMED_QUERY"


async def test_the_callback_answers_ok_without_a_session(gateway: Harness) -> None:
    async with anonymous(gateway) as psp:
        response = await psp.get("/maksu/callback", params=query())
    assert response.status_code == 200 and response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in response.headers
    ((kind, received, _),) = gateway.payments.returns
    assert kind is PspReturnKind.CALLBACK and received == query()


async def test_callback_refusals_tell_the_psp_what_to_do(gateway: Harness) -> None:
    async with anonymous(gateway) as psp:
        forged = await psp.get("/maksu/callback", params=query(signature="forged"))
        unknown = await psp.get(
            "/maksu/callback", params=query(**{"checkout-transaction-id": "tx-9"})
        )
        gateway.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
        down = await psp.get("/maksu/callback", params=query())
    assert (forged.status_code, unknown.status_code, down.status_code) == (400, 404, 503)
    assert all("set-cookie" not in r.headers for r in (forged, unknown, down))
    (record,) = await gateway.audit_records()
    assert (record.event.actor, record.event.channel, record.event.outcome) == (
        "anonymous",
        Channel.PSP_CALLBACK,
        Outcome.REJECTED,
    )


async def test_the_redirect_when_the_service_is_down(gateway: Harness) -> None:
    gateway.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
    page = await gateway.client.get("/maksu/paluu", params=query())
    assert page.status_code == 503


async def test_the_signature_never_reaches_a_log_line(gateway: Harness) -> None:
    with captured_logs() as lines:
        async with anonymous(gateway) as psp:
            await psp.get("/maksu/callback", params=query(signature="forged-signature-value"))
            await psp.get("/maksu/callback", params=query())
        await gateway.client.get("/maksu/paluu", params=query(signature="forged-signature-value"))
        # The test's own HTTP client logs the URLs it requests: not the gateway's lines.
        logged = [line for line in lines() if line.get("logger") != "httpx"]
    assert logged
    assert not [line for line in logged if "forged-signature-value" in str(line)]
    assert not [line for line in logged if GOOD in str(line)]
