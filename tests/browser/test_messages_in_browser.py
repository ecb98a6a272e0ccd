"""Electronic letters end to end in a real browser against the real stack.

A person gives consent to electronic letters in MyRopo. The collection run sends a
reminder for an overdue invoice of theirs: it arrives in *Viestikeskus* unread, the
sandbox's mailbox (a real SMTP server) receives one notice for it, and once the person
opens it, it is read. The person withdraws the consent: the next reminder, for another
overdue invoice, is delivered on paper and no e-mail is sent.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "aino-korhonen", "Aino Korhonen"
#: More than the 14 days after which the first reminder is due.
OVERDUE_DAYS = 20
#: Long enough for the invoice worker (checking its e-mail outbox every second) to send.
QUIET_PERIOD = 4.0


def identify(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def overdue_invoice(stack: Stack) -> invoice_pb2.Invoice:
    invoice: invoice_pb2.Invoice = stack.run_sync(
        stack.import_fresh_invoice(PERSON_ID, due_in_days=-OVERDUE_DAYS)
    )
    return invoice


def letter_row(page: Page, gateway_url: str, invoice: invoice_pb2.Invoice, title: str) -> Locator:
    """The Viestikeskus row of the invoice's letter called ``title``."""
    page.goto(f"{gateway_url}/viestit")
    rows = page.locator("table.letters tbody tr").filter(has_text=invoice.invoice_number)
    return rows.filter(has=page.get_by_role("link", name=title, exact=True))


def set_consent(page: Page, gateway_url: str, email: str | None) -> None:
    """Give the consent with ``email``, or withdraw it when ``email`` is None."""
    page.goto(f"{gateway_url}/asetukset/sahkoiset-kirjeet")
    if email is None:
        page.get_by_role("button", name="Peru suostumus").click()
        expect(page.locator(".consent-state")).to_have_attribute("data-electronic", "false")
        return
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_role("button", name="Anna suostumus").click()
    expect(page.locator(".consent-state")).to_have_attribute("data-electronic", "true")


def test_with_consent_a_reminder_arrives_in_viestikeskus_and_by_email_without_it_on_paper(
    stack: Stack, browser: Browser
) -> None:
    person = person_by_id(PERSON_ID)
    assert person is not None
    email = f"aino.{uuid.uuid4().hex[:12]}@example.fi"
    first, second = overdue_invoice(stack), overdue_invoice(stack)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(stack.gateway_url)
        page.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, page, PERSON_NAME)

        set_consent(page, stack.gateway_url, email)
        stack.collect(first.name)

        row = letter_row(page, stack.gateway_url, first, "Maksumuistutus")
        expect(row).to_have_count(1)
        expect(row).to_have_class(re.compile(r"\bletter-unread\b"))
        expect(row.locator("td[data-channel]")).to_have_attribute("data-channel", "ELECTRONIC")
        expect(page.locator("a.nav-messages .unread-count")).to_be_visible()

        mail = stack.wait_for_mail(email)
        assert len(mail) == 1, mail
        notice = mail[0]
        assert "Maksumuistutus" in notice["subject"] + notice["text"]
        assert f"{stack.gateway_url}/viestit" in notice["text"]
        # A notice names the letter, never an amount or the person's identity code.
        assert "€" not in notice["text"] and person.hetu not in notice["text"]

        row.get_by_role("link", name="Maksumuistutus", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Maksumuistutus")
        expect(page.locator(".read-time")).to_be_visible()
        row = letter_row(page, stack.gateway_url, first, "Maksumuistutus")
        expect(row).to_have_class(re.compile(r"\bletter-read\b"))

        set_consent(page, stack.gateway_url, None)
        stack.collect(second.name)

        row = letter_row(page, stack.gateway_url, second, "Maksumuistutus")
        expect(row).to_have_count(1)
        expect(row.locator("td[data-channel]")).to_have_attribute("data-channel", "PAPER")
        time.sleep(QUIET_PERIOD)
        assert len(stack.mail(email)) == 1
    finally:
        context.close()
