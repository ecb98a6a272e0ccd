"""Ropo One's *Maksut*: the case page and the JSON case list the PSP payments covering the
invoice (created, state in Finnish, the amount on this invoice, method, PSP transaction id);
*Ei maksuja* when there are none, and *Maksutietoja ei saatu* — with the rest of the case
still shown — when the payment service is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import lxml.html
import pytest_asyncio
from myropo_fakes import make_payment, payment_error
from ropo_gateway.clients.payments import PaymentLine, PaymentState
from ropo_one_support import AGENT, DEBTOR, Console, console, make_invoice, text
from ropo_platform.money import Money


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(
            make_invoice("inv-1", paid_in_myropo=True, display_status="Maksettu MyRopossa")
        )
        running.cases.add(make_invoice("inv-2"))
        running.payments.add(
            make_payment(
                "p1",
                payer=DEBTOR,
                state=PaymentState.FAILED,
                transaction="tx-old",
                items=(PaymentLine("invoices/inv-1", Money("1701.32", "EUR")),),
            )
        )
        running.payments.add(
            make_payment(
                "p2",
                payer=DEBTOR,
                state=PaymentState.SUCCEEDED,
                transaction="tx-new",
                method="nordea",
                items=(
                    PaymentLine("invoices/inv-1", Money("1701.32", "EUR")),
                    PaymentLine("invoices/other-creditors", Money("99.00", "EUR")),
                ),
            )
        )
        await running.login_staff(AGENT)
        yield running


def payment_rows(html: str) -> list[dict[str, str]]:
    section = lxml.html.fromstring(html).xpath("//section[@id='maksut']")
    assert section, "no Maksut section"
    return [
        {
            cell.get("data-field"): " ".join(cell.text_content().replace("\xa0", " ").split())
            for cell in row.xpath("./td")
        }
        for row in section[0].xpath(".//tbody/tr")
    ]


async def test_the_case_page_lists_the_payments(one: Console) -> None:
    page = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert page.status_code == 200
    rows = payment_rows(page.text)
    assert [(r["state"], r["amount"], r["method"], r["transaction"]) for r in rows] == [
        ("Maksettu MyRopossa", "1 701,32 €", "nordea", "tx-new"),
        ("Epäonnistui", "1 701,32 €", "", "tx-old"),
    ]
    assert all(r["created"] for r in rows)
    # Pääoma and Avoin pääoma still come from the invoice service, unchanged.
    body = text(page.text)
    assert "Pääoma" in body and "Avoin pääoma" in body and "1 696,32 €" in body
    assert ("invoices/inv-1", "") in one.payments.list_calls
    assert "99,00" not in body  # another invoice's share of the payment is not shown


async def test_no_payments_and_payment_service_down(one: Console) -> None:
    empty = await one.client.get("/ropo-one/tapaukset/inv-2")
    assert "Ei maksuja" in text(empty.text) and payment_rows(empty.text) == []
    one.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
    down = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert down.status_code == 200
    body = text(down.text)
    assert "Maksutietoja ei saatu" in body and "Avoin pääoma" in body


async def test_the_json_case_has_its_payments(one: Console) -> None:
    case = (await one.client.get("/api/ropo-one/v1/invoices/inv-1")).json()
    assert [(p["name"], p["state"], p["amount"]["amount"]) for p in case["payments"]] == [
        ("payments/p2", "SUCCEEDED", "1701.32"),
        ("payments/p1", "FAILED", "1701.32"),
    ]
    assert case["payments"][0]["provider_transaction_id"] == "tx-new"
    assert case["payments"][0]["create_time"] == datetime(
        2025, 3, 1, 12, tzinfo=UTC
    ).isoformat().replace("+00:00", "Z")
    one.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
    down = await one.client.get("/api/ropo-one/v1/invoices/inv-1")
    assert down.status_code == 200 and down.json()["payments"] is None
