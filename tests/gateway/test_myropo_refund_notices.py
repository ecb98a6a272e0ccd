"""Where *Ilmoita tilinumero* is offered: the front page's card and, above it, a notice per
refund of the person waiting for an account; the invoice page's notice for a refund of that
invoice. Both disappear (the page still works) when the refund service cannot answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, make_invoice, refund_error, running_gateway
from ropo_gateway.clients.refunds import RefundState


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        h.invoices.add(make_invoice("maija-1", debtor=MAIJA.subject))
        h.access.allow(MAIJA, "invoices/maija-1")
        yield h


def notices(html: str) -> list[tuple[str, str]]:
    """(text, link) of every refund notice on a page."""
    found = re.findall(r'<p class="notice refund-notice"[^>]*>(.*?)<a href="([^"]+)">', html, re.S)
    # Collapse the template's line breaks only: amounts keep their no-break spaces.
    return [
        (re.sub(r"[ \t\n]+", " ", text).strip(), link.replace("&amp;", "&")) for text, link in found
    ]


async def test_the_front_page_points_to_the_persons_own_refunds(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject, refundable="25.00")
    gateway.refunds.open_case(
        debtor=MAIJA.subject, case_number="9000000025", refundable="1234.50", fee="0.00"
    )
    gateway.refunds.open_case(
        debtor=MAIJA.subject, case_number="9000000033", state=RefundState.PAID
    )
    gateway.refunds.open_case(debtor=MATTI.subject, case_number="9000000041")
    page = (await gateway.client.get("/")).text
    assert notices(page) == [
        ("Sinulle on palautettavaa 25,00\xa0€.", "/tilinumero?asia=9000000017"),
        ("Sinulle on palautettavaa 1\xa0234,50\xa0€.", "/tilinumero?asia=9000000025"),
    ]
    assert page.index("refund-notice") < page.index('<a class="card" href="/tilinumero">')
    assert ("ListRefundCases", MAIJA.subject) in gateway.refunds.calls


async def test_the_notice_is_in_the_page_language(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject, refundable="25.00")
    gateway.client.cookies.set("ropo_lang", "en")
    page = (await gateway.client.get("/")).text
    assert notices(page) == [("You have a refund of €25.00.", "/tilinumero?asia=9000000017")]


async def test_the_front_page_works_without_the_refund_service(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject)
    gateway.refunds.fail_with = refund_error(grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE")
    response = await gateway.client.get("/")
    assert response.status_code == 200
    assert notices(response.text) == []
    assert '<a class="card" href="/tilinumero">' in response.text
    assert "20240017" in response.text  # the invoices are still listed


async def test_the_invoice_page_points_to_the_invoices_refund(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject, invoice="invoices/maija-1", refundable="12.30")
    gateway.refunds.open_case(
        debtor=MAIJA.subject, invoice="invoices/other", case_number="9000000025"
    )
    page = (await gateway.client.get("/laskut/maija-1")).text
    assert notices(page) == [
        ("Laskuun liittyy palautus 12,30\xa0€.", "/tilinumero?asia=9000000017")
    ]
    assert "Ilmoita tilinumero</a>" in page


async def test_a_refund_no_longer_waiting_is_not_pointed_out(gateway: Harness) -> None:
    gateway.refunds.open_case(
        debtor=MAIJA.subject, invoice="invoices/maija-1", state=RefundState.AWAITING_APPROVAL
    )
    assert notices((await gateway.client.get("/laskut/maija-1")).text) == []
    assert notices((await gateway.client.get("/")).text) == []


async def test_the_invoice_page_works_without_the_refund_service(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject, invoice="invoices/maija-1")
    gateway.refunds.fail_with = refund_error(grpc.StatusCode.DEADLINE_EXCEEDED, "SLOW")
    response = await gateway.client.get("/laskut/maija-1")
    assert response.status_code == 200
    assert notices(response.text) == []
    assert "20240017" in response.text


async def test_someone_elses_invoice_asks_nothing_of_the_refund_service(gateway: Harness) -> None:
    gateway.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
    response = await gateway.client.get("/laskut/matti-1")
    assert response.status_code == 404
    assert not [call for call in gateway.refunds.calls if call[1] == "invoices/matti-1"]
