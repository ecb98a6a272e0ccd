"""Paying an invoice in a real browser against the real stack: MyRopo → *Maksa* → the sandbox
PSP's page → back in MyRopo with *Maksettu MyRopossa*; Ropo One shows the payment and the
status while *Pääoma* and *Avoin pääoma* stay as they were; after the PSP's settlement report
the invoice is *Maksettu* and has moved to *Arkisto*."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "aino-korhonen", "Aino Korhonen"
AGENT_NAME = "Aino Asiakaspalvelija"


def identify(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def reload_until(page: Page, url: str, text: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while True:
        page.goto(url)
        if text in page.content():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear on {url} within {within}s")
        page.wait_for_timeout(200)


def printed_case_number(case_number: str) -> str:
    return " ".join(case_number[i : i + 4] for i in range(0, len(case_number), 4))


def test_pay_in_myropo_see_it_in_ropo_one_and_archive_after_settlement(
    stack: Stack, browser: Browser
) -> None:
    invoice: invoice_pb2.Invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID))
    invoice_url = f"{stack.gateway_url}/laskut/{invoice.name.removeprefix('invoices/')}"
    person_context, staff_context = browser.new_context(), browser.new_context()
    try:
        page = person_context.new_page()
        page.goto(stack.gateway_url)
        page.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, page, PERSON_NAME)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")

        page.goto(invoice_url)
        page.get_by_role("link", name="Maksa", exact=True).click()
        page.get_by_role("button", name="Maksa verkkopankissa").click()
        expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url) + "/psp/pay/"))
        page.get_by_role("button", name="Nordea").click()

        expect(page).to_have_url(re.compile(re.escape(stack.gateway_url) + "/maksu/paluu"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Maksettu MyRopossa")
        reload_until(page, stack.gateway_url, "Maksettu MyRopossa")
        row = page.locator(f'tr[data-invoice="{invoice.name}"]')
        expect(row).to_contain_text("Maksettu MyRopossa")

        staff = staff_context.new_page()
        staff.goto(f"{stack.gateway_url}/ropo-one")
        staff.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, staff, AGENT_NAME)
        staff.get_by_label("Asianumero").fill(printed_case_number(invoice.case_number))
        staff.get_by_role("button", name="Hae", exact=True).click()
        staff.locator(f'tr[data-invoice="{invoice.name}"]').get_by_role("link").click()
        case_url = staff.url
        expect(staff.locator('[data-field="status"]')).to_have_text("Maksettu MyRopossa")
        capital = staff.locator('[data-field="capital"]').inner_text()
        open_capital = staff.locator('[data-field="open_capital"]')
        expect(open_capital).to_have_text(capital)  # nothing allocated before settlement
        payments = staff.locator("section", has=staff.get_by_role("heading", name="Maksut"))
        expect(payments).to_contain_text("Maksettu MyRopossa")
        expect(payments).to_contain_text("nordea")

        report = stack.settle_at_psp()
        imported = stack.run_sync(stack.import_statement(report))
        assert imported.settled_count >= 1

        reload_until(staff, case_url, "Tilitetty")  # the payment service settled it
        status = staff.locator('[data-field="status"]')
        deadline = time.monotonic() + 20
        while status.inner_text().strip() != "Maksettu" and time.monotonic() < deadline:
            staff.wait_for_timeout(200)  # the invoice worker allocates the money
            staff.goto(case_url)
        expect(status).to_have_text("Maksettu")
        expect(staff.locator('[data-field="open_capital"]')).not_to_have_text(capital)
        reload_until(page, f"{stack.gateway_url}/?tab=arkisto", invoice.invoice_number)
        archived = page.locator(f'tr[data-invoice="{invoice.name}"]')
        expect(archived).to_contain_text("Maksettu")
        page.goto(stack.gateway_url)
        expect(page.locator(f'tr[data-invoice="{invoice.name}"]')).to_have_count(0)
    finally:
        person_context.close()
        staff_context.close()
