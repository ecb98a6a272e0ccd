"""Helpers of the gateway unit tests (a plain module: conftest names collide across folders)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from ropo_gateway.auth.model import LoginFlow, Session

ISSUER = "https://idp.example.test/idp"
CLIENT_ID = "myropo-gateway"
ACR = "http://ftn.ficora.fi/2017/loa2"
# An artificial henkilötunnus (individual number 900-999) used only by these tests.
TEST_HETU = "150385-9024"


class FakeClock:
    """A settable UTC clock for the session manager and the OIDC client."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class MemoryStore:
    """An in-memory ``SessionStore`` (what the SQL store does, without a database)."""

    def __init__(self) -> None:
        self.flows: dict[str, LoginFlow] = {}
        self.sessions: dict[str, Session] = {}
        self.touches = 0

    async def save_login_flow(self, key: str, flow: LoginFlow) -> None:
        self.flows[key] = flow

    async def take_login_flow(self, key: str) -> LoginFlow | None:
        return self.flows.pop(key, None)

    async def save_session(self, key: str, session: Session) -> None:
        self.sessions[key] = session

    async def get_session(self, key: str) -> Session | None:
        return self.sessions.get(key)

    async def touch_session(self, key: str, last_seen_at: datetime) -> None:
        self.touches += 1
        if key in self.sessions:
            self.sessions[key] = replace(self.sessions[key], last_seen_at=last_seen_at)

    async def delete_session(self, key: str) -> None:
        self.sessions.pop(key, None)

    async def purge_expired(self, now: datetime, idle_cutoff: datetime) -> int:
        old_flows = [key for key, flow in self.flows.items() if flow.expires_at <= now]
        old_sessions = [
            key
            for key, session in self.sessions.items()
            if session.expires_at <= now or session.last_seen_at <= idle_cutoff
        ]
        for key in old_flows:
            del self.flows[key]
        for key in old_sessions:
            del self.sessions[key]
        return len(old_flows) + len(old_sessions)


class SigningKeys:
    """The identity broker's keys in these tests: an RSA and an EC signing key."""

    def __init__(self) -> None:
        self.rsa = RSAKey.generate_key(2048, {"kid": "rsa-1", "use": "sig", "alg": "RS256"})
        self.ec = ECKey.generate_key("P-256", {"kid": "ec-1", "use": "sig", "alg": "ES256"})

    def public_jwks(self) -> dict[str, Any]:
        return KeySet([self.rsa, self.ec]).as_dict(private=False)  # type: ignore[return-value]

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.public_jwks())  # type: ignore[arg-type]


def id_claims(nonce: str, now: float | None = None, /, **overrides: Any) -> dict[str, Any]:
    """A valid claim set of the test broker; ``overrides`` with value ``None`` are removed."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "broker-pseudonym-1",
        "iat": issued,
        "exp": issued + 600,
        "nonce": nonce,
        "acr": ACR,
        "name": "Maija Meikäläinen",
        "given_name": "Maija",
        "family_name": "Meikäläinen",
        "hetu": TEST_HETU,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def sign(claims: dict[str, Any], key: Any, alg: str = "RS256", **header: Any) -> str:
    return jwt.encode({"alg": alg, "kid": key.kid, **header}, claims, key, algorithms=[alg])
