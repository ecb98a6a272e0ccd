"""*Avaa Chat* through the real processes without a browser: an anonymous visitor chats with
the bot (general answers, no one's invoices) and cannot open a logged-in person's chat; a
person's typed henkilötunnus comes back masked; the person's chat names only the person's
own invoices."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from ropo_stack import Stack

pytestmark = pytest.mark.slow
PERSON, OTHER = "john-smith", "anna-andersson"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return unescape(match.group(1))


def open_chat(stack: Stack, client: httpx.Client) -> str:
    """Avaa Chat → the conversation page's URL."""
    home = client.get(f"{stack.gateway_url}/chat")
    assert home.status_code == 200, home.text
    started = client.post(
        f"{stack.gateway_url}/chat", data={"csrf_token": hidden(home.text, "csrf_token")}
    )
    assert started.status_code == 303, started.text
    return f"{stack.gateway_url}{started.headers['location']}"


def say(client: httpx.Client, url: str, text: str) -> str:
    page = client.get(url)
    posted = client.post(
        url,
        data={
            "csrf_token": hidden(page.text, "csrf_token"),
            "request_id": hidden(page.text, "request_id"),
            "text": text,
        },
    )
    assert posted.status_code == 303, posted.text
    return client.get(url).text


def test_a_visitor_chats_with_the_bot_and_sees_no_ones_invoices(stack: Stack) -> None:
    others = stack.ensure_demo_invoices_sync(PERSON)
    with stack.client() as visitor, stack.client() as person:
        url = open_chat(stack, visitor)
        page = say(visitor, url, "Voinko siirtää eräpäivää?")
        assert "Voinko siirtää eräpäivää?" in unescape(page)
        assert not [i.invoice_number for i in others if i.invoice_number in page]

        assert stack.login(person, PERSON).status_code == 303
        person_url = open_chat(stack, person)
        missing = f"{stack.gateway_url}/chat/00000000-0000-4000-8000-000000000009"
        for intruder, target in ((visitor, person_url), (person, url)):
            refused, absent = intruder.get(target), intruder.get(missing)
            assert refused.status_code == absent.status_code == 404


def test_a_persons_chat_masks_a_typed_code_and_names_only_their_invoices(stack: Stack) -> None:
    own = stack.ensure_demo_invoices_sync(PERSON)
    foreign = stack.ensure_demo_invoices_sync(OTHER)
    with stack.client() as person:
        assert stack.login(person, PERSON).status_code == 303
        url = open_chat(stack, person)
        page = unescape(say(person, url, "Voinko siirtää eräpäivää?"))
        assert any(invoice.invoice_number in page for invoice in own)
        assert not [i.invoice_number for i in foreign if i.invoice_number in page]
        page = unescape(say(person, url, "Hetuni on 131052-308T, auttaako se?"))
        assert "131052-308T" not in page and "131052-****" in page
