"""Ropo One end to end with real processes: a staff user logs in through the sandbox broker's
staff client, finds by case number (and *Hae vain avoimet*) the very invoice a test person sees
in MyRopo with the search form (a POST: the criteria never reach a URL), opens its case page and
reads it as JSON; every read is audited in the gateway's log, and no henkilötunnus reaches a
page, a JSON body, a URL or a log line."""

from __future__ import annotations

import json
import re
import sqlite3
from html import unescape
from urllib.parse import unquote_plus, urlsplit

import grpc
import httpx
import lxml.html
import pytest
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from ropo_platform.money_proto import money_from_proto
from ropo_platform.redaction import HETU_PATTERN
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack, person_subject

pytestmark = pytest.mark.slow
PERSON = "maija-meikalainen"
AGENT = "aino-asiakaspalvelija"
TESTI_USER = "kaisa-kirjanpitaja"


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no form with a CSRF token on the page"
    return unescape(match.group(1))


def record_urls(client: httpx.Client) -> list[str]:
    """Every URL ``client`` requests from now on, and every redirect target it is given."""
    seen: list[str] = []
    client.event_hooks["request"].append(lambda request: seen.append(str(request.url)))
    client.event_hooks["response"].append(
        lambda response: seen.append(response.headers.get("location", ""))
    )
    return seen


def open_invoice(invoices: list[invoice_pb2.Invoice]) -> invoice_pb2.Invoice:
    return next(
        invoice
        for invoice in invoices
        if invoice.case_number and money_from_proto(invoice.open_amount).is_positive()
    )


def fact(html: str, field: str) -> str:
    node = lxml.html.fromstring(html).xpath(f"//dd[@data-field='{field}']")
    assert node, f"no {field} on the page"
    return " ".join(node[0].text_content().replace("\xa0", " ").split())


def printed_case_number(case_number: str) -> str:
    return " ".join(case_number[i : i + 4] for i in range(0, len(case_number), 4))


async def test_a_staff_user_finds_the_case_a_person_sees_in_myropo(stack: Stack) -> None:
    invoice = open_invoice(await stack.ensure_demo_invoices(PERSON))

    # The person sees the invoice in MyRopo.
    with stack.client() as person:
        stack.login(person, PERSON)
        mine = person.get(f"{stack.gateway_url}/api/myropo/v1/invoices").json()
        assert invoice.name in {item["name"] for item in mine["invoices"]}
        # ... and that session opens nothing in Ropo One.
        assert person.get(f"{stack.gateway_url}/api/ropo-one/v1/invoices").status_code == 401

    with stack.client() as agent:
        callback = stack.staff_login(agent, AGENT)
        assert callback.status_code == 303 and callback.headers["location"] == "/ropo-one"

        seen = record_urls(agent)
        form = agent.get(f"{stack.gateway_url}/ropo-one")
        assert form.status_code == 200, form.text
        assert '<form method="post" action="/ropo-one"' in form.text
        search = agent.post(
            f"{stack.gateway_url}/ropo-one",
            data={
                "csrf_token": csrf_token(form.text),
                "case_number": printed_case_number(invoice.case_number),
                "open_only": "true",
            },
        )
        assert search.status_code == 200, search.text
        # The results are the POST's own answer: no redirect and no criteria in any URL.
        assert "location" not in search.headers
        assert search.url == f"{stack.gateway_url}/ropo-one"
        criteria = (invoice.case_number, printed_case_number(invoice.case_number))
        assert not [u for u in map(unquote_plus, seen) if any(c in u for c in criteria)]
        rows = lxml.html.fromstring(search.text).xpath("//table//tbody/tr")
        assert [row.get("data-invoice") for row in rows] == [invoice.name]
        cells = [" ".join(c.text_content().replace("\xa0", " ").split()) for c in rows[0]]
        assert cells[1:4] == [
            invoice.invoice_number,
            invoice.creditor_display_name,
            "Maija Meikäläinen",
        ]
        assert cells[5] == money_from_proto(invoice.open_amount).format("fi").replace("\xa0", " ")
        link = rows[0].xpath(".//a")[0].get("href")

        case = agent.get(f"{stack.gateway_url}{link}", headers={"x-request-id": "e2e-case-1"})
        assert case.status_code == 200, case.text
        html = case.text
        assert fact(html, "status") == invoice.display_status
        assert fact(html, "customer_type") == "Yksityishenkilö"
        assert fact(html, "capital") == money_from_proto(invoice.capital).format("fi").replace(
            "\xa0", " "
        )
        assert fact(html, "open_capital") == money_from_proto(invoice.open_capital).format(
            "fi"
        ).replace("\xa0", " ")
        assert fact(html, "debtor_identifier") == "150385-****"
        assert fact(html, "invoice_number") == invoice.invoice_number
        events = lxml.html.fromstring(html).xpath("//table[contains(@class,'one-timeline')]//tr")
        assert "IMPORTED" in [row.get("data-event") for row in events]

        invoice_id = invoice.name.removeprefix("invoices/")
        api = agent.get(f"{stack.gateway_url}/api/ropo-one/v1/invoices/{invoice_id}").json()
        assert api["case_number"] == invoice.case_number
        assert api["debtor"]["customer_type"] == "PERSON"
        assert api["open_capital"]["amount"] == str(money_from_proto(invoice.open_capital).amount)
        timeline = agent.get(
            f"{stack.gateway_url}/api/ropo-one/v1/invoices/{invoice_id}/events"
        ).json()
        assert timeline["events"][0]["type"] == "IMPORTED"
        found = agent.get(
            f"{stack.gateway_url}/api/ropo-one/v1/invoices",
            params={"case_number": invoice.case_number, "open_only": "true"},
        ).json()
        assert [item["name"] for item in found["invoices"]] == [invoice.name]

        # A staff session opens nothing in MyRopo.
        assert agent.get(f"{stack.gateway_url}/api/myropo/v1/invoices").status_code == 401

    person_hetu = person_by_id(PERSON).hetu  # type: ignore[union-attr]
    gateway_log = stack.logs()["gateway"]
    assert person_hetu not in gateway_log and not HETU_PATTERN.search(gateway_log)
    with sqlite3.connect(stack.tmp_dir / "gateway.db") as connection:
        connection.row_factory = sqlite3.Row
        audit = [
            dict(row)
            for row in connection.execute(
                "SELECT * FROM audit_log WHERE request_id = ?", ("e2e-case-1",)
            )
        ]
    assert len(audit) == 1
    assert {
        "actor": f"staffUsers/{AGENT}",
        "resource": invoice.name,
        "purpose": "case_view",
        "outcome": "allowed",
        "data_subject": person_subject(PERSON),
        "request_id": "e2e-case-1",
    }.items() <= audit[0].items()
    assert "Maija" not in json.dumps(audit, default=str)


async def test_a_case_that_does_not_exist_is_a_readable_404(stack: Stack) -> None:
    with stack.client() as agent:
        stack.staff_login(agent, AGENT)
        page = agent.get(f"{stack.gateway_url}/ropo-one/tapaukset/00000000-0000-0000-0000-0")
        assert page.status_code == 404 and "Tapausta ei löytynyt" in page.text
        api = agent.get(f"{stack.gateway_url}/api/ropo-one/v1/invoices/no-such-invoice")
        assert api.status_code == 404
        assert api.json()["error"]["details"][0]["reason"] == "CASE_NOT_FOUND"


async def _list_creditors_implemented(stack: Stack) -> bool:
    assert stack.invoice_addr is not None
    async with grpc.aio.insecure_channel(stack.invoice_addr) as channel:
        stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        try:
            await stub.ListCreditors(invoice_service_pb2.ListCreditorsRequest(), timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
            raise
    return True


async def test_a_creditor_user_sees_only_its_own_creditors_cases(stack: Stack) -> None:
    if not await _list_creditors_implemented(stack):
        pytest.skip("the invoice service does not implement ListCreditors yet")
    invoices = await stack.ensure_demo_invoices(PERSON)
    own = [i for i in invoices if i.creditor_display_name == "Testi-yritys Oy"]
    other = [i for i in invoices if i.creditor_display_name != "Testi-yritys Oy"]
    assert own and other
    with stack.client() as user:
        assert stack.staff_login(user, TESTI_USER).status_code == 303
        # The person's cases only: other tests add invoices of other people to the stack, and
        # the unfiltered list's first page need not reach this person's.
        person = person_by_id(PERSON)
        assert person is not None
        listed = user.get(
            f"{stack.gateway_url}/api/ropo-one/v1/invoices",
            params={"debtor_name": person.name, "page_size": 200},
        ).json()
        names = {item["name"] for item in listed["invoices"]}
        assert {i.name for i in own} <= names and not {i.name for i in other} & names
        foreign = user.get(
            f"{stack.gateway_url}/api/ropo-one/v1/invoices/{other[0].name.split('/')[1]}"
        )
        missing = user.get(f"{stack.gateway_url}/api/ropo-one/v1/invoices/no-such-invoice")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.content == missing.content


def test_the_language_switch_keeps_the_staff_user_on_the_page(stack: Stack) -> None:
    with stack.client() as agent:
        stack.staff_login(agent, AGENT)
        page = agent.get(f"{stack.gateway_url}/ropo-one")
        href = re.search(r'<a href="([^"]+)" lang="sv"', page.text)
        assert href
        back = agent.get(f"{stack.gateway_url}{unescape(href.group(1))}")
        assert back.status_code == 303 and urlsplit(back.headers["location"]).path == "/ropo-one"
        swedish = agent.get(f"{stack.gateway_url}/ropo-one")
        assert "Sök endast öppna" in swedish.text and "Uppgiftens status" in swedish.text
