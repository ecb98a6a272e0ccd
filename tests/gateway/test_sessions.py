"""Session rules: entropy, rotation on login, idle and absolute timeouts, logout, login flows."""

from __future__ import annotations

import re
from datetime import timedelta

from gateway_support import FakeClock, MemoryStore
from ropo_gateway.auth.csrf import csrf_valid
from ropo_gateway.auth.model import Identity
from ropo_gateway.auth.sessions import SessionManager, SessionPolicy
from ropo_gateway.auth.tokens import pkce_challenge, token_digest

IDENTITY = Identity(
    person_key="a" * 32,
    display_name="Maija Meikäläinen",
    masked_id="150385-****",
    acr="http://ftn.ficora.fi/2017/loa2",
)
POLICY = SessionPolicy(
    idle_timeout=timedelta(minutes=15),
    absolute_timeout=timedelta(hours=8),
    login_flow_timeout=timedelta(minutes=10),
    touch_interval=timedelta(seconds=60),
)


def manager() -> tuple[SessionManager, MemoryStore, FakeClock]:
    store, clock = MemoryStore(), FakeClock()
    return SessionManager(store, POLICY, clock), store, clock


async def test_session_ids_are_256_bit_urlsafe_and_stored_only_as_digests() -> None:
    sessions, store, _ = manager()
    tokens = {(await sessions.open_session(IDENTITY, None))[0] for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes
        assert token not in store.sessions
        assert token_digest(token) in store.sessions


async def test_login_rotates_the_session_id_and_ends_the_previous_session() -> None:
    sessions, _, _ = manager()
    planted, _ = await sessions.open_session(IDENTITY, None)
    fresh, session = await sessions.open_session(IDENTITY, planted)
    assert fresh != planted
    assert await sessions.resolve(planted) is None
    assert await sessions.resolve(fresh) == session


async def test_idle_timeout_ends_the_session() -> None:
    sessions, store, clock = manager()
    token, _ = await sessions.open_session(IDENTITY, None)
    clock.advance(minutes=14, seconds=59)
    assert await sessions.resolve(token) is not None  # activity resets the idle timer
    clock.advance(minutes=14, seconds=59)
    assert await sessions.resolve(token) is not None
    clock.advance(minutes=15)
    assert await sessions.resolve(token) is None
    assert store.sessions == {}  # deleted, not just ignored


async def test_absolute_timeout_ends_even_an_active_session() -> None:
    sessions, _, clock = manager()
    token, _ = await sessions.open_session(IDENTITY, None)
    for _ in range(8 * 6 - 1):  # active every 10 minutes for almost 8 hours
        clock.advance(minutes=10)
        assert await sessions.resolve(token) is not None
    clock.advance(minutes=10)
    assert await sessions.resolve(token) is None


async def test_last_seen_is_written_at_most_once_per_touch_interval() -> None:
    sessions, store, clock = manager()
    token, _ = await sessions.open_session(IDENTITY, None)
    for _ in range(10):
        clock.advance(seconds=5)
        await sessions.resolve(token)
    assert store.touches == 0
    clock.advance(seconds=15)
    await sessions.resolve(token)
    assert store.touches == 1


async def test_logout_invalidates_the_session_server_side() -> None:
    sessions, _, _ = manager()
    token, _ = await sessions.open_session(IDENTITY, None)
    await sessions.close(token)
    assert await sessions.resolve(token) is None


async def test_unknown_or_missing_tokens_resolve_to_nothing() -> None:
    sessions, _, _ = manager()
    assert await sessions.resolve(None) is None
    assert await sessions.resolve("") is None
    assert await sessions.resolve("not-a-session") is None


async def test_login_flow_is_single_use_and_expires() -> None:
    sessions, _, clock = manager()
    token, flow = await sessions.begin_login()
    assert len({flow.state, flow.nonce, flow.code_verifier}) == 3
    assert 43 <= len(flow.code_verifier) <= 128
    assert await sessions.finish_login(token) == flow
    assert await sessions.finish_login(token) is None  # replay

    token, _ = await sessions.begin_login()
    clock.advance(minutes=10)
    assert await sessions.finish_login(token) is None
    assert await sessions.finish_login(None) is None


async def test_purge_removes_expired_sessions_and_flows() -> None:
    sessions, store, clock = manager()
    await sessions.open_session(IDENTITY, None)
    await sessions.begin_login()
    clock.advance(minutes=5)
    live, _ = await sessions.open_session(IDENTITY, None)
    clock.advance(minutes=11)
    assert await sessions.purge_expired() == 2
    assert list(store.sessions) == [token_digest(live)]
    assert store.flows == {}


async def test_csrf_token_is_per_session_and_compared_exactly() -> None:
    sessions, _, _ = manager()
    _, first = await sessions.open_session(IDENTITY, None)
    _, second = await sessions.open_session(IDENTITY, None)
    assert first.csrf_token != second.csrf_token
    assert csrf_valid(first, first.csrf_token)
    assert not csrf_valid(first, second.csrf_token)
    assert not csrf_valid(first, None)
    assert not csrf_valid(first, "")
    assert not csrf_valid(first, first.csrf_token[:-1])


def test_pkce_challenge_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
