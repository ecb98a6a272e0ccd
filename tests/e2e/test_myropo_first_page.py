"""Walking skeleton, end to end with real processes: a Finvoice imported over gRPC reaches the
authorization read model through NATS, and the person sees it after logging in through the
sandbox identity broker — on the page and in the JSON — while another person does not."""

from __future__ import annotations

import re

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.money_proto import money_from_proto
from ropo_platform.redaction import HETU_PATTERN
from ropo_sandbox.persons import PERSONS
from ropo_stack import Stack

pytestmark = pytest.mark.slow
OWNER = "maija-meikalainen"
OTHER = "matti-meikalainen"


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no logout form"
    return match.group(1)


def due_text(invoice: invoice_pb2.Invoice) -> str:
    due = invoice.due_date
    return f"{due.day}.{due.month}.{due.year}"


async def test_person_sees_own_invoices_on_the_page_and_in_the_json(stack: Stack) -> None:
    imported = await stack.ensure_demo_invoices(OWNER)
    assert imported and all(invoice.name.startswith("invoices/") for invoice in imported)

    with stack.client() as browser:
        assert stack.login(browser, OWNER).headers["location"] == "/"
        page = browser.get(f"{stack.gateway_url}/")
        assert page.status_code == 200, page.text
        html = page.text
        assert "<h1>Tervetuloa!</h1>" in html and "Maija Meikäläinen" in html
        assert "150385-****" in html
        for invoice in imported:
            row = re.search(rf'<tr data-invoice="{re.escape(invoice.name)}">(.*?)</tr>', html, re.S)
            assert row, f"{invoice.name} not under Laskut"
            invoice_id = invoice.name.removeprefix("invoices/")
            assert (
                f'<a href="/laskut/{invoice_id}">{invoice.creditor_display_name}</a>'
                in row.group(1)
            )
            assert f"Laskun numero {invoice.invoice_number}" in row.group(1)
            cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
            assert cells == [
                due_text(invoice),
                money_from_proto(invoice.open_amount).format("fi"),
                invoice.display_status or invoice_pb2.Invoice.State.Name(invoice.state),
            ]
        arkisto = browser.get(f"{stack.gateway_url}/?tab=arkisto").text
        assert '<a href="/?tab=arkisto" aria-current="page">Arkisto</a>' in arkisto
        for invoice in imported:
            assert invoice.name not in arkisto
        for label in (
            "Laskut",
            "Arkisto",
            "Hae lasku",
            "Ilmoita tilinumero",
            "Etsi laskua listauksesta",
            "Laskuttaja",
            "Eräpäivä",
            "Avoinna",
            "Tila",
            "Kirjaudu ulos",
        ):
            assert label in html

        api = browser.get(f"{stack.gateway_url}/api/myropo/v1/invoices")
        assert api.status_code == 200
        body = api.json()
        assert body["person"] == {"name": "Maija Meikäläinen", "masked_id": "150385-****"}
        by_name = {item["name"]: item for item in body["invoices"]}
        for invoice in imported:
            item = by_name[invoice.name]
            amount = money_from_proto(invoice.open_amount)
            assert item["open_amount"] == {
                "amount": str(amount.amount),
                "currency": amount.currency,
            }
            assert item["invoice_number"] == invoice.invoice_number
            assert item["due_date"] == (
                f"{invoice.due_date.year:04d}-"
                f"{invoice.due_date.month:02d}-{invoice.due_date.day:02d}"
            )
            assert item["state"] == invoice_pb2.Invoice.State.Name(invoice.state).removeprefix(
                "STATE_"
            )
            assert item["access"] == "OWN"

        # Kirjaudu ulos: the session ends server-side.
        logout = browser.post(f"{stack.gateway_url}/logout", data={"csrf_token": csrf_token(html)})
        assert logout.headers["location"] == "/logged-out"
        assert browser.get(f"{stack.gateway_url}/api/myropo/v1/invoices").status_code == 401

    # Another person sees their own invoices but not these, neither on the page nor in JSON.
    others = await stack.ensure_demo_invoices(OTHER)
    with stack.client() as other:
        stack.login(other, OTHER)
        page = other.get(f"{stack.gateway_url}/")
        assert page.status_code == 200 and "Matti Meikäläinen" in page.text
        listed = other.get(f"{stack.gateway_url}/api/myropo/v1/invoices").json()["invoices"]
        names = {item["name"] for item in listed}
        # Their own ones; anything else only because of their own lookups or authorizations
        # (other tests of the session may have given them some).
        assert {item["name"] for item in listed if item["access"] == "OWN"} == {
            invoice.name for invoice in others
        }
        for invoice in imported:
            assert invoice.name not in page.text
            assert invoice.name not in names


async def test_no_henkilotunnus_in_any_log_line_of_any_process(stack: Stack) -> None:
    await stack.ensure_demo_invoices(OWNER)
    with stack.client() as browser:
        stack.login(browser, OWNER)
        assert browser.get(f"{stack.gateway_url}/").status_code == 200
    lines = stack.log_lines()
    assert {name for name, _ in lines} >= {
        "gateway",
        "sandbox",
        "invoice-serve",
        "authorization-worker",
    }
    hetus = [person.hetu for person in PERSONS]
    leaks = [
        (name, line[:200])
        for name, line in lines
        if HETU_PATTERN.search(line) or any(hetu in line for hetu in hetus)
    ]
    assert leaks == []
