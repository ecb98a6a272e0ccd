"""The ``dead_letter`` table for operators: list the events consumers gave up on,
and replay them once the cause is fixed.

Replay re-publishes the stored message on its original subject (the event type)
with its original CloudEvents headers, so the ``ce-id`` is unchanged and every
consumer's inbox still recognises an event it has already applied. It goes out
under a fresh ``Nats-Msg-Id`` (``<event id>.replay.<consumer>.<n>``): JetStream's
duplicate window would drop the original id, while a retry of the same replay
reuses its id and is dropped.

The row is marked replayed *before* the publish (and unmarked if the publish
fails): a consumer that fails the replayed event at once then reopens the row
(``record_dead_letter``) instead of racing with the mark. Replaying a replayed
row again needs ``force``.

The inbox forgets processed events after its retention (35 days by default);
an older event could be applied a second time by the consumers that handled it
the first time, so such a replay also needs ``force``.

Nothing here shows a payload: it may carry personal data.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from nats.aio.client import Client
from nats.js import JetStreamContext

from ropo_platform.db.database import Database
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.db.types import utcnow
from ropo_platform.messaging.consumer import ConsumerSettings
from ropo_platform.messaging.envelope import CE_ID, CE_TIME, NATS_MSG_ID, parse_time
from ropo_platform.redaction import redact

_table = DEFAULT_TABLES.dead_letter

#: How long consumers remember an applied event (``ConsumerSettings.inbox_retention``).
INBOX_RETENTION: timedelta = ConsumerSettings(stream="-", durable="-").inbox_retention
#: Header of a replayed message: which replay of the row it is (1, 2, …).
REPLAY_HEADER = "ropo-replay"
_SUMMARY_LENGTH = 160

_LISTED_COLUMNS = (
    _table.c.seq,
    _table.c.consumer,
    _table.c.event_id,
    _table.c.event_type,
    _table.c.error,
    _table.c.num_delivered,
    _table.c.created_at,
    _table.c.replayed_at,
    _table.c.replay_count,
)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One row of ``dead_letter`` without its payload and headers."""

    #: The row's ``seq``: what ``replay --id`` takes.
    id: int
    consumer: str
    event_id: str
    #: The CloudEvents type, which is the NATS subject the event was published on.
    subject: str
    error: str
    num_delivered: int
    dead_lettered_at: datetime
    replayed_at: datetime | None
    replay_count: int

    @property
    def waiting(self) -> bool:
        """Not replayed since it was (last) dead-lettered."""
        return self.replayed_at is None

    @property
    def error_summary(self) -> str:
        """The first line of the error, masked and shortened for a terminal."""
        first_line = redact(self.error.strip().splitlines()[0] if self.error.strip() else "")
        if len(first_line) <= _SUMMARY_LENGTH:
            return first_line
        return first_line[: _SUMMARY_LENGTH - 1] + "…"

    @classmethod
    def from_row(cls, row: Any) -> DeadLetter:
        return cls(
            id=int(row.seq),
            consumer=row.consumer,
            event_id=row.event_id,
            subject=row.event_type,
            error=row.error,
            num_delivered=int(row.num_delivered),
            dead_lettered_at=row.created_at,
            replayed_at=row.replayed_at,
            replay_count=int(row.replay_count),
        )


def _filtered(statement: Any, consumer: str | None, waiting_only: bool) -> Any:
    if consumer is not None:
        statement = statement.where(_table.c.consumer == consumer)
    if waiting_only:
        statement = statement.where(_table.c.replayed_at.is_(None))
    return statement


async def list_dead_letters(
    db: Database,
    *,
    consumer: str | None = None,
    waiting_only: bool = False,
    limit: int | None = None,
) -> list[DeadLetter]:
    """Dead letters, oldest first, optionally of one consumer or only those waiting."""
    statement = _filtered(sa.select(*_LISTED_COLUMNS), consumer, waiting_only)
    statement = statement.order_by(_table.c.seq).limit(limit)
    async with db.read_session() as session:
        rows = (await session.execute(statement)).all()
    return [DeadLetter.from_row(row) for row in rows]


@dataclass(frozen=True, slots=True)
class DeadLetterCounts:
    total: int
    waiting: int


async def count_dead_letters(db: Database, *, consumer: str | None = None) -> DeadLetterCounts:
    waiting = sa.func.count().filter(_table.c.replayed_at.is_(None))
    statement = _filtered(sa.select(sa.func.count(), waiting), consumer, waiting_only=False)
    async with db.read_session() as session:
        total, waiting_count = (await session.execute(statement)).one()
    return DeadLetterCounts(total=int(total), waiting=int(waiting_count or 0))


class ReplayStatus(enum.Enum):
    """What ``replay_dead_letters`` did with one row."""

    REPLAYED = "replayed"
    ALREADY_REPLAYED = "already replayed"
    NOT_FOUND = "not found"
    TOO_OLD = "too old"
    NO_EVENT_ID = "no event id"
    FAILED = "failed"

    @property
    def ok(self) -> bool:
        """Done, now or by an earlier run: nothing for the operator to do."""
        return self in {ReplayStatus.REPLAYED, ReplayStatus.ALREADY_REPLAYED}


@dataclass(frozen=True, slots=True)
class ReplayResult:
    id: int
    status: ReplayStatus
    #: One line for the operator (never the payload).
    detail: str
    letter: DeadLetter | None = None


def replay_message_id(event_id: str, consumer: str, replay: int) -> str:
    """The ``Nats-Msg-Id`` of the ``replay``-th replay of a row."""
    return f"{event_id}.replay.{consumer}.{replay}"


def _event_time(headers: dict[str, str], fallback: datetime) -> datetime:
    raw = headers.get(CE_TIME)
    if raw:
        try:
            return parse_time(raw)
        except ValueError:
            pass
    return fallback


async def replay_dead_letters(
    db: Database,
    nc: Client,
    ids: Sequence[int] | None,
    *,
    consumer: str | None = None,
    force: bool = False,
    inbox_retention: timedelta = INBOX_RETENTION,
    publish_timeout: float = 5.0,
) -> list[ReplayResult]:
    """Replay the rows ``ids`` (in that order), or with ``ids=None`` every waiting row
    (of ``consumer`` if given), oldest first. ``force`` replays rows that were replayed
    before or whose event is older than ``inbox_retention``."""
    if ids is None:
        selected = [
            letter.id
            for letter in await list_dead_letters(db, consumer=consumer, waiting_only=True)
        ]
    else:
        selected = list(dict.fromkeys(ids))
    js = nc.jetstream(timeout=publish_timeout)
    results = []
    for seq in selected:
        results.append(await _replay_one(db, js, seq, force=force, inbox_retention=inbox_retention))
    return results


async def _replay_one(
    db: Database, js: JetStreamContext, seq: int, *, force: bool, inbox_retention: timedelta
) -> ReplayResult:
    async with db.read_session() as session:
        row = (await session.execute(sa.select(_table).where(_table.c.seq == seq))).first()
    if row is None:
        return ReplayResult(seq, ReplayStatus.NOT_FOUND, "no such dead letter")
    letter = DeadLetter.from_row(row)
    headers = {str(key): str(value) for key, value in dict(row.headers).items()}
    if CE_ID not in headers and NATS_MSG_ID not in headers:
        return ReplayResult(
            seq,
            ReplayStatus.NO_EVENT_ID,
            "the stored message has no event id, so consumers could not recognise a "
            "repeat; it cannot be replayed",
            letter,
        )
    if letter.replayed_at is not None and not force:
        return ReplayResult(
            seq,
            ReplayStatus.ALREADY_REPLAYED,
            f"already replayed at {format_when(letter.replayed_at)} (--force replays it again)",
            letter,
        )
    event_time = _event_time(headers, letter.dead_lettered_at)
    if utcnow() - event_time > inbox_retention and not force:
        return ReplayResult(
            seq,
            ReplayStatus.TOO_OLD,
            f"the event is from {format_when(event_time)}, older than the inbox retention "
            f"({inbox_retention.days} days): consumers that applied it may apply it again "
            "(--force replays it anyway)",
            letter,
        )

    replay = letter.replay_count + 1
    marked_at = utcnow()
    if not await _mark(db, seq, letter.replay_count, replay, marked_at):
        return ReplayResult(
            seq, ReplayStatus.ALREADY_REPLAYED, "replayed meanwhile by another run", letter
        )
    # The same ce-id (also when only Nats-Msg-Id carried it): the inboxes dedupe by it.
    headers[CE_ID] = letter.event_id
    headers[NATS_MSG_ID] = replay_message_id(letter.event_id, letter.consumer, replay)
    headers[REPLAY_HEADER] = str(replay)
    try:
        ack = await js.publish(letter.subject, bytes(row.payload), headers=headers)
    except Exception as exc:
        await _unmark(db, seq, letter, replay, marked_at)
        return ReplayResult(
            seq,
            ReplayStatus.FAILED,
            f"publish failed ({type(exc).__name__}); the row is still waiting",
            letter,
        )
    repeat = " (an earlier attempt had already published it)" if ack.duplicate else ""
    return ReplayResult(
        seq,
        ReplayStatus.REPLAYED,
        f"{letter.subject} event {letter.event_id} for {letter.consumer}: "
        f"stream {ack.stream} sequence {ack.seq}{repeat}",
        letter,
    )


async def _mark(db: Database, seq: int, previous: int, replay: int, when: datetime) -> bool:
    # Compare-and-set on replay_count: of two concurrent runs only one proceeds.
    async with db.transaction() as session:
        result = await session.execute(
            sa.update(_table)
            .where(_table.c.seq == seq, _table.c.replay_count == previous)
            .values(replayed_at=when, replay_count=replay)
        )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def _unmark(db: Database, seq: int, letter: DeadLetter, replay: int, when: datetime) -> None:
    # Only our own mark: the same replay_count reuses the Nats-Msg-Id next time, so a
    # publish that reached the stream although its ack was lost is not delivered twice.
    async with db.transaction() as session:
        await session.execute(
            sa.update(_table)
            .where(
                _table.c.seq == seq,
                _table.c.replay_count == replay,
                _table.c.replayed_at == when,
            )
            .values(replayed_at=letter.replayed_at, replay_count=letter.replay_count)
        )


def format_when(value: datetime) -> str:
    """``2027-01-20 10:11:12`` in UTC (the column header says UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


__all__ = [
    "INBOX_RETENTION",
    "REPLAY_HEADER",
    "DeadLetter",
    "DeadLetterCounts",
    "ReplayResult",
    "ReplayStatus",
    "count_dead_letters",
    "format_when",
    "list_dead_letters",
    "replay_dead_letters",
    "replay_message_id",
]
