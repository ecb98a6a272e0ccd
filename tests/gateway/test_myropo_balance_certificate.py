"""*Saldotodistus*: the page and the PDF of the person's own open cases — only the session's
own party is ever asked for, the file is a download, every download is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from myropo_fakes import CERTIFICATE_PDF, MAIJA, MATTI, Harness, running_gateway, upstream
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.clients.letters import BalanceCertificate


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


@pytest.mark.parametrize(
    ("language", "heading", "download"),
    [
        ("fi", "Saldotodistus", "Lataa saldotodistus (PDF)"),
        ("sv", "Saldointyg", "Ladda ner saldointyget (PDF)"),
        ("en", "Balance certificate", "Download the balance certificate (PDF)"),
    ],
)
async def test_the_page_offers_the_download(
    gateway: Harness, language: str, heading: str, download: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    page = await gateway.client.get("/saldotodistus")
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert f'href="/saldotodistus.pdf" type="application/pdf" download>{download}</a>' in page.text
    # Showing the page asks nothing of the service.
    assert gateway.letters.certificate_calls == []


async def test_the_front_page_links_to_it(gateway: Harness) -> None:
    front = await gateway.client.get("/")
    assert '<a class="card" href="/saldotodistus">' in front.text
    assert "Saldotodistus" in front.text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_the_pdf_is_the_persons_own_and_a_download(gateway: Harness, language: str) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    document = await gateway.client.get("/saldotodistus.pdf")
    assert document.status_code == 200
    assert document.content == CERTIFICATE_PDF
    assert document.headers["content-type"] == "application/pdf"
    assert (
        document.headers["content-disposition"]
        == 'attachment; filename="saldotodistus-2025-03-01.pdf"'
    )
    assert document.headers["cache-control"] == "no-store"
    assert gateway.letters.certificate_calls == [(MAIJA.subject, language)]
    (record,) = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.BALANCE_CERTIFICATE
    ]
    assert record.actor == MAIJA.subject == record.data_subject
    assert record.resource == f"{MAIJA.subject}/balanceCertificate"
    assert record.outcome is Outcome.ALLOWED


async def test_each_person_gets_only_their_own(gateway: Harness) -> None:
    matti = await gateway.login(MATTI)
    try:
        # No parameter can name another party: a query string is ignored.
        response = await matti.get("/saldotodistus.pdf", params={"debtor_party": MAIJA.subject})
        assert response.status_code == 200
    finally:
        await matti.aclose()
    assert gateway.letters.certificate_calls == [(MATTI.subject, "fi")]


async def test_an_unsafe_file_name_is_replaced(gateway: Harness) -> None:
    gateway.letters.certificate = BalanceCertificate(
        "application/pdf", CERTIFICATE_PDF, '"; evil=1 ../..'
    )
    document = await gateway.client.get("/saldotodistus.pdf")
    assert document.headers["content-disposition"] == 'attachment; filename="evil-1.pdf"'
    gateway.letters.certificate = BalanceCertificate("application/pdf", CERTIFICATE_PDF, "")
    document = await gateway.client.get("/saldotodistus.pdf")
    assert document.headers["content-disposition"] == 'attachment; filename="saldotodistus.pdf"'


async def test_something_that_is_not_a_pdf_is_refused(gateway: Harness) -> None:
    gateway.letters.certificate = BalanceCertificate("text/html", b"<html>", "x.html")
    refused = await gateway.client.get("/saldotodistus.pdf")
    assert refused.status_code == 502
    assert "Saldotodistusta ei voitu laatia" in refused.text
    assert not [
        r for r in await gateway.audit_records() if r.event.purpose is Purpose.BALANCE_CERTIFICATE
    ]


async def test_a_failing_service_and_no_login(gateway: Harness) -> None:
    gateway.letters.fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    assert (await gateway.client.get("/saldotodistus.pdf")).status_code == 503
    visitor = gateway.visitor()
    try:
        assert (await visitor.get("/saldotodistus")).status_code == 401
        assert (await visitor.get("/saldotodistus.pdf")).status_code == 401
    finally:
        await visitor.aclose()
