"""*Maksuaika* in MyRopo: *Eräpäivän siirto* and *Maksusuunnitelma* on the invoice page.

The section is shown to whoever may manage the invoice's payment time (CheckAccess
ACTION_MANAGE_PAYMENT_TIME: the debtor and authorized persons, not a lookup grant); both
flows show the fee and the new dates before anything changes, pass the accepted fee and
the page's request_id to the invoice service, and come back to the invoice page with a
notice. Someone else's invoice is the one 404 with one audit record and no call. The JSON
twins live under ``/api/myropo/v1/invoices/{invoice_id}/...``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest_asyncio
from google.type import date_pb2
from myropo_fakes import (
    MAIJA,
    MATTI,
    Harness,
    available_options,
    make_invoice,
    payment_time_error,
    plan_choice,
    plan_message,
    running_gateway,
    unavailable_options,
    upstream,
)
from ropo.invoice.v1 import (
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
    payment_time_pb2,
)
from ropo_gateway.audit.model import Purpose
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.invoices import ExtensionOrder, InvoiceClient, PlanOrder
from ropo_gateway.clients.payment_time import PlanState
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.payment_time import problem_of
from ropo_platform.errors import FailedPrecondition
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc.errors import abort_with_error

MAIJA_1 = "invoices/maija-1"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.invoices.add(make_invoice("maija-2", debtor=MAIJA.subject))
        h.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        h.access.allow(MAIJA, MAIJA_1)
        h.access.allow(MAIJA, "invoices/maija-2")
        h.access.allow(MATTI, "invoices/matti-1")
        h.invoices.payment_time[MAIJA_1] = available_options()
        yield h


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return match.group(1)


def section(html: str) -> str:
    """The *Maksuaika* section of an invoice page ('' when there is none)."""
    match = re.search(r'<section aria-labelledby="maksuaika-heading".*?</section>', html, re.S)
    return match.group(0) if match else ""


def form(html: str, css_class: str) -> str:
    match = re.search(
        rf'<form method="post" action="[^"]*" class="{css_class}">.*?</form>', html, re.S
    )
    return match.group(0) if match else ""


async def test_the_section_shows_the_latest_date_and_fee_and_the_plan_choices(
    gateway: Harness,
) -> None:
    page = (await gateway.client.get("/laskut/maija-1")).text
    shown = section(page)
    assert "Eräpäivän siirto" in shown and "Maksusuunnitelma" in shown
    assert "4.4.2025" in shown and "5,00\xa0€" in shown
    extension = form(shown, "extension-form")
    assert 'action="/laskut/maija-1/erapaivan-siirto"' in extension
    assert 'min="2025-03-06"' in extension and 'max="2025-04-04"' in extension
    assert 'value="2025-04-04"' in extension
    plan = form(shown, "plan-form")
    assert 'action="/laskut/maija-1/maksusuunnitelma"' in plan
    assert [int(n) for n in re.findall(r'name="instalment_count"\s+value="(\d+)"', plan)] == [
        2,
        3,
        6,
    ]
    # 3 instalments of 1716.32: the first is 572.11; fee 20 €, total 1716.32.
    assert "3 erää, ensimmäinen erä 572,11\xa0€, kulu 20,00\xa0€, yhteensä 1\xa0716,32\xa0€" in plan
    assert (MAIJA.subject, MAIJA_1, Action.MANAGE_PAYMENT_TIME) in gateway.access.checks
    assert gateway.invoices.options_calls == [(MAIJA_1, "fi")]


async def test_a_free_extension_says_maksuton(gateway: Harness) -> None:
    gateway.invoices.payment_time[MAIJA_1] = available_options(extension_fee="0.00")
    shown = section((await gateway.client.get("/laskut/maija-1")).text)
    assert '<dd class="fee">Maksuton</dd>' in shown


async def test_extending_shows_the_date_and_fee_then_extends_once(gateway: Harness) -> None:
    page = (await gateway.client.get("/laskut/maija-1")).text
    extension = form(section(page), "extension-form")
    request_id = hidden(extension, "request_id")
    preview = await gateway.client.post(
        "/laskut/maija-1/erapaivan-siirto",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "request_id": request_id,
            "new_due_date": "2025-03-20",
        },
    )
    assert preview.status_code == 200
    assert "20.3.2025" in preview.text and "5,00\xa0€" in preview.text
    assert "Vahvista siirto" in preview.text
    assert gateway.invoices.extension_orders == []  # nothing changed yet
    confirm = {
        "csrf_token": hidden(preview.text, "csrf_token"),
        "request_id": hidden(preview.text, "request_id"),
        "new_due_date": hidden(preview.text, "new_due_date"),
        "accepted_fee": hidden(preview.text, "accepted_fee"),
    }
    assert confirm["request_id"] == request_id and confirm["accepted_fee"] == "5.00"
    done = await gateway.client.post("/laskut/maija-1/erapaivan-siirto/vahvista", data=confirm)
    assert done.status_code == 303 and done.headers["location"] == "/laskut/maija-1"
    again = await gateway.client.post("/laskut/maija-1/erapaivan-siirto/vahvista", data=confirm)
    assert again.status_code == 303
    orders = gateway.invoices.extension_orders
    assert [o.request_id for o in orders] == [request_id, request_id]
    first = orders[0]
    assert first.new_due_date == date(2025, 3, 20) and first.accepted_fee == Money("5.00", "EUR")
    assert first.actor == MAIJA.subject and first.invoice == MAIJA_1
    assert gateway.invoices.invoices[MAIJA_1].due_date_extension_count == 1
    after = await gateway.client.get("/laskut/maija-1")
    assert "Eräpäivä siirretty: 20.3.2025. Kulu: 5,00\xa0€." in after.text
    assert "<dd>20.3.2025</dd>" in after.text


async def test_a_changed_fee_is_a_readable_notice(gateway: Harness) -> None:
    token = await gateway.csrf_token()
    response = await gateway.client.post(
        "/laskut/maija-1/erapaivan-siirto/vahvista",
        data={"csrf_token": token, "new_due_date": "2025-03-20", "accepted_fee": "0.00"},
    )
    assert response.status_code == 409
    assert "Kulu on muuttunut" in response.text
    assert gateway.invoices.invoices[MAIJA_1].due_date_extension_count == 0


async def test_a_date_outside_the_range_is_refused_before_the_confirmation(
    gateway: Harness,
) -> None:
    token = await gateway.csrf_token()
    response = await gateway.client.post(
        "/laskut/maija-1/erapaivan-siirto", data={"csrf_token": token, "new_due_date": "2025-05-01"}
    )
    assert response.status_code == 400 and "Valinta ei kelpaa" in response.text
    assert "Vahvista siirto" not in response.text


async def test_a_plan_shows_its_schedule_then_is_made(gateway: Harness) -> None:
    page = (await gateway.client.get("/laskut/maija-1")).text
    plan_form = form(section(page), "plan-form")
    preview = await gateway.client.post(
        "/laskut/maija-1/maksusuunnitelma",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "request_id": hidden(plan_form, "request_id"),
            "instalment_count": "3",
        },
    )
    assert preview.status_code == 200 and "Vahvista maksusuunnitelma" in preview.text
    rows = re.findall(
        r'<tr data-instalment="(\d)">.*?<td>([^<]+)</td>.*?>([^<]+)</td>', preview.text, re.S
    )
    assert rows == [
        ("1", "5.4.2025", "572,11\xa0€"),
        ("2", "5.5.2025", "572,11\xa0€"),
        ("3", "5.6.2025", "572,10\xa0€"),
    ]
    assert "20,00\xa0€" in preview.text and "1\xa0716,32\xa0€" in preview.text
    assert gateway.invoices.plan_orders == []
    confirm = {
        name: hidden(preview.text, name)
        for name in ("csrf_token", "request_id", "instalment_count", "accepted_fee")
    }
    done = await gateway.client.post("/laskut/maija-1/maksusuunnitelma/vahvista", data=confirm)
    assert done.status_code == 303 and done.headers["location"] == "/laskut/maija-1"
    (order,) = gateway.invoices.plan_orders
    assert order.instalment_count == 3 and order.accepted_fee == Money("20.00", "EUR")
    assert order.request_id == hidden(plan_form, "request_id") and order.actor == MAIJA.subject
    after = (await gateway.client.get("/laskut/maija-1")).text
    assert "Maksusuunnitelma on tehty." in after
    table = re.search(r'<section aria-labelledby="plan-heading".*?</section>', after, re.S)
    assert table is not None
    for header in ("Erä", "Eräpäivä", "Summa", "Maksettu", "Tila"):
        assert f">{header}</th>" in table.group(0)
    assert table.group(0).count("Avoinna") == 3 and "5.6.2025" in table.group(0)


async def test_unavailable_options_show_the_services_sentences_and_no_form(
    gateway: Harness,
) -> None:
    gateway.invoices.payment_time[MAIJA_1] = unavailable_options()
    shown = section((await gateway.client.get("/laskut/maija-1")).text)
    assert "Eräpäivää on jo siirretty." in shown
    assert "Laskun avoin summa on liian pieni maksusuunnitelmaan." in shown
    assert "<form" not in shown


async def test_a_service_that_is_down_leaves_the_page_usable(gateway: Harness) -> None:
    gateway.invoices.payment_time_fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    page = await gateway.client.get("/laskut/maija-1")
    assert page.status_code == 200
    assert "Maksuajan vaihtoehtoja ei juuri nyt saatu" in section(page.text)
    token = await gateway.csrf_token()
    refused = await gateway.client.post(
        "/laskut/maija-1/maksusuunnitelma/vahvista",
        data={"csrf_token": token, "instalment_count": "3", "accepted_fee": "20.00"},
    )
    assert refused.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä" in refused.text


async def test_a_plan_no_longer_allowed_is_a_readable_notice(gateway: Harness) -> None:
    gateway.invoices.payment_time_fail_with = None
    token = await gateway.csrf_token()
    gateway.invoices.payment_time[MAIJA_1] = unavailable_options()
    response = await gateway.client.post(
        "/laskut/maija-1/maksusuunnitelma/vahvista",
        data={"csrf_token": token, "instalment_count": "3", "accepted_fee": "20.00"},
    )
    assert response.status_code == 409
    assert "Tätä ei voi enää tehdä tälle laskulle." in response.text
    assert payment_time_error("FEE_CHANGED").rpc_error.reason == "FEE_CHANGED"


async def test_someone_elses_invoice_is_not_found_and_nothing_is_called(
    gateway: Harness,
) -> None:
    token = await gateway.csrf_token()
    paths = [
        ("/laskut/matti-1/erapaivan-siirto", {"new_due_date": "2025-03-20"}),
        (
            "/laskut/matti-1/erapaivan-siirto/vahvista",
            {"new_due_date": "2025-03-20", "accepted_fee": "5.00"},
        ),
        ("/laskut/matti-1/maksusuunnitelma", {"instalment_count": "3"}),
        (
            "/laskut/matti-1/maksusuunnitelma/vahvista",
            {"instalment_count": "3", "accepted_fee": "20.00"},
        ),
    ]
    missing = await gateway.client.get("/laskut/nobody-1")
    for path, data in paths:
        response = await gateway.client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 404 and response.text == missing.text
    assert gateway.invoices.options_calls == []
    assert not gateway.invoices.extension_orders and not gateway.invoices.plan_orders
    denials = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED
        and record.event.resource == "invoices/matti-1"
    ]
    assert len(denials) == len(paths)


async def test_a_lookup_grant_holder_sees_no_section(gateway: Harness) -> None:
    gateway.access.allow(MATTI, MAIJA_1, "LOOKUP")
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/laskut/maija-1")
    finally:
        await matti.aclose()
    assert page.status_code == 200 and section(page.text) == ""
    assert gateway.invoices.options_calls == []


async def test_an_authorized_person_may_extend(gateway: Harness) -> None:
    gateway.access.allow(MATTI, MAIJA_1, "AUTHORIZED")
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/laskut/maija-1")
    finally:
        await matti.aclose()
    assert form(section(page.text), "extension-form")


async def test_a_bad_csrf_token_changes_nothing(gateway: Harness) -> None:
    response = await gateway.client.post(
        "/laskut/maija-1/erapaivan-siirto/vahvista",
        data={"csrf_token": "forged", "new_due_date": "2025-03-20", "accepted_fee": "5.00"},
    )
    assert response.status_code == 403 and gateway.invoices.extension_orders == []


async def test_the_pages_speak_swedish(gateway: Harness) -> None:
    await gateway.client.get("/kieli/sv?next=/")
    shown = section((await gateway.client.get("/laskut/maija-1")).text)
    assert "Flyttning av förfallodagen" in shown and "Betalningsplan" in shown
    assert gateway.invoices.options_calls == [(MAIJA_1, "sv")]


API = "/api/myropo/v1/invoices"
REQUEST_ID = "0b7f4b9e-3c1d-4d5e-9f60-123456789abc"


async def test_the_api_lists_the_options(gateway: Harness) -> None:
    response = await gateway.client.get(f"{API}/maija-1/payment-time")
    assert response.status_code == 200
    body = response.json()
    extension = body["due_date_extension"]
    assert extension["available"] is True and extension["latest_due_date"] == "2025-04-04"
    assert extension["fee"] == {"amount": "5.00", "currency": "EUR"}
    counts = [choice["instalment_count"] for choice in body["payment_plan"]["choices"]]
    assert counts == [2, 3, 6]
    three = body["payment_plan"]["choices"][1]
    assert [item["amount"]["amount"] for item in three["instalments"]] == [
        "572.11",
        "572.11",
        "572.10",
    ]
    missing = await gateway.client.get(f"{API}/nobody-1/payment-time")
    other = await gateway.client.get(f"{API}/matti-1/payment-time")
    assert other.status_code == 404 and other.json() == missing.json()


async def test_the_api_extends_and_makes_a_plan(gateway: Harness) -> None:
    extended = await gateway.client.post(
        f"{API}/maija-1/due-date-extension",
        json={"new_due_date": "2025-03-20", "accepted_fee": "5.00", "request_id": REQUEST_ID},
    )
    assert extended.status_code == 200
    assert extended.json()["invoice"]["due_date"] == "2025-03-20"
    assert extended.json()["fee"] == {"amount": "5.00", "currency": "EUR"}
    (order,) = gateway.invoices.extension_orders
    assert order.request_id == REQUEST_ID and order.accepted_fee == Money("5.00", "EUR")
    changed = await gateway.client.post(
        f"{API}/maija-2/payment-plan",
        json={"instalment_count": 3, "accepted_fee": "20.00", "request_id": REQUEST_ID},
    )
    assert changed.status_code == 409  # maija-2 offers no plan
    gateway.invoices.payment_time["invoices/maija-2"] = available_options()
    fee_changed = await gateway.client.post(
        f"{API}/maija-2/payment-plan",
        json={"instalment_count": 3, "accepted_fee": "10.00", "request_id": REQUEST_ID},
    )
    assert fee_changed.status_code == 409
    assert fee_changed.json()["error"]["details"][0]["reason"] == "FEE_CHANGED"
    made = await gateway.client.post(
        f"{API}/maija-2/payment-plan",
        json={
            "instalment_count": 3,
            "accepted_fee": "20.00",
            "request_id": "1b7f4b9e-3c1d-4d5e-9f60-123456789abc",
        },
    )
    assert made.status_code == 201
    plan = made.json()["payment_plan"]
    assert plan["state"] == "ACTIVE" and len(plan["instalments"]) == 3
    assert made.json()["invoice"]["payment_plan"]["total_amount"]["amount"] == "1716.32"


async def test_the_api_refuses_form_posts_and_other_peoples_invoices(gateway: Harness) -> None:
    as_form = await gateway.client.post(
        f"{API}/maija-1/due-date-extension",
        data={"new_due_date": "2025-03-20", "accepted_fee": "5.00", "request_id": REQUEST_ID},
    )
    assert as_form.status_code == 415
    other = await gateway.client.post(
        f"{API}/matti-1/payment-plan",
        json={"instalment_count": 3, "accepted_fee": "20.00", "request_id": REQUEST_ID},
    )
    assert other.status_code == 404 and not gateway.invoices.plan_orders


async def test_the_openapi_description_names_the_new_endpoints(gateway: Harness) -> None:
    paths = (await gateway.client.get("/api/openapi.json")).json()["paths"]
    for path in ("payment-time", "due-date-extension", "payment-plan"):
        assert f"{API}/{{invoice_id}}/{path}" in paths


class PaymentTimeStandIn(invoice_service_pb2_grpc.InvoiceServiceServicer):
    """The invoice service's payment-time RPCs on loopback: records requests, answers with
    fixed messages (FEE_CHANGED for an accepted fee of 0.01)."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def GetPaymentTimeOptions(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        choice = plan_choice(2, "20.00", "100.01", date(2025, 4, 5))
        plan = plan_message("invoices/x/paymentPlans/p", choice)
        return invoice_service_pb2.GetPaymentTimeOptionsResponse(
            due_date_extension=payment_time_pb2.DueDateExtensionOption(
                available=True,
                earliest_due_date=date_pb2.Date(year=2025, month=3, day=6),
                latest_due_date=date_pb2.Date(year=2025, month=4, day=4),
                fee=money_to_proto(Money("5.00", "EUR")),
            ),
            payment_plan=payment_time_pb2.PaymentPlanOption(
                available=False,
                unavailable_reason=payment_time_pb2.PAYMENT_TIME_UNAVAILABLE_REASON_IN_DISPUTE,
                unavailable_message="Laskusta on reklamaatio.",
                choices=[
                    payment_time_pb2.PaymentPlanChoice(
                        instalment_count=2,
                        fee=plan.fee,
                        total_amount=plan.total_amount,
                        instalments=plan.instalments,
                    )
                ],
            ),
        )

    async def ExtendDueDate(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        if request.accepted_fee.nanos == 10_000_000:
            await abort_with_error(
                context, FailedPrecondition("FEE_CHANGED", "fee changed"), domain="invoice.ropo"
            )
        return invoice_service_pb2.ExtendDueDateResponse(
            invoice=invoice_pb2.Invoice(name=request.invoice, due_date=request.new_due_date),
            fee=request.accepted_fee,
        )

    async def CreatePaymentPlan(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        choice = plan_choice(request.instalment_count, "20.00", "100.01", date(2025, 4, 5))
        return invoice_service_pb2.CreatePaymentPlanResponse(
            invoice=invoice_pb2.Invoice(name=request.invoice),
            payment_plan=plan_message(f"{request.invoice}/paymentPlans/p", choice),
        )

    async def CancelPaymentPlan(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        choice = plan_choice(2, "20.00", "100.01", date(2025, 4, 5))
        return invoice_service_pb2.CancelPaymentPlanResponse(
            payment_plan=plan_message(
                request.name, choice, payment_time_pb2.PaymentPlan.STATE_CANCELLED
            )
        )


async def test_the_client_maps_the_payment_time_rpcs() -> None:
    stand_in = PaymentTimeStandIn()
    server = grpc.aio.server()
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    client = InvoiceClient(channel, 5.0)
    try:
        options = await client.payment_time_options("invoices/x", "sv")
        assert stand_in.requests[-1].language_code == "sv"
        assert options.extension.available and options.extension.fee == Money("5.00", "EUR")
        assert options.extension.latest_due_date == date(2025, 4, 4)
        assert not options.plan.available and options.plan.unavailable_reason == "IN_DISPUTE"
        assert options.plan.unavailable_message == "Laskusta on reklamaatio."
        (choice,) = options.plan.choices
        assert [i.amount for i in choice.instalments] == [
            Money("50.01", "EUR"),
            Money("50.00", "EUR"),
        ]
        order = ExtensionOrder(
            request_id=REQUEST_ID,
            invoice="invoices/x",
            new_due_date=date(2025, 3, 20),
            accepted_fee=Money("5.00", "EUR"),
            actor=MAIJA.subject,
        )
        extended = await client.extend_due_date(order)
        sent = stand_in.requests[-1]
        assert (sent.request_id, sent.actor, sent.language_code) == (
            REQUEST_ID,
            MAIJA.subject,
            "fi",
        )
        assert (sent.new_due_date.year, sent.new_due_date.month, sent.new_due_date.day) == (
            2025,
            3,
            20,
        )
        assert extended.fee == Money("5.00", "EUR") and extended.invoice.due_date.day == 20
        try:
            await client.extend_due_date(replace(order, accepted_fee=Money("0.01", "EUR")))
        except UpstreamError as error:
            assert error.rpc_error.code == grpc.StatusCode.FAILED_PRECONDITION
            assert problem_of(error).key == "fee_changed"
        else:
            raise AssertionError("FEE_CHANGED expected")
        made = await client.create_payment_plan(
            PlanOrder(REQUEST_ID, "invoices/x", 2, Money("20.00", "EUR"), MAIJA.subject)
        )
        assert made.plan.active and made.plan.name == "invoices/x/paymentPlans/p"
        assert stand_in.requests[-1].instalment_count == 2
        cancelled = await client.cancel_payment_plan(
            REQUEST_ID, "invoices/x/paymentPlans/p", "staffUsers/aino", "pyydetty"
        )
        assert cancelled.state is PlanState.CANCELLED
        assert stand_in.requests[-1].reason == "pyydetty"
    finally:
        await channel.close()
        await server.stop(grace=None)
