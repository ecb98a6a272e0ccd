"""``python -m ropo_<ctx> dead-letters list|replay``: the operator's side of
``ropo_platform.messaging.dead_letters``, built into every service's command line.

::

    dead-letters list [--waiting] [--consumer NAME] [--limit N] [--json]
    dead-letters replay (--id ID [ID ...] | --all) [--consumer NAME] [--force]

Exit status: 0 when every selected row is replayed (now or before), 1 when a row
is unknown, refused or its publish failed, or the database or NATS cannot be
used; 2 for bad arguments. The tables go to stdout, logs to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO
from urllib.parse import urlsplit

from nats.aio.client import Client
from sqlalchemy.exc import SQLAlchemyError

from ropo_platform.db.database import Database
from ropo_platform.messaging.dead_letters import (
    DeadLetter,
    ReplayResult,
    ReplayStatus,
    count_dead_letters,
    format_when,
    list_dead_letters,
    replay_dead_letters,
)

NAME = "dead-letters"
SUMMARY = "list or replay the events consumers gave up on"


class _Fail(Exception):
    """One line for stderr, exit status 1."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=SUMMARY)
    actions = parser.add_subparsers(dest="action", required=True, metavar="{list,replay}")
    listing = actions.add_parser(
        "list", help="the dead letters, oldest first (never their payloads)"
    )
    listing.add_argument(
        "--waiting", action="store_true", help="only those not replayed since they failed"
    )
    listing.add_argument("--consumer", help="only this durable consumer's")
    listing.add_argument(
        "--limit", type=_positive, default=100, help="at most this many rows (default 100)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    replay = actions.add_parser(
        "replay", help="re-publish dead letters on their original subject after a fix"
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--id",
        dest="ids",
        type=_positive,
        nargs="+",
        action="extend",
        metavar="ID",
        help="the rows to replay (the ID column of list)",
    )
    which.add_argument("--all", action="store_true", help="every waiting row")
    replay.add_argument("--consumer", help="with --all: only this durable consumer's rows")
    replay.add_argument(
        "--force",
        action="store_true",
        help="also rows replayed before, and events older than the inbox retention",
    )
    return parser


def parse_arguments(arguments: Sequence[str], *, prog: str) -> argparse.Namespace:
    """Parse the arguments after ``dead-letters`` (bad ones: usage and exit status 2)."""
    command = parser(prog)
    options = command.parse_args(list(arguments))
    if options.action == "replay" and options.consumer and options.ids:
        command.error("--consumer goes with --all (--id names the rows already)")
    return options


def run(
    options: argparse.Namespace,
    *,
    database_url: str,
    nats_url: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run a parsed ``dead-letters`` command; the exit status."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        return asyncio.run(_run(options, database_url, nats_url, out))
    except _Fail as failure:
        print(f"error: {failure}", file=err)
        return 1


async def _run(options: argparse.Namespace, database_url: str, nats_url: str, out: TextIO) -> int:
    db = Database(database_url)
    try:
        if options.action == "list":
            await _list(db, options, out)
            return 0
        return await _replay(db, options, nats_url, out)
    except SQLAlchemyError as exc:
        raise _Fail(
            f"database {_where(database_url)}: {_first_line(exc)} "
            "(is its schema migrated? run the service's migrate command)"
        ) from None
    finally:
        await db.dispose()


async def _list(db: Database, options: argparse.Namespace, out: TextIO) -> None:
    letters = await list_dead_letters(
        db, consumer=options.consumer, waiting_only=options.waiting, limit=options.limit
    )
    if options.json:
        for letter in letters:
            print(json.dumps(_as_json(letter), ensure_ascii=False), file=out)
        return
    counts = await count_dead_letters(db, consumer=options.consumer)
    if letters:
        _print_table(letters, out)
    shown = f" ({len(letters)} shown)" if len(letters) < counts.total else ""
    print(f"{counts.total} dead letters, {counts.waiting} waiting for replay{shown}", file=out)


def _as_json(letter: DeadLetter) -> dict[str, object]:
    return {
        "id": letter.id,
        "subject": letter.subject,
        "event_id": letter.event_id,
        "consumer": letter.consumer,
        "dead_lettered_at": letter.dead_lettered_at.isoformat(),
        "deliveries": letter.num_delivered,
        "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
        "replay_count": letter.replay_count,
        "error": letter.error_summary,
    }


def _print_table(letters: Sequence[DeadLetter], out: TextIO) -> None:
    header = ("ID", "SUBJECT", "EVENT ID", "CONSUMER", "WHEN (UTC)", "TRIES", "STATE", "ERROR")
    rows = [
        (
            str(letter.id),
            letter.subject,
            letter.event_id,
            letter.consumer,
            format_when(letter.dead_lettered_at),
            str(letter.num_delivered),
            "waiting" if letter.replayed_at is None else f"replayed×{letter.replay_count}",
            letter.error_summary,
        )
        for letter in letters
    ]
    widths = [max(len(row[index]) for row in (header, *rows)) for index in range(len(header) - 1)]
    for row in (header, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)


async def _replay(db: Database, options: argparse.Namespace, nats_url: str, out: TextIO) -> int:
    async def quiet(_error: Exception) -> None:
        # The one line below says it; the client's default would print tracebacks.
        return None

    nc = Client()
    try:
        # Two tries per server, then give up: an operator is waiting at the terminal.
        await nc.connect(
            servers=[server.strip() for server in nats_url.split(",") if server.strip()],
            name="dead-letters replay",
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=1,
            connect_timeout=5,
            error_cb=quiet,
        )
    except Exception as exc:
        raise _Fail(
            f"cannot connect to NATS at {_where(nats_url)} ({type(exc).__name__})"
        ) from None
    try:
        results = await replay_dead_letters(
            db,
            nc,
            None if options.all else options.ids,
            consumer=options.consumer,
            force=options.force,
        )
    finally:
        await nc.close()
    if not results:
        print("nothing to replay: no dead letter is waiting", file=out)
        return 0
    for result in results:
        print(_result_line(result), file=out)
    replayed = sum(result.status is ReplayStatus.REPLAYED for result in results)
    not_done = sum(not result.status.ok for result in results)
    print(
        f"{replayed} replayed, {len(results) - replayed - not_done} already replayed, "
        f"{not_done} not replayed",
        file=out,
    )
    return 0 if not_done == 0 else 1


def _result_line(result: ReplayResult) -> str:
    verb = {
        ReplayStatus.REPLAYED: "replayed",
        ReplayStatus.ALREADY_REPLAYED: "skipped",
        ReplayStatus.FAILED: "failed",
    }.get(result.status, "refused")
    return f"{verb} {result.id}: {result.detail}"


def _where(url: str) -> str:
    """Scheme, host and port (or the SQLite path): never credentials."""
    first = url.split(",")[0].strip()
    parts = urlsplit(first)
    if parts.scheme.startswith("sqlite"):
        return first
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    database = parts.path if parts.scheme.startswith("postgres") else ""
    return f"{parts.scheme}://{host}{port}{database}"


def _first_line(exc: SQLAlchemyError) -> str:
    # The driver's own message; SQLAlchemy's text would add the statement and its parameters.
    original = getattr(exc, "orig", None)
    text = str(original) if original is not None else type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


__all__ = ["NAME", "SUMMARY", "parse_arguments", "parser", "run"]
