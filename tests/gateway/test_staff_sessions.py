"""Staff identities from ID token claims (roles, creditor binding, no henkilötunnus) and staff
sessions: rotation, timeouts, and their own table in the gateway database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gateway_support import FakeClock
from pydantic import SecretStr, ValidationError
from ropo_gateway.auth.sessions import SessionPolicy
from ropo_gateway.auth.staff_identity import (
    StaffIdentity,
    StaffIdentityError,
    StaffRole,
    staff_identity_from_claims,
)
from ropo_gateway.auth.staff_sessions import StaffSession, StaffSessionManager
from ropo_gateway.auth.tokens import token_digest
from ropo_gateway.config import GatewaySettings
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR
from ropo_gateway.storage.staff_session_store import SqlStaffSessionStore
from ropo_gateway.storage.tables import metadata
from ropo_platform.config import Environment
from ropo_platform.db import Database, upgrade_to_head_async

BUSINESS_ID = "2345678-0"


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "aino-asiakaspalvelija",
        "name": "Aino Asiakaspalvelija",
        "acr": "urn:ropo:sandbox:acr:staff-mfa",
        "roles": ["agent"],
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def test_an_agent_and_a_supervisor() -> None:
    agent = staff_identity_from_claims(claims())
    assert agent.roles == {StaffRole.AGENT}
    assert agent.subject == "staffUsers/aino-asiakaspalvelija"
    assert not agent.is_creditor_user and agent.creditor_business_id == ""
    both = staff_identity_from_claims(claims(roles=["supervisor", "agent", "other-app:admin"]))
    assert both.role_names == ("agent", "supervisor")


def test_a_creditor_user_names_its_creditor_by_business_id_in_any_spelling() -> None:
    for spelled in (BUSINESS_ID, "23456780"):
        identity = staff_identity_from_claims(claims(roles=[f"creditor:{spelled}"]))
        assert identity.roles == {StaffRole.CREDITOR}
        assert identity.creditor_business_id == BUSINESS_ID
        assert identity.creditor == ""  # resolved at login, not from the token


@pytest.mark.parametrize(
    ("roles", "reason"),
    [
        (None, "missing_roles"),
        ("agent", "missing_roles"),
        ([1], "missing_roles"),
        ([], "no_staff_role"),
        (["admin", "creditor"], "no_staff_role"),
        ([f"creditor:{BUSINESS_ID}", "agent"], "conflicting_roles"),
        ([f"creditor:{BUSINESS_ID}", "creditor:1618033-3"], "conflicting_roles"),
        (["creditor:1234567-2"], "invalid_creditor_role"),
    ],
)
def test_unusable_roles_are_refused(roles: Any, reason: str) -> None:
    with pytest.raises(StaffIdentityError) as refused:
        staff_identity_from_claims(claims(roles=roles))
    assert refused.value.reason == reason


@pytest.mark.parametrize("sub", [None, "", "has space", "a/b", "150385-902A", "x" * 129])
def test_the_staff_id_must_be_an_id_and_never_a_henkilotunnus(sub: Any) -> None:
    with pytest.raises(StaffIdentityError) as refused:
        staff_identity_from_claims(claims(sub=sub))
    assert refused.value.reason == "invalid_staff_id"
    assert "150385" not in str(refused.value)


def test_a_henkilotunnus_claim_is_never_read() -> None:
    identity = staff_identity_from_claims(claims(hetu="150385-902A", name=None))
    assert "150385" not in repr(identity)
    assert identity.display_name == "aino-asiakaspalvelija"


class MemoryStaffStore:
    def __init__(self) -> None:
        self.sessions: dict[str, StaffSession] = {}

    async def save_staff_session(self, key: str, session: StaffSession) -> None:
        self.sessions[key] = session

    async def get_staff_session(self, key: str) -> StaffSession | None:
        return self.sessions.get(key)

    async def touch_staff_session(self, key: str, last_seen_at: datetime) -> None:
        self.sessions[key] = replace(self.sessions[key], last_seen_at=last_seen_at)

    async def delete_staff_session(self, key: str) -> None:
        self.sessions.pop(key, None)

    async def purge_expired_staff_sessions(self, now: datetime, idle_cutoff: datetime) -> int:
        old = [
            key
            for key, session in self.sessions.items()
            if session.expires_at <= now or session.last_seen_at <= idle_cutoff
        ]
        for key in old:
            del self.sessions[key]
        return len(old)


AGENT = StaffIdentity("aino", "Aino A", frozenset({StaffRole.AGENT}), "mfa")
POLICY = SessionPolicy(idle_timeout=timedelta(minutes=30), absolute_timeout=timedelta(hours=10))


async def test_sessions_rotate_time_out_and_store_only_digests() -> None:
    clock, store = FakeClock(), MemoryStaffStore()
    manager = StaffSessionManager(store, POLICY, clock)
    first, _ = await manager.open_session(AGENT, None)
    assert list(store.sessions) == [token_digest(first)]
    second, session = await manager.open_session(AGENT, first)
    assert await manager.resolve(first) is None
    assert (await manager.resolve(second)) == session

    clock.advance(minutes=29)
    assert await manager.resolve(second) is not None
    clock.advance(minutes=30)
    assert await manager.resolve(second) is None and store.sessions == {}

    third, _ = await manager.open_session(AGENT, None)
    for _ in range(21):
        clock.advance(minutes=29)
        await manager.resolve(third)
    assert await manager.resolve(third) is None  # 10 h absolute limit

    await manager.open_session(AGENT, None)
    clock.advance(hours=1)
    assert await manager.purge_expired() == 1


async def test_the_sql_store_keeps_roles_and_creditor_and_matches_its_migration(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head_async(url, DEFAULT_MIGRATIONS_DIR)
    database = Database(url)
    try:
        clock = FakeClock()
        manager = StaffSessionManager(SqlStaffSessionStore(database), POLICY, clock)
        creditor_user = StaffIdentity(
            "kaisa",
            "Kaisa K",
            frozenset({StaffRole.CREDITOR}),
            "mfa",
            creditor_business_id=BUSINESS_ID,
            creditor="creditors/abc",
            creditor_name="Testi-yritys Oy",
        )
        token, opened = await manager.open_session(creditor_user, None)
        clock.advance(minutes=2)
        resolved = await manager.resolve(token)
        assert resolved is not None and resolved.identity == creditor_user
        assert resolved.csrf_token == opened.csrf_token
        async with database.session() as session:
            rows = await session.execute(sa.text("SELECT id_digest, roles FROM staff_sessions"))
            assert [tuple(row) for row in rows] == [(token_digest(token), "creditor")]
            # The customers' table knows nothing of it.
            customers = await session.execute(sa.text("SELECT count(*) FROM sessions"))
            assert customers.scalar_one() == 0
        clock.advance(hours=11)
        assert await manager.purge_expired() == 1

        def staff_table_diffs(connection: sa.Connection) -> list[Any]:
            context = MigrationContext.configure(connection)
            return [
                diff
                for diff in compare_metadata(context, metadata)
                if "staff_sessions" in str(diff)
            ]

        async with database.engine.connect() as connection:
            assert await connection.run_sync(staff_table_diffs) == []
    finally:
        await database.dispose()


def test_staff_login_settings_and_their_production_guard() -> None:
    settings = GatewaySettings(public_url="https://myropo.example")
    assert settings.staff_oidc_client_id == "ropo-one"
    assert settings.staff_redirect_uri == "https://myropo.example/ropo-one/auth/callback"
    assert settings.staff_session_idle_timeout_seconds == 30 * 60
    strong = SecretStr("y" * 40)
    production = {
        "environment": Environment.PRODUCTION,
        "person_key_secret": strong,
        "oidc_client_secret": strong,
    }
    with pytest.raises(ValidationError, match="staff_oidc_client_secret"):
        GatewaySettings(**production)  # type: ignore[arg-type]
    GatewaySettings(**production, staff_oidc_client_secret=strong)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        GatewaySettings(staff_oidc_acr_values=[])
