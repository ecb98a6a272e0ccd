"""*Avaa Chat* in MyRopo: the link in the header, starting (or returning to) a conversation, the
transcript with the bot's links, the message form without JavaScript (303 back) and with it
(JSON), the hand-off, refusals (rate limit with Retry-After, an empty message, a closed
conversation), closing, and access: someone else's conversation, an unknown and a malformed
id all answer the same 404 with one audit denial each."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import httpx
import lxml.html
import pytest
import pytest_asyncio
from myropo_fakes import CHAT_LINK, MAIJA, MATTI, Harness, running_gateway
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.chat import ConversationState, ConversationView, SenderType


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


def subject(identity: Identity) -> str:
    return identity.subject


def hidden(html: str, form_id: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(
        f"//form[@id='{form_id}']//input[@name='{name}']/@value"
    )
    assert found, f"no {name} in {form_id}"
    return str(found[0])


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return unescape(match.group(1))


def transcript(html: str) -> list[tuple[str, str, str]]:
    """(message name, sender, text) of every message shown."""
    tree = lxml.html.fromstring(html)
    return [
        (
            str(item.get("data-message")),
            item.xpath("string(./p[@class='chat-sender'])"),
            item.xpath("string(./p[@class='chat-text'])"),
        )
        for item in tree.xpath("//ol[@id='chat-transcript']/li")
    ]


def page_of(conversation: ConversationView) -> str:
    return f"/chat/{conversation.id}"


async def start_chat(gateway: Harness) -> ConversationView:
    home = await gateway.client.get("/chat")
    started = await gateway.client.post("/chat", data={"csrf_token": csrf(home.text)})
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    return gateway.chat.conversations[f"conversations/{location.removeprefix('/chat/')}"]


async def send(
    gateway: Harness,
    conversation: ConversationView,
    text: str,
    *,
    client: httpx.AsyncClient | None = None,
    json: bool = False,
    request_id: str | None = None,
) -> httpx.Response:
    browser = client or gateway.client
    page = await browser.get(page_of(conversation))
    assert page.status_code == 200, page.text
    return await browser.post(
        page_of(conversation),
        data={
            "csrf_token": csrf(page.text),
            "request_id": request_id or hidden(page.text, "chat-form", "request_id"),
            "text": text,
        },
        headers={"Accept": "application/json"} if json else {},
    )


async def denials(gateway: Harness) -> list[tuple[str, str, str]]:
    return [
        (record.event.actor, record.event.resource, record.event.reason)
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED and record.event.outcome is Outcome.DENIED
    ]


async def test_the_header_links_to_avaa_chat_once(gateway: Harness) -> None:
    front = await gateway.client.get("/")
    links = lxml.html.fromstring(front.text).xpath("//a[normalize-space()='Avaa Chat']/@href")
    assert links == ["/chat"]


async def test_avaa_chat_starts_a_conversation_the_bot_greets_in(gateway: Harness) -> None:
    home = await gateway.client.get("/chat")
    tree = lxml.html.fromstring(home.text)
    assert tree.xpath("//form[@action='/chat']//button/text()") == ["Avaa Chat"]
    assert not tree.xpath("//*[@data-conversation]")

    conversation = await start_chat(gateway)

    assert conversation.customer == subject(MAIJA)
    assert conversation.language_code == "fi"
    page = await gateway.client.get(page_of(conversation))
    assert page.status_code == 200
    shown = transcript(page.text)
    assert [(sender, text) for _, sender, text in shown] == [
        ("Ropo-botti", "Hei! Miten voin auttaa?")
    ]
    tree = lxml.html.fromstring(page.text)
    label = tree.xpath("//label[@for='chat-text']/text()")
    assert label == ["Viesti"]
    assert tree.xpath("//form[@id='chat-form']//button/text()") == ["Lähetä"]
    assert tree.xpath("//form[@id='chat-close']//button/text()") == ["Sulje keskustelu"]
    assert tree.xpath("//p[@id='chat-state']/text()") == ["Ropo-botti vastaa kysymyksiisi."]


async def test_avaa_chat_returns_to_the_open_conversation(gateway: Harness) -> None:
    first = await start_chat(gateway)
    home = await gateway.client.get("/chat")
    assert lxml.html.fromstring(home.text).xpath("//p[@data-conversation]/a/@href") == [
        page_of(first)
    ]

    again = await start_chat(gateway)

    assert again.name == first.name
    assert [call for call in gateway.chat.calls if call[0] == "StartConversation"] == [
        ("StartConversation", subject(MAIJA))
    ]


async def test_starting_needs_the_csrf_token(gateway: Harness) -> None:
    refused = await gateway.client.post("/chat", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert gateway.chat.conversations == {}


async def test_a_message_without_javascript_comes_back_with_the_bots_answer_and_links(
    gateway: Harness,
) -> None:
    conversation = await start_chat(gateway)

    sent = await send(gateway, conversation, "Voinko siirtää eräpäivää?")

    assert sent.status_code == 303
    assert sent.headers["location"] == page_of(conversation)
    page = await gateway.client.get(page_of(conversation))
    shown = transcript(page.text)
    assert [(sender, text) for _, sender, text in shown][1:] == [
        ("Sinä", "Voinko siirtää eräpäivää?"),
        ("Ropo-botti", "Eräpäivää voi siirtää laskun sivulla."),
    ]
    tree = lxml.html.fromstring(page.text)
    links = tree.xpath("//ol[@id='chat-transcript']//a")
    # Only a path within MyRopo becomes a link; the other one is not shown at all.
    assert [(link.get("href"), link.text) for link in links] == [(CHAT_LINK.path, CHAT_LINK.label)]
    assert "elsewhere.example" not in page.text
    post = [call for call in gateway.chat.calls if call[0] == "PostMessage"]
    assert post == [("PostMessage", conversation.name)]


async def test_a_message_with_javascript_is_answered_with_json(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    page = await gateway.client.get(page_of(conversation))
    first_key = hidden(page.text, "chat-form", "request_id")

    sent = await send(gateway, conversation, "Voinko siirtää eräpäivää?", json=True)

    assert sent.status_code == 200
    body = sent.json()
    assert [(item["sender_type"], item["text"]) for item in body["messages"]] == [
        ("CUSTOMER", "Voinko siirtää eräpäivää?"),
        ("BOT", "Eräpäivää voi siirtää laskun sivulla."),
    ]
    assert body["messages"][1]["links"] == [{"path": CHAT_LINK.path, "label": CHAT_LINK.label}]
    assert body["messages"][0]["id"] == f"{conversation.name}/messages/0000000002"
    assert body["messages"][0]["create_time"].startswith("2025-03-01T09:00")
    assert body["conversation"] == {"state": "BOT", "assignee_display_name": ""}
    # The next message gets a key of its own.
    assert body["request_id"] and body["request_id"] != first_key


async def test_a_repeated_submission_posts_once(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    key = "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

    await send(gateway, conversation, "Hei", request_id=key)
    await send(gateway, conversation, "Hei", request_id=key)

    texts = [message.text for message in gateway.chat.transcript(conversation.name)]
    assert texts.count("Hei") == 1


async def test_asking_for_a_person_shows_the_queue_text(gateway: Harness) -> None:
    conversation = await start_chat(gateway)

    await send(gateway, conversation, "Haluan puhua ihmisen kanssa")

    page = await gateway.client.get(page_of(conversation))
    state = lxml.html.fromstring(page.text).xpath("//p[@id='chat-state']")[0]
    assert state.get("data-state") == "QUEUED"
    assert state.text.startswith("Keskustelu on siirretty asiakaspalvelijalle.")
    assert transcript(page.text)[-1][2] == "Siirrän keskustelun asiakaspalvelijalle."


async def test_the_agent_who_joined_is_named(gateway: Harness) -> None:
    conversation = gateway.chat.open_conversation(
        subject(MAIJA),
        state=ConversationState.WITH_AGENT,
        assignee="staffUsers/aino",
        assignee_display_name="Aino",
    )

    page = await gateway.client.get(page_of(conversation))

    assert lxml.html.fromstring(page.text).xpath("//p[@id='chat-state']/text()") == [
        "Asiakaspalvelija liittyi keskusteluun. Sinua palvelee Aino."
    ]


@pytest.mark.parametrize(("text", "problem"), [("   ", "Kirjoita viesti."), ("x" * 4001, "")])
async def test_an_empty_or_overlong_message_is_refused_before_any_call(
    gateway: Harness, text: str, problem: str
) -> None:
    conversation = await start_chat(gateway)

    refused = await send(gateway, conversation, text)

    assert refused.status_code == 422
    error = lxml.html.fromstring(refused.text).xpath("//p[@id='chat-text-error']/text()")
    assert error and (not problem or error == [problem])
    assert not [call for call in gateway.chat.calls if call[0] == "PostMessage"]


async def test_writing_too_fast_keeps_the_text_and_says_when_to_retry(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    gateway.chat.rate_limited = True

    refused = await send(gateway, conversation, "Vielä yksi kysymys")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "7"
    tree = lxml.html.fromstring(refused.text)
    assert tree.xpath("//textarea[@id='chat-text']/text()") == ["Vielä yksi kysymys"]
    assert tree.xpath("//p[@id='chat-text-error']/text()") == [
        "Lähetit viestejä liian nopeasti. Odota hetki ja lähetä viesti uudelleen."
    ]

    as_json = await send(gateway, conversation, "Vielä yksi kysymys", json=True)
    assert as_json.status_code == 429
    assert as_json.headers["retry-after"] == "7"
    assert as_json.json()["error"].startswith("Lähetit viestejä liian nopeasti.")


async def test_closing_ends_the_conversation_and_its_form(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    page = await gateway.client.get(page_of(conversation))

    closed = await gateway.client.post(
        f"{page_of(conversation)}/sulje",
        data={
            "csrf_token": csrf(page.text),
            "request_id": hidden(page.text, "chat-close", "request_id"),
        },
    )

    assert closed.status_code == 303
    assert gateway.chat.conversations[conversation.name].state is ConversationState.CLOSED
    after = await gateway.client.get(page_of(conversation))
    tree = lxml.html.fromstring(after.text)
    assert not tree.xpath("//form[@id='chat-form']")
    assert tree.xpath("//p[@id='chat-state']/text()") == ["Keskustelu on suljettu."]
    assert tree.xpath("//form[@action='/chat']//button/text()") == ["Aloita uusi keskustelu"]


async def test_a_message_to_a_closed_conversation_is_refused(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    page = await gateway.client.get(page_of(conversation))
    await gateway.chat.close_conversation("k", conversation.name, subject(MAIJA))

    refused = await gateway.client.post(
        page_of(conversation),
        data={"csrf_token": csrf(page.text), "request_id": "", "text": "Hei"},
        headers={"Accept": "application/json"},
    )

    assert refused.status_code == 409
    assert refused.json()["error"].startswith("Keskustelu on suljettu.")


async def test_someone_elses_conversation_is_a_missing_one(gateway: Harness) -> None:
    others = gateway.chat.open_conversation(subject(MATTI))
    missing = "conversations/0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    home = await gateway.client.get("/chat")
    token = csrf(home.text)

    answers = [
        await gateway.client.get(page_of(others)),
        await gateway.client.get(f"/chat/{missing.removeprefix('conversations/')}"),
        await gateway.client.get(f"{page_of(others)}/events"),
        await gateway.client.post(
            page_of(others), data={"csrf_token": token, "text": "Hei", "request_id": ""}
        ),
        await gateway.client.post(f"{page_of(others)}/sulje", data={"csrf_token": token}),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert answers[0].text == answers[1].text
    assert "Matti" not in answers[0].text
    assert await denials(gateway) == [
        (subject(MAIJA), others.name, "CONVERSATION_NOT_FOUND"),
        (subject(MAIJA), missing, "CONVERSATION_NOT_FOUND"),
        (subject(MAIJA), others.name, "CONVERSATION_NOT_FOUND"),
        (subject(MAIJA), others.name, "CONVERSATION_NOT_FOUND"),
        (subject(MAIJA), others.name, "CONVERSATION_NOT_FOUND"),
    ]
    assert gateway.chat.transcript(others.name)[-1].sender_type is SenderType.BOT
    assert gateway.chat.conversations[others.name].state is ConversationState.BOT
    assert not gateway.chat.watches


async def test_a_malformed_id_is_a_missing_conversation_and_never_recorded(
    gateway: Harness,
) -> None:
    answer = await gateway.client.get("/chat/-not%20a%20conversation")

    assert answer.status_code == 404
    assert await denials(gateway) == [(subject(MAIJA), "conversations/-", "MALFORMED_ID")]
    assert not [call for call in gateway.chat.calls if call[0] == "GetConversation"]


async def test_without_a_login_the_chat_is_a_visitors(gateway: Harness) -> None:
    """The person's conversation stays theirs; the visitor's chat: test_myropo_chat_visitor."""
    own = await start_chat(gateway)
    async with httpx.AsyncClient(
        transport=gateway.client._transport, base_url="http://localhost"
    ) as anonymous:
        home = await anonymous.get("/chat")
        assert home.status_code == 200
        assert not lxml.html.fromstring(home.text).xpath("//p[@data-conversation]")
        assert (await anonymous.post("/chat")).status_code == 403
        assert (await anonymous.get(page_of(own))).status_code == 404


async def test_the_page_speaks_swedish_and_english(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    for language, label, button in (("sv", "Meddelande", "Skicka"), ("en", "Message", "Send")):
        gateway.client.cookies.set("ropo_lang", language)
        page = await gateway.client.get(page_of(conversation))
        tree = lxml.html.fromstring(page.text)
        assert tree.xpath("//label[@for='chat-text']/text()") == [label]
        assert tree.xpath("//form[@id='chat-form']//button/text()") == [button]
    await send(gateway, conversation, "Hello")
    assert gateway.chat.posted[-1] == (subject(MAIJA), "Hello", "en")


async def test_the_page_loads_its_script_from_static_only(gateway: Harness) -> None:
    conversation = await start_chat(gateway)
    page = await gateway.client.get(page_of(conversation))

    scripts = lxml.html.fromstring(page.text).xpath("//script")
    assert [script.get("src") for script in scripts] == ["/static/chat.js"]
    assert all(not (script.text or "").strip() for script in scripts)
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    chat = lxml.html.fromstring(page.text).xpath("//section[@id='chat']")[0]
    assert chat.get("data-events") == f"{page_of(conversation)}/events"
    assert chat.get("data-after") == f"{conversation.name}/messages/0000000001"
    assert chat.get("data-state-with_agent") == (
        "Asiakaspalvelija liittyi keskusteluun. Sinua palvelee {name}."
    )

    script = await gateway.client.get("/static/chat.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text
    assert "textContent" in script.text
