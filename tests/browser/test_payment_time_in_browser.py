"""*Maksuaika* in a real browser against the real stack: a person moves an overdue invoice's
due date and sees the new date and the fee; makes a 3-instalment payment plan and sees the
schedule; and on an invoice where neither is possible reads why. Each test works on an invoice
of its own (``Stack.import_fresh_invoice``)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import grpc
import httpx
import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo.payment.v1 import payment_pb2, payment_service_pb2
from ropo_stack import Stack, person_subject

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "aino-korhonen", "Aino Korhonen"


def log_in(stack: Stack, page: Page) -> None:
    page.goto(stack.gateway_url)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(PERSON_NAME)).check()
    page.get_by_role("button", name="Tunnistaudu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")


def invoice_url(stack: Stack, invoice: invoice_pb2.Invoice) -> str:
    return f"{stack.gateway_url}/laskut/{invoice.name.removeprefix('invoices/')}"


def test_extend_an_overdue_due_date_and_see_the_new_date_and_the_fee(
    stack: Stack, browser: Browser
) -> None:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID, due_in_days=-3))
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(stack, page)
        page.goto(invoice_url(stack, invoice))
        section = page.locator("section#maksuaika")
        latest = section.locator(".latest-due-date").inner_text()
        # After the original due date a consumer's extension costs at most 5 €.
        expect(section.locator("dd.fee")).to_have_text(re.compile(r"^5,00\s€$"))
        section.locator("form.extension-form").get_by_role("button", name="Jatka").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Eräpäivän siirto")
        expect(page.locator("dd.new-due-date")).to_have_text(latest)
        expect(page.locator("dd.fee")).to_have_text(re.compile(r"^5,00\s€$"))
        page.get_by_role("button", name="Vahvista siirto").click()

        expect(page).to_have_url(invoice_url(stack, invoice))
        notice = page.locator(".payment-time-notice")
        expect(notice).to_contain_text(f"Eräpäivä siirretty: {latest}.")
        expect(notice).to_contain_text("5,00")
        expect(page.locator("dl").first).to_contain_text(latest)
        # Once is the default limit: the page now says why it cannot be moved again.
        expect(section.locator("p.unavailable").first).to_be_visible()
    finally:
        context.close()
    stored = stack.run_sync(stack.get_invoice(invoice.name))
    assert stored.due_date_extension_count == 1
    assert stored.due_date.day == int(latest.split(".")[0])


def test_make_a_three_instalment_plan_and_see_the_schedule(stack: Stack, browser: Browser) -> None:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID))
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(stack, page)
        page.goto(invoice_url(stack, invoice))
        plan_form = page.locator("form.plan-form")
        plan_form.get_by_label(re.compile(r"^3 erää")).check()
        plan_form.get_by_role("button", name="Jatka").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Maksusuunnitelma")
        preview = page.locator("tr[data-instalment]")
        expect(preview).to_have_count(3)
        dates = [row.locator("td").first.inner_text() for row in preview.all()]
        page.get_by_role("button", name="Vahvista maksusuunnitelma").click()

        expect(page).to_have_url(invoice_url(stack, invoice))
        expect(page.locator(".payment-time-notice")).to_contain_text("Maksusuunnitelma on tehty.")
        schedule = page.locator("section#maksusuunnitelma tr[data-instalment]")
        expect(schedule).to_have_count(3)
        assert [row.locator("td").first.inner_text() for row in schedule.all()] == dates
    finally:
        context.close()
    stored = stack.run_sync(stack.get_invoice(invoice.name))
    plan = stored.payment_plan
    assert len(plan.instalments) == 3
    total = sum(i.amount.units * 100 + i.amount.nanos // 10_000_000 for i in plan.instalments)
    assert total == plan.total_amount.units * 100 + plan.total_amount.nanos // 10_000_000


def pay_in_myropo(stack: Stack, invoice: invoice_pb2.Invoice) -> None:
    """Pay ``invoice`` through the PSP without a browser: the payment is confirmed, the
    money not settled (*Maksettu MyRopossa*)."""

    async def create() -> payment_pb2.Payment:
        async with grpc.aio.insecure_channel(str(stack.payment_addr)) as channel:
            response = await stack.payment_stub(channel).CreatePayment(
                payment_service_pb2.CreatePaymentRequest(
                    request_id=str(uuid.uuid4()),
                    payer=person_subject(PERSON_ID),
                    items=[
                        payment_pb2.PaymentItem(invoice=invoice.name, amount=invoice.open_amount)
                    ],
                    success_url=f"{stack.gateway_url}/maksu/paluu",
                    cancel_url=f"{stack.gateway_url}/maksu/paluu",
                ),
                timeout=15,
            )
        payment: payment_pb2.Payment = response.payment
        return payment

    payment = stack.run_sync(create())
    completed = stack.psp(
        "POST",
        f"/control/payments/{payment.provider_transaction_id}/complete",
        {"outcome": "success", "provider": "nordea"},
    )
    query = dict(parse_qsl(urlsplit(completed.json()["redirectUrl"]).query))
    answer = httpx.get(f"{stack.gateway_url}/maksu/callback", params=query, timeout=15)
    assert answer.status_code == 200, answer.text


def test_an_invoice_where_neither_is_possible_says_why(stack: Stack, browser: Browser) -> None:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID))
    pay_in_myropo(stack, invoice)
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(stack, page)
        url = invoice_url(stack, invoice)
        for _ in range(100):  # until the invoice service learnt of the payment
            page.goto(url)
            if "Maksettu MyRopossa" in page.content():
                break
            page.wait_for_timeout(200)
        section = page.locator("section#maksuaika")
        reasons = section.locator("p.unavailable")
        expect(reasons).to_have_count(2)
        for reason in reasons.all():
            expect(reason).to_have_text(re.compile(r"\S"))
        expect(section.locator("form")).to_have_count(0)
    finally:
        context.close()
