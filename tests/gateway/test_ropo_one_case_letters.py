"""The case page's letters (type, date, channel, read or not), the debtor's consent to
electronic letters with its whole history, and the invoice's disputes with links — for agents
and supervisors; a creditor user sees none of it and nothing is read for one; a letter service
that cannot answer leaves the rest of the page usable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import lxml.html
import pytest_asyncio
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.clients.letters import LetterChannel, LetterType
from ropo_one_dispute_fakes import invoice_error
from ropo_one_support import (
    AGENT,
    DEBTOR,
    SUPERVISOR,
    TESTI_USER,
    Console,
    console,
    make_invoice,
    text,
)

CASE = "/ropo-one/tapaukset/inv-1"
OTHER = "persons/" + "d" * 64


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        running.cases.add(make_invoice("inv-2", invoice_number="100202"))
        yield running


def table(html: str, name: str) -> list[list[str]]:
    tree = lxml.html.fromstring(html)
    return [
        [
            " ".join(cell.text_content().replace("\xa0", " ").split())
            for cell in row.xpath("./th|./td")
        ]
        for row in tree.xpath(f"//table[contains(@class, '{name}')]/tbody/tr")
    ]


def section_text(html: str, section_id: str) -> str:
    (section,) = lxml.html.fromstring(html).xpath(f"//section[@id='{section_id}']")
    return " ".join(section.text_content().replace("\xa0", " ").split())


def add_letters(one: Console) -> None:
    one.letters.add(
        "invoices/inv-1",
        "inv-1",
        type=LetterType.INVOICE,
        title="Lasku",
        recipient=DEBTOR,
        read=True,
    )
    one.letters.add(
        "invoices/inv-1",
        "r-1",
        recipient=DEBTOR,
        minutes=60 * 24 * 20,
        channel=LetterChannel.ELECTRONIC,
    )
    # Another invoice's letter and one to someone else are not this case's.
    one.letters.add("invoices/inv-2", "r-9", recipient=DEBTOR)
    one.letters.add("invoices/inv-1", "x-1", recipient=OTHER)


async def test_the_case_page_lists_the_debtors_letters_of_this_invoice(one: Console) -> None:
    add_letters(one)
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    assert table(page.text, "one-letters") == [
        ["Maksumuistutus", "30.3.2025 12.00", "Sähköinen", "Lukematta"],
        ["Lasku", "10.3.2025 11.00", "Paperi", "Luettu 10.3.2025 11.30"],
    ]
    (query,) = one.letters.queries
    assert (query.recipient_party, query.invoice) == (DEBTOR, "invoices/inv-1")


async def test_the_consent_and_its_whole_history_are_shown(one: Console) -> None:
    one.letters.consent(
        DEBTOR,
        [
            (True, "myropo", DEBTOR),
            (False, "customer_service", "staffUsers/eero-esihenkilo"),
            (True, "myropo", DEBTOR),
        ],
        email="maija.meikalainen@example.fi",
    )
    await one.login_staff(SUPERVISOR)
    page = await one.client.get(CASE)
    consent = section_text(page.text, "sahkoiset-kirjeet")
    assert "Annettu: kirjeet vain Viestikeskukseen" in consent
    assert "m***@example.fi" in consent
    assert "maija.meikalainen" not in page.text
    assert table(page.text, "one-consent-history") == [
        ["10.3.2025 11.00", "Suostumus annettu", "MyRopo", "Asiakas"],
        [
            "11.3.2025 11.00",
            "Suostumus peruttu",
            "Asiakaspalvelu",
            "Asiakaspalvelu (eero-esihenkilo)",
        ],
        ["12.3.2025 11.00", "Suostumus annettu", "MyRopo", "Asiakas"],
    ]
    assert one.letters.consent_reads == [DEBTOR]


async def test_a_debtor_who_never_consented_gets_paper(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    consent = section_text(page.text, "sahkoiset-kirjeet")
    assert "Ei annettu: kirjeet paperilla" in consent
    assert "Suostumusta ei ole koskaan annettu." in consent
    assert "Laskusta ei ole lähetetty kirjeitä." in section_text(page.text, "kirjeet")


async def test_a_company_has_no_consent_to_read(one: Console) -> None:
    one.cases.add(make_invoice("inv-c", kind=invoice_pb2.DEBTOR_KIND_ORGANIZATION))
    await one.login_staff(AGENT)
    page = await one.client.get("/ropo-one/tapaukset/inv-c")
    assert "Vain yksityishenkilö voi antaa suostumuksen" in section_text(
        page.text, "sahkoiset-kirjeet"
    )
    assert one.letters.consent_reads == []


async def test_the_invoices_disputes_link_to_their_pages(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", amount="10.00")
    one.disputes.open("inv-2", "d-2")
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    assert table(page.text, "one-case-disputes") == [
        ["10.3.2025 11.00", "Avoin", "10,00 €", "", "0"]
    ]
    links = lxml.html.fromstring(page.text).xpath("//section[@id='reklamaatiot']//a/@href")
    assert links == ["/ropo-one/reklamaatiot/inv-1/d-1"]
    assert one.disputes.lists[0]["invoice"] == "invoices/inv-1"


async def test_an_unavailable_letter_service_leaves_the_case_page_usable(one: Console) -> None:
    one.letters.fail_with = invoice_error(grpc.StatusCode.UNIMPLEMENTED)
    one.disputes.fail_with = invoice_error(grpc.StatusCode.UNAVAILABLE)
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    assert "Kirjeitä ei juuri nyt saatu näkyviin." in section_text(page.text, "kirjeet")
    assert "Suostumuksen tietoja ei juuri nyt saatu näkyviin." in section_text(
        page.text, "sahkoiset-kirjeet"
    )
    assert "Reklamaatioita ei juuri nyt saatu näkyviin." in section_text(page.text, "reklamaatiot")
    assert "1 701,32 €" in text(page.text)


async def test_a_creditor_user_sees_no_letters_consent_or_disputes(one: Console) -> None:
    add_letters(one)
    one.letters.consent(DEBTOR, [(True, "myropo", DEBTOR)], email="m@example.fi")
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(TESTI_USER)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    for section_id in ("kirjeet", "sahkoiset-kirjeet", "reklamaatiot", "maksuvalvonta"):
        assert not tree.xpath(f"//section[@id='{section_id}']")
    assert one.letters.queries == [] and one.letters.consent_reads == []
    assert one.disputes.lists == []
