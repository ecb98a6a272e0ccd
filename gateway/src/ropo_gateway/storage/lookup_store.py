"""*Hae lasku* attempts on the gateway database, for the rate limit (``myropo.rate_limit``).

The lookup grants themselves live in the authorization service (``GrantLookupAccess``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from ropo_platform.db import Database

from ropo_gateway.storage.tables import lookup_attempts


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
