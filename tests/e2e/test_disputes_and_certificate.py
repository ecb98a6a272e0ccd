"""Disputes and the balance certificate through the real processes.

- Uploads the invoice service cannot accept (a text file called .pdf, a damaged PDF,
  an oversize file) are refused with a message per file, and nothing is stored.
- A disputed invoice is on hold: the collection run sends no letter and adds no cost
  while it waits; customer service rejects the dispute in Ropo One, its message reaches
  the person's Viestikeskus, and the next collection run sends the reminder with its fee.
- The balance certificate the person downloads shows, for each open invoice, the open
  capital, interest and costs the ledger has.
"""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.money import Money
from ropo_stack import Stack, one_page_pdf, person_subject

pytestmark = pytest.mark.slow

PERSON_ID = "anna-andersson"
AGENT_ID = "aino-asiakaspalvelija"
OVERDUE_DAYS = 20
MAX_FILE_BYTES = 5 * 1024 * 1024
State = invoice_pb2.Invoice.State


@pytest.fixture(scope="module")
def person(stack: Stack) -> httpx.Client:
    client = stack.client()
    assert stack.login(client, PERSON_ID).status_code == 303
    return client


@pytest.fixture(scope="module")
def agent(stack: Stack) -> httpx.Client:
    client = stack.client()
    assert stack.staff_login(client, AGENT_ID).status_code == 303
    return client


def invoice_id_of(invoice: invoice_pb2.Invoice) -> str:
    return invoice.name.removeprefix("invoices/")


def disputes_url(stack: Stack, invoice_id: str) -> str:
    return f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}/disputes"


def dispute(
    client: httpx.Client, stack: Stack, invoice_id: str, files: list[tuple[str, bytes, str]]
) -> httpx.Response:
    url = disputes_url(stack, invoice_id)
    token = client.get(url).json()["csrf_token"]
    return client.post(
        url,
        headers={"X-CSRF-Token": token},
        data={"reason": "Tilaamani tuote ei koskaan saapunut."},
        files=[("attachments", file) for file in files],
    )


def letters_of(client: httpx.Client, stack: Stack, invoice_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{stack.gateway_url}/api/myropo/v1/letters")
    assert response.status_code == 200, response.text
    return [
        letter
        for letter in response.json()["letters"]
        if letter["name"].startswith(f"invoices/{invoice_id}/")
    ]


def euros(money: Any) -> Money:
    return Money(Decimal(money.units) + Decimal(money.nanos) / Decimal(10**9), money.currency_code)


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        (("lasku.pdf", b"Ei PDF vaan tekstia.", "application/pdf"), "wrong type"),
        (("kuitti.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 64, "application/pdf"), "damaged"),
        (("kuva.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_FILE_BYTES, "image/png"), "oversize"),
    ],
)
def test_a_file_that_cannot_be_accepted_is_refused_and_nothing_is_stored(
    stack: Stack, person: httpx.Client, file: tuple[str, bytes, str], problem: str
) -> None:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID))
    invoice_id = invoice_id_of(invoice)

    response = dispute(
        person, stack, invoice_id, [("muistio.pdf", one_page_pdf(), "application/pdf"), file]
    )

    assert response.status_code == 400, (problem, response.text)
    error = response.json()["error"]
    violations = [
        violation
        for detail in error["details"]
        for violation in detail.get("fieldViolations", detail.get("field_violations", []))
    ]
    # The refused file is named, in words a person understands; the good one is not blamed.
    assert [violation["field"] for violation in violations] == ["attachments[1]"], violations
    assert file[0] in violations[0]["description"]
    listed = person.get(disputes_url(stack, invoice_id)).json()
    assert listed["disputes"] == [] and listed["may_dispute"] is True
    assert stack.run_sync(stack.get_invoice(invoice.name)).state == State.STATE_INVOICE


def test_a_disputed_invoice_gets_no_letter_until_customer_service_resolves_it(
    stack: Stack, person: httpx.Client, agent: httpx.Client
) -> None:
    invoice = stack.run_sync(stack.import_fresh_invoice(PERSON_ID, due_in_days=-OVERDUE_DAYS))
    invoice_id = invoice_id_of(invoice)
    made = dispute(person, stack, invoice_id, [("kuitti.pdf", one_page_pdf(), "application/pdf")])
    assert made.status_code == 201, made.text
    dispute_id = made.json()["dispute"]["id"]
    held = stack.run_sync(stack.get_invoice(invoice.name))
    assert held.state == State.STATE_DISPUTED

    # The first reminder is due (20 days past the due date), but the invoice is on hold.
    stack.collect(invoice.name)
    after_run = stack.run_sync(stack.get_invoice(invoice.name))
    assert after_run.state == State.STATE_DISPUTED
    assert euros(after_run.open_amount) == euros(held.open_amount)
    assert [letter["type"] for letter in letters_of(person, stack, invoice_id)] == ["INVOICE"]

    resolve = agent.post(
        f"{stack.gateway_url}/api/ropo-one/v1/invoices/{invoice_id}/disputes/{dispute_id}/resolve",
        json={
            "outcome": "REJECTED",
            "message": "Toimitus on kuitattu vastaanotetuksi 3.11. Perintä jatkuu.",
            "request_id": str(uuid.uuid4()),
        },
    )
    assert resolve.status_code == 200, resolve.text
    resumed = stack.run_sync(stack.get_invoice(invoice.name))
    assert resumed.state == State.STATE_INVOICE
    message = next(
        letter
        for letter in letters_of(person, stack, invoice_id)
        if letter["type"] == "CUSTOMER_SERVICE_MESSAGE"
    )
    assert "Perintä jatkuu" in message["body"]

    stack.collect(invoice.name)
    reminded = stack.run_sync(stack.get_invoice(invoice.name))
    assert reminded.state == State.STATE_REMINDER
    assert euros(reminded.open_amount) - euros(resumed.open_amount) >= Money("5.00", "EUR")
    types = [letter["type"] for letter in letters_of(person, stack, invoice_id)]
    assert "REMINDER" in types


def _pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_the_balance_certificate_shows_the_ledgers_open_figures_for_every_open_invoice(
    stack: Stack, person: httpx.Client
) -> None:
    overdue = stack.run_sync(stack.import_fresh_invoice(PERSON_ID, due_in_days=-OVERDUE_DAYS))
    stack.collect(overdue.name)  # a reminder fee and interest: costs and interest to show

    response = person.get(f"{stack.gateway_url}/saldotodistus.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = _pdf_text(response.content)
    own = stack.run_sync(stack.open_invoices_of(person_subject(PERSON_ID)))
    assert overdue.name in {invoice.name for invoice in own}
    for invoice in own:
        assert invoice.invoice_number in text, invoice.invoice_number
        assert shown(euros(invoice.open_amount)) in text
        for component in invoice.ledger_components:
            if euros(component.open_amount).is_positive():
                assert shown(euros(component.open_amount)) in text, component


def shown(amount: Money) -> str:
    """``amount`` as the certificate prints it (Finnish), with plain spaces."""
    return amount.format("fi").replace("\u00a0", " ")
