"""``SessionStore`` on the gateway database (SQLite embedded, PostgreSQL in production).

Sessions live server-side so that logout and timeouts are enforced by us, not by
the browser, and so that several gateway replicas share them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from ropo_platform.db import Database

from ropo_gateway.auth.model import Identity, LoginFlow, Session
from ropo_gateway.storage.tables import login_flows, sessions


def _session_from_row(row: Any) -> Session:
    return Session(
        identity=Identity(
            person_key=row.person_key,
            display_name=row.display_name,
            masked_id=row.masked_id,
            acr=row.acr,
        ),
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
    )


class SqlSessionStore:
    """Sessions and login flows in two tables; every method is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save_login_flow(self, key: str, flow: LoginFlow) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                sa.insert(login_flows).values(
                    id_digest=key,
                    state=flow.state,
                    nonce=flow.nonce,
                    code_verifier=flow.code_verifier,
                    created_at=flow.created_at,
                    expires_at=flow.expires_at,
                )
            )

    async def take_login_flow(self, key: str) -> LoginFlow | None:
        async with self._db.transaction() as tx:
            row = (
                await tx.execute(sa.select(login_flows).where(login_flows.c.id_digest == key))
            ).first()
            if row is None:
                return None
            # Deleting in the same write transaction makes the flow single-use even
            # when two callbacks race (SQLite: BEGIN IMMEDIATE; PostgreSQL: rowcount).
            deleted = await tx.execute(sa.delete(login_flows).where(login_flows.c.id_digest == key))
            if deleted.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return LoginFlow(
                state=row.state,
                nonce=row.nonce,
                code_verifier=row.code_verifier,
                created_at=row.created_at,
                expires_at=row.expires_at,
            )

    async def save_session(self, key: str, session: Session) -> None:
        identity = session.identity
        async with self._db.transaction() as tx:
            await tx.execute(
                sa.insert(sessions).values(
                    id_digest=key,
                    person_key=identity.person_key,
                    display_name=identity.display_name,
                    masked_id=identity.masked_id,
                    acr=identity.acr,
                    csrf_token=session.csrf_token,
                    created_at=session.created_at,
                    last_seen_at=session.last_seen_at,
                    expires_at=session.expires_at,
                )
            )

    async def get_session(self, key: str) -> Session | None:
        async with self._db.session() as db_session:
            row = (
                await db_session.execute(sa.select(sessions).where(sessions.c.id_digest == key))
            ).first()
        return None if row is None else _session_from_row(row)

    async def touch_session(self, key: str, last_seen_at: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                sa.update(sessions)
                .where(sessions.c.id_digest == key)
                .values(last_seen_at=last_seen_at)
            )

    async def delete_session(self, key: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(sa.delete(sessions).where(sessions.c.id_digest == key))

    async def purge_expired(self, now: datetime, idle_cutoff: datetime) -> int:
        async with self._db.transaction() as tx:
            flows = await tx.execute(sa.delete(login_flows).where(login_flows.c.expires_at <= now))
            old = await tx.execute(
                sa.delete(sessions).where(
                    sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= idle_cutoff)
                )
            )
        return int(flows.rowcount + old.rowcount)  # type: ignore[attr-defined]
