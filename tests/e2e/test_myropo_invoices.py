"""MyRopo end to end with real processes: the invoice page and its PDF, *Arkisto* and the
search, and *Hae lasku* both ways against the real invoice service — with every miss
answering byte for byte the same, and the rate limit.

Each test logs in as its own sandbox person so that lookups, grants and attempt counts
never meet those of other tests sharing the stack."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.myropo.formatting import printed_case_number, printed_reference
from ropo_platform.redaction import HETU_PATTERN
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.model import OriginalInvoice
from ropo_sandbox.identifiers import national_reference
from ropo_stack import Stack, demo_invoices_of, person_subject

pytestmark = pytest.mark.slow
OWNER = "anna-andersson"  # invoice page, PDF, archive, search
TARGET = "aino-korhonen"  # whose invoice the others look up
FINDER = "john-smith"  # looks up by invoice details on the pages
API_FINDER = "ville-nieminen"  # looks up by MyRopo ID through the JSON API
LIMITED = "liisa-virtanen"  # runs into the rate limit
API = "/api/myropo/v1"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def invoice_id(invoice: invoice_pb2.Invoice) -> str:
    return invoice.name.removeprefix("invoices/")


def wrong_check_digit(reference: str) -> str:
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def wrong_inputs(target: invoice_pb2.Invoice) -> dict[str, dict[str, str]]:
    """The four kinds of wrong input, each with the other two fields right."""
    right = {
        "invoice_number": target.invoice_number,
        "reference": target.reference,
        "postal_code": target.debtor.postal_code,
    }
    other_reference = national_reference("4242")
    assert other_reference != target.reference
    return {
        "unknown invoice number": {**right, "invoice_number": target.invoice_number + "9"},
        "wrong reference": {**right, "reference": other_reference},
        "wrong postal code": {**right, "postal_code": "99999"},
        "bad check digit": {**right, "reference": wrong_check_digit(target.reference)},
    }


async def test_invoice_page_pdf_timeline_and_languages(stack: Stack) -> None:
    invoice = (await stack.ensure_demo_invoices(OWNER))[0]
    url = f"{stack.gateway_url}/laskut/{invoice_id(invoice)}"
    with stack.client() as browser:
        stack.login(browser, OWNER)
        page = browser.get(url)
        assert page.status_code == 200, page.text
        html = page.text
        for label in (
            "Laskun tila",
            "Eräpäivä",
            "Avoinna yhteensä",
            "Laskuttaja",
            "Maksuviite",
            "Laskun numero",
            "Asianumero",
            "Lisätoiminnot",
            "Avaa lasku",
            "Tapahtumat",
        ):
            assert label in html, label
        assert invoice.creditor_display_name in html and invoice.invoice_number in html
        assert printed_reference(invoice.reference) in html
        assert printed_case_number(invoice.case_number) in html
        assert 'data-component="CAPITAL"' in html and '<ol class="timeline">' in html

        pdf = browser.get(f"{url}/lasku.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-disposition"].startswith('inline; filename="')
        assert pdf.headers["cache-control"] == "no-store"

        detail = browser.get(f"{stack.gateway_url}{API}/invoices/{invoice_id(invoice)}").json()
        assert detail["invoice_number"] == invoice.invoice_number and detail["access"] == "OWN"
        assert detail["ledger_components"][0]["type"] == "CAPITAL"
        events = browser.get(f"{stack.gateway_url}{API}/invoices/{invoice_id(invoice)}/events")
        assert events.status_code == 200 and events.json()["events"]
        document = browser.get(f"{stack.gateway_url}{API}/invoices/{invoice_id(invoice)}/document")
        assert document.content.startswith(b"%PDF")

        browser.get(f"{stack.gateway_url}/kieli/sv", params={"next": "/"})
        swedish = browser.get(url).text
        assert '<html lang="sv">' in swedish and "Fakturans status" in swedish
        browser.get(f"{stack.gateway_url}/kieli/en", params={"next": "/"})
        english = browser.get(url).text
        assert "Invoice status" in english and "Open the invoice" in english


async def test_someone_elses_invoice_is_exactly_a_missing_one(stack: Stack) -> None:
    target = (await stack.ensure_demo_invoices(TARGET))[0]
    with stack.client() as browser:
        stack.login(browser, OWNER)
        other = browser.get(f"{stack.gateway_url}/laskut/{invoice_id(target)}")
        missing = browser.get(f"{stack.gateway_url}/laskut/00000000-0000-4000-8000-000000000000")
        assert other.status_code == missing.status_code == 404
        assert other.content == missing.content
        for suffix in ("", "/events", "/document"):
            other_api = browser.get(
                f"{stack.gateway_url}{API}/invoices/{invoice_id(target)}{suffix}"
            )
            missing_api = browser.get(f"{stack.gateway_url}{API}/invoices/missing{suffix}")
            assert other_api.status_code == missing_api.status_code == 404
            assert other_api.content == missing_api.content


async def test_archive_and_search(stack: Stack) -> None:
    base = demo_invoices_of(OWNER)[0]
    # An invoice of Anna's own, fully credited by the creditor: it belongs to the archive.
    credited = replace(base, number=f"E2E-{base.number}")
    credit_note = replace(
        base,
        number=f"E2E-H-{base.number}",
        credits=OriginalInvoice(credited.number, credited.invoice_date),
    )
    stored = await stack.import_finvoice(finvoice_xml(credited))
    await stack.wait_until_accessible(person_subject(OWNER), stored.name)
    after_credit = await stack.import_finvoice(finvoice_xml(credit_note))
    assert after_credit.name == stored.name
    assert after_credit.state == invoice_pb2.Invoice.STATE_CREDITED
    open_invoices = await stack.ensure_demo_invoices(OWNER)

    with stack.client() as browser:
        stack.login(browser, OWNER)
        laskut = browser.get(f"{stack.gateway_url}/").text
        arkisto = browser.get(f"{stack.gateway_url}/?tab=arkisto").text
        assert f'data-invoice="{stored.name}"' in arkisto
        assert f'data-invoice="{stored.name}"' not in laskut
        for invoice in open_invoices:
            assert f'data-invoice="{invoice.name}"' in laskut
            assert f'data-invoice="{invoice.name}"' not in arkisto

        wanted = open_invoices[1]
        by_number = browser.get(f"{stack.gateway_url}/", params={"q": wanted.invoice_number})
        assert re.findall(r'data-invoice="([^"]+)"', by_number.text) == [wanted.name]
        by_reference = browser.get(
            f"{stack.gateway_url}/", params={"q": printed_reference(wanted.reference)}
        )
        assert wanted.name in re.findall(r'data-invoice="([^"]+)"', by_reference.text)
        api = browser.get(
            f"{stack.gateway_url}{API}/invoices",
            params={"tab": "archive", "query": stored.invoice_number},
        ).json()
        assert [item["name"] for item in api["invoices"]] == [stored.name]


async def test_hae_lasku_by_invoice_details_on_the_pages(stack: Stack) -> None:
    target = (await stack.ensure_demo_invoices(TARGET))[0]
    target_url = f"{stack.gateway_url}/laskut/{invoice_id(target)}"
    with stack.client() as browser:
        stack.login(browser, FINDER)
        assert browser.get(target_url).status_code == 404
        form = browser.get(f"{stack.gateway_url}/hae-lasku").text
        assert "Hae laskun tiedolla" in form and "Hae MyRopo-tunnuksella" in form
        token = csrf_token(form)

        misses = {
            kind: browser.post(
                f"{stack.gateway_url}/hae-lasku",
                data={"csrf_token": token, "way": "details", **fields},
            )
            for kind, fields in wrong_inputs(target).items()
        }
        first = misses["unknown invoice number"]
        assert first.status_code == 404 and "Laskua ei löytynyt" in first.text
        for kind, response in misses.items():
            assert (response.status_code, response.content) == (404, first.content), kind
        assert browser.get(target_url).status_code == 404

        hit = browser.post(
            f"{stack.gateway_url}/hae-lasku",
            data={
                "csrf_token": token,
                "way": "details",
                "invoice_number": target.invoice_number,
                "reference": printed_reference(target.reference),
                "postal_code": target.debtor.postal_code,
            },
        )
        assert hit.status_code == 303, hit.text
        assert hit.headers["location"] == f"/laskut/{invoice_id(target)}"
        page = browser.get(target_url)
        assert page.status_code == 200 and target.invoice_number in page.text
        assert browser.get(f"{target_url}/lasku.pdf").content.startswith(b"%PDF")
        front = browser.get(f"{stack.gateway_url}/").text
        assert f'data-invoice="{target.name}"' in front

    # The grant belongs to the person for a limited time (15 minutes, the authorization
    # service's ROPO_AUTHORIZATION_LOOKUP_GRANT_MINUTES), not to one session: a new login
    # within that time still opens the invoice, as a lookup.
    with stack.client() as again:
        stack.login(again, FINDER)
        assert again.get(target_url).status_code == 200
        listed = again.get(f"{stack.gateway_url}{API}/invoices").json()["invoices"]
        assert {item["name"]: item["access"] for item in listed}[target.name] == "LOOKUP"


async def test_hae_lasku_by_myropo_id_through_the_api(stack: Stack) -> None:
    target = (await stack.ensure_demo_invoices(TARGET))[0]
    assert target.myropo_id
    lookups = f"{stack.gateway_url}{API}/lookups"
    with stack.client() as client:
        stack.login(client, API_FINDER)
        misses = {
            kind: client.post(lookups, json=fields) for kind, fields in wrong_inputs(target).items()
        }
        misses["wrong MyRopo ID"] = client.post(lookups, json={"myropo_id": "0000-0000-0000"})
        first = misses["unknown invoice number"]
        assert first.status_code == 404
        assert first.json()["error"]["details"][0]["reason"] == "INVOICE_LOOKUP_FAILED"
        for kind, response in misses.items():
            assert (response.status_code, response.content) == (404, first.content), kind

        grouped = "-".join(target.myropo_id[i : i + 4] for i in range(0, len(target.myropo_id), 4))
        hit = client.post(lookups, json={"myropo_id": grouped.lower()})
        assert hit.status_code == 200, hit.text
        body = hit.json()
        assert body["invoice"]["name"] == target.name and body["invoice"]["access"] == "LOOKUP"
        detail = client.get(f"{stack.gateway_url}{body['invoice_url']}")
        assert detail.status_code == 200 and detail.json()["access"] == "LOOKUP"
        listed = client.get(f"{stack.gateway_url}{API}/invoices").json()["invoices"]
        assert [item["name"] for item in listed if item["access"] == "LOOKUP"] == [target.name]


async def test_eleventh_lookup_is_refused(stack: Stack) -> None:
    target = (await stack.ensure_demo_invoices(TARGET))[0]
    miss = wrong_inputs(target)["wrong postal code"]
    with stack.client() as client:
        stack.login(client, LIMITED)
        lookups = f"{stack.gateway_url}{API}/lookups"
        statuses = [client.post(lookups, json=miss).status_code for _ in range(10)]
        assert statuses == [404] * 10
        refused = client.post(lookups, json=miss)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        page = client.get(f"{stack.gateway_url}/hae-lasku")
        limited = client.post(
            f"{stack.gateway_url}/hae-lasku",
            data={"csrf_token": csrf_token(page.text), "way": "myropo_id", "myropo_id": "x"},
        )
        assert limited.status_code == 429 and "Liian monta hakua" in limited.text


def test_no_url_the_gateway_served_carries_a_henkilotunnus(stack: Stack) -> None:
    paths = []
    for line in stack.logs()["gateway"].splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "http_request":
            paths.append(str(entry.get("path", "")))
    assert any(path.startswith("/laskut/") for path in paths)
    assert [path for path in paths if HETU_PATTERN.search(path)] == []
