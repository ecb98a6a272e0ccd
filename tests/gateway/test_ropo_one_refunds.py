"""Ropo One's *Palautukset*: the list by state (Finnish labels, the default of cases needing
action, paging), a refund's page (masked account, holder, reporter, earlier accounts with who
and why, approver, the letter), *Hyväksy* / *Hylkää* / *Vaihda tilinumero* with their
refusals (four eyes, stale etag, wrong state, bad input) as readable messages, the invoice
case page's *Palautukset* section, role refusals (a creditor user: 403 on the list, the
missing-case 404 with an audit denial on every refund route) and the audit records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import lxml.html
import pytest_asyncio
from myropo_fakes import GOOD_IBAN, refund_error
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.refunds import (
    RefundCaseView,
    RefundOrigin,
    RefundState,
    StaffActor,
)
from ropo_one_support import (
    AGENT,
    DEBTOR,
    SUPERVISOR,
    TESTI_USER,
    Console,
    console,
    csrf_token,
    make_invoice,
    text,
)

LIST = "/ropo-one/palautukset"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        yield running


def page_of(case: RefundCaseView) -> str:
    return f"{LIST}/{case.id}"


def rows(html: str) -> list[list[str]]:
    tree = lxml.html.fromstring(html)
    return [
        [
            " ".join(cell.text_content().replace("\xa0", " ").split())
            for cell in row.xpath("./th|./td")
        ]
        for row in tree.xpath("//table[contains(@class, 'one-refunds')]/tbody/tr")
    ]


def field(html: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(f"//dd[@data-field='{name}']")
    assert found, f"no {name}"
    return " ".join(found[0].text_content().replace("\xa0", " ").split())


def hidden(html: str, form_class: str, name: str) -> str:
    tree = lxml.html.fromstring(html)
    found = tree.xpath(f"//form[contains(@class, '{form_class}')]//input[@name='{name}']/@value")
    assert found, f"no {name} in {form_class}"
    return str(found[0])


def forms(html: str) -> set[str]:
    classes = lxml.html.fromstring(html).xpath("//main//form/@class")
    return {name for value in classes for name in value.split() if name.startswith("refund-")}


async def switch_to(one: Console, user: str) -> None:
    one.client.cookies.clear()
    await one.login_staff(user)


def submitted_case(
    one: Console, case_number: str = "9000000017", refundable: str = "25.00"
) -> RefundCaseView:
    """A case whose person reported and confirmed an account (awaiting approval)."""
    case = one.refunds.open_case(
        debtor=DEBTOR, invoice="invoices/inv-1", case_number=case_number, refundable=refundable
    )
    return one.refunds.confirm_account(case.name)


async def test_the_list_shows_cases_needing_action_with_finnish_labels(one: Console) -> None:
    await one.login_staff(AGENT)
    one.refunds.open_case(debtor=DEBTOR, case_number="9000000017")
    submitted_case(one, case_number="9000000025", refundable="130.00")
    one.refunds.open_case(
        case_number="9000000033",
        state=RefundState.MANUAL_REVIEW,
        origin=RefundOrigin.UNCLEAR_PAYMENT,
        debtor_name="",
    )
    one.refunds.open_case(
        case_number="9000000041",
        state=RefundState.APPROVED,
        fee="0.00",
        origin=RefundOrigin.CREDIT_NOTE,
    )
    one.refunds.open_case(case_number="9000000058", state=RefundState.PAID)
    page = await one.client.get(LIST)
    assert page.status_code == 200
    assert rows(page.text) == [
        ["9000000025", "Liikasuoritus", "Maija Meikäläinen", "125,00 €", "Odottaa hyväksyntää"],
        ["9000000033", "Selvittämätön suoritus", "", "20,00 €", "Käsin tarkistettava"],
        ["9000000041", "Hyvityslasku", "Maija Meikäläinen", "25,00 €", "Hyväksytty"],
    ]
    tabs = lxml.html.fromstring(page.text).xpath("//nav[@class='one-tabs']//a")
    labels = [" ".join(tab.text_content().split()) for tab in tabs]
    assert labels == [
        "Toimenpiteitä vaativat",
        "Odottaa tilinumeroa",
        "Tilinumero ilmoitettu",
        "Käsin tarkistettava",
        "Odottaa hyväksyntää",
        "Hyväksytty",
        "Maksatuksessa",
        "Maksettu",
        "Hylätty",
        "Kaikki",
    ]
    waiting = await one.client.get(LIST, params={"tila": "AWAITING_ACCOUNT"})
    assert [row[0] for row in rows(waiting.text)] == ["9000000017"]
    everything = await one.client.get(LIST, params={"tila": "kaikki"})
    assert len(rows(everything.text)) == 5
    listed = [r.event for r in await one.audit() if r.event.purpose is Purpose.REFUND_VIEW]
    assert [(e.resource, e.result_count) for e in listed] == [
        ("refundCases", 3),
        ("refundCases", 1),
        ("refundCases", 5),
    ]


async def test_the_list_is_paged(one: Console) -> None:
    await one.login_staff(AGENT)
    for number in range(55):
        one.refunds.open_case(case_number=f"9{number:09d}", state=RefundState.APPROVED)
    first = await one.client.get(LIST)
    assert len(rows(first.text)) == 50
    next_link = lxml.html.fromstring(first.text).xpath("//a[@rel='next']/@href")
    assert next_link == [f"{LIST}?sivu=50"]
    second = await one.client.get(str(next_link[0]))
    assert len(rows(second.text)) == 5
    assert not lxml.html.fromstring(second.text).xpath("//a[@rel='next']")


async def test_the_case_page_shows_the_masked_account_and_is_audited(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    assert page.status_code == 200
    assert field(page.text, "state") == "Odottaa hyväksyntää"
    assert field(page.text, "masked_iban") == "FI49 **** **** **** 30"
    assert field(page.text, "bic") == "OKOYFIHH"
    assert field(page.text, "holder_name") == "Maija Meikäläinen"
    assert field(page.text, "reporter") == "Asiakas"
    assert field(page.text, "payout_amount") == "20,00 €"
    assert "50009420" not in page.text and "5000 9420" not in page.text
    assert lxml.html.fromstring(page.text).xpath(f"//a[@href='{page_of(case)}/kirje.pdf']")
    assert forms(page.text) == {"refund-approve", "refund-reject"}  # no account change for agents
    viewed = [r.event for r in await one.audit() if r.event.purpose is Purpose.REFUND_VIEW]
    assert [(e.actor, e.resource, e.data_subject, e.reason) for e in viewed] == [
        (f"staffUsers/{AGENT}", case.name, DEBTOR, "REFUND_CASE_VIEWED")
    ]


async def test_an_agent_approves_what_the_page_showed(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    approved = await one.client.post(
        f"{page_of(case)}/hyvaksy",
        data={
            "csrf_token": csrf_token(page.text),
            "request_id": hidden(page.text, "refund-approve", "request_id"),
            "etag": hidden(page.text, "refund-approve", "etag"),
        },
    )
    assert approved.status_code == 200
    assert "Palautus hyväksytty." in text(approved.text)
    assert field(approved.text, "state") == "Hyväksytty"
    assert field(approved.text, "approver") == AGENT
    assert one.refunds.view(case.name).state is RefundState.APPROVED
    assert one.refunds.staff_calls[-1] == (
        "ApproveRefund",
        case.name,
        StaffActor(f"staffUsers/{AGENT}", ("agent",)),
    )
    admin = [r.event for r in await one.audit() if r.event.purpose is Purpose.REFUND_ADMIN]
    assert [(e.resource, e.reason, e.outcome, e.data_subject) for e in admin] == [
        (case.name, "REFUND_APPROVED", Outcome.ALLOWED, DEBTOR)
    ]


async def test_a_stale_etag_and_a_wrong_state_are_readable_refusals(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    token = csrf_token(page.text)
    stale = await one.client.post(
        f"{page_of(case)}/hyvaksy", data={"csrf_token": token, "etag": "old"}
    )
    assert stale.status_code == 409
    assert "Palautus muuttui sillä välin. Tarkista tiedot ja yritä uudelleen." in text(stale.text)
    assert one.refunds.view(case.name).state is RefundState.AWAITING_APPROVAL
    waiting = one.refunds.open_case(case_number="9000000025")
    wrong = await one.client.post(
        f"{page_of(waiting)}/hyvaksy", data={"csrf_token": token, "etag": waiting.etag}
    )
    assert wrong.status_code == 409
    assert "Toimintoa ei voi tehdä palautuksen nykyisessä tilassa." in text(wrong.text)
    refused = [
        (r.event.reason, r.event.outcome)
        for r in await one.audit()
        if r.event.purpose is Purpose.REFUND_ADMIN
    ]
    assert refused == [
        ("REFUND_CASE_CHANGED", Outcome.DENIED),
        ("REFUND_NOT_APPROVABLE", Outcome.DENIED),
    ]


async def test_rejecting_needs_a_reason(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    token = csrf_token(page.text)
    empty = await one.client.post(
        f"{page_of(case)}/hylkaa", data={"csrf_token": token, "reason": " "}
    )
    assert empty.status_code == 400 and "Kirjoita syy." in text(empty.text)
    assert not [c for c in one.refunds.staff_calls if c[0] == "RejectRefund"]
    rejected = await one.client.post(
        f"{page_of(case)}/hylkaa",
        data={"csrf_token": token, "reason": "Maksu palautettu jo käteisellä"},
    )
    assert rejected.status_code == 200 and "Palautus hylätty." in text(rejected.text)
    assert field(rejected.text, "state") == "Hylätty"
    assert field(rejected.text, "status_message") == "Maksu palautettu jo käteisellä"
    assert forms(rejected.text) == set()


async def test_a_supervisor_changes_the_account_and_someone_else_approves(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    assert forms(page.text) == {"refund-approve", "refund-reject", "refund-change"}
    token = csrf_token(page.text)
    change = {
        "csrf_token": token,
        "iban": "FI49 5000 9420 0287 31",
        "holder_name": "Maija Meikäläinen",
        "reason": "Asiakas soitti ja korjasi tilinumeron",
    }
    bad = await one.client.post(f"{page_of(case)}/vaihda-tilinumero", data=change)
    assert bad.status_code == 400
    assert "Tilinumeron tarkiste ei täsmää. Tarkista numero." in text(bad.text)
    assert hidden(bad.text, "refund-change", "iban") == "FI49 5000 9420 0287 31"
    no_reason = await one.client.post(
        f"{page_of(case)}/vaihda-tilinumero", data={**change, "iban": GOOD_IBAN, "reason": ""}
    )
    assert no_reason.status_code == 400 and "Kirjoita syy." in text(no_reason.text)
    changed = await one.client.post(
        f"{page_of(case)}/vaihda-tilinumero",
        data={**change, "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
    )
    assert changed.status_code == 200
    assert "Tilinumero vaihdettu. Palautus odottaa hyväksyntää." in text(changed.text)
    assert field(changed.text, "masked_iban") == "DE89 **** **** **** **** 00"
    assert field(changed.text, "reporter") == SUPERVISOR
    previous = lxml.html.fromstring(changed.text).xpath(
        "//table[contains(@class, 'one-previous-accounts')]/tbody/tr/td"
    )
    assert [cell.text_content().strip() for cell in previous][:5] == [
        "FI49 **** **** **** 30",
        "Maija Meikäläinen",
        "Asiakas",
        SUPERVISOR,
        "Asiakas soitti ja korjasi tilinumeron",
    ]
    # Four eyes: the one who changed it cannot approve it.
    own = await one.client.post(
        f"{page_of(case)}/hyvaksy",
        data={"csrf_token": token, "etag": hidden(changed.text, "refund-approve", "etag")},
    )
    assert own.status_code == 403
    assert "Tilinumeron vaihtanut käyttäjä ei voi hyväksyä samaa tiliä" in text(own.text)
    assert one.refunds.view(case.name).state is RefundState.AWAITING_APPROVAL
    await switch_to(one, AGENT)
    page = await one.client.get(page_of(case))
    approved = await one.client.post(
        f"{page_of(case)}/hyvaksy",
        data={
            "csrf_token": csrf_token(page.text),
            "etag": hidden(page.text, "refund-approve", "etag"),
        },
    )
    assert approved.status_code == 200
    assert one.refunds.view(case.name).state is RefundState.APPROVED
    admin = [
        (r.event.actor, r.event.reason, r.event.outcome)
        for r in await one.audit()
        if r.event.purpose is Purpose.REFUND_ADMIN
    ]
    assert admin == [
        (f"staffUsers/{SUPERVISOR}", "REFUND_ACCOUNT_INVALID", Outcome.DENIED),
        (f"staffUsers/{SUPERVISOR}", "REFUND_ACCOUNT_CHANGED", Outcome.ALLOWED),
        (f"staffUsers/{SUPERVISOR}", "REFUND_FOUR_EYES_REQUIRED", Outcome.DENIED),
        (f"staffUsers/{AGENT}", "REFUND_APPROVED", Outcome.ALLOWED),
    ]


async def test_an_agent_may_not_change_an_account(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    page = await one.client.get(page_of(case))
    refused = await one.client.post(
        f"{page_of(case)}/vaihda-tilinumero",
        data={
            "csrf_token": csrf_token(page.text),
            "iban": GOOD_IBAN,
            "holder_name": "Maija",
            "reason": "Korjaus",
        },
    )
    assert refused.status_code == 403
    assert "Sinulla ei ole oikeutta tähän toimintoon." in text(refused.text)
    assert one.refunds.submitted == []


async def test_the_letter_is_served_as_a_pdf(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    letter = await one.client.get(f"{page_of(case)}/kirje.pdf")
    assert letter.status_code == 200
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    assert ("GetRefundLetter", case.name) in one.refunds.calls
    reasons = [r.event.reason for r in await one.audit() if r.event.purpose is Purpose.REFUND_VIEW]
    assert reasons == ["REFUND_LETTER_VIEWED"]


async def test_a_creditor_user_gets_403_on_the_list_and_404_on_every_case_route(
    one: Console,
) -> None:
    case = submitted_case(one)
    await one.login_staff(TESTI_USER)
    listing = await one.client.get(LIST)
    assert listing.status_code == 403
    assert "Palautuksia käsittelee vain Ropon henkilökunta." in text(listing.text)
    home = await one.client.get("/ropo-one")
    token = csrf_token(home.text)
    assert not lxml.html.fromstring(home.text).xpath(f"//a[@href='{LIST}']")
    answers = [
        await one.client.get(page_of(case)),
        await one.client.get(f"{page_of(case)}/kirje.pdf"),
        await one.client.post(
            f"{page_of(case)}/hyvaksy", data={"csrf_token": token, "etag": case.etag}
        ),
        await one.client.post(f"{page_of(case)}/hylkaa", data={"csrf_token": token, "reason": "x"}),
        await one.client.post(
            f"{page_of(case)}/vaihda-tilinumero",
            data={"csrf_token": token, "iban": GOOD_IBAN, "holder_name": "X", "reason": "x"},
        ),
    ]
    missing = await one.client.get(f"{LIST}/00000000-0000-4000-8000-0000000000ff")
    assert missing.status_code == 404
    for answer in answers:
        assert answer.status_code == 404
        assert answer.text == missing.text
    denials = await one.denials()
    creditor = [d.event for d in denials if d.event.actor == f"staffUsers/{TESTI_USER}"]
    assert [(e.resource, e.reason) for e in creditor] == [(case.name, "REFUNDS_STAFF_ONLY")] * 5 + [
        ("refundCases/00000000-0000-4000-8000-0000000000ff", "REFUNDS_STAFF_ONLY")
    ]
    # Nothing of the case was read or changed for the creditor user.
    assert one.refunds.calls == []


async def test_a_malformed_id_is_refused_without_a_call(one: Console) -> None:
    await one.login_staff(AGENT)
    response = await one.client.get(f"{LIST}/not-a-refund-case")
    assert response.status_code == 404
    (denial,) = [d.event for d in await one.denials()]
    assert denial.resource == "refundCases/-" and denial.reason == "MALFORMED_ID"
    assert not one.refunds.calls


async def test_the_invoice_case_page_lists_its_refunds(one: Console) -> None:
    case = submitted_case(one)
    one.refunds.open_case(invoice="invoices/other", case_number="9000000025")
    await one.login_staff(AGENT)
    page = await one.client.get("/ropo-one/tapaukset/inv-1")
    section = lxml.html.fromstring(page.text).xpath("//section[@id='palautukset']")
    assert section, "no Palautukset section"
    links = section[0].xpath(".//tbody//a")
    assert [(a.get("href"), a.text_content()) for a in links] == [(page_of(case), case.case_number)]
    assert "Odottaa hyväksyntää" in section[0].text_content()
    one.refunds.fail_with = refund_error(grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE")
    down = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert down.status_code == 200
    assert "Palautuksia ei saatu juuri nyt." in text(down.text)


async def test_a_creditor_user_sees_no_refunds_on_the_case_page(one: Console) -> None:
    submitted_case(one)
    await one.login_staff(TESTI_USER)
    page = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.text).xpath("//section[@id='palautukset']")
    assert not [call for call in one.refunds.calls if call[0] == "ListRefundCases"]


async def test_the_header_links_to_refunds_and_payouts_for_staff(one: Console) -> None:
    await one.login_staff(AGENT)
    home = await one.client.get("/ropo-one")
    links = lxml.html.fromstring(home.text).xpath("//nav[@class='one-nav']//a/@href")
    assert links == ["/ropo-one", LIST, "/ropo-one/maksuaineistot"]


async def test_audit_records_use_the_ropo_one_channel(one: Console) -> None:
    await one.login_staff(AGENT)
    case = submitted_case(one)
    await one.client.get(page_of(case))
    (record,) = [r for r in await one.audit() if r.event.purpose is Purpose.REFUND_VIEW]
    assert record.event.channel is Channel.ROPO_ONE
    assert record.request_id
