"""*Maksa* (``/laskut/{id}/maksa`` and ``GET .../payment``), the delegate's view of someone
else's invoice — the *Valtuutettu* mark on the front page and one audit record per read —
and that every read of an invoice asks the authorization service for the right action."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, State, make_invoice, running_gateway
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.authorization import Action

#: Version 5 (RF reference): IBAN digits, euros, cents, the reference body, the due date.
BARCODE = "5" + "2112345600000785" + "001696" + "32" + "33" + "0" * 14 + "2348236" + "250305"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as harness:
        invoice = make_invoice("maija-1", debtor=MAIJA.subject, reference="RF332348236")
        invoice.virtual_bank_barcode = BARCODE
        harness.invoices.add(invoice)
        harness.access.allow(MAIJA, "invoices/maija-1")
        harness.invoices.add(make_invoice("maija-paid", state=State.STATE_PAID, open_amount="0.00"))
        harness.access.allow(MAIJA, "invoices/maija-paid")
        harness.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        harness.access.allow(MATTI, "invoices/matti-1")
        yield harness


async def test_the_invoice_page_offers_maksa_while_something_is_open(gateway: Harness) -> None:
    page = await gateway.client.get("/laskut/maija-1")
    assert '<a class="button" href="/laskut/maija-1/maksa">Maksa</a>' in page.text
    paid = await gateway.client.get("/laskut/maija-paid")
    assert "/maksa" not in paid.text


async def test_maksa_shows_how_to_pay_now(gateway: Harness) -> None:
    page = await gateway.client.get("/laskut/maija-1/maksa")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")
    facts = {
        "Maksettava summa": "1 696,32 €",
        "Saaja": "Testi-yritys Oy",
        "Saajan tilinumero": "FI21 1234 5600 0007 85",
        "BIC": "NDEAFIHH",
        "Viitenumero": "RF33 2348 236",
        "Eräpäivä": "5.3.2025",
    }
    for label, value in facts.items():
        assert value in html.split(f"<dt>{label}</dt>", 1)[1].split("</div>", 1)[0], label
    # The copy-friendly values: the barcode (a labelled read-only field), the compact
    # reference and IBAN, the amount as a bank form takes it.
    assert '<label for="barcode">Virtuaaliviivakoodi</label>' in html
    assert f'readonly value="{BARCODE}"' in html and html.count(BARCODE) == 1
    for value in ("RF332348236", "FI2112345600000785", "1696,32"):
        assert f'<dd class="copyable identifier">{value}</dd>' in html
    # The one form on the page starts an online payment; the bank details stand alone.
    main = html.split("<main", 1)[1]
    assert main.count("<form") == 1 and 'action="/laskut/maija-1/maksa"' in main
    assert (MAIJA.subject, "invoices/maija-1", Action.PAY) in gateway.access.checks


async def test_maksa_of_a_paid_invoice_says_nothing_is_open(gateway: Harness) -> None:
    page = await gateway.client.get("/laskut/maija-paid/maksa")
    assert page.status_code == 200 and "Laskulla ei ole avoinna maksettavaa." in page.text
    api = (await gateway.client.get("/api/myropo/v1/invoices/maija-paid/payment")).json()
    assert api["payable"] is False and api["virtual_bank_barcode"] == ""


async def test_maksa_in_swedish_and_english(gateway: Harness) -> None:
    await gateway.client.get("/kieli/sv?next=/")
    assert "Betala fakturan" in (await gateway.client.get("/laskut/maija-1/maksa")).text
    await gateway.client.get("/kieli/en?next=/")
    english = (await gateway.client.get("/laskut/maija-1/maksa")).text
    assert "Pay the invoice" in english and "1696.32" in english


async def test_the_payment_api_gives_the_same_data_exactly(gateway: Harness) -> None:
    response = await gateway.client.get("/api/myropo/v1/invoices/maija-1/payment")
    assert response.status_code == 200
    assert response.json() == {
        "invoice_id": "maija-1",
        "payable": True,
        "amount": {"amount": "1696.32", "currency": "EUR"},
        "recipient": "Testi-yritys Oy",
        "iban": "FI2112345600000785",
        "iban_printed": "FI21 1234 5600 0007 85",
        "bic": "NDEAFIHH",
        "reference": "RF332348236",
        "reference_printed": "RF33 2348 236",
        "due_date": "2025-03-05",
        "virtual_bank_barcode": BARCODE,
    }


async def test_someone_elses_or_a_malformed_invoice_gets_the_missing_answer(
    gateway: Harness,
) -> None:
    for prefix, suffix in (("/laskut/", "/maksa"), ("/api/myropo/v1/invoices/", "/payment")):
        missing = await gateway.client.get(f"{prefix}no-such-invoice{suffix}")
        others = await gateway.client.get(f"{prefix}matti-1{suffix}")
        malformed = await gateway.client.get(f"{prefix}bad.id{suffix}")
        assert missing.status_code == others.status_code == malformed.status_code == 404
        assert missing.content == others.content == malformed.content
    records = await gateway.audit_records()
    assert [(r.event.resource, r.event.reason, r.event.channel) for r in records] == [
        ("invoices/no-such-invoice", "NO_RELATION", Channel.MYROPO),
        ("invoices/matti-1", "NO_RELATION", Channel.MYROPO),
        ("invoices/-", "MALFORMED_ID", Channel.MYROPO),
        ("invoices/no-such-invoice", "NO_RELATION", Channel.MYROPO_API),
        ("invoices/matti-1", "NO_RELATION", Channel.MYROPO_API),
        ("invoices/-", "MALFORMED_ID", Channel.MYROPO_API),
    ]
    assert all(r.event.actor == MAIJA.subject for r in records)
    assert all(r.event.data_subject == "" for r in records)  # a denial reads nothing


async def test_a_delegate_sees_the_mark_and_each_read_is_recorded_once(gateway: Harness) -> None:
    gateway.access.allow(MATTI, "invoices/maija-1", "AUTHORIZED")
    matti = await gateway.login(MATTI)
    try:
        front = await matti.get("/")
        row = front.text.split('<tr data-invoice="invoices/maija-1">', 1)[1].split("</tr>", 1)[0]
        assert '<span class="badge badge-delegate">Valtuutettu' in row
        assert "sinut on valtuutettu hoitamaan tätä laskua" in row  # for screen readers
        own_row = front.text.split('<tr data-invoice="invoices/matti-1">', 1)[1]
        assert "Valtuutettu" not in own_row.split("</tr>", 1)[0]
        listed = (await matti.get("/api/myropo/v1/invoices")).json()["invoices"]
        assert {item["name"]: item["access"] for item in listed} == {
            "invoices/maija-1": "AUTHORIZED",
            "invoices/matti-1": "OWN",
        }
        assert await gateway.audit_records() == []  # the lists show no one else's details
        reads = [
            ("/laskut/maija-1", Channel.MYROPO),
            ("/laskut/maija-1/maksa", Channel.MYROPO),
            ("/laskut/maija-1/lasku.pdf", Channel.MYROPO),
            ("/api/myropo/v1/invoices/maija-1", Channel.MYROPO_API),
            ("/api/myropo/v1/invoices/maija-1/events", Channel.MYROPO_API),
            ("/api/myropo/v1/invoices/maija-1/document", Channel.MYROPO_API),
            ("/api/myropo/v1/invoices/maija-1/payment", Channel.MYROPO_API),
        ]
        for url, channel in reads:
            before = len(await gateway.audit_records())
            assert (await matti.get(url)).status_code == 200, url
            added = (await gateway.audit_records())[before:]
            assert len(added) == 1, url
            event = added[0].event
            assert (event.actor, event.data_subject, event.resource) == (
                MATTI.subject,
                MAIJA.subject,
                "invoices/maija-1",
            ), url
            assert (event.purpose, event.outcome, event.channel) == (
                Purpose.DELEGATE_VIEW,
                Outcome.ALLOWED,
                channel,
            ), url
            assert added[0].request_id  # matched to the request's X-Request-Id
        # Matti's own invoice: no record.
        before = len(await gateway.audit_records())
        assert (await matti.get("/laskut/matti-1")).status_code == 200
        assert len(await gateway.audit_records()) == before
    finally:
        await matti.aclose()


async def test_a_delegate_read_is_matched_to_its_request_id(gateway: Harness) -> None:
    gateway.access.allow(MATTI, "invoices/maija-1", "CONTINUOUS_AUTHORIZATION")
    matti = await gateway.login(MATTI)
    try:
        response = await matti.get("/api/myropo/v1/invoices/maija-1")
    finally:
        await matti.aclose()
    (record,) = await gateway.runtime.audit_log.records(request_id=response.headers["x-request-id"])
    assert record.event.reason == "CONTINUOUS_AUTHORIZATION"
    assert record.event.purpose is Purpose.DELEGATE_VIEW
