"""``StaffSessionStore`` on the gateway database: the ``staff_sessions`` table.

Kept apart from the customers' ``sessions`` table so that a customer session id
can never be found as a staff session (see ``auth/staff_sessions.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from ropo_platform.db import Database

from ropo_gateway.auth.staff_identity import StaffIdentity, StaffRole
from ropo_gateway.auth.staff_sessions import StaffSession
from ropo_gateway.storage.tables import staff_sessions


def _roles(stored: str) -> frozenset[StaffRole]:
    # Roles written by an older release that this one no longer knows grant nothing.
    known = {role.value for role in StaffRole}
    return frozenset(StaffRole(name) for name in stored.split() if name in known)


def _session_from_row(row: Any) -> StaffSession:
    return StaffSession(
        identity=StaffIdentity(
            user_id=row.staff_user_id,
            display_name=row.display_name,
            roles=_roles(row.roles),
            acr=row.acr,
            creditor_business_id=row.creditor_business_id,
            creditor=row.creditor,
            creditor_name=row.creditor_name,
        ),
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
    )


class SqlStaffSessionStore:
    """Staff sessions in one table; every method is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save_staff_session(self, key: str, session: StaffSession) -> None:
        identity = session.identity
        async with self._db.transaction() as tx:
            await tx.execute(
                sa.insert(staff_sessions).values(
                    id_digest=key,
                    staff_user_id=identity.user_id,
                    display_name=identity.display_name,
                    roles=" ".join(identity.role_names),
                    creditor_business_id=identity.creditor_business_id,
                    creditor=identity.creditor,
                    creditor_name=identity.creditor_name,
                    acr=identity.acr,
                    csrf_token=session.csrf_token,
                    created_at=session.created_at,
                    last_seen_at=session.last_seen_at,
                    expires_at=session.expires_at,
                )
            )

    async def get_staff_session(self, key: str) -> StaffSession | None:
        async with self._db.session() as db_session:
            row = (
                await db_session.execute(
                    sa.select(staff_sessions).where(staff_sessions.c.id_digest == key)
                )
            ).first()
        return None if row is None else _session_from_row(row)

    async def touch_staff_session(self, key: str, last_seen_at: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                sa.update(staff_sessions)
                .where(staff_sessions.c.id_digest == key)
                .values(last_seen_at=last_seen_at)
            )

    async def delete_staff_session(self, key: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(sa.delete(staff_sessions).where(staff_sessions.c.id_digest == key))

    async def purge_expired_staff_sessions(self, now: datetime, idle_cutoff: datetime) -> int:
        async with self._db.transaction() as tx:
            old = await tx.execute(
                sa.delete(staff_sessions).where(
                    sa.or_(
                        staff_sessions.c.expires_at <= now,
                        staff_sessions.c.last_seen_at <= idle_cutoff,
                    )
                )
            )
        return int(old.rowcount)  # type: ignore[attr-defined]
