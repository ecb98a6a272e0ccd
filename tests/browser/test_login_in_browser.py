"""A person logs in with a real browser through the sandbox identity broker and sees
*Tervetuloa!* with their invoices under the *Laskut* tab; *Kirjaudu ulos* ends the session."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID = "maija-meikalainen"
PERSON_NAME = "Maija Meikäläinen"


def test_login_through_the_broker_shows_the_first_page(stack: Stack, browser: Browser) -> None:
    invoices = stack.ensure_demo_invoices_sync(PERSON_ID)
    context = browser.new_context(locale="fi-FI")
    try:
        page = context.new_page()
        page.goto(stack.gateway_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa MyRopoon")
        page.get_by_role("button", name="Kirjaudu sisään").click()

        # The sandbox broker's page: pick the test person and identify.
        expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
        page.get_by_label(re.compile(PERSON_NAME)).check()
        page.get_by_role("button", name="Tunnistaudu").click()

        expect(page).to_have_url(f"{stack.gateway_url}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")
        tabs = page.get_by_role("navigation", name="Laskulistat")
        expect(tabs.get_by_role("link", name="Laskut")).to_have_attribute("aria-current", "page")
        expect(tabs.get_by_role("link", name="Arkisto")).to_be_visible()
        laskut = page.locator("section", has=page.get_by_role("heading", name="Laskut", exact=True))
        for invoice in invoices:
            row = laskut.locator(f'tr[data-invoice="{invoice.name}"]')
            expect(row).to_contain_text(invoice.invoice_number)
            expect(row).to_contain_text(invoice.creditor_display_name)
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["ropo_session"]["httpOnly"] and cookies["ropo_session"]["sameSite"] == "Lax"

        page.get_by_role("button", name="Kirjaudu ulos").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Olet kirjautunut ulos")
        page.goto(stack.gateway_url)
        expect(page.get_by_role("button", name="Kirjaudu sisään")).to_be_visible()
    finally:
        context.close()
