"""*Maksa verkkopankissa* in MyRopo: the button where an invoice can be paid, the POST that
starts a PSP payment (CheckAccess ACTION_PAY, open amount from the invoice service, the
return URLs, the idempotency key reused on a double submission), *Maksa valitut* on the
*Laskut* list, the readable refusals, and the JSON twins under ``/api/myropo/v1/payments``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest_asyncio
from myropo_fakes import (
    MAIJA,
    MATTI,
    PSP_PAGE,
    Harness,
    State,
    make_invoice,
    payment_error,
    running_gateway,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.payments import PaymentLine
from ropo_platform.money import Money

RETURN_URL = "http://localhost:8080/maksu/paluu"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path, psp_page_origin="https://psp.example.test/psp") as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.invoices.add(make_invoice("maija-2", debtor=MAIJA.subject, open_amount="25.50"))
        h.invoices.add(make_invoice("maija-paid", state=State.STATE_PAID, open_amount="0.00"))
        in_myropo = make_invoice("maija-myropo", debtor=MAIJA.subject)
        in_myropo.paid_in_myropo = True
        h.invoices.add(in_myropo)
        h.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        for name in ("maija-1", "maija-2", "maija-paid", "maija-myropo"):
            h.access.allow(MAIJA, f"invoices/{name}")
        h.access.allow(MATTI, "invoices/matti-1")
        yield h


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} field"
    return match.group(1)


def pay_form(html: str) -> str:
    """The *Maksa verkkopankissa* form of a page ('' when there is none)."""
    match = re.search(
        r'<form method="post" action="[^"]*/maksa" class="pay-online">.*?</form>', html, re.S
    )
    return match.group(0) if match else ""


async def test_the_invoice_page_offers_paying_online_only_when_it_can_work(
    gateway: Harness,
) -> None:
    form = pay_form((await gateway.client.get("/laskut/maija-1")).text)
    assert 'action="/laskut/maija-1/maksa"' in form and "Maksa verkkopankissa" in form
    assert hidden(form, "csrf_token") == await gateway.csrf_token()
    assert re.fullmatch(r"[0-9a-f-]{36}", hidden(form, "request_id"))
    assert (MAIJA.subject, "invoices/maija-1", Action.PAY) in gateway.access.checks
    # Closed, or already Maksettu MyRopossa: no button.
    assert pay_form((await gateway.client.get("/laskut/maija-paid")).text) == ""
    assert pay_form((await gateway.client.get("/laskut/maija-myropo")).text) == ""
    # The bank-transfer page offers it too.
    assert pay_form((await gateway.client.get("/laskut/maija-1/maksa")).text)


async def test_a_viewer_who_may_not_pay_gets_no_button(gateway: Harness) -> None:
    gateway.access.allow(MATTI, "invoices/maija-1", "VIEW_ONLY")
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/laskut/maija-1")
    finally:
        await matti.aclose()
    assert page.status_code == 200 and pay_form(page.text) == ""


async def test_paying_one_invoice_sends_the_browser_to_the_psp(gateway: Harness) -> None:
    page = (await gateway.client.get("/laskut/maija-1")).text
    form = {
        "csrf_token": hidden(page, "csrf_token"),
        "request_id": hidden(pay_form(page), "request_id"),
    }
    first = await gateway.client.post("/laskut/maija-1/maksa", data=form)
    assert first.status_code == 303 and first.headers["location"] == f"{PSP_PAGE}tx-1"
    (order,) = gateway.payments.orders
    assert order.payer == MAIJA.subject
    assert list(order.items) == [PaymentLine("invoices/maija-1", Money("1696.32", "EUR"))]
    assert order.success_url == order.cancel_url == RETURN_URL
    assert order.language_code == "fi" and order.request_id == form["request_id"]
    assert (MAIJA.subject, "invoices/maija-1", Action.PAY) in gateway.access.checks
    # A double submission reuses the key: the same payment, the same page.
    again = await gateway.client.post("/laskut/maija-1/maksa", data=form)
    assert again.headers["location"] == first.headers["location"]
    assert [o.request_id for o in gateway.payments.orders] == [form["request_id"]] * 2
    assert len(gateway.payments.payments) == 1


async def test_the_psp_language_follows_the_page(gateway: Harness) -> None:
    await gateway.client.get("/kieli/sv?next=/")
    page = (await gateway.client.get("/laskut/maija-1")).text
    assert "Betala i nätbanken" in pay_form(page)
    await gateway.client.post(
        "/laskut/maija-1/maksa", data={"csrf_token": hidden(page, "csrf_token")}
    )
    assert gateway.payments.orders[0].language_code == "sv"


async def test_someone_elses_invoice_is_not_found_and_nothing_is_started(gateway: Harness) -> None:
    token = await gateway.csrf_token()
    response = await gateway.client.post("/laskut/matti-1/maksa", data={"csrf_token": token})
    missing = await gateway.client.post("/laskut/no-such/maksa", data={"csrf_token": token})
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert gateway.payments.orders == []
    denials = [r.event for r in await gateway.audit_records()]
    assert [(e.resource, e.purpose) for e in denials] == [
        ("invoices/matti-1", Purpose.ACCESS_DENIED),
        ("invoices/no-such", Purpose.ACCESS_DENIED),
    ]


async def test_a_post_without_the_csrf_token_is_refused(gateway: Harness) -> None:
    response = await gateway.client.post("/laskut/maija-1/maksa", data={})
    assert response.status_code == 403 and gateway.payments.orders == []


async def test_refusals_come_back_as_readable_notices(gateway: Harness) -> None:
    token = await gateway.csrf_token()
    paid = await gateway.client.post("/laskut/maija-myropo/maksa", data={"csrf_token": token})
    assert paid.status_code == 409 and "se on jo maksettu" in paid.text
    assert gateway.payments.orders == []
    gateway.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
    down = await gateway.client.post("/laskut/maija-1/maksa", data={"csrf_token": token})
    assert down.status_code == 503
    assert "Maksaminen ei juuri nyt onnistu. Yritä hetken kuluttua uudelleen." in down.text
    assert "<h1>Lasku</h1>" in down.text or "Lisätoiminnot" in down.text  # the invoice page
    gateway.payments.fail_with = payment_error(grpc.StatusCode.FAILED_PRECONDITION, "INVOICE_PAID")
    refused = await gateway.client.post("/laskut/maija-1/maksa", data={"csrf_token": token})
    assert refused.status_code == 409 and 'data-problem="not_payable"' in refused.text


async def test_the_list_offers_a_checkbox_per_payable_invoice(gateway: Harness) -> None:
    html = (await gateway.client.get("/")).text
    form = html.split('<form method="post" action="/laskut/maksa" class="pay-selected">', 1)[1]
    form = form.split("</form>", 1)[0]
    boxes = re.findall(r'type="checkbox" name="invoice" value="([^"]+)"', form)
    assert sorted(boxes) == ["maija-1", "maija-2"]  # not the one already paid in MyRopo
    assert "Maksa valitut" in form and hidden(form, "csrf_token") == await gateway.csrf_token()


async def test_paying_several_invoices_makes_one_payment(gateway: Harness) -> None:
    html = (await gateway.client.get("/")).text
    data = {
        "csrf_token": hidden(html, "csrf_token"),
        "request_id": hidden(html.split('class="pay-selected"', 1)[1], "request_id"),
        "invoice": ["maija-1", "maija-2"],
    }
    response = await gateway.client.post("/laskut/maksa", data=data)
    assert response.status_code == 303 and response.headers["location"].startswith(PSP_PAGE)
    (order,) = gateway.payments.orders
    assert list(order.items) == [
        PaymentLine("invoices/maija-1", Money("1696.32", "EUR")),
        PaymentLine("invoices/maija-2", Money("25.50", "EUR")),
    ]
    assert order.request_id == data["request_id"] and order.success_url == RETURN_URL


async def test_paying_none_or_someone_elses_from_the_list(gateway: Harness) -> None:
    token = await gateway.csrf_token()
    none = await gateway.client.post("/laskut/maksa", data={"csrf_token": token})
    assert none.status_code == 400 and "Valitse maksettavat laskut" in none.text
    assert 'type="checkbox" name="invoice"' in none.text  # the list again
    mixed = await gateway.client.post(
        "/laskut/maksa", data={"csrf_token": token, "invoice": ["maija-1", "matti-1"]}
    )
    assert mixed.status_code == 404 and gateway.payments.orders == []


async def test_the_payment_page_is_an_allowed_form_target(gateway: Harness) -> None:
    csp = (await gateway.client.get("/")).headers["content-security-policy"]
    assert "form-action 'self' http://localhost:8090 https://psp.example.test" in csp


async def test_the_json_api_starts_and_reads_a_payment(gateway: Harness) -> None:
    body = {"invoice_ids": ["maija-1"], "request_id": "7d0f2a4e-0b8c-4c1e-9a57-3c2b1f0e9d8a"}
    created = await gateway.client.post("/api/myropo/v1/payments", json=body)
    assert created.status_code == 201
    payment = created.json()["payment"]
    assert payment["state"] == "PENDING" and payment["id"] == "p1"
    assert payment["amount"] == {"amount": "1696.32", "currency": "EUR"}
    assert payment["payment_page_url"] == f"{PSP_PAGE}tx-1"
    assert [i["invoice_id"] for i in payment["invoices"]] == ["maija-1"]
    assert gateway.payments.orders[0].request_id == body["request_id"]
    again = await gateway.client.post("/api/myropo/v1/payments", json=body)
    assert again.json()["payment"]["id"] == "p1"
    read = await gateway.client.get("/api/myropo/v1/payments/p1")
    assert read.status_code == 200 and read.json()["payment"] == payment
    matti = await gateway.login(MATTI)
    try:
        others = await matti.get("/api/myropo/v1/payments/p1")
        unknown = await matti.get("/api/myropo/v1/payments/p9")
    finally:
        await matti.aclose()
    assert others.status_code == unknown.status_code == 404
    assert others.json() == unknown.json()
    assert others.json()["error"]["details"][0]["reason"] == "PAYMENT_NOT_FOUND"


async def test_the_json_api_refusals(gateway: Harness) -> None:
    api = "/api/myropo/v1/payments"
    uid = "7d0f2a4e-0b8c-4c1e-9a57-3c2b1f0e9d8a"
    assert (await gateway.client.post(api, data={"invoice_ids": "maija-1"})).status_code == 415
    empty = await gateway.client.post(api, json={"invoice_ids": [], "request_id": uid})
    assert empty.status_code == 400
    other = await gateway.client.post(api, json={"invoice_ids": ["matti-1"], "request_id": uid})
    assert other.status_code == 404
    closed = await gateway.client.post(api, json={"invoice_ids": ["maija-paid"], "request_id": uid})
    assert closed.status_code == 409
    assert closed.json()["error"]["details"][0]["reason"] == "INVOICE_NOT_PAYABLE"
    gateway.payments.fail_with = payment_error(grpc.StatusCode.UNAVAILABLE)
    down = await gateway.client.post(api, json={"invoice_ids": ["maija-1"], "request_id": uid})
    assert down.status_code == 503
    assert gateway.payments.orders == []
