"""Telling a busy database from a broken one.

A write that waited too long for SQLite's lock, or that PostgreSQL aborted as a
serialisation failure, a deadlock or a lock it could not get, did nothing and may
succeed when tried again: callers should hear ``UNAVAILABLE`` (retry), not
``INTERNAL`` (a bug).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

#: SQLSTATEs after which PostgreSQL has rolled the transaction back and a retry may pass:
#: serialization_failure, deadlock_detected, lock_not_available.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_SQLITE_BUSY = ("database is locked", "database table is locked")


def is_contention(error: BaseException) -> bool:
    """True when ``error`` says the database was busy, not that the statement was wrong."""
    if isinstance(error, OperationalError) and any(
        text in str(error.orig) for text in _SQLITE_BUSY
    ):
        return True
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return state in RETRYABLE_SQLSTATES
    return False
