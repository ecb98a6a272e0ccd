"""Tables of the messaging machinery that live in every service database.

- ``outbox``       events written in the business transaction, published by the relay;
- ``inbox``        ``(consumer, event id)`` of every event a consumer has applied;
- ``dead_letter``  events a consumer gave up on (poison, or ``max_deliver`` reached);
- ``request_log``  ``(method, request_id)`` → response, for idempotent replay of commands.

Two entry points share one definition so that the ORM view and the migrations
cannot drift apart:

- ``messaging_tables(metadata)`` adds the tables to the service's ``MetaData``
  (for queries and for ``alembic check``);
- ``create_messaging_tables_v1(op)`` / ``drop_messaging_tables_v1(op)`` are called
  from the service's first migration. A later schema change adds a
  ``..._v2`` helper and leaves v1 untouched: old migrations never change.
- v2: ``add_dead_letter_replay_v2(op)`` / ``drop_dead_letter_replay_v2(op)`` add the
  replay bookkeeping of ``dead_letter`` (``replayed_at``, ``replay_count``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, Table
from sqlalchemy.schema import SchemaItem

from ropo_platform.db.types import UtcDateTime

OUTBOX = "outbox"
INBOX = "inbox"
DEAD_LETTER = "dead_letter"
REQUEST_LOG = "request_log"

# Constraint names for ``MetaData(naming_convention=NAMING_CONVENTION)``; stable
# names make later migrations (drop/alter a constraint) portable.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    """A ``MetaData`` with the suite's constraint naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def _seq() -> sa.Column[int]:
    # BIGINT identity on PostgreSQL; SQLite only auto-increments "INTEGER PRIMARY KEY".
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def _outbox_v1() -> list[SchemaItem]:
    return [
        _seq(),
        sa.Column("id", sa.String(36), nullable=False),  # UUID = ce-id = Nats-Msg-Id
        sa.Column("event_type", sa.String(255), nullable=False),  # = subject = ce-type
        sa.Column("source", sa.String(255), nullable=False),  # ce-source
        sa.Column("subject", sa.String(512), nullable=False),  # ce-subject (resource name)
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
        # Lease of the relay that claimed the row, or the earliest retry after a failure.
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
    ]


def _inbox_v1() -> list[SchemaItem]:
    return [
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(512), nullable=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    ]


def _dead_letter_v1() -> list[SchemaItem]:
    return [
        _seq(),
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(512), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("num_delivered", sa.Integer(), nullable=False),
        sa.Column("stream_seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_dead_letter"),
        sa.UniqueConstraint("consumer", "event_id", name="uq_dead_letter_consumer_event_id"),
    ]


def _dead_letter_replay_v2() -> list[sa.Column[Any]]:
    return [
        # When ``dead-letters replay`` last re-published the event; NULL = waiting for one.
        sa.Column("replayed_at", UtcDateTime(), nullable=True),
        # Each replay publishes under its own Nats-Msg-Id derived from this count: a new
        # replay is never swallowed by JetStream's duplicate window, a retried one is.
        sa.Column("replay_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    ]


def _request_log_v1() -> list[SchemaItem]:
    return [
        sa.Column("method", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("method", "request_id", name="pk_request_log"),
    ]


@dataclass(frozen=True, slots=True)
class _IndexSpec:
    name: str
    table: str
    columns: tuple[str, ...]
    # SQL predicate of a partial index (both dialects support them).
    where: str | None = None

    def dialect_kwargs(self) -> dict[str, Any]:
        if self.where is None:
            return {}
        return {"postgresql_where": sa.text(self.where), "sqlite_where": sa.text(self.where)}


_TABLES_V1: tuple[tuple[str, Callable[[], list[SchemaItem]]], ...] = (
    (OUTBOX, _outbox_v1),
    (INBOX, _inbox_v1),
    (DEAD_LETTER, _dead_letter_v1),
    (REQUEST_LOG, _request_log_v1),
)

_INDEXES_V1: tuple[_IndexSpec, ...] = (
    # The relay's claim query and the backlog gauge only look at unsent rows.
    _IndexSpec("ix_outbox_unsent_seq", OUTBOX, ("seq",), "sent_at IS NULL"),
    # Per-aggregate ordering: "is there an earlier unsent row for this subject?".
    _IndexSpec("ix_outbox_unsent_subject_seq", OUTBOX, ("subject", "seq"), "sent_at IS NULL"),
    _IndexSpec("ix_outbox_sent_at", OUTBOX, ("sent_at",), "sent_at IS NOT NULL"),
    _IndexSpec("ix_inbox_processed_at", INBOX, ("processed_at",)),
    _IndexSpec("ix_dead_letter_created_at", DEAD_LETTER, ("created_at",)),
    _IndexSpec("ix_request_log_created_at", REQUEST_LOG, ("created_at",)),
)


@dataclass(frozen=True, slots=True)
class MessagingTables:
    """The messaging tables as bound to a service's ``MetaData``."""

    outbox: Table
    inbox: Table
    dead_letter: Table
    request_log: Table


_CACHE_KEY = "ropo_messaging_tables"


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Define (once per ``MetaData``) and return the messaging tables."""
    cached = metadata.info.get(_CACHE_KEY)
    if isinstance(cached, MessagingTables):
        return cached
    tables = {name: Table(name, metadata, *columns()) for name, columns in _TABLES_V1}
    for column in _dead_letter_replay_v2():
        tables[DEAD_LETTER].append_column(column)
    for spec in _INDEXES_V1:
        table = tables[spec.table]
        sa.Index(spec.name, *(table.c[col] for col in spec.columns), **spec.dialect_kwargs())
    result = MessagingTables(
        outbox=tables[OUTBOX],
        inbox=tables[INBOX],
        dead_letter=tables[DEAD_LETTER],
        request_log=tables[REQUEST_LOG],
    )
    metadata.info[_CACHE_KEY] = result
    return result


def create_messaging_tables_v1(op: Any) -> None:
    """Create the v1 messaging tables; call from a service's first migration ``upgrade()``."""
    for name, columns in _TABLES_V1:
        op.create_table(name, *columns())
    for spec in _INDEXES_V1:
        op.create_index(spec.name, spec.table, list(spec.columns), **spec.dialect_kwargs())


def drop_messaging_tables_v1(op: Any) -> None:
    """Drop what ``create_messaging_tables_v1`` created; call from ``downgrade()``."""
    for spec in reversed(_INDEXES_V1):
        op.drop_index(spec.name, table_name=spec.table)
    for name, _ in reversed(_TABLES_V1):
        op.drop_table(name)


def add_dead_letter_replay_v2(op: Any) -> None:
    """Add the replay columns to ``dead_letter``; call from a service migration's ``upgrade()``."""
    for column in _dead_letter_replay_v2():
        op.add_column(DEAD_LETTER, column)


def drop_dead_letter_replay_v2(op: Any) -> None:
    """Undo ``add_dead_letter_replay_v2``; call from ``downgrade()``."""
    # Batch mode: SQLite before 3.35 cannot drop a column in place.
    with op.batch_alter_table(DEAD_LETTER) as batch:
        for column in reversed(_dead_letter_replay_v2()):
            batch.drop_column(column.name)


# Tables for code that does not own a MetaData (the platform's own queries).
_DEFAULT_METADATA = MetaData()
DEFAULT_TABLES = messaging_tables(_DEFAULT_METADATA)


__all__ = [
    "DEAD_LETTER",
    "DEFAULT_TABLES",
    "INBOX",
    "NAMING_CONVENTION",
    "OUTBOX",
    "REQUEST_LOG",
    "MessagingTables",
    "add_dead_letter_replay_v2",
    "create_messaging_tables_v1",
    "drop_dead_letter_replay_v2",
    "drop_messaging_tables_v1",
    "make_metadata",
    "messaging_tables",
]
