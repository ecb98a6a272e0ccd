"""A staff user finds in Ropo One, with a real browser, the case of an invoice a test person sees
in MyRopo: staff login through the sandbox broker, search by *Asianumero* with *Hae vain
avoimet* (a POST: the criteria never reach a URL or the browser's history), then the case page
with *Tehtävän tila*, *Asiakastyyppi*, *Pääoma*, *Avoin pääoma* and the timeline."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.money_proto import money_from_proto
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID = "maija-meikalainen"
PERSON_NAME = "Maija Meikäläinen"
STAFF_NAME = "Aino Asiakaspalvelija"


def printed_case_number(case_number: str) -> str:
    return " ".join(case_number[i : i + 4] for i in range(0, len(case_number), 4))


def euros(message: object, field: str) -> str:
    return money_from_proto(getattr(message, field)).format("fi")


def identify_at_the_broker(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def record_urls(context: BrowserContext) -> list[str]:
    """Every URL the browser requests from now on, and every redirect target it is given."""
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    context.on("response", lambda response: seen.append(response.headers.get("location", "")))
    return seen


def test_a_staff_user_finds_the_case_of_an_invoice_the_person_sees(
    stack: Stack, browser: Browser
) -> None:
    invoice: invoice_pb2.Invoice = next(
        item
        for item in stack.ensure_demo_invoices_sync(PERSON_ID)
        if item.case_number and money_from_proto(item.open_amount).is_positive()
    )

    # The person sees the invoice in MyRopo.
    person = browser.new_context(locale="fi-FI")
    try:
        page = person.new_page()
        page.goto(stack.gateway_url)
        page.get_by_role("button", name="Kirjaudu sisään").click()
        identify_at_the_broker(stack, page, PERSON_NAME)
        expect(page.locator(f'tr[data-invoice="{invoice.name}"]')).to_contain_text(
            invoice.invoice_number
        )
    finally:
        person.close()

    staff = browser.new_context(locale="fi-FI")
    try:
        page = staff.new_page()
        page.goto(f"{stack.gateway_url}/ropo-one")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ropo One")
        page.get_by_role("button", name="Kirjaudu sisään").click()
        identify_at_the_broker(stack, page, STAFF_NAME)

        expect(page).to_have_url(f"{stack.gateway_url}/ropo-one")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hae tapauksia")
        expect(page.get_by_text(STAFF_NAME)).to_be_visible()
        seen = record_urls(staff)
        page.get_by_label("Asianumero").fill(printed_case_number(invoice.case_number))
        page.get_by_label("Hae vain avoimet").check()
        page.get_by_role("button", name="Hae", exact=True).click()

        row = page.locator(f'tr[data-invoice="{invoice.name}"]')
        expect(row).to_contain_text(invoice.invoice_number)
        expect(row).to_contain_text(PERSON_NAME)
        expect(page.locator("table tbody tr")).to_have_count(1)
        expect(page.get_by_label("Hae vain avoimet")).to_be_checked()
        expect(page.get_by_label("Asianumero")).to_have_value(invoice.case_number)
        # The search was a POST answered in place: the address bar, and every URL the browser
        # asked for or was sent to, is free of the criteria.
        expect(page).to_have_url(f"{stack.gateway_url}/ropo-one")
        criteria = (invoice.case_number, printed_case_number(invoice.case_number))
        assert seen and not [u for u in map(unquote_plus, seen) if any(c in u for c in criteria)]
        row.get_by_role("link").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Tapaus {printed_case_number(invoice.case_number)}"
        )
        for label, field, value in (
            ("Tehtävän tila", "status", invoice.display_status),
            ("Asiakastyyppi", "customer_type", "Yksityishenkilö"),
            ("Pääoma", "capital", euros(invoice, "capital")),
            ("Avoin pääoma", "open_capital", euros(invoice, "open_capital")),
        ):
            expect(page.locator("dt", has_text=re.compile(f"^{label}$"))).to_be_visible()
            expect(page.locator(f'dd[data-field="{field}"]')).to_have_text(value)
        expect(page.get_by_role("heading", name="Tapahtumat")).to_be_visible()
        expect(page.locator('tr[data-event="IMPORTED"]')).to_have_count(1)

        page.get_by_role("button", name="Kirjaudu ulos").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Olet kirjautunut ulos")
        cookies = {cookie["name"]: cookie for cookie in staff.cookies()}
        assert "ropo_staff_session" not in cookies or not cookies["ropo_staff_session"]["value"]
    finally:
        staff.close()
