"""*Ilmoita tilinumero* end to end in a real browser against the real stack.

A person pays an invoice in MyRopo and the same invoice again by bank transfer: the
invoice service finds the excess, the refund service opens a case and writes the letter.
With the case number and MyRopo ID read from that letter the person reports an account
in the three steps of the wizard, starting from the invoice page. A supervisor approves
it in Ropo One and makes the payout file; the file validates against the ISO 20022
schema and pays exactly the payout amount to that account; the sandbox bank's status
report, uploaded in Ropo One, marks the refund paid.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import etree
from ropo.invoice.v1 import invoice_pb2
from ropo.refund.v1 import refund_case_pb2
from ropo_platform.money_proto import money_from_proto
from ropo_stack import REPO_ROOT, Stack, reference_payment_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "aino-korhonen", "Aino Korhonen"
SUPERVISOR_NAME = "Eero Esihenkilö"
IBAN_TYPED, IBAN = "fi21 1234 5600 0007 85", "FI2112345600000785"
XSD_RELATIVE = Path("iso20022/xsd/pain.001.001.09.xsd")
State = refund_case_pb2.RefundCase.State


def samples_dir() -> Path:
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def identify(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def wait_for_refund_state(
    stack: Stack, name: str, state: State.ValueType, within: float = 30.0
) -> refund_case_pb2.RefundCase:
    deadline = time.monotonic() + within
    while True:
        case: refund_case_pb2.RefundCase = stack.run_sync(stack.get_refund_case(name))
        if case.state == state:
            return case
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {State.Name(case.state)}, not {State.Name(state)}")
        time.sleep(0.2)


def refund_paid_events(stack: Stack, case_name: str) -> int:
    with sqlite3.connect(f"file:{stack.tmp_dir / 'refund.db'}?mode=ro", uri=True) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM outbox WHERE event_type = ? AND subject = ?",
            ("ropo.refund.v1.refund_paid", case_name),
        ).fetchone()
    return int(count)


def pay_online(stack: Stack, page: Page, invoice_url: str) -> None:
    page.goto(invoice_url)
    page.get_by_role("link", name="Maksa", exact=True).click()
    page.get_by_role("button", name="Maksa verkkopankissa").click()
    expect(page).to_have_url(re.compile(re.escape(stack.sandbox_url) + "/psp/pay/"))
    page.get_by_role("button", name="Nordea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maksettu MyRopossa")


def pay_twice(stack: Stack, page: Page, invoice: invoice_pb2.Invoice) -> None:
    """Online through the PSP (settled), then the same amount again by bank transfer."""
    invoice_url = f"{stack.gateway_url}/laskut/{invoice.name.removeprefix('invoices/')}"
    pay_online(stack, page, invoice_url)
    stack.run_sync(stack.import_statement(stack.settle_at_psp()))
    stack.run_sync(stack.wait_for_invoice_state(invoice.name, invoice_pb2.Invoice.STATE_PAID))
    cents = money_from_proto(invoice.open_amount).minor_units
    transfer = reference_payment_file([(invoice.reference, cents)], date.today())
    assert stack.run_sync(stack.import_statement(transfer)).matched_count == 1


def report_account(page: Page, case_number: str, myropo_id: str) -> None:
    """The wizard, entered from the invoice page's notice with the case number filled in."""
    page.get_by_role("link", name="Ilmoita tilinumero").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ilmoita tilinumero 1/3")
    expect(page.get_by_label("Asianumero")).to_have_value(case_number)
    page.get_by_label("MyRopo-tunnus").fill(myropo_id.lower().replace("-", " "))
    page.get_by_role("button", name="Seuraava vaihe").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ilmoita tilinumero 2/3")
    page.get_by_label("Tilinumero (IBAN)").fill(IBAN_TYPED)
    page.get_by_label("Tilinomistajan nimi").fill(PERSON_NAME)
    page.get_by_role("button", name="Seuraava vaihe").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ilmoita tilinumero 3/3")
    expect(page.locator("main")).to_contain_text("FI21 ****")
    expect(page.locator("main")).not_to_contain_text("1234 5600")
    page.get_by_role("button", name="Vahvista").click()
    expect(page).to_have_url(re.compile(r"/tilinumero/[^/]+/valmis$"))


def payout_of(content: bytes, case_number: str) -> tuple[str, Decimal, str]:
    """(IBAN, amount, currency) of the case's transfer in a pain.001 file."""
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    for transfer in root.iter("{*}CdtTrfTxInf"):
        end_to_end = transfer.findtext("{*}PmtId/{*}EndToEndId") or ""
        if end_to_end.startswith(case_number):
            amount = transfer.find("{*}Amt/{*}InstdAmt")
            assert amount is not None
            iban = transfer.findtext("{*}CdtrAcct/{*}Id/{*}IBAN") or ""
            return iban, Decimal(amount.text or ""), amount.get("Ccy") or ""
    raise AssertionError(f"no transfer for case {case_number} in the payout file")


def test_an_overpayment_is_refunded_to_the_account_the_person_reports(
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
        pay_twice(stack, page, invoice)

        case = stack.run_sync(stack.wait_for_refund_case(invoice.name))
        assert case.origin == refund_case_pb2.REFUND_ORIGIN_OVERPAYMENT
        assert case.state == State.STATE_AWAITING_ACCOUNT
        refundable = money_from_proto(case.refundable_amount)
        assert refundable == money_from_proto(invoice.open_amount)  # paid twice: all of it back
        payout = money_from_proto(case.payout_amount)
        assert payout == refundable - money_from_proto(case.handling_fee)
        case_number, myropo_id = stack.run_sync(stack.refund_credentials(case.name))
        assert case_number == case.case_number

        page.goto(stack.gateway_url)
        expect(page.locator("main")).to_contain_text("Ilmoita tilinumero")
        page.goto(invoice_url)
        report_account(page, case_number, myropo_id)
        reported = wait_for_refund_state(stack, case.name, State.STATE_AWAITING_APPROVAL)
        assert reported.account.masked_iban.startswith("FI21")
        assert reported.account.bic == "NDEAFIHH"

        staff = staff_context.new_page()
        staff.goto(f"{stack.gateway_url}/ropo-one")
        staff.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, staff, SUPERVISOR_NAME)
        staff.goto(f"{stack.gateway_url}/ropo-one/palautukset")
        staff.locator(f'tr[data-refund-case="{case.name}"]').get_by_role("link").first.click()
        expect(staff.locator("main")).to_contain_text("FI21 ****")
        staff.get_by_role("button", name="Hyväksy").click()
        wait_for_refund_state(stack, case.name, State.STATE_APPROVED)

        staff.goto(f"{stack.gateway_url}/ropo-one/maksuaineistot")
        staff.get_by_role("button", name="Muodosta maksuaineisto").click()
        with staff.expect_download() as download:
            staff.get_by_role("link", name=re.compile("pain001")).click()
        content = Path(download.value.path()).read_bytes()
        in_payout = wait_for_refund_state(stack, case.name, State.STATE_IN_PAYOUT)
        iban, amount, currency = payout_of(content, case.case_number)
        assert (iban, amount, currency) == (IBAN, payout.amount, "EUR")

        delivered = stack.bank("POST", "/payouts", content=content)
        assert delivered.status_code == 201, delivered.text
        report = stack.bank("GET", f"/payouts/{delivered.json()['message_id']}/status")
        assert report.status_code == 200, report.text
        status_file: FilePayload = {
            "name": "pain002.xml",
            "mimeType": "application/xml",
            "buffer": report.content,
        }
        staff.set_input_files('input[name="content"]', files=[status_file])
        staff.get_by_role("button", name=re.compile("Tuo")).click()
        expect(staff.locator("main")).to_contain_text("Maksetut")

        paid = wait_for_refund_state(stack, case.name, State.STATE_PAID)
        assert paid.payout_batch == in_payout.payout_batch and paid.HasField("paid_time")
        assert refund_paid_events(stack, case.name) == 1
    finally:
        person_context.close()
        staff_context.close()

    xsd = samples_dir() / XSD_RELATIVE
    if not xsd.exists():
        pytest.skip(f"the payout file was not checked against the schema: {xsd} is absent")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert schema.validate(document), schema.error_log
