"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime (the only kind we store)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and always returned timezone-aware.

    PostgreSQL keeps ``timestamptz``. SQLite has no time zone support: SQLAlchemy
    stores a fixed-width ISO string, so we store naive UTC there, which keeps
    string comparisons (``claimed_until < :now``) correct, and re-attach UTC on
    the way out. Naive datetimes are rejected: they hide bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


__all__ = ["UtcDateTime", "utcnow"]
