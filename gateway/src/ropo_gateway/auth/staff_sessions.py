"""Server-side sessions of Ropo One staff: a session kind of their own.

The rules are the customers' (``sessions.py``): a 256-bit random id of which only
the SHA-256 is stored, a new id at every login with the previous staff session
deleted, idle and absolute timeouts checked on every request with the expired
session deleted, ``last_seen_at`` written at most once per ``touch_interval``.

They live in their own store and travel in their own cookie, so a customer
session id can never be resolved as a staff session or the other way round:
the kinds cannot be confused by a bug in a role check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from ropo_gateway.auth.sessions import Clock, SessionPolicy, utc_now
from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.auth.tokens import new_token, token_digest


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A logged-in staff user's session; the cookie holds only its random id."""

    identity: StaffIdentity
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = field(compare=False)


class StaffSessionStore(Protocol):
    """Durable storage of staff sessions, keyed by token digests."""

    async def save_staff_session(self, key: str, session: StaffSession) -> None: ...

    async def get_staff_session(self, key: str) -> StaffSession | None: ...

    async def touch_staff_session(self, key: str, last_seen_at: datetime) -> None: ...

    async def delete_staff_session(self, key: str) -> None: ...

    async def purge_expired_staff_sessions(self, now: datetime, idle_cutoff: datetime) -> int:
        """Delete sessions past either limit; return how many."""
        ...


class StaffSessionManager:
    """Staff session rules on top of a ``StaffSessionStore``."""

    def __init__(
        self, store: StaffSessionStore, policy: SessionPolicy, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock

    @property
    def policy(self) -> SessionPolicy:
        return self._policy

    async def open_session(
        self, identity: StaffIdentity, previous_token: str | None
    ) -> tuple[str, StaffSession]:
        """Start a session under a new id; the browser's previous staff session (if any) ends."""
        if previous_token:
            await self._store.delete_staff_session(token_digest(previous_token))
        now = self._clock()
        session = StaffSession(
            identity=identity,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._policy.absolute_timeout,
        )
        token = new_token()
        await self._store.save_staff_session(token_digest(token), session)
        return token, session

    async def resolve(self, token: str | None) -> StaffSession | None:
        """The live session of ``token`` (idle timer refreshed), or ``None``."""
        if not token:
            return None
        key = token_digest(token)
        session = await self._store.get_staff_session(key)
        if session is None:
            return None
        now = self._clock()
        if now >= session.expires_at or now - session.last_seen_at >= self._policy.idle_timeout:
            await self._store.delete_staff_session(key)
            return None
        if now - session.last_seen_at >= self._policy.touch_interval:
            await self._store.touch_staff_session(key, now)
            session = replace(session, last_seen_at=now)
        return session

    async def close(self, token: str | None) -> None:
        """Logout: delete the session server-side so the old cookie is worthless."""
        if token:
            await self._store.delete_staff_session(token_digest(token))

    async def purge_expired(self) -> int:
        """Housekeeping: remove expired staff sessions."""
        now = self._clock()
        return await self._store.purge_expired_staff_sessions(now, now - self._policy.idle_timeout)
