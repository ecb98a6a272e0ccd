"""*Avaa Chat* with two browsers against the real stack: a person asks the bot about moving
a due date and gets an answer that links to MyRopo and names only the person's own invoices;
the person asks for a human; an agent in Ropo One takes the chat from the queue and answers;
the answer appears on the person's page without a reload."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from ropo_stack import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ID, PERSON_NAME = "matti-meikalainen", "Matti Meikäläinen"
OTHER_PERSON_ID = "maija-meikalainen"
AGENT_NAME = "Aino Asiakaspalvelija"
AGENT_ANSWER = "Siirsin eräpäivää viikolla, tarkista laskun sivu."


def identify(stack: Stack, page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + "/authorize"))
    page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Tunnistaudu").click()


def send(page: Page, text: str) -> None:
    page.get_by_label("Viesti").fill(text)
    page.get_by_role("button", name="Lähetä").click()


def test_the_bot_answers_then_an_agent_takes_over_live(stack: Stack, browser: object) -> None:
    own = stack.ensure_demo_invoices_sync(PERSON_ID)
    others = stack.ensure_demo_invoices_sync(OTHER_PERSON_ID)
    person_context = browser.new_context()  # type: ignore[attr-defined]
    agent_context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = person_context.new_page()
        page.goto(stack.gateway_url)
        page.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, page, PERSON_NAME)
        page.get_by_role("link", name="Avaa Chat").click()
        page.get_by_role("button", name="Avaa Chat").click()
        expect(page).to_have_url(re.compile(r"/chat/[^/]+$"))
        chat_url = page.url
        transcript = page.locator("#chat-transcript > li[data-message]")
        greeting_count = transcript.count()

        send(page, "Voinko siirtää eräpäivää?")
        expect(transcript).to_have_count(greeting_count + 2)  # the question and the bot's answer
        answer = transcript.last
        expect(answer.locator("a").first).to_have_attribute("href", re.compile(r"^/"))
        answered = answer.inner_text()
        open_numbers = [invoice.invoice_number for invoice in own if invoice.state != 5]
        assert any(number in answered for number in open_numbers) or "Eräpäiv" in answered
        for invoice in others:
            assert invoice.invoice_number not in answered, "another person's invoice in the chat"

        send(page, "Haluan puhua ihmisen kanssa")
        expect(transcript).to_have_count(greeting_count + 4)
        assert page.url == chat_url

        agent = agent_context.new_page()
        agent.goto(f"{stack.gateway_url}/ropo-one")
        agent.get_by_role("button", name="Kirjaudu sisään").click()
        identify(stack, agent, AGENT_NAME)
        agent.goto(f"{stack.gateway_url}/ropo-one/chat")
        conversation = chat_url.rsplit("/", 1)[1]
        row = agent.locator(f'tr[data-conversation="conversations/{conversation}"]')
        row.get_by_role("button", name="Ota käsittelyyn").click()
        expect(agent).to_have_url(re.compile(rf"/ropo-one/chat/{re.escape(conversation)}$"))
        expect(agent.locator("main")).to_contain_text("Voinko siirtää eräpäivää?")
        send(agent, AGENT_ANSWER)

        # No reload on the person's side: the server pushes the agent's message.
        expect(page.locator("#chat-transcript")).to_contain_text(AGENT_ANSWER, timeout=10_000)
        assert page.url == chat_url
        expect(page.locator("#chat-state")).to_contain_text("Asiakaspalvelija")
    finally:
        person_context.close()
        agent_context.close()
