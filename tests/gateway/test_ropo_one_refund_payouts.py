"""Ropo One's *Maksuaineistot*: the batch list (counts, sums, state), *Muodosta
maksuaineisto* (supervisors; optional execution date; *Ei hyväksyttyjä palautuksia*), the
batch page with the pain.001 download and the upload of the bank's pain.002 status report
(*Maksetut: n, palautuneet: m*), role refusals and audit records."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import lxml.html
import pytest_asyncio
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.clients.refunds import RefundCaseView, RefundState, StaffActor
from ropo_one_support import AGENT, SUPERVISOR, TESTI_USER, Console, console, csrf_token, text

PAYOUTS = "/ropo-one/maksuaineistot"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        yield running


def approved(one: Console, number: int, refundable: str = "25.00") -> RefundCaseView:
    return one.refunds.open_case(
        case_number=f"90000000{number:02d}", refundable=refundable, state=RefundState.APPROVED
    )


def hidden(html: str, form_class: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(
        f"//form[contains(@class, '{form_class}')]//input[@name='{name}']/@value"
    )
    assert found, f"no {name} in {form_class}"
    return str(found[0])


def field(html: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(f"//dd[@data-field='{name}']")
    assert found, f"no {name}"
    return " ".join(found[0].text_content().replace("\xa0", " ").split())


async def export(one: Console, execution_date: str = "") -> tuple[str, httpx.Response]:
    page = await one.client.get(PAYOUTS)
    response = await one.client.post(
        f"{PAYOUTS}/muodosta",
        data={
            "csrf_token": csrf_token(page.text),
            "request_id": hidden(page.text, "payout-export", "request_id"),
            "execution_date": execution_date,
        },
    )
    return page.text, response


async def test_a_supervisor_makes_a_batch_and_downloads_its_file(one: Console) -> None:
    first, second = approved(one, 17, "25.00"), approved(one, 25, "130.00")
    await one.login_staff(SUPERVISOR)
    empty = await one.client.get(PAYOUTS)
    assert empty.status_code == 200
    assert "Maksuaineistoja ei ole vielä muodostettu." in text(empty.text)
    assert "Muodosta maksuaineisto" in text(empty.text)
    _, made = await export(one, "2025-03-10")
    assert made.status_code == 303
    location = made.headers["location"]
    (batch,) = one.refunds.batches.values()
    assert location == f"{PAYOUTS}/{batch.batch.id}"
    assert batch.batch.execution_date == date(2025, 3, 10)
    assert one.refunds.staff_calls[-1][2] == StaffActor(
        f"staffUsers/{SUPERVISOR}", ("agent", "supervisor")
    )
    assert {one.refunds.view(c.name).state for c in (first, second)} == {RefundState.IN_PAYOUT}

    page = await one.client.get(location)
    assert page.status_code == 200
    assert field(page.text, "count") == "2"
    assert field(page.text, "total") == "145,00 €"
    assert field(page.text, "state") == "Muodostettu"
    assert field(page.text, "execution_date") == "10.3.2025"
    links = lxml.html.fromstring(page.text).xpath("//ul[@class='payout-cases']//a/@href")
    assert links == [f"/ropo-one/palautukset/{first.id}", f"/ropo-one/palautukset/{second.id}"]
    download = await one.client.get(f"{location}/pain001.xml")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/xml")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="{batch.batch.message_id}.xml"'
    )
    assert download.content == batch.content

    listing = await one.client.get(PAYOUTS)
    row = lxml.html.fromstring(listing.text).xpath(
        "//table[contains(@class,'one-payouts')]/tbody/tr"
    )
    assert len(row) == 1
    cells = [" ".join(c.text_content().replace("\xa0", " ").split()) for c in row[0]]
    assert cells[0] == batch.batch.message_id and cells[3:6] == ["2", "145,00 €", "Muodostettu"]

    records = [
        (r.event.purpose, r.event.resource, r.event.reason)
        for r in await one.audit()
        if r.event.purpose in (Purpose.REFUND_VIEW, Purpose.REFUND_ADMIN)
    ]
    assert records == [
        (Purpose.REFUND_ADMIN, batch.batch.name, "PAYOUT_BATCH_EXPORTED"),
        (Purpose.REFUND_VIEW, batch.batch.name, "PAYOUT_BATCH_VIEWED"),
        (Purpose.REFUND_VIEW, batch.batch.name, "PAYOUT_FILE_DOWNLOADED"),
    ]


async def test_nothing_approved_says_so(one: Console) -> None:
    one.refunds.open_case(state=RefundState.AWAITING_APPROVAL)
    await one.login_staff(SUPERVISOR)
    _, response = await export(one)
    assert response.status_code == 409
    assert "Ei hyväksyttyjä palautuksia." in text(response.text)
    assert one.refunds.batches == {}


async def test_a_bad_execution_date_is_refused_before_the_call(one: Console) -> None:
    approved(one, 17)
    await one.login_staff(SUPERVISOR)
    _, response = await export(one, "10.3.2025")
    assert response.status_code == 400
    assert "Anna maksupäivä muodossa vvvv-kk-pp." in text(response.text)
    assert not [call for call in one.refunds.calls if call[0] == "ExportPayoutBatch"]


async def test_an_agent_sees_batches_but_may_not_make_one(one: Console) -> None:
    approved(one, 17)
    await one.login_staff(AGENT)
    page = await one.client.get(PAYOUTS)
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.text).xpath("//form[contains(@class,'payout-export')]")
    refused = await one.client.post(
        f"{PAYOUTS}/muodosta", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 403
    assert "Vain esihenkilö voi muodostaa maksuaineiston" in text(refused.text)
    assert one.refunds.batches == {}


async def import_report(one: Console, location: str, content: bytes) -> httpx.Response:
    page = await one.client.get(location)
    return await one.client.post(
        f"{location}/tilaraportti",
        data={
            "csrf_token": csrf_token(page.text),
            "request_id": hidden(page.text, "payout-import", "request_id"),
        },
        files={"content": ("pain002.xml", content, "application/xml")},
    )


async def test_the_status_report_marks_refunds_paid_or_back_to_awaiting(one: Console) -> None:
    paid, returned = approved(one, 17), approved(one, 25)
    await one.login_staff(SUPERVISOR)
    _, made = await export(one)
    location = made.headers["location"]
    (batch,) = one.refunds.batches.values()
    report = json.dumps(
        {"batch": batch.batch.name, "paid": [paid.name], "rejected": [returned.name]}
    ).encode()
    response = await import_report(one, location, report)
    assert response.status_code == 200
    assert "Maksetut: 1, palautuneet: 1" in text(response.text)
    assert field(response.text, "state") == "Käsitelty"
    assert one.refunds.view(paid.name).state is RefundState.PAID
    assert one.refunds.view(returned.name).state is RefundState.AWAITING_ACCOUNT
    (importer,) = [
        actor for call, _, actor in one.refunds.staff_calls if call == "ImportPayoutStatus"
    ]
    assert "supervisor" in importer.roles  # the refund service checks the role as well
    again = await import_report(one, location, report)
    assert "Maksetut: 0, palautuneet: 0" in text(again.text)
    imported = [
        r.event.reason for r in await one.audit() if r.event.purpose is Purpose.REFUND_ADMIN
    ]
    assert imported == ["PAYOUT_BATCH_EXPORTED", "PAYOUT_STATUS_IMPORTED", "PAYOUT_STATUS_IMPORTED"]


async def test_a_bad_or_missing_report_is_a_readable_message(one: Console) -> None:
    approved(one, 17)
    await one.login_staff(SUPERVISOR)
    _, made = await export(one)
    location = made.headers["location"]
    bad = await import_report(one, location, b"<Document>not a report</Document>")
    assert bad.status_code == 400
    assert "Tiedosto ei ole kelvollinen pankin tilaraportti (pain.002)." in text(bad.text)
    unknown = await import_report(
        one, location, json.dumps({"batch": "payoutBatches/x", "paid": [], "rejected": []}).encode()
    )
    assert unknown.status_code == 404
    assert "Tilaraportin maksuaineistoa ei löytynyt." in text(unknown.text)
    empty = await import_report(one, location, b"")
    assert empty.status_code == 400
    assert "Valitse pankin tilaraporttitiedosto" in text(empty.text)


async def test_an_agent_may_not_import_a_report(one: Console) -> None:
    case = approved(one, 17)
    await one.login_staff(SUPERVISOR)
    _, made = await export(one)
    location = made.headers["location"]
    (batch,) = one.refunds.batches.values()
    one.client.cookies.clear()
    await one.login_staff(AGENT)
    page = await one.client.get(location)
    assert not lxml.html.fromstring(page.text).xpath("//form[contains(@class,'payout-import')]")
    refused = await one.client.post(
        f"{location}/tilaraportti",
        data={"csrf_token": csrf_token(page.text)},
        files={
            "content": (
                "r.xml",
                json.dumps(
                    {"batch": batch.batch.name, "paid": [case.name], "rejected": []}
                ).encode(),
                "application/xml",
            )
        },
    )
    assert refused.status_code == 403
    assert one.refunds.view(case.name).state is RefundState.IN_PAYOUT
    assert not [call for call in one.refunds.calls if call[0] == "ImportPayoutStatus"]
    denied = [
        (r.event.actor, r.event.reason, r.event.outcome)
        for r in await one.audit()
        if r.event.purpose is Purpose.REFUND_ADMIN and r.event.outcome is Outcome.DENIED
    ]
    assert denied == [(f"staffUsers/{AGENT}", "SUPERVISOR_REQUIRED", Outcome.DENIED)]


async def test_a_creditor_user_gets_403_on_the_list_and_404_on_a_batch(one: Console) -> None:
    approved(one, 17)
    await one.login_staff(SUPERVISOR)
    _, made = await export(one)
    location = made.headers["location"]
    one.client.cookies.clear()
    await one.login_staff(TESTI_USER)
    listing = await one.client.get(PAYOUTS)
    assert listing.status_code == 403
    calls_before = list(one.refunds.calls)
    batch = await one.client.get(location)
    download = await one.client.get(f"{location}/pain001.xml")
    missing = await one.client.get(f"{PAYOUTS}/00000000-0000-4000-8000-0000000000ff")
    assert batch.status_code == download.status_code == missing.status_code == 404
    assert batch.text == download.text == missing.text
    assert not re.search(r"pain\.001|ROPO", batch.text)
    assert one.refunds.calls == calls_before
    denials = [d.event for d in await one.denials()]
    assert [e.reason for e in denials] == ["REFUNDS_STAFF_ONLY"] * 3
