"""The MyRopo front page and ``GET /api/myropo/v1/invoices``: cards, *Laskut* / *Arkisto*
tabs, *Etsi laskua listauksesta*, the table, pagination, languages and who sees what."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, State, make_invoice, names, running_gateway


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path, myropo_page_size=2) as harness:
        yield harness


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-invoice="([^"]+)">', html)


def seed(gateway: Harness) -> None:
    """Maija: two open invoices and one paid; Matti: one open invoice."""
    for invoice in (
        make_invoice("open-1", due=(2025, 3, 5), creditor="Testi-yritys Oy", reference="1232"),
        make_invoice("open-2", due=(2025, 4, 1), creditor="Oy Yritys X Ab", number="777"),
        make_invoice("paid-1", state=State.STATE_PAID, open_amount="0.00", number="555"),
    ):
        gateway.access.allow(MAIJA, gateway.invoices.add(invoice).name)
    matti = gateway.invoices.add(make_invoice("matti-1", creditor="Matin Sähkö Oy"))
    gateway.access.allow(MATTI, matti.name)


async def test_front_page_has_the_cards_tabs_search_and_open_invoices(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")
    assert "<h1>Tervetuloa!</h1>" in html
    assert '<a class="card" href="/hae-lasku">' in html and "Hae lasku" in html
    assert '<a class="card" href="/tilinumero">' in html and "Ilmoita tilinumero" in html
    assert '<a href="/" aria-current="page">Laskut</a>' in html
    assert '<a href="/?tab=arkisto">Arkisto</a>' in html
    assert '<label for="search-query">Etsi laskua listauksesta</label>' in html
    for column in ("Laskuttaja", "Eräpäivä", "Avoinna", "Tila"):
        assert f">{column}</th>" in html
    # Newest due date first (the service's order), each row linking to its invoice page.
    assert rows_of(html) == ["invoices/open-2", "invoices/open-1"]
    assert '<a href="/laskut/open-1">Testi-yritys Oy</a>' in html
    assert "<td>5.3.2025</td>" in html and "1 696,32 €" in html
    assert "matti-1" not in html and "paid-1" not in html


async def test_archive_tab_is_a_plain_link_and_lists_paid_invoices(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/?tab=arkisto")
    assert rows_of(page.text) == ["invoices/paid-1"]
    assert '<a href="/?tab=arkisto" aria-current="page">Arkisto</a>' in page.text
    assert '<h2 id="list-heading">Arkisto</h2>' in page.text
    # The search keeps the tab (hidden field), so searching the archive stays there.
    assert '<input type="hidden" name="tab" value="arkisto">' in page.text
    query, _ = gateway.invoices.list_calls[-1]
    assert query.closed_only and not query.open_only


async def test_search_filters_by_creditor_number_or_printed_reference(gateway: Harness) -> None:
    seed(gateway)
    by_creditor = await gateway.client.get("/", params={"q": "yritys x"})
    assert rows_of(by_creditor.text) == ["invoices/open-2"]
    assert 'value="yritys x"' in by_creditor.text and "Tyhjennä haku" in by_creditor.text
    by_number = await gateway.client.get("/", params={"q": "777"})
    assert rows_of(by_number.text) == ["invoices/open-2"]
    # A reference typed as printed (groups of five) is searched in machine form.
    await gateway.client.get("/", params={"q": " 1232 "})
    assert gateway.invoices.list_calls[-1][0].query == "1232"
    nothing = await gateway.client.get("/", params={"q": "ei tällaista"})
    assert rows_of(nothing.text) == [] and "Hakuehdoilla ei löytynyt laskuja." in nothing.text


async def test_pages_follow_the_service_tokens_and_a_stale_token_restarts(
    gateway: Harness,
) -> None:
    seed(gateway)
    gateway.access.allow(MAIJA, gateway.invoices.add(make_invoice("open-3", due=(2025, 1, 1))).name)
    first = await gateway.client.get("/")
    assert rows_of(first.text) == ["invoices/open-2", "invoices/open-1"]
    next_link = re.search(r'<a href="([^"]+)" rel="next">Seuraava sivu</a>', first.text)
    assert next_link, "no next page link"
    second = await gateway.client.get(next_link.group(1).replace("&amp;", "&"))
    assert rows_of(second.text) == ["invoices/open-3"]
    assert "Ensimmäinen sivu" in second.text and 'rel="next"' not in second.text
    # The visible set changed since the token was issued: the page starts over, no error.
    gateway.access.allow(MAIJA, gateway.invoices.add(make_invoice("open-4")).name)
    stale = await gateway.client.get(next_link.group(1).replace("&amp;", "&"))
    assert stale.status_code == 200 and len(rows_of(stale.text)) == 2


async def test_json_list_has_tabs_query_tokens_and_exact_amounts(gateway: Harness) -> None:
    seed(gateway)
    response = await gateway.client.get("/api/myropo/v1/invoices")
    assert response.status_code == 200
    body = response.json()
    assert body["person"] == {"name": "Maija Meikäläinen", "masked_id": "150385-****"}
    assert body["tab"] == "open" and body["query"] == ""
    assert names(body["invoices"]) == ["invoices/open-2", "invoices/open-1"]
    first = body["invoices"][1]
    assert first == {
        "id": "open-1",
        "name": "invoices/open-1",
        "invoice_number": "20240017",
        "creditor": "Testi-yritys Oy",
        "due_date": "2025-03-05",
        "open_amount": {"amount": "1696.32", "currency": "EUR"},
        "total_amount": {"amount": "1696.32", "currency": "EUR"},
        "state": "INVOICE",
        "display_status": "Lasku",
        "paid_in_myropo": False,
        "reference": "1232",
        "reference_printed": "1232",
        "access": "OWN",
    }
    assert body["next_page_token"] == ""
    archive = (await gateway.client.get("/api/myropo/v1/invoices?tab=archive")).json()
    assert names(archive["invoices"]) == ["invoices/paid-1"]
    found = (await gateway.client.get("/api/myropo/v1/invoices", params={"query": "777"})).json()
    assert names(found["invoices"]) == ["invoices/open-2"] and found["query"] == "777"


async def test_json_pages_and_a_stale_token_is_a_400(gateway: Harness) -> None:
    seed(gateway)
    gateway.access.allow(MAIJA, gateway.invoices.add(make_invoice("open-3", due=(2025, 1, 1))).name)
    first = (await gateway.client.get("/api/myropo/v1/invoices")).json()
    token = first["next_page_token"]
    assert token
    second = await gateway.client.get("/api/myropo/v1/invoices", params={"page_token": token})
    assert names(second.json()["invoices"]) == ["invoices/open-3"]
    gateway.access.allow(MAIJA, gateway.invoices.add(make_invoice("open-4")).name)
    stale = await gateway.client.get("/api/myropo/v1/invoices", params={"page_token": token})
    assert stale.status_code == 400
    assert stale.json()["error"]["details"][0]["reason"] == "INVALID_PAGE_TOKEN"
    bad_tab = await gateway.client.get("/api/myropo/v1/invoices?tab=laskut")
    assert bad_tab.status_code == 400 and bad_tab.json()["error"]["status"] == "INVALID_ARGUMENT"


async def test_another_person_sees_only_their_own(gateway: Harness) -> None:
    seed(gateway)
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get("/")
        assert "Matti Meikäläinen" in page.text and rows_of(page.text) == ["invoices/matti-1"]
        body = (await matti.get("/api/myropo/v1/invoices")).json()
        assert names(body["invoices"]) == ["invoices/matti-1"]
    finally:
        await matti.aclose()


async def test_no_invoices_means_no_invoice_service_call(gateway: Harness) -> None:
    page = await gateway.client.get("/")
    assert "Sinulla ei ole avoimia laskuja." in page.text
    assert gateway.invoices.list_calls == []


async def test_language_switch_keeps_the_page_and_sets_the_cookie(gateway: Harness) -> None:
    seed(gateway)
    page = await gateway.client.get("/?tab=arkisto")
    link = re.search(r'<a href="(/kieli/sv\?next=[^"]+)"', page.text)
    assert link and "%3Ftab%3Darkisto" in link.group(1)
    switched = await gateway.client.get(link.group(1))
    assert switched.status_code == 303 and switched.headers["location"] == "/?tab=arkisto"
    cookie = switched.headers["set-cookie"].lower()
    assert cookie.startswith("ropo_lang=sv") and "samesite=lax" in cookie and "path=/" in cookie
    swedish = await gateway.client.get("/?tab=arkisto")
    assert '<html lang="sv">' in swedish.text
    for text in ("Välkommen!", "Fakturor", "Arkiv", "Sök faktura i listan", "Fakturerare"):
        assert text in swedish.text
    await gateway.client.get("/kieli/en?next=/")
    english = await gateway.client.get("/")
    for text in ("Welcome!", "Invoices", "Archive", "Search the list", "Report an account number"):
        assert text in english.text
    # The current language is marked, not linked.
    assert '<span lang="en" aria-current="true">In English</span>' in english.text


async def test_language_switch_never_redirects_elsewhere(gateway: Harness) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "laskut"):
        response = await gateway.client.get("/kieli/fi", params={"next": target})
        assert response.headers["location"] == "/"
    assert (await gateway.client.get("/kieli/de?next=/")).status_code == 404


async def test_without_login_the_landing_page_and_401(gateway: Harness) -> None:
    async with await gateway.login(MAIJA) as anonymous:
        anonymous.cookies.clear()
        landing = await anonymous.get("/")
        assert landing.status_code == 200 and "Kirjaudu sisään" in landing.text
        api = await anonymous.get("/api/myropo/v1/invoices")
        assert api.status_code == 401
        assert api.json()["error"]["details"][0]["reason"] == "SESSION_REQUIRED"
        for path in ("/hae-lasku", "/laskut/open-1"):
            page = await anonymous.get(path)
            assert page.status_code == 401 and "Kirjaudu sisään" in page.text
