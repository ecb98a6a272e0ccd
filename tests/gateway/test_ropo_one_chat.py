"""Ropo One's chat: the queue (rows by conversation with *Ota käsittelyyn*), claiming, the
conversation page (transcript, reply form, *Siirrä jonoon*, *Sulje keskustelu*, the live
stream) with the customer's accessible invoices and the link to the continuous
authorization form, the agent's reply (page and JSON), refusals shown as notices, role
refusals (a creditor user: 403 on the queue, the missing-case 404 with an audit denial on a
conversation) and the audit records of every view and action."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import lxml.html
import pytest_asyncio
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.chat import ConversationState, ConversationView, SenderType
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

QUEUE = "/ropo-one/chat"
AINO = f"staffUsers/{AGENT}"
VISITOR = "visitors/3f9c2a"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1", invoice_number="100101"))
        running.cases.add(make_invoice("inv-2", invoice_number="100202", debtor_name="Toinen"))
        running.cases.invoices["invoices/inv-2"].debtor.party = "persons/" + "e" * 64
        yield running


def page_of(conversation: ConversationView) -> str:
    return f"{QUEUE}/{conversation.id}"


def queued(one: Console, customer: str = DEBTOR) -> ConversationView:
    return one.chat.open_conversation(customer, state=ConversationState.QUEUED)


def claimed_by_me(one: Console, customer: str = DEBTOR) -> ConversationView:
    return one.chat.open_conversation(
        customer,
        state=ConversationState.WITH_AGENT,
        assignee=AINO,
        assignee_display_name="Aino",
    )


async def chat_records(one: Console) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            record.event.purpose.value,
            record.event.outcome.value,
            record.event.resource,
            record.event.data_subject,
            record.event.reason,
        )
        for record in await one.audit()
        if record.event.purpose in (Purpose.CHAT_VIEW, Purpose.CHAT_ADMIN, Purpose.ACCESS_DENIED)
    ]


def form_value(html: str, action: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(
        f"//form[@action='{action}']//input[@name='{name}']/@value"
    )
    assert found, f"no {name} in the form of {action}"
    return str(found[0])


async def test_the_queue_lists_waiting_conversations_with_a_claim_button(one: Console) -> None:
    await one.login_staff(AGENT)
    first = queued(one)
    second = queued(one, VISITOR)
    one.chat.open_conversation(DEBTOR)  # with the bot: not in the queue
    mine = claimed_by_me(one)

    page = await one.client.get(QUEUE)

    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    rows = tree.xpath("//table[contains(@class, 'one-chat-queue')]/tbody/tr")
    assert [row.get("data-conversation") for row in rows] == [first.name, second.name]
    assert rows[0].xpath(".//button/text()") == ["Ota käsittelyyn"]
    assert rows[0].xpath("string(./td[@data-field='customer'])") == "Tunnistautunut henkilö"
    assert rows[1].xpath("string(./td[@data-field='customer'])") == "Tunnistautumaton vierailija"
    assert rows[0].xpath("string(./td[@data-field='reason'])") == "Asiakas pyysi henkilöä"
    own = tree.xpath("//tr[@data-list='mine']/@data-conversation")
    assert own == [mine.name]
    assert tree.xpath("//nav[contains(@class, 'one-nav-service')]//a/@href") == [QUEUE]
    assert await chat_records(one) == [
        ("chat_view", "allowed", "conversations", "", "CHAT_QUEUE_LISTED")
    ]
    [record] = [r for r in await one.audit() if r.event.purpose is Purpose.CHAT_VIEW]
    assert record.event.result_count == 3
    assert record.event.channel is Channel.ROPO_ONE


async def test_claiming_opens_the_conversation_with_the_reply_form(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = queued(one)
    queue = await one.client.get(QUEUE)
    claim = f"{page_of(conversation)}/ota"

    answer = await one.client.post(
        claim,
        data={
            "csrf_token": csrf_token(queue.text),
            "request_id": form_value(queue.text, claim, "request_id"),
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == page_of(conversation)
    now = one.chat.conversations[conversation.name]
    assert now.state is ConversationState.WITH_AGENT
    assert (now.assignee, now.assignee_display_name) == (AINO, "Aino")
    page = await one.client.get(page_of(conversation))
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//label[@for='chat-text']/text()") == ["Viesti"]
    assert tree.xpath("//form[@id='chat-form']//button/text()") == ["Lähetä"]
    buttons = tree.xpath("//div[@id='chat-close']//button/text()")
    assert buttons == ["Siirrä jonoon", "Sulje keskustelu"]
    senders = tree.xpath("//ol[@id='chat-transcript']/li/p[@class='chat-sender']/text()")
    assert senders == ["Ropo-botti", "Ropo"]
    section = tree.xpath("//section[@id='chat']")[0]
    assert section.get("data-events") == f"{page_of(conversation)}/events"
    assert tree.xpath("//script/@src") == ["/static/chat.js"]
    records = await chat_records(one)
    assert ("chat_admin", "allowed", conversation.name, DEBTOR, "CONVERSATION_CLAIMED") in records
    assert records[-1] == ("chat_view", "allowed", conversation.name, DEBTOR, "CONVERSATION_VIEWED")


async def test_beside_the_chat_are_the_customers_invoices_and_the_continuous_form_link(
    one: Console,
) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one)

    page = await one.client.get(page_of(conversation))

    tree = lxml.html.fromstring(page.text)
    panel = tree.xpath("//aside[contains(@class, 'one-chat-invoices')]")[0]
    items = panel.xpath(".//li")
    # Only the customer's own invoice: the other one's debtor is someone else.
    assert [item.get("data-invoice") for item in items] == ["invoices/inv-1"]
    assert items[0].xpath(".//a/@href") == ["/ropo-one/tapaukset/inv-1"]
    assert "100101" in text(lxml.html.tostring(items[0], encoding="unicode"))
    link = panel.xpath(".//a[@id='chat-continuous']")[0]
    assert link.text == "Luo jatkuva valtuutus"
    assert (
        link.get("href") == f"/ropo-one/tapaukset/inv-1?keskustelu={conversation.id}#valtuutukset"
    )
    assert one.authz.accessible == [DEBTOR]

    case = await one.client.get(link.get("href").split("#")[0])

    assert case.status_code == 200
    typed = lxml.html.fromstring(case.text).xpath("//input[@id='authz-conversation']/@value")
    assert typed == [conversation.name]


async def test_a_visitor_has_no_invoices_and_no_one_is_asked(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one, VISITOR)

    page = await one.client.get(page_of(conversation))

    assert "Tunnistautumattomalla vierailijalla ei ole laskuja." in text(page.text)
    assert one.authz.accessible == []
    assert not lxml.html.fromstring(page.text).xpath("//a[@id='chat-continuous']")
    assert (await chat_records(one))[-1][3] == ""


async def test_the_agents_reply_reaches_the_conversation(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one)
    page = await one.client.get(page_of(conversation))
    data = {
        "csrf_token": csrf_token(page.text),
        "request_id": form_value(page.text, page_of(conversation), "request_id"),
        "text": "Hei, olen Aino. Katsotaan asiaa.",
    }

    answer = await one.client.post(page_of(conversation), data=data)

    assert answer.status_code == 303
    last = one.chat.transcript(conversation.name)[-1]
    assert (last.sender_type, last.sender, last.sender_display_name, last.text) == (
        SenderType.AGENT,
        AINO,
        "Aino",
        "Hei, olen Aino. Katsotaan asiaa.",
    )
    as_json = await one.client.post(
        page_of(conversation),
        data={**data, "request_id": "", "text": "Toinen viesti"},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 200
    assert [item["text"] for item in as_json.json()["messages"]] == ["Toinen viesti"]
    replies = [r for r in await chat_records(one) if r[4] == "CONVERSATION_REPLIED"]
    assert len(replies) == 2


async def test_a_refused_action_is_shown_on_the_page_and_recorded(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one)
    page = await one.client.get(page_of(conversation))
    claim = f"{page_of(conversation)}/ota"

    # Already claimed (by this agent): the service refuses a second claim.
    answer = await one.client.post(claim, data={"csrf_token": csrf_token(page.text)})

    assert answer.status_code == 409
    notice = lxml.html.fromstring(answer.text).xpath("//p[@id='chat-notice']/text()")
    assert notice == ["Keskustelun tila on muuttunut, eikä toimintoa voitu tehdä."]
    assert (
        "chat_admin",
        "denied",
        conversation.name,
        DEBTOR,
        "CHAT_CONVERSATION_NOT_QUEUED",
    ) in await chat_records(one)


async def test_someone_elses_conversation_has_no_reply_form(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    conversation = claimed_by_me(one)

    page = await one.client.get(page_of(conversation))

    tree = lxml.html.fromstring(page.text)
    assert not tree.xpath("//form[@id='chat-form']")
    assert "Keskustelua käsittelee toinen asiakaspalvelija." in text(page.text)


async def test_transfer_puts_it_back_in_the_queue_and_close_ends_it(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one)
    page = await one.client.get(page_of(conversation))
    token = csrf_token(page.text)

    moved = await one.client.post(f"{page_of(conversation)}/siirra", data={"csrf_token": token})

    assert moved.status_code == 303
    assert moved.headers["location"] == QUEUE
    assert one.chat.conversations[conversation.name].state is ConversationState.QUEUED
    queue = await one.client.get(QUEUE)
    assert conversation.name in queue.text

    other = claimed_by_me(one)
    closed = await one.client.post(f"{page_of(other)}/sulje", data={"csrf_token": token})
    assert closed.status_code == 303
    assert one.chat.conversations[other.name].state is ConversationState.CLOSED
    reasons = [record[4] for record in await chat_records(one)]
    assert "CONVERSATION_TRANSFERRED" in reasons
    assert "CONVERSATION_CLOSED" in reasons


async def test_actions_need_the_csrf_token(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = queued(one)

    answer = await one.client.post(f"{page_of(conversation)}/ota", data={"csrf_token": "x"})

    assert answer.status_code == 403
    assert one.chat.conversations[conversation.name].state is ConversationState.QUEUED


async def test_a_creditor_user_gets_no_queue_and_no_conversation(one: Console) -> None:
    await one.login_staff(TESTI_USER)
    conversation = queued(one)
    missing = "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

    queue = await one.client.get(QUEUE)
    page = await one.client.get(page_of(conversation))
    unknown = await one.client.get(f"{QUEUE}/{missing}")
    claim = await one.client.post(f"{page_of(conversation)}/ota", data={"csrf_token": "x"})
    stream = await one.client.get(f"{page_of(conversation)}/events")

    assert queue.status_code == 403
    assert "Chat-keskusteluja käsittelee vain Ropon henkilökunta." in text(queue.text)
    assert [page.status_code, unknown.status_code, claim.status_code, stream.status_code] == [
        404
    ] * 4
    assert page.text == unknown.text
    assert not [call for call in one.chat.calls if call[0] == "GetConversation"]
    assert one.chat.conversations[conversation.name].state is ConversationState.QUEUED
    denied = [r for r in await chat_records(one) if r[0] == "access_denied"]
    assert [(r[2], r[4]) for r in denied] == [
        (conversation.name, "CHAT_STAFF_ONLY"),
        (f"conversations/{missing}", "CHAT_STAFF_ONLY"),
        (conversation.name, "CHAT_STAFF_ONLY"),
        (conversation.name, "CHAT_STAFF_ONLY"),
    ]
    assert one.chat.watches == []


async def test_an_unknown_or_malformed_conversation_is_the_missing_case(one: Console) -> None:
    await one.login_staff(AGENT)
    missing = "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

    unknown = await one.client.get(f"{QUEUE}/{missing}")
    malformed = await one.client.get(f"{QUEUE}/-not%20a%20conversation")

    assert unknown.status_code == malformed.status_code == 404
    assert unknown.text == malformed.text
    denied = [r for r in await chat_records(one) if r[0] == "access_denied"]
    assert [(r[1], r[2], r[4]) for r in denied] == [
        (Outcome.DENIED.value, f"conversations/{missing}", "CONVERSATION_NOT_FOUND"),
        (Outcome.DENIED.value, "conversations/-", "MALFORMED_ID"),
    ]


async def test_the_agents_stream_is_audited_as_a_view(one: Console) -> None:
    await one.login_staff(AGENT)
    conversation = claimed_by_me(one)
    one.chat.live = [one.chat._update(conversation.name, state=ConversationState.CLOSED)]
    one.chat.conversations[conversation.name] = conversation

    stream = await one.client.get(f"{page_of(conversation)}/events")

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "event: state" in stream.text
    assert one.chat.watches[0][2].cancelled
    assert (await chat_records(one))[-1] == (
        "chat_view",
        "allowed",
        conversation.name,
        DEBTOR,
        "CONVERSATION_VIEWED",
    )


async def test_the_console_speaks_swedish(one: Console) -> None:
    await one.login_staff(AGENT)
    queued(one)
    one.client.cookies.set("ropo_lang", "sv")

    page = await one.client.get(QUEUE)

    assert lxml.html.fromstring(page.text).xpath("//tbody//button/text()") == ["Ta för behandling"]
