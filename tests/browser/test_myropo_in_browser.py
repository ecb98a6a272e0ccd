"""MyRopo in a real browser (Chromium through Playwright) against the real stack: log in,
*Laskut* and *Arkisto*, *Etsi laskua listauksesta*, an invoice and its PDF, *Hae lasku*
both ways with another person's invoice, and the language switch — keyboard included."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "matti-meikalainen", "Matti Meikäläinen"
# Other people's invoices Matti finds with Hae lasku (one each way).
BY_DETAILS_OWNER, BY_ID_OWNER = "aino-korhonen", "john-smith"


def invoice_id(invoice: invoice_pb2.Invoice) -> str:
    return invoice.name.removeprefix("invoices/")


def log_in(page: Page, stack: Stack) -> None:
    page.goto(stack.gateway_url)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.get_by_label(re.compile(PERSON_NAME)).check()
    page.get_by_role("button", name="Tunnistaudu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")


def rows(page: Page) -> list[str]:
    return [
        str(row.get_attribute("data-invoice")) for row in page.locator("tr[data-invoice]").all()
    ]


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(locale="fi-FI")


def test_laskut_arkisto_search_invoice_and_pdf(stack: Stack, browser: Browser) -> None:
    invoices = stack.ensure_demo_invoices_sync(PERSON_ID)
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, stack)
        tabs = page.get_by_role("navigation", name="Laskulistat")
        expect(tabs.get_by_role("link", name="Laskut")).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", name="Laskut", exact=True)).to_be_visible()
        assert sorted(rows(page)) == sorted(invoice.name for invoice in invoices)
        for header in ("Laskuttaja", "Eräpäivä", "Avoinna", "Tila"):
            expect(page.get_by_role("columnheader", name=header)).to_be_visible()

        tabs.get_by_role("link", name="Arkisto").click()
        expect(page).to_have_url(f"{stack.gateway_url}/?tab=arkisto")
        expect(page.get_by_role("heading", name="Arkisto", exact=True)).to_be_visible()
        expect(page.get_by_text("Arkistossa ei ole laskuja.")).to_be_visible()
        tabs.get_by_role("link", name="Laskut").click()

        wanted = invoices[0]
        page.get_by_label("Etsi laskua listauksesta").fill(wanted.invoice_number)
        page.get_by_role("button", name="Etsi").click()
        expect(page.locator("tr[data-invoice]")).to_have_count(1)
        assert rows(page) == [wanted.name]

        page.locator(f'tr[data-invoice="{wanted.name}"]').get_by_role("link").click()
        expect(page).to_have_url(f"{stack.gateway_url}/laskut/{invoice_id(wanted)}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Laskun tiedot")
        for label in ("Laskun tila", "Eräpäivä", "Avoinna yhteensä", "Maksuviite", "Asianumero"):
            expect(page.get_by_text(label, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Lisätoiminnot")).to_be_visible()
        open_pdf = page.get_by_role("link", name=re.compile("^Avaa lasku"))
        href = open_pdf.get_attribute("href")
        assert href == f"/laskut/{invoice_id(wanted)}/lasku.pdf"
        pdf = context.request.get(f"{stack.gateway_url}{href}")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
    finally:
        context.close()


def test_hae_lasku_both_ways(stack: Stack, browser: Browser) -> None:
    by_details = stack.ensure_demo_invoices_sync(BY_DETAILS_OWNER)[0]
    by_id = stack.ensure_demo_invoices_sync(BY_ID_OWNER)[0]
    stack.ensure_demo_invoices_sync(PERSON_ID)
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, stack)
        assert by_details.name not in rows(page) and by_id.name not in rows(page)

        page.get_by_role("link", name="Hae lasku").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hae lasku")
        details = page.locator(
            "section", has=page.get_by_role("heading", name="Hae laskun tiedolla")
        )
        details.get_by_label("Laskun numero").fill(by_details.invoice_number)
        details.get_by_label("Laskun viitenumero").fill(by_details.reference)
        details.get_by_label("Laskulla oleva postinumerosi").fill("00000")
        details.get_by_role("button", name="Hae").click()
        expect(page.get_by_role("alert")).to_contain_text("Laskua ei löytynyt")

        details.get_by_label("Laskun numero").fill(by_details.invoice_number)
        details.get_by_label("Laskun viitenumero").fill(by_details.reference)
        details.get_by_label("Laskulla oleva postinumerosi").fill(by_details.debtor.postal_code)
        details.get_by_role("button", name="Hae").click()
        expect(page).to_have_url(f"{stack.gateway_url}/laskut/{invoice_id(by_details)}")
        expect(page.get_by_text(by_details.invoice_number, exact=True)).to_be_visible()

        page.goto(f"{stack.gateway_url}/hae-lasku")
        by_myropo_id = page.locator(
            "section", has=page.get_by_role("heading", name="Hae MyRopo-tunnuksella")
        )
        by_myropo_id.get_by_label("MyRopo-tunnus").fill(by_id.myropo_id)
        by_myropo_id.get_by_role("button", name="Hae").click()
        expect(page).to_have_url(f"{stack.gateway_url}/laskut/{invoice_id(by_id)}")

        page.get_by_role("link", name="Takaisin laskuihin").click()
        found = rows(page)
        assert by_details.name in found and by_id.name in found
    finally:
        context.close()


def test_language_switch_and_keyboard(stack: Stack, browser: Browser) -> None:
    invoice = stack.ensure_demo_invoices_sync(PERSON_ID)[0]
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, stack)
        # Keyboard first: the skip link is the first stop and takes focus visibly.
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Siirry sisältöön")
        expect(skip).to_be_focused()
        assert skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"

        page.get_by_role("link", name="På svenska").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen!")
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        for text in ("Fakturor", "Arkiv", "Sök faktura", "Meddela kontonummer"):
            expect(page.get_by_text(text, exact=True).first).to_be_visible()

        page.goto(f"{stack.gateway_url}/laskut/{invoice_id(invoice)}")
        expect(page.get_by_text("Fakturans status", exact=True)).to_be_visible()
        page.get_by_role("link", name="In English").click()
        # The switch returns to the same page, now in English.
        expect(page).to_have_url(f"{stack.gateway_url}/laskut/{invoice_id(invoice)}")
        expect(page.get_by_text("Invoice status", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("^Open the invoice"))).to_be_visible()

        page.goto(f"{stack.gateway_url}/hae-lasku")
        expect(page.get_by_role("heading", name="Search with the invoice details")).to_be_visible()
        # Every field has its label; the form is usable from the keyboard alone.
        page.get_by_label("Invoice number").focus()
        page.keyboard.type("1")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Invoice reference number")).to_be_focused()
        page.get_by_role("link", name="Suomeksi").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hae lasku")
    finally:
        context.close()
