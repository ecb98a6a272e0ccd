"""Lookup grants and lookup attempts on the gateway database (see ``myropo.grants`` and
``myropo.rate_limit`` for why they live here)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from ropo_platform.db import Database
from sqlalchemy.exc import IntegrityError

from ropo_gateway.auth.sessions import Clock, utc_now
from ropo_gateway.myropo.grants import GrantHolder
from ropo_gateway.storage.tables import lookup_attempts, lookup_grants


class SqlLookupGrants:
    """``LookupGrants`` bound to the session row: logout and expiry delete them (cascade)."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    async def grant(self, holder: GrantHolder, invoice: str) -> None:
        if await self.holds(holder, invoice):
            return
        try:
            async with self._db.transaction() as tx:
                await tx.execute(
                    sa.insert(lookup_grants).values(
                        session_digest=holder.session_key,
                        invoice=invoice,
                        granted_at=self._clock(),
                    )
                )
        except IntegrityError:
            # The same lookup finished twice at once (the row exists: fine), or the session
            # ended meanwhile (no row to attach to: the grant died with the session).
            return

    async def invoices(self, holder: GrantHolder, limit: int) -> list[str]:
        async with self._db.session() as db_session:
            rows = await db_session.execute(
                sa.select(lookup_grants.c.invoice)
                .where(lookup_grants.c.session_digest == holder.session_key)
                .order_by(lookup_grants.c.granted_at.desc(), lookup_grants.c.invoice)
                .limit(limit)
            )
            return [str(row.invoice) for row in rows]

    async def holds(self, holder: GrantHolder, invoice: str) -> bool:
        async with self._db.session() as db_session:
            row = (
                await db_session.execute(
                    sa.select(lookup_grants.c.invoice).where(
                        lookup_grants.c.session_digest == holder.session_key,
                        lookup_grants.c.invoice == invoice,
                    )
                )
            ).first()
        return row is not None


class SqlAttemptStore:
    """``AttemptStore``: one row per attempt, counted over the window in one transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def record_if_below(
        self, holder: str, now: datetime, since: datetime, max_attempts: int
    ) -> datetime | None:
        async with self._db.transaction() as tx:
            in_window = (
                await tx.execute(
                    sa.select(lookup_attempts.c.attempted_at)
                    .where(
                        lookup_attempts.c.holder == holder,
                        lookup_attempts.c.attempted_at > since,
                    )
                    .order_by(lookup_attempts.c.attempted_at)
                    .limit(max_attempts)
                )
            ).all()
            if len(in_window) >= max_attempts:
                oldest: datetime = in_window[0].attempted_at
                return oldest
            await tx.execute(sa.insert(lookup_attempts).values(holder=holder, attempted_at=now))
        return None

    async def purge(self, before: datetime) -> int:
        async with self._db.transaction() as tx:
            result = await tx.execute(
                sa.delete(lookup_attempts).where(lookup_attempts.c.attempted_at <= before)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
