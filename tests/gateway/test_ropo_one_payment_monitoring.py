"""*Siirrä maksuvalvontaan* on the case page and its JSON twin: offered only for a case in
collection and only to agents and supervisors, the judgment checked (date not in the future,
reference required, bounded, no henkilötunnus) with readable messages, CSRF, the service's
refusal, the letter sent, and one audit record per attempt the service answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import grpc
import lxml.html
import pytest_asyncio
from ropo_gateway.audit.model import AuditEvent, AuditRecord, Channel, Outcome, Purpose
from ropo_gateway.ropo_one.texts import FINNISH_TIME
from ropo_one_dispute_fakes import invoice_error
from ropo_one_support import (
    AGENT,
    DEBTOR,
    SUPERVISOR,
    TESTI_USER,
    Console,
    State,
    console,
    csrf_token,
    make_invoice,
    text,
)

CASE = "/ropo-one/tapaukset/inv-1"
ACTION = CASE + "/maksuvalvonta"
API = "/api/ropo-one/v1/invoices/inv-1/payment-monitoring"
REFERENCE = "Helsingin käräjäoikeus L 27/1234"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1", state=State.STATE_COLLECTION))
        running.cases.add(make_invoice("inv-2", state=State.STATE_REMINDER))
        yield running


def today() -> date:
    return datetime.now(FINNISH_TIME).date()


def monitoring_form(html: str) -> dict[str, str]:
    tree = lxml.html.fromstring(html)
    inputs = tree.xpath("//form[contains(@class, 'payment-monitoring')]//input[@type='hidden']")
    return {str(item.get("name")): str(item.get("value")) for item in inputs}


def problems(html: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    links = tree.xpath("//section[@id='maksuvalvonta']//div[@class='one-error-summary']//a")
    return [" ".join(link.text_content().split()) for link in links]


def admin_records(records: list[AuditRecord]) -> list[AuditEvent]:
    return [r.event for r in records if r.event.purpose is Purpose.PAYMENT_MONITORING_ADMIN]


async def test_an_agent_moves_a_case_in_collection_to_payment_monitoring(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    form = monitoring_form(page.text)
    assert form["request_id"]
    judged = (today() - timedelta(days=3)).isoformat()
    answer = await one.client.post(
        ACTION, data={**form, "judgment_date": judged, "judgment_reference": f"  {REFERENCE} "}
    )
    assert answer.status_code == 200, answer.text
    body = text(answer.text)
    assert "Tapaus siirrettiin maksuvalvontaan ja maksuvalvontakirje lähetettiin." in body
    tree = lxml.html.fromstring(answer.text)
    assert not tree.xpath("//form[contains(@class, 'payment-monitoring')]")
    letters = tree.xpath("//table[contains(@class, 'one-letters')]/tbody/tr/@data-type")
    assert letters == ["PAYMENT_MONITORING_LETTER"]
    (order,) = one.disputes.monitorings
    assert order.invoice == "invoices/inv-1"
    assert order.actor == f"staffUsers/{AGENT}"
    assert order.judgment_date == today() - timedelta(days=3)
    assert order.judgment_reference == REFERENCE
    assert order.request_id == form["request_id"]
    assert one.cases.invoices["invoices/inv-1"].state == State.STATE_PAYMENT_MONITORING
    (event,) = admin_records(await one.audit())
    assert (event.resource, event.reason, event.outcome, event.data_subject, event.channel) == (
        "invoices/inv-1",
        "PAYMENT_MONITORING_STARTED",
        Outcome.ALLOWED,
        DEBTOR,
        Channel.ROPO_ONE,
    )


async def test_the_form_is_offered_only_in_collection(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    reminder = await one.client.get("/ropo-one/tapaukset/inv-2")
    tree = lxml.html.fromstring(reminder.text)
    assert not tree.xpath("//section[@id='maksuvalvonta']")
    collection = await one.client.get(CASE)
    assert lxml.html.fromstring(collection.text).xpath(
        "//form[contains(@class, 'payment-monitoring')]"
    )


async def test_a_case_not_in_collection_is_refused_readably(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    answer = await one.client.post(
        "/ropo-one/tapaukset/inv-2/maksuvalvonta",
        data={
            "csrf_token": csrf_token(page.text),
            "judgment_date": today().isoformat(),
            "judgment_reference": REFERENCE,
        },
    )
    assert answer.status_code == 409
    assert "Maksuvalvontaan voi siirtää vain perinnässä olevan tapauksen." in text(answer.text)
    assert one.disputes.monitorings == []


async def test_the_services_refusal_is_shown_and_audited(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    # Moved by someone else meanwhile: the page still offered the form, the service refuses.
    one.disputes.fail_with = invoice_error(
        grpc.StatusCode.FAILED_PRECONDITION, "INVOICE_NOT_IN_COLLECTION"
    )
    refused = await one.client.post(
        ACTION,
        data={
            **monitoring_form(page.text),
            "judgment_date": today().isoformat(),
            "judgment_reference": REFERENCE,
        },
    )
    assert refused.status_code == 409
    assert "Maksuvalvontaan voi siirtää vain perinnässä olevan tapauksen." in text(refused.text)
    (event,) = admin_records(await one.audit())
    assert (event.reason, event.outcome, event.resource) == (
        "INVOICE_NOT_IN_COLLECTION",
        Outcome.DENIED,
        "invoices/inv-1",
    )


async def test_the_judgment_is_checked_with_readable_messages(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    form = monitoring_form(page.text)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    cases = [
        ({}, ["Anna tuomion päivämäärä.", "Anna tuomioistuin ja asianumero."]),
        (
            {"judgment_date": "31.2.2025", "judgment_reference": REFERENCE},
            ["Anna päivämäärä muodossa pp.kk.vvvv."],
        ),
        (
            {"judgment_date": tomorrow, "judgment_reference": REFERENCE},
            ["Tuomion päivämäärä ei voi olla tulevaisuudessa."],
        ),
        (
            {"judgment_date": "1.3.2025", "judgment_reference": "x" * 201},
            ["Tuomion tiedot ovat liian pitkät (enintään 200 merkkiä)."],
        ),
        (
            {"judgment_date": "1.3.2025", "judgment_reference": "L 27/1234 150385-902A"},
            ["Tuomion tietoihin ei saa kirjoittaa henkilötunnusta."],
        ),
    ]
    for fields, expected in cases:
        answer = await one.client.post(ACTION, data={**form, **fields})
        assert answer.status_code == 400, fields
        assert problems(answer.text) == expected, fields
    assert "150385-902A" not in answer.text
    assert one.disputes.monitorings == []
    assert admin_records(await one.audit()) == []


async def test_the_action_needs_the_csrf_token(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    form = {
        **monitoring_form(page.text),
        "judgment_date": today().isoformat(),
        "judgment_reference": REFERENCE,
    }
    for token in ("", "forged"):
        answer = await one.client.post(ACTION, data={**form, "csrf_token": token})
        assert answer.status_code == 403
    assert one.disputes.monitorings == []
    assert one.cases.invoices["invoices/inv-1"].state == State.STATE_COLLECTION


async def test_a_creditor_user_is_not_offered_it_and_is_refused_like_a_missing_case(
    one: Console,
) -> None:
    await one.login_staff(TESTI_USER)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.text).xpath("//section[@id='maksuvalvonta']")
    answer = await one.client.post(
        ACTION,
        data={
            "csrf_token": csrf_token(page.text),
            "judgment_date": today().isoformat(),
            "judgment_reference": REFERENCE,
        },
    )
    missing = await one.client.get("/ropo-one/tapaukset/no-such-case")
    assert answer.status_code == 404 and answer.text == missing.text
    assert one.disputes.monitorings == []
    denials = [(d.event.resource, d.event.reason) for d in await one.denials()]
    assert ("invoices/inv-1", "ACTION_NOT_ALLOWED") in denials


async def test_the_json_twin_moves_the_case_and_returns_the_letter(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    answer = await one.client.post(
        API,
        json={
            "judgment_date": (today() - timedelta(days=1)).isoformat(),
            "judgment_reference": REFERENCE,
            "request_id": "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["case"]["state"] == "PAYMENT_MONITORING"
    assert body["letter"]["type"] == "PAYMENT_MONITORING_LETTER"
    assert body["letter"]["name"] == "invoices/inv-1/letters/pm-1"
    assert one.disputes.monitorings[0].request_id == "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    (event,) = admin_records(await one.audit())
    assert event.channel is Channel.ROPO_ONE_API and event.outcome is Outcome.ALLOWED


async def test_the_json_twin_refuses_bad_input_and_the_wrong_stage(one: Console) -> None:
    await one.login_staff(AGENT)
    future = await one.client.post(
        API,
        json={
            "judgment_date": (today() + timedelta(days=2)).isoformat(),
            "judgment_reference": "L 1 150385-902A",
        },
    )
    assert future.status_code == 400
    violations = future.json()["error"]["details"][1]["fieldViolations"]
    assert violations == [
        {"field": "judgment_date", "description": "must not be in the future"},
        {
            "field": "judgment_reference",
            "description": "must not contain a personal identity code",
        },
    ]
    assert "150385" not in future.text
    wrong = await one.client.post(
        "/api/ropo-one/v1/invoices/inv-2/payment-monitoring",
        json={"judgment_date": today().isoformat(), "judgment_reference": REFERENCE},
    )
    assert wrong.status_code == 409
    assert wrong.json()["error"]["details"][0]["reason"] == "INVOICE_NOT_IN_COLLECTION"
    no_date = await one.client.post(API, json={"judgment_reference": REFERENCE})
    assert no_date.status_code == 400
    assert no_date.json()["error"]["details"][1]["fieldViolations"] == [
        {"field": "judgment_date", "description": "is required"}
    ]
    form = await one.client.post(API, data={"judgment_reference": REFERENCE})
    assert form.status_code == 415
    assert one.disputes.monitorings == []


async def test_the_json_twin_refuses_a_creditor_user_like_a_missing_case(one: Console) -> None:
    await one.login_staff(TESTI_USER)
    answer = await one.client.post(
        API, json={"judgment_date": today().isoformat(), "judgment_reference": REFERENCE}
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["details"][0]["reason"] == "CASE_NOT_FOUND"
    # Unusable input is refused only after the access check: the same 404.
    empty = await one.client.post(API, json={"judgment_reference": ""})
    assert (empty.status_code, empty.content) == (404, answer.content)
    assert one.disputes.monitorings == []
