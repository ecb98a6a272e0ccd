"""Ropo One's *Maksusuunnitelma*: the case page and the JSON case show the invoice's plan
(state, every instalment's number, due date, amount, paid amount and state in Finnish);
agents and supervisors may *Peru maksusuunnitelma* with a reason (CSRF), which calls
CancelPaymentPlan as the staff user and leaves one audit record; a creditor user is
offered no form and a POST of theirs is the one 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import lxml.html
import pytest_asyncio
from myropo_fakes import plan_choice, plan_message
from ropo.invoice.v1 import payment_time_pb2
from ropo_gateway.audit.model import Purpose
from ropo_one_support import (
    AGENT,
    DEBTOR,
    TESTI_USER,
    Console,
    console,
    csrf_token,
    make_invoice,
    text,
)

PLAN = "invoices/inv-1/paymentPlans/1"
CASE = "/ropo-one/tapaukset/inv-1"
CANCEL = CASE + "/maksusuunnitelma/peru"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        invoice = make_invoice("inv-1")
        invoice.payment_plan.CopyFrom(
            plan_message(PLAN, plan_choice(3, "20.00", "1721.32", date(2025, 4, 5)))
        )
        invoice.payment_plan.instalments[0].state = payment_time_pb2.Instalment.STATE_PAID
        running.cases.add(invoice)
        running.cases.add(make_invoice("inv-2"))
        yield running


def plan_rows(html: str) -> list[list[str]]:
    section = lxml.html.fromstring(html).xpath("//section[@id='maksusuunnitelma']")
    assert section, "no Maksusuunnitelma section"
    return [
        [" ".join(cell.text_content().replace("\xa0", " ").split()) for cell in row.xpath("./td")]
        for row in section[0].xpath(".//tbody/tr")
    ]


def cancel_form(html: str) -> list[lxml.html.HtmlElement]:
    return list(lxml.html.fromstring(html).xpath("//form[contains(@class, 'plan-cancel')]"))


async def test_the_case_page_shows_the_plan_and_its_instalments(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    assert plan_rows(page.text) == [
        ["1", "5.4.2025", "573,78 €", "0,00 €", "Maksettu"],
        ["2", "5.5.2025", "573,77 €", "0,00 €", "Avoinna"],
        ["3", "5.6.2025", "573,77 €", "0,00 €", "Avoinna"],
    ]
    assert "Voimassa" in text(page.text)
    (form,) = cancel_form(page.text)
    assert form.get("action") == CANCEL
    # A case without a plan has no section.
    other = await one.client.get("/ropo-one/tapaukset/inv-2")
    assert not lxml.html.fromstring(other.text).xpath("//section[@id='maksusuunnitelma']")


async def test_an_agent_cancels_the_plan_with_a_reason(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    token = csrf_token(page.text)
    (form,) = cancel_form(page.text)
    request_id = form.xpath(".//input[@name='request_id']/@value")[0]
    empty = await one.client.post(
        CANCEL, data={"csrf_token": token, "reason": " ", "request_id": request_id}
    )
    assert empty.status_code == 400 and "Kirjoita perumisen syy." in text(empty.text)
    assert one.cases.plan_cancels == []
    done = await one.client.post(
        CANCEL,
        data={"csrf_token": token, "reason": "Velallinen pyysi", "request_id": request_id},
    )
    assert done.status_code == 200
    assert "Maksusuunnitelma on peruttu. Perintä jatkuu." in text(done.text)
    assert "Peruttu" in text(done.text) and not cancel_form(done.text)
    ((sent_id, plan, actor, reason),) = one.cases.plan_cancels
    assert sent_id == request_id and plan == PLAN and reason == "Velallinen pyysi"
    assert actor.startswith("staffUsers/")
    records = [r.event for r in await one.audit() if r.event.purpose is Purpose.PAYMENT_PLAN_ADMIN]
    assert len(records) == 1
    assert records[0].resource == PLAN and records[0].actor == actor
    assert records[0].data_subject == DEBTOR
    # Once cancelled it cannot be cancelled again.
    again = await one.client.post(
        CANCEL, data={"csrf_token": token, "reason": "uudelleen", "request_id": request_id}
    )
    assert again.status_code == 409 and "ei ole enää voimassa" in text(again.text)


async def test_a_bad_csrf_token_cancels_nothing(one: Console) -> None:
    await one.login_staff(AGENT)
    response = await one.client.post(CANCEL, data={"csrf_token": "forged", "reason": "x"})
    assert response.status_code == 403 and one.cases.plan_cancels == []


async def test_a_creditor_user_sees_the_plan_but_cannot_cancel_it(one: Console) -> None:
    await one.login_staff(TESTI_USER)
    page = await one.client.get(CASE)
    assert page.status_code == 200 and len(plan_rows(page.text)) == 3
    assert not cancel_form(page.text)
    refused = await one.client.post(
        CANCEL, data={"csrf_token": csrf_token(page.text), "reason": "Haluan perua"}
    )
    assert refused.status_code == 404 and one.cases.plan_cancels == []
    assert any(r.event.resource == "invoices/inv-1" for r in await one.denials())


async def test_the_json_case_carries_the_plan(one: Console) -> None:
    await one.login_staff(AGENT)
    body = (await one.client.get("/api/ropo-one/v1/invoices/inv-1")).json()
    plan = body["payment_plan"]
    assert plan["name"] == PLAN and plan["state"] == "ACTIVE"
    assert plan["fee"] == {"amount": "20.00", "currency": "EUR"}
    assert [item["state"] for item in plan["instalments"]] == ["PAID", "OPEN", "OPEN"]
    assert (await one.client.get("/api/ropo-one/v1/invoices/inv-2")).json()["payment_plan"] is None
