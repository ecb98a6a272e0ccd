"""*Avaa Chat* without a login: the header link, the visitor pass (a signed, HttpOnly,
SameSite=Lax cookie with an unguessable id), the visitor's conversation as
``visitors/{id}``, CSRF on every form, another visitor's or a person's conversation
answering like a missing one with one audit denial, no merge when the visitor logs in,
the pass's lifetime and the limit on new conversations per client address."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import httpx
import lxml.html
import pytest
import pytest_asyncio
import sqlalchemy as sa
from gateway_support import FakeClock
from myropo_fakes import MAIJA, Harness, running_gateway
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.clients.chat import ConversationState, ConversationView, SenderType
from ropo_gateway.config import GatewaySettings
from ropo_gateway.myropo.visitors import (
    UNKNOWN_VISITOR,
    VisitorPasses,
    set_visitor_cookie,
    visitor_cookie_name,
)
from ropo_gateway.storage.tables import lookup_attempts
from starlette.responses import Response

PASS_COOKIE = "ropo_visitor"
VISITOR_SUBJECT = re.compile(r"^visitors/[0-9a-f]{48}$")
SECRET = b"visitor-test-secret"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


@pytest_asyncio.fixture
async def visitor(gateway: Harness) -> AsyncIterator[httpx.AsyncClient]:
    browser = gateway.visitor()
    try:
        yield browser
    finally:
        await browser.aclose()


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "no CSRF token on the page"
    return unescape(match.group(1))


def request_id(html: str) -> str:
    found = lxml.html.fromstring(html).xpath("//form[@id='chat-form']//input[@name='request_id']")
    return str(found[0].get("value"))


def page_of(conversation: ConversationView) -> str:
    return f"/chat/{conversation.id}"


async def start(gateway: Harness, browser: httpx.AsyncClient) -> httpx.Response:
    home = await browser.get("/chat")
    assert home.status_code == 200, home.text
    return await browser.post("/chat", data={"csrf_token": csrf(home.text)})


async def started(gateway: Harness, browser: httpx.AsyncClient) -> ConversationView:
    answer = await start(gateway, browser)
    assert answer.status_code == 303, answer.text
    conversation_id = answer.headers["location"].removeprefix("/chat/")
    return gateway.chat.conversations[f"conversations/{conversation_id}"]


async def send(browser: httpx.AsyncClient, conversation: ConversationView, text: str) -> int:
    page = await browser.get(page_of(conversation))
    assert page.status_code == 200, page.text
    answer = await browser.post(
        page_of(conversation),
        data={"csrf_token": csrf(page.text), "request_id": request_id(page.text), "text": text},
    )
    return answer.status_code


async def denials(gateway: Harness) -> list[tuple[str, str, str]]:
    return [
        (record.event.actor, record.event.resource, record.event.reason)
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED and record.event.outcome is Outcome.DENIED
    ]


def starts(gateway: Harness) -> list[str]:
    return [target for method, target in gateway.chat.calls if method == "StartConversation"]


async def test_the_header_links_to_avaa_chat_for_a_visitor(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    front = await visitor.get("/")

    tree = lxml.html.fromstring(front.text)
    assert tree.xpath("//header//a[normalize-space()='Avaa Chat']/@href") == ["/chat"]
    assert not tree.xpath("//form[@action='/logout']")


async def test_a_visitor_chats_with_the_bot_as_a_visitor(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    home = await visitor.get("/chat")

    assert home.status_code == 200
    tree = lxml.html.fromstring(home.text)
    assert tree.xpath("//form[@action='/chat']//button/text()") == ["Avaa Chat"]
    assert tree.xpath("//p[@id='chat-visitor']/a/@href") == ["/login"]
    assert not tree.xpath("//form[@action='/logout']")

    conversation = await started(gateway, visitor)

    assert VISITOR_SUBJECT.match(conversation.customer)
    assert starts(gateway) == [conversation.customer]
    assert await send(visitor, conversation, "Voinko siirtää eräpäivää?") == 303
    assert gateway.chat.posted == [(conversation.customer, "Voinko siirtää eräpäivää?", "fi")]
    page = await visitor.get(page_of(conversation))
    tree = lxml.html.fromstring(page.text)
    senders = tree.xpath("//ol[@id='chat-transcript']//p[@class='chat-sender']/text()")
    assert senders == ["Ropo-botti", "Sinä", "Ropo-botti"]
    assert [message.sender_type for message in gateway.chat.transcript(conversation.name)] == [
        SenderType.BOT,
        SenderType.CUSTOMER,
        SenderType.BOT,
    ]
    assert tree.xpath("//p[@id='chat-visitor']")
    events = await visitor.get(f"{page_of(conversation)}/events")
    assert events.status_code == 200
    assert events.headers["content-type"].startswith("text/event-stream")


async def test_the_pass_is_an_httponly_lax_cookie_with_an_unguessable_id(
    gateway: Harness,
) -> None:
    first, second = gateway.visitor(), gateway.visitor()
    try:
        answers = [await first.get("/chat"), await second.get("/chat")]
        headers = [answer.headers["set-cookie"] for answer in answers]
        for header in headers:
            assert header.startswith(f"{PASS_COOKIE}=")
            lowered = header.lower()
            assert "httponly" in lowered
            assert "samesite=lax" in lowered
            assert "path=/" in lowered
            assert "max-age" not in lowered and "domain" not in lowered
        ids = [str(browser.cookies[PASS_COOKIE]).split(".")[0] for browser in (first, second)]
        assert ids[0] != ids[1]
        assert all(re.fullmatch(r"[0-9a-f]{48}", value) for value in ids)  # 192 bits
        # A visitor who already has a pass keeps it.
        again = await first.get("/chat")
        assert "set-cookie" not in again.headers
    finally:
        await first.aclose()
        await second.aclose()


def test_with_secure_cookies_the_pass_is_host_prefixed_and_secure() -> None:
    settings = GatewaySettings(cookie_secure=True)
    response = Response()

    set_visitor_cookie(response, settings, "value")

    header = response.headers["set-cookie"]
    assert visitor_cookie_name(settings) == "__Host-ropo_visitor"
    assert header.startswith("__Host-ropo_visitor=value;")
    assert "secure" in header.lower() and "httponly" in header.lower()
    assert "samesite=lax" in header.lower() and "path=/" in header.lower()
    assert "domain" not in header.lower()


def test_only_a_genuine_unexpired_pass_names_a_visitor() -> None:
    clock = FakeClock()
    passes = VisitorPasses(SECRET, timedelta(hours=8), clock)
    value, visitor = passes.issue()
    visitor_id, issued, signature = value.split(".")

    assert passes.read(value) == visitor
    assert visitor.subject == f"visitors/{visitor_id}"
    assert visitor.csrf_token and visitor.csrf_token != signature
    other_id = "0" * 48
    assert passes.read(f"{other_id}.{issued}.{signature}") is None
    assert passes.read(f"{visitor_id}.{int(issued) + 3600}.{signature}") is None
    assert VisitorPasses(b"another secret", timedelta(hours=8)).read(value) is None
    for junk in ("", "x", "a.b", "a.b.c.d", value + "x", "é" * 10):
        assert passes.read(junk) is None
    clock.advance(hours=8, seconds=-1)
    assert passes.read(value) == visitor
    clock.advance(seconds=1)
    assert passes.read(value) is None


async def test_every_visitor_form_needs_the_visitors_csrf_token(gateway: Harness) -> None:
    first, second = gateway.visitor(), gateway.visitor()
    try:
        conversation = await started(gateway, first)
        own_page = await first.get(page_of(conversation))
        second_home = await second.get("/chat")
        others_token = csrf(second_home.text)
        assert others_token != csrf(own_page.text)

        answers = [
            await first.post("/chat", data={}),
            await first.post("/chat", data={"csrf_token": others_token}),
            await first.post(
                page_of(conversation),
                data={"csrf_token": others_token, "text": "Hei", "request_id": ""},
            ),
            await first.post(f"{page_of(conversation)}/sulje", data={"csrf_token": "forged"}),
        ]
        # Without any pass there is no token to match: nothing starts.
        anonymous = gateway.visitor()
        answers.append(await anonymous.post("/chat", data={"csrf_token": ""}))
        await anonymous.aclose()

        assert [answer.status_code for answer in answers] == [403] * 5
        assert len(starts(gateway)) == 1
        assert not gateway.chat.posted
        assert gateway.chat.conversations[conversation.name].state is ConversationState.BOT
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_visitor_sees_only_their_own_conversation(gateway: Harness) -> None:
    owner, stranger = gateway.visitor(), gateway.visitor()
    try:
        visitors_conversation = await started(gateway, owner)
        persons_conversation = gateway.chat.open_conversation(MAIJA.subject)
        home = await stranger.get("/chat")
        token = csrf(home.text)
        missing = "0b6f0f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

        answers = []
        for conversation in (visitors_conversation, persons_conversation):
            answers += [
                await stranger.get(page_of(conversation)),
                await stranger.get(f"{page_of(conversation)}/events"),
                await stranger.post(
                    page_of(conversation),
                    data={"csrf_token": token, "text": "Hei", "request_id": ""},
                ),
                await stranger.post(f"{page_of(conversation)}/sulje", data={"csrf_token": token}),
            ]
        missing_answer = await stranger.get(f"/chat/{missing}")

        assert [answer.status_code for answer in answers] == [404] * 8
        assert answers[0].text == missing_answer.text == answers[4].text
        recorded = await denials(gateway)
        actors = {actor for actor, _, _ in recorded}
        assert len(actors) == 1
        (actor,) = actors
        assert VISITOR_SUBJECT.match(actor) and actor != visitors_conversation.customer
        assert [(resource, reason) for _, resource, reason in recorded] == [
            *[(visitors_conversation.name, "CONVERSATION_NOT_FOUND")] * 4,
            *[(persons_conversation.name, "CONVERSATION_NOT_FOUND")] * 4,
            (f"conversations/{missing}", "CONVERSATION_NOT_FOUND"),
        ]
        assert not gateway.chat.posted
        assert not gateway.chat.watches
        assert all(
            view.state is ConversationState.BOT for view in gateway.chat.conversations.values()
        )
        # The owner still reads it.
        assert (await owner.get(page_of(visitors_conversation))).status_code == 200
    finally:
        await owner.aclose()
        await stranger.aclose()


async def test_a_person_cannot_read_a_visitors_conversation(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    conversation = await started(gateway, visitor)

    answer = await gateway.client.get(page_of(conversation))

    assert answer.status_code == 404
    assert await denials(gateway) == [(MAIJA.subject, conversation.name, "CONVERSATION_NOT_FOUND")]


async def test_without_a_pass_every_conversation_is_missing(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    owner = gateway.visitor()
    conversation = await started(gateway, owner)
    await owner.aclose()

    answers = [
        await visitor.get(page_of(conversation)),
        await visitor.post(page_of(conversation), data={"text": "Hei"}),
    ]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert "set-cookie" not in answers[0].headers
    assert await denials(gateway) == [
        (UNKNOWN_VISITOR, conversation.name, "CONVERSATION_NOT_FOUND"),
        (UNKNOWN_VISITOR, conversation.name, "CONVERSATION_NOT_FOUND"),
    ]
    assert not gateway.chat.posted


async def test_logging_in_does_not_merge_the_visitors_conversation(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    visitors_conversation = await started(gateway, visitor)
    await send(visitor, visitors_conversation, "Kysymys ennen kirjautumista")
    visitor.cookies.set("ropo_session", gateway.session_token)

    home = await visitor.get("/chat")

    tree = lxml.html.fromstring(home.text)
    assert not tree.xpath("//p[@data-conversation]")
    assert not tree.xpath("//p[@id='chat-visitor']")
    assert tree.xpath("//form[@action='/logout']")
    # The person's chat drops the visitor pass.
    assert home.headers["set-cookie"].startswith(f'{PASS_COOKIE}="";')
    persons_conversation = await started(gateway, visitor)
    assert persons_conversation.customer == MAIJA.subject
    assert persons_conversation.name != visitors_conversation.name
    texts = [message.text for message in gateway.chat.transcript(persons_conversation.name)]
    assert "Kysymys ennen kirjautumista" not in texts
    assert gateway.chat.conversations[visitors_conversation.name].customer != MAIJA.subject


async def test_a_pass_ends_after_its_lifetime(gateway: Harness, visitor: httpx.AsyncClient) -> None:
    conversation = await started(gateway, visitor)
    old_pass = visitor.cookies[PASS_COOKIE]
    gateway.clock.advance(hours=8)

    answer = await visitor.get(page_of(conversation))
    home = await visitor.get("/chat")

    assert answer.status_code == 404
    assert (await denials(gateway))[-1] == (
        UNKNOWN_VISITOR,
        conversation.name,
        "CONVERSATION_NOT_FOUND",
    )
    assert visitor.cookies[PASS_COOKIE] != old_pass
    assert not lxml.html.fromstring(home.text).xpath("//p[@data-conversation]")


async def test_a_visitor_returns_to_the_open_conversation(
    gateway: Harness, visitor: httpx.AsyncClient
) -> None:
    first = await started(gateway, visitor)
    home = await visitor.get("/chat")

    assert lxml.html.fromstring(home.text).xpath("//p[@data-conversation]/a/@href") == [
        page_of(first)
    ]
    assert (await started(gateway, visitor)).name == first.name
    assert starts(gateway) == [first.customer]


async def test_new_visitor_conversations_are_limited_per_client_address(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, chat_visitor_starts_per_address=2) as gateway:
        browsers = [gateway.visitor("10.0.0.1") for _ in range(3)]
        elsewhere = gateway.visitor("10.0.0.2")
        try:
            first = await started(gateway, browsers[0])
            await started(gateway, browsers[1])

            refused = await start(gateway, browsers[2])

            assert refused.status_code == 429
            assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
            error = lxml.html.fromstring(refused.text).xpath("//p[@id='chat-start-error']/text()")
            assert error == [
                "Täältä on juuri aloitettu liian monta keskustelua. Odota hetki ja yritä uudelleen."
            ]
            assert len(starts(gateway)) == 2
            # Returning to an open conversation is not a new one; another address has its own
            # count; a logged-in person is not counted at all.
            assert (await started(gateway, browsers[0])).name == first.name
            await started(gateway, elsewhere)
            assert (await started(gateway, gateway.client)).customer == MAIJA.subject
            assert len(starts(gateway)) == 4

            async with gateway.runtime.database.session() as db:
                holders = (await db.execute(sa.select(lookup_attempts.c.holder))).scalars().all()
            assert len(holders) == 3
            assert not any("10.0.0" in holder for holder in holders)

            gateway.clock.advance(minutes=15)
            fresh = gateway.visitor("10.0.0.1")
            try:
                assert (await start(gateway, fresh)).status_code == 303
            finally:
                await fresh.aclose()
        finally:
            for browser in (*browsers, elsewhere):
                await browser.aclose()


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("fi", "Et ole kirjautunut sisään"),
        ("sv", "Du är inte inloggad"),
        ("en", "You are not logged in"),
    ],
)
async def test_the_visitor_note_speaks_the_pages_language(
    gateway: Harness, visitor: httpx.AsyncClient, language: str, note: str
) -> None:
    visitor.cookies.set("ropo_lang", language)

    home = await visitor.get("/chat")

    text = lxml.html.fromstring(home.text).xpath("string(//p[@id='chat-visitor'])")
    assert text.strip().startswith(note)
