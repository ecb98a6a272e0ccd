"""Server-side sessions and pre-login records: creation, rotation, timeouts, logout.

The storage is behind ``SessionStore`` (SQL in production, a dict in unit tests);
the rules live here and take the time from an injected clock so the timeouts can
be tested without waiting.

- A session id is a 256-bit random token; only its SHA-256 is stored.
- Logging in always creates a new id and deletes the session the browser held
  before (rotation, ASVS 7.2.4), so a planted id is never promoted.
- Idle timeout (default 15 min) and absolute timeout (default 8 h) are checked on
  every request; an expired session is deleted, not just ignored.
- ``last_seen_at`` is written at most once per ``touch_interval`` to keep reads
  cheap; this can only make a session expire slightly *earlier* than its idle limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ropo_gateway.auth.model import Identity, LoginFlow, Session
from ropo_gateway.auth.tokens import new_pkce_verifier, new_token, token_digest

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock in UTC (the default ``Clock``)."""
    return datetime.now(UTC)


class SessionStore(Protocol):
    """Durable storage of sessions and login flows, keyed by token digests."""

    async def save_login_flow(self, key: str, flow: LoginFlow) -> None: ...

    async def take_login_flow(self, key: str) -> LoginFlow | None:
        """Return and delete the flow atomically (a flow is usable once)."""
        ...

    async def save_session(self, key: str, session: Session) -> None: ...

    async def get_session(self, key: str) -> Session | None: ...

    async def touch_session(self, key: str, last_seen_at: datetime) -> None: ...

    async def delete_session(self, key: str) -> None: ...

    async def purge_expired(self, now: datetime, idle_cutoff: datetime) -> int:
        """Delete flows past ``expires_at`` and sessions past either limit; return the count."""
        ...


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Lifetimes of sessions and login flows."""

    idle_timeout: timedelta = timedelta(minutes=15)
    absolute_timeout: timedelta = timedelta(hours=8)
    login_flow_timeout: timedelta = timedelta(minutes=10)
    touch_interval: timedelta = timedelta(seconds=60)


class SessionManager:
    """Session rules on top of a ``SessionStore``."""

    def __init__(
        self, store: SessionStore, policy: SessionPolicy | None = None, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._policy = policy or SessionPolicy()
        self._clock = clock

    @property
    def policy(self) -> SessionPolicy:
        return self._policy

    async def begin_login(self) -> tuple[str, LoginFlow]:
        """Create the pre-login record; returns the browser's flow token and the record."""
        now = self._clock()
        flow = LoginFlow(
            state=new_token(),
            nonce=new_token(),
            code_verifier=new_pkce_verifier(),
            created_at=now,
            expires_at=now + self._policy.login_flow_timeout,
        )
        token = new_token()
        await self._store.save_login_flow(token_digest(token), flow)
        return token, flow

    async def finish_login(self, flow_token: str | None) -> LoginFlow | None:
        """Consume the pre-login record of ``flow_token``; ``None`` if unknown, used or expired."""
        if not flow_token:
            return None
        flow = await self._store.take_login_flow(token_digest(flow_token))
        if flow is None or self._clock() >= flow.expires_at:
            return None
        return flow

    async def open_session(
        self, identity: Identity, previous_token: str | None
    ) -> tuple[str, Session]:
        """Start a session for ``identity`` under a new id; the previous one (if any) ends."""
        if previous_token:
            await self._store.delete_session(token_digest(previous_token))
        now = self._clock()
        session = Session(
            identity=identity,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._policy.absolute_timeout,
        )
        token = new_token()
        await self._store.save_session(token_digest(token), session)
        return token, session

    async def resolve(self, token: str | None) -> Session | None:
        """The live session of ``token``, refreshing its idle timer; ``None`` if none or expired."""
        if not token:
            return None
        key = token_digest(token)
        session = await self._store.get_session(key)
        if session is None:
            return None
        now = self._clock()
        if now >= session.expires_at or now - session.last_seen_at >= self._policy.idle_timeout:
            await self._store.delete_session(key)
            return None
        if now - session.last_seen_at >= self._policy.touch_interval:
            await self._store.touch_session(key, now)
            session = replace(session, last_seen_at=now)
        return session

    async def close(self, token: str | None) -> None:
        """Logout: delete the session server-side so the old cookie is worthless."""
        if token:
            await self._store.delete_session(token_digest(token))

    async def purge_expired(self) -> int:
        """Housekeeping: remove expired sessions and flows."""
        now = self._clock()
        return await self._store.purge_expired(now, now - self._policy.idle_timeout)
