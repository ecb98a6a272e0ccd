"""*Valtuutus* in a real browser against the real stack: person A authorizes person B on one
invoice; B logs in, sees that invoice of A's and no other, and pays it through *Maksa*; an
agent sees the authorization on the case in Ropo One; A revokes it and B's very next page load
no longer shows the invoice (and opening it answers like a missing invoice); the timeline of
the invoice tells both. The henkilötunnus typed into the form never appears in a URL, and the
pages show it masked only."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.money_proto import money_from_proto
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OWNER_ID, GRANTEE_ID = "maija-meikalainen", "matti-meikalainen"
AGENT_NAME = "Aino Asiakaspalvelija"


def invoice_id(invoice: invoice_pb2.Invoice) -> str:
    return invoice.name.removeprefix("invoices/")


def printed_case_number(case_number: str) -> str:
    return " ".join(case_number[i : i + 4] for i in range(0, len(case_number), 4))


def identify(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def log_in(stack: Stack, page: Page, name: str) -> None:
    page.goto(stack.gateway_url)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    identify(stack, page, name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")


def rows(page: Page) -> set[str]:
    return {
        str(row.get_attribute("data-invoice")) for row in page.locator("tr[data-invoice]").all()
    }


def record_urls(context: BrowserContext) -> list[str]:
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    context.on("response", lambda response: seen.append(response.headers.get("location", "")))
    return seen


def timeline_shows(page: Page, url: str, titles: tuple[str, ...], within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while True:
        page.goto(url)
        text = page.content()
        if all(title in text for title in titles):
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(300)


def test_authorize_pay_see_in_ropo_one_and_revoke(stack: Stack, browser: Browser) -> None:
    owner, grantee = person_by_id(OWNER_ID), person_by_id(GRANTEE_ID)
    assert owner is not None and grantee is not None
    owners_invoices = stack.ensure_demo_invoices_sync(OWNER_ID)
    invoice = next(
        item
        for item in owners_invoices
        if item.case_number and money_from_proto(item.open_amount).is_positive()
    )
    stack.ensure_demo_invoices_sync(GRANTEE_ID)
    invoice_url = f"{stack.gateway_url}/laskut/{invoice_id(invoice)}"
    a_context = browser.new_context(locale="fi-FI")
    b_context = browser.new_context(locale="fi-FI")
    staff_context = browser.new_context(locale="fi-FI")
    seen = record_urls(a_context)
    try:
        # A authorizes B on one invoice.
        a = a_context.new_page()
        log_in(stack, a, owner.name)
        a.goto(invoice_url)
        section = a.locator("section", has=a.get_by_role("heading", name="Valtuutus"))
        expect(section).to_contain_text("vain tätä laskua")
        expect(section).to_contain_text("chat")
        section.get_by_label("Nimi").fill(grantee.name)
        section.get_by_label("Henkilötunnus").fill(grantee.hetu)
        section.get_by_role("button", name="Tallenna").click()
        expect(a).to_have_url(invoice_url)
        given = a.locator("section", has=a.get_by_role("heading", name="Valtuutus"))
        expect(given).to_contain_text(grantee.name)
        expect(given).to_contain_text(f"{grantee.hetu[:6]}-****")
        assert grantee.hetu not in a.content()
        assert not [url for url in map(unquote_plus, seen) if grantee.hetu in url]

        # B sees that invoice of A's, and only that one, marked as authorized.
        b = b_context.new_page()
        log_in(stack, b, grantee.name)
        visible = rows(b)
        assert invoice.name in visible
        assert not (visible & {item.name for item in owners_invoices}) - {invoice.name}
        row = b.locator(f'tr[data-invoice="{invoice.name}"]')
        expect(row).to_contain_text("Valtuutettu")

        # B pays it through the flow that exists: Maksa → the payment details.
        row.get_by_role("link").first.click()
        expect(b).to_have_url(invoice_url)
        expect(b.get_by_role("heading", name="Valtuutus")).to_have_count(0)
        b.get_by_role("link", name="Maksa").click()
        expect(b).to_have_url(f"{invoice_url}/maksa")
        expect(b.get_by_label("Virtuaaliviivakoodi")).to_have_value(invoice.virtual_bank_barcode)
        expect(b.get_by_text(invoice.reference, exact=False).first).to_be_visible()

        # An agent sees the authorization on the case in Ropo One.
        staff = staff_context.new_page()
        staff.goto(f"{stack.gateway_url}/ropo-one")
        staff.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, staff, AGENT_NAME)
        staff.get_by_label("Asianumero").fill(printed_case_number(invoice.case_number))
        staff.get_by_role("button", name="Hae", exact=True).click()
        staff.locator(f'tr[data-invoice="{invoice.name}"]').get_by_role("link").click()
        authorizations = staff.locator(
            "section", has=staff.get_by_role("heading", name="Valtuutukset")
        )
        expect(authorizations).to_contain_text(grantee.name)
        expect(authorizations).to_contain_text(f"{grantee.hetu[:6]}-****")
        expect(authorizations).to_contain_text("Voimassa")

        # A revokes; B's very next page load no longer shows the invoice.
        a.goto(invoice_url)
        a.get_by_role("button", name="Peru valtuutus").click()
        expect(a).to_have_url(invoice_url)
        b.goto(stack.gateway_url)
        expect(b.get_by_role("heading", level=1)).to_have_text("Tervetuloa!")
        assert invoice.name not in rows(b)
        response = b.goto(invoice_url)
        assert response is not None and response.status == 404

        # The timeline of the invoice tells both (it learns them from events); the agent sees
        # the authorization revoked.
        assert timeline_shows(a, invoice_url, ("Valtuutus annettu", "Valtuutus päättyi"))
        staff.reload()
        expect(authorizations).to_contain_text("Peruttu")
    finally:
        for context in (a_context, b_context, staff_context):
            context.close()
