"""Ropo One's pages with a fake invoice service: the search (a CSRF-protected POST form whose
criteria never reach a URL: criteria, *Hae vain avoimet*, results, paging, refused input), the
case page (*Tehtävän tila*, *Asiakastyyppi*, *Pääoma*,
*Avoin pääoma*, masked identifier, ledger, timeline), access through the authorization
service with 404 sameness, the durable audit records, and the three languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import grpc
import httpx
import lxml.html
import pytest_asyncio
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose, verify_chain
from ropo_gateway.clients.authorization import Action
from ropo_one_support import (
    AGENT,
    DEBTOR,
    TESTI,
    TESTI_USER,
    YRITYS_X,
    Console,
    State,
    assert_in_no_url,
    captured_logs,
    console,
    csrf_token,
    make_invoice,
    text,
    upstream,
    urls_seen,
)

HETU = "150385-902A"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        running.cases.add(
            make_invoice(
                "inv-x",
                creditor=YRITYS_X,
                case_number="202500000099",
                invoice_number="7000501",
                debtor_name="Kuvitteellinen Rakennus Oy",
                kind=invoice_pb2.DEBTOR_KIND_ORGANIZATION,
                masked="1732050-2",
            )
        )
        await running.login_staff(AGENT)
        yield running


FormFields = Mapping[str, str | Sequence[str]]


async def search(one: Console, fields: FormFields) -> httpx.Response:
    """Submit the search form as a browser does: the form page first (for its CSRF token),
    then a POST of the fields."""
    form = await one.client.get("/ropo-one")
    return await one.client.post("/ropo-one", data={"csrf_token": csrf_token(form.text), **fields})


def hidden_fields(form: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]


def fact(html: str, field: str) -> str:
    node = lxml.html.fromstring(html).xpath(f"//dd[@data-field='{field}']")
    assert node, f"no {field} on the page"
    return " ".join(node[0].text_content().replace("\xa0", " ").split())


async def test_the_search_form_is_labelled_and_needs_no_script(one: Console) -> None:
    page = await one.client.get("/ropo-one")
    assert page.status_code == 200
    assert one.cases.searches == []  # a plain visit shows the form only
    document = lxml.html.fromstring(page.text)
    assert document.get("lang") == "fi"
    assert [h.text_content() for h in document.iter("h1")] == ["Hae tapauksia"]
    assert not document.xpath("//script")
    form = document.xpath("//form[@role='search']")[0]
    # A POST: what is typed (maybe a henkilötunnus) must not become part of a URL.
    assert form.get("method") == "post" and form.get("action") == "/ropo-one"
    assert hidden_fields(form) == [("csrf_token", csrf_token(page.text))]
    fields = [*form.xpath(".//input[@type!='hidden']"), *form.iter("select")]
    assert {f.get("name") for f in fields} == {
        "q",
        "case_number",
        "invoice_number",
        "reference",
        "debtor_name",
        "state",
        "open_only",
    }
    labels = {
        f.get("name"): document.xpath(f"//label[@for='{f.get('id')}']")[0].text_content().strip()
        for f in fields
    }
    assert labels["case_number"] == "Asianumero"
    assert labels["invoice_number"] == "Laskun numero"
    assert labels["reference"] == "Viitenumero"
    assert labels["state"] == "Tehtävän tila"
    assert labels["open_only"] == "Hae vain avoimet"
    options = [option.text_content() for option in document.xpath("//select[@id='state']/option")]
    assert options[:3] == ["Kaikki tilat", "Lasku", "Maksumuistutus"]


async def test_criteria_in_a_query_string_are_ignored(one: Console) -> None:
    page = await one.client.get("/ropo-one", params={"debtor_name": "Maija", "open_only": "true"})
    assert page.status_code == 200
    assert one.cases.searches == []
    document = lxml.html.fromstring(page.text)
    assert document.xpath("//input[@id='debtor_name']")[0].get("value") == ""
    assert not document.xpath("//table")
    # Nor does the language switch copy the query string into its link.
    switch = document.xpath("//a[@hreflang='sv']")[0].get("href")
    assert switch == "/kieli/sv?next=%2Fropo-one"


async def test_a_search_sends_the_criteria_and_lists_the_cases(one: Console) -> None:
    seen = urls_seen(one.client)
    page = await search(
        one,
        {
            "q": "",
            "case_number": "2025 0000 0017",
            "invoice_number": "100101",
            "reference": "12 32",
            "debtor_name": " Maija ",
            "state": "REMINDER",
            "open_only": "true",
        },
    )
    assert page.status_code == 200, page.text
    # The results are the POST's own response: no redirect, no criteria in any URL.
    assert page.history == [] and page.url == "http://localhost/ropo-one"
    assert_in_no_url(seen, "2025 0000 0017", "100101", "12 32", "Maija", "REMINDER")
    search_sent = one.cases.searches[-1]
    assert search_sent.case_number == "202500000017" and search_sent.reference == "1232"
    assert search_sent.invoice_number == "100101" and search_sent.debtor_name == "Maija"
    assert list(search_sent.states) == [State.STATE_REMINDER]
    assert search_sent.open_only and search_sent.creditor == "" and search_sent.page_size == 25

    document = lxml.html.fromstring(page.text)
    headers = [th.text_content() for th in document.xpath("//table//thead//th")]
    assert headers == [
        "Asianumero",
        "Laskun numero",
        "Laskuttaja",
        "Velallinen",
        "Eräpäivä",
        "Avoinna",
        "Tehtävän tila",
    ]
    row = document.xpath("//tr[@data-invoice='invoices/inv-1']")[0]
    cells = [" ".join(c.text_content().replace("\xa0", " ").split()) for c in row]
    assert cells == [
        "2025 0000 0017",
        "100101",
        "Testi-yritys Oy",
        "Maija Meikäläinen",
        "5.3.2025",
        "1 701,32 €",
        "Maksumuistutus",
    ]
    assert row.xpath(".//a")[0].get("href") == "/ropo-one/tapaukset/inv-1"
    # The form keeps what was searched.
    assert document.xpath("//input[@id='debtor_name']")[0].get("value") == "Maija"
    assert document.xpath("//input[@id='open_only']")[0].get("checked") is not None
    assert document.xpath("//option[@value='REMINDER']")[0].get("selected") is not None
    # The language switch of a results page goes back to the bare path.
    switch = document.xpath("//a[@hreflang='sv']")[0].get("href")
    assert switch == "/kieli/sv?next=%2Fropo-one"


async def test_results_are_paged_with_post_forms_carrying_the_criteria(one: Console) -> None:
    seen = urls_seen(one.client)
    one.cases.next_page_token = "token-2"
    page = await search(one, {"debtor_name": "Maija", "open_only": "true"})
    document = lxml.html.fromstring(page.text)
    assert not document.xpath("//a[@rel='next']")
    (next_form,) = document.xpath("//form[contains(@class,'one-next-page')]")
    assert next_form.get("method") == "post" and next_form.get("action") == "/ropo-one"
    assert next_form.xpath(".//button")[0].text_content() == "Seuraava sivu"
    carried = hidden_fields(next_form)
    assert carried == [
        ("csrf_token", csrf_token(page.text)),
        ("debtor_name", "Maija"),
        ("open_only", "true"),
        ("page_token", "token-2"),
    ]
    assert not document.xpath("//form[contains(@class,'one-first-page')]")

    one.cases.next_page_token = ""
    second = await one.client.post("/ropo-one", data=dict(carried))
    assert second.status_code == 200 and second.url == "http://localhost/ropo-one"
    assert one.cases.searches[-1].page_token == "token-2"
    assert one.cases.searches[-1].debtor_name == "Maija" and one.cases.searches[-1].open_only
    document = lxml.html.fromstring(second.text)
    assert not document.xpath("//form[contains(@class,'one-next-page')]")
    (first_form,) = document.xpath("//form[contains(@class,'one-first-page')]")
    assert first_form.xpath(".//button")[0].text_content() == "Ensimmäinen sivu"
    assert dict(hidden_fields(first_form)) == {
        "csrf_token": csrf_token(page.text),
        "debtor_name": "Maija",
        "open_only": "true",
    }
    assert_in_no_url(seen, "Maija", "token-2")


async def test_a_search_needs_the_session_and_its_csrf_token(one: Console) -> None:
    fields = {"debtor_name": "Maija"}
    for token in (None, "", "forged"):
        data = fields if token is None else {**fields, "csrf_token": token}
        refused = await one.client.post("/ropo-one", data=data)
        assert refused.status_code == 403
        assert "Maija" not in refused.text
    assert one.cases.searches == []

    token = csrf_token((await one.client.get("/ropo-one")).text)
    one.client.cookies.clear()  # the browser without its staff session
    anonymous = await one.client.post("/ropo-one", data={**fields, "csrf_token": token})
    assert anonymous.status_code == 401 and "Kirjaudu sisään" in anonymous.text
    assert one.cases.searches == []


async def test_an_identity_code_is_refused_before_any_call_and_never_echoed(
    one: Console,
) -> None:
    seen = urls_seen(one.client)
    refused = ({"q": HETU}, {"debtor_name": "150385 -902A"}, {"case_number": "1503 85-902A"})
    for fields in (*refused, {"debtor_name": "x" * 101}):
        page = await search(one, fields)
        assert page.status_code == 400
        assert page.history == [] and page.url == "http://localhost/ropo-one"
        assert HETU not in page.text and "x" * 101 not in page.text
        assert "150385" not in page.text
        summary = lxml.html.fromstring(page.text).xpath("//*[@role='alert']")[0]
        assert "Tarkista hakuehdot" in summary.text_content()
    assert one.cases.searches == []
    page = await search(one, {"q": HETU, "debtor_name": "Maija"})
    assert "Vapaa haku: henkilötunnuksella ei voi hakea." in text(page.text)
    document = lxml.html.fromstring(page.text)
    assert document.xpath("//*[@role='alert']//a")[0].get("href") == "#q"
    assert document.xpath("//input[@id='q']")[0].get("value") == ""
    assert one.cases.searches == []
    # Neither the code nor anything else typed was ever part of a URL.
    assert_in_no_url(seen, HETU, "1503 85-902A", "150385 -902A", "x" * 101, "Maija")


async def test_criteria_the_service_refuses_are_shown_at_the_form(one: Console) -> None:
    one.cases.search_error = upstream(
        grpc.StatusCode.INVALID_ARGUMENT, ("page_token", "is not a token of this search")
    )
    page = await search(one, {"page_token": "stale"})
    assert page.status_code == 400
    assert "Sivutus vanhentui. Tee haku uudelleen." in page.text
    one.cases.search_error = upstream(grpc.StatusCode.UNAVAILABLE)
    down = await search(one, {"q": "Maija"})
    assert down.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä" in down.text
    assert "Kirjaudu ulos" in down.text  # still the console's page with its header


async def test_the_case_page_shows_status_customer_type_capital_and_timeline(
    one: Console,
) -> None:
    one.cases.add(
        make_invoice(
            "inv-paid",
            state=State.STATE_REMINDER,
            display_status="Maksettu MyRopossa",
            paid_in_myropo=True,
            masked=HETU,  # even a full code from upstream is cut to the birth date
        )
    )
    page = await one.client.get("/ropo-one/tapaukset/inv-paid")
    assert page.status_code == 200, page.text
    html = page.text
    assert HETU not in html
    assert "<h1>Tapaus 2025 0000 0017</h1>" in html
    assert fact(html, "status") == "Maksettu MyRopossa"
    assert fact(html, "customer_type") == "Yksityishenkilö"
    assert fact(html, "capital") == "1 696,32 €"
    assert fact(html, "open_capital") == "1 696,32 €"
    assert fact(html, "open_amount") == "1 701,32 €"
    assert fact(html, "debtor_name") == "Maija Meikäläinen"
    assert fact(html, "debtor_identifier") == "150385-****"
    assert fact(html, "creditor") == "Testi-yritys Oy"
    assert fact(html, "reference") == "1232"
    assert fact(html, "case_number") == "2025 0000 0017"
    assert fact(html, "myropo_id") == "4KQ7-9XMP-2D3H"
    assert fact(html, "due_date") == "5.3.2025"
    assert fact(html, "original_due_date") == "15.2.2025"
    labels = [dt.text_content() for dt in lxml.html.fromstring(html).iter("dt")]
    for label in ("Tehtävän tila", "Asiakastyyppi", "Pääoma", "Avoin pääoma", "Avoinna yhteensä"):
        assert label in labels

    document = lxml.html.fromstring(html)
    ledger = [
        [" ".join(c.text_content().replace("\xa0", " ").split()) for c in row]
        for row in document.xpath("//table[contains(@class,'ledger')]/tbody/tr")
    ]
    assert ledger[1] == ["Maksumuistutusmaksu", "20.2.2025", "5,00 €", "0,00 €", "0,00 €", "5,00 €"]
    events = document.xpath("//table[contains(@class,'one-timeline')]/tbody/tr")
    assert [row.get("data-event") for row in events] == ["IMPORTED", "COST_ADDED"]
    assert "Maksumuistutus lähetetty" in events[1].text_content()
    assert events[1].xpath(".//time")[0].get("datetime") == "2025-02-20T10:00:00+00:00"
    assert "20.2.2025 12.00" in events[1].text_content()  # Finnish time (UTC+2 in winter)


async def test_a_company_debtor_is_shown_as_yritys_with_its_business_id(one: Console) -> None:
    page = await one.client.get("/ropo-one/tapaukset/inv-x")
    assert fact(page.text, "customer_type") == "Yritys"
    assert fact(page.text, "debtor_identifier") == "1732050-2"


async def test_the_case_stays_readable_when_the_timeline_is_down(one: Console) -> None:
    one.cases.events_error = upstream(grpc.StatusCode.UNIMPLEMENTED)
    page = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert page.status_code == 200
    assert fact(page.text, "capital") == "1 696,32 €"
    assert "Palvelu ei ole juuri nyt käytettävissä" in page.text


async def test_every_case_view_is_audited_without_personal_data(one: Console) -> None:
    with captured_logs() as logs:
        page = await one.client.get("/ropo-one/tapaukset/inv-1", headers={"x-request-id": "req-7"})
        await one.client.get("/ropo-one/tapaukset/inv-x", headers={"x-request-id": "req-8"})
        found = await search(one, {"debtor_name": "Maija"})
    assert page.status_code == 200 and found.status_code == 200
    # The authorization service was asked first, with the staff user's roles.
    assert one.authz.checks[0] == (f"staffUsers/{AGENT}", "invoices/inv-1", Action.VIEW, ("agent",))
    (view,) = await one.audit("req-7")
    assert view.event == AuditEvent(
        actor=f"staffUsers/{AGENT}",
        resource="invoices/inv-1",
        purpose=Purpose.CASE_VIEW,
        outcome=Outcome.ALLOWED,
        channel=Channel.ROPO_ONE,
        data_subject=DEBTOR,
        reason="STAFF_AGENT",
    )
    (company,) = await one.audit("req-8")
    assert company.event.data_subject == "organizations/" + "b" * 64
    records = await one.audit()
    assert [r.event.purpose for r in records] == [
        Purpose.CASE_VIEW,
        Purpose.CASE_VIEW,
        Purpose.CASE_SEARCH,
    ]
    assert records[2].event.result_count == 2 and records[2].event.resource == "invoices"
    assert verify_chain(records) is None
    # Nothing about the debtor in the records or in any log line (the test client's own,
    # which print the URLs it requested, included).
    everything = " ".join(str(line) for line in logs()) + " ".join(str(r) for r in records)
    assert "Maija" not in everything and "150385" not in everything


async def test_a_creditor_user_sees_only_its_own_cases(tmp_path: Path) -> None:
    async with console(tmp_path) as one:
        own = one.cases.add(make_invoice("inv-1"))
        foreign = one.cases.add(make_invoice("inv-x", creditor=YRITYS_X))
        one.cases.leaked = [foreign]  # a search backend that forgot the filter
        await one.login_staff(TESTI_USER)

        page = await search(one, {"q": ""})
        assert one.cases.searches[-1].creditor == TESTI
        assert own.name in page.text and foreign.name not in page.text

        other = await one.client.get("/ropo-one/tapaukset/inv-x")
        missing = await one.client.get("/ropo-one/tapaukset/inv-missing")
        malformed = await one.client.get("/ropo-one/tapaukset/inv!x")
        assert other.status_code == missing.status_code == malformed.status_code == 404
        assert other.content == missing.content == malformed.content
        assert "Tapausta ei löytynyt" in other.text
        # Asked with the creditor role; the other creditor's invoice was never read.
        creditor_role = "creditor:" + TESTI.removeprefix("creditors/")
        assert one.authz.checks[0] == (
            f"staffUsers/{TESTI_USER}",
            "invoices/inv-x",
            Action.VIEW,
            (creditor_role,),
        )
        assert foreign.name not in one.cases.gets
        records = await one.audit()
        assert [(r.event.purpose, r.event.resource, r.event.reason) for r in records[1:]] == [
            (Purpose.ACCESS_DENIED, "invoices/inv-x", "NO_RELATION"),
            (Purpose.ACCESS_DENIED, "invoices/inv-missing", "NO_RELATION"),
            (Purpose.ACCESS_DENIED, "invoices/-", "MALFORMED_ID"),
        ]
        assert all(r.event.outcome == Outcome.DENIED for r in records[1:])
        assert (await one.client.get("/ropo-one/tapaukset/inv-1")).status_code == 200
        assert (await one.audit())[-1].event.purpose == Purpose.CASE_VIEW


async def test_swedish_and_english_through_the_language_switch(one: Console) -> None:
    page = await one.client.get("/ropo-one/tapaukset/inv-1")
    switch = lxml.html.fromstring(page.text).xpath("//a[@hreflang='sv']")[0].get("href")
    assert switch == "/kieli/sv?next=%2Fropo-one%2Ftapaukset%2Finv-1"
    back = await one.client.get(switch)
    assert back.status_code == 303 and back.headers["location"] == "/ropo-one/tapaukset/inv-1"

    swedish = await one.client.get("/ropo-one/tapaukset/inv-1")
    assert lxml.html.fromstring(swedish.text).get("lang") == "sv"
    labels = [dt.text_content() for dt in lxml.html.fromstring(swedish.text).iter("dt")]
    assert {"Uppgiftens status", "Kundtyp", "Kapital", "Öppet kapital"} <= set(labels)
    assert fact(swedish.text, "customer_type") == "Privatperson"

    await one.client.get("/kieli/en?next=/ropo-one")
    english = await search(one, {"open_only": "true"})
    assert "Only open cases" in english.text and "Task status" in english.text
    assert re.search(r"Aino Asiakaspalvelija\s*</p>\s*<p[^>]*>Customer service agent", english.text)
    assert one.cases.searches[-1].open_only
