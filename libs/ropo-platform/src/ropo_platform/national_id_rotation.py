"""``python -m ropo_<ctx> reencrypt-national-ids``: move sealed henkilötunnus values to the
current key after a key rotation.

A service describes where it keeps sealed codes (``SealedColumn``: table, row id, blob,
the person key the blob is bound to, and the cipher with the service's key ring); this
module walks such a column in batches:

- only rows not under the current key are read: the blob's first bytes (format version
  and key id) are compared in SQL, so a second run after a finished one reads nothing and
  an interrupted run simply continues (resumable without any bookkeeping);
- each batch is one transaction; a row is rewritten only if its blob is still the one
  that was read (compare-and-set), and, where the table has an optimistic version
  column, the version is bumped so that a service transaction holding the old blob
  fails its own version check instead of writing it back;
- a blob that no configured key opens is left as it is and counted, and the run goes
  on (the ids of such rows are printed: they are row ids, not personal data);
- at the end the rows still not under the current key are counted. Only a result of 0
  means that the old key can be removed from the configuration.

Output: one line per batch and a final JSON summary (counts only). No value, clear or
sealed, is ever printed or logged. Exit status 0 when nothing is left under an old key,
1 otherwise (a row that did not open, or one rewritten with an old blob meanwhile), 2 for
bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.config import ServiceSettings, SettingsT
from ropo_platform.db import Database, EngineOptions
from ropo_platform.national_id import NationalIdCipher, NationalIdDecryptionError
from ropo_platform.service_main import ExtraCommand

COMMAND = "reencrypt-national-ids"
DEFAULT_BATCH = 500
MAX_BATCH = 10_000
#: Ids of problem rows listed at most (the counts are always complete).
_LISTED_ROWS = 50


@dataclass(frozen=True, kw_only=True)
class SealedColumn:
    """One column of sealed codes in a service's database."""

    #: ``table.column``, for the output.
    label: str
    table: sa.Table
    #: Unique and orderable: batches walk the table in this order.
    row_id: sa.Column[Any]
    sealed: sa.Column[Any]
    #: Columns ``person_key`` reads from the row besides the id and the blob.
    key_columns: tuple[sa.Column[Any], ...]
    #: The person key the blob was sealed for (its associated data); ``None`` when the row
    #: does not name one (it cannot be opened, and is counted as such).
    person_key: Callable[[RowMapping], str | None]
    cipher: NationalIdCipher
    #: Optimistic-lock column of the table, bumped when a blob is rewritten.
    version: sa.Column[Any] | None = None


@dataclass
class ColumnReport:
    """What a run did to one column (counts and row ids, never a value)."""

    label: str
    batches: int = 0
    examined: int = 0
    reencrypted: int = 0
    #: Changed by the service between read and write; read again by the next run.
    changed_meanwhile: int = 0
    undecryptable: list[str] = field(default_factory=list)
    remaining: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "column": self.label,
            "batches": self.batches,
            "examined": self.examined,
            "reencrypted": self.reencrypted,
            "changed_meanwhile": self.changed_meanwhile,
            "undecryptable": len(self.undecryptable),
            "remaining": self.remaining,
        }


def _not_current(column: SealedColumn) -> sa.ColumnElement[bool]:
    header = column.cipher.current_header
    prefix = sa.func.substr(column.sealed, 1, len(header), type_=sa.LargeBinary())
    # An empty blob stores nothing: there is nothing to re-seal.
    stored = sa.func.length(column.sealed) > 0
    return sa.and_(column.sealed.is_not(None), stored, prefix != header)


async def count_not_current(database: Database, column: SealedColumn) -> int:
    """Rows whose blob is not sealed under the current key."""
    query = sa.select(sa.func.count()).select_from(column.table).where(_not_current(column))
    async with database.read_session() as session:
        return int((await session.execute(query)).scalar_one())


async def reencrypt_column(
    database: Database,
    column: SealedColumn,
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[ColumnReport], None] = lambda _report: None,
) -> ColumnReport:
    """Re-seal every blob of ``column`` that is not under the current key."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"the batch size must be 1 to {MAX_BATCH}")
    report = ColumnReport(column.label)
    selected = [column.row_id, column.sealed, *column.key_columns]
    if column.version is not None:
        selected.append(column.version)
    after: Any = None
    while True:
        query = sa.select(*selected).where(_not_current(column))
        if after is not None:
            query = query.where(column.row_id > after)
        query = query.order_by(column.row_id).limit(batch_size)
        async with database.transaction() as session:
            rows = (await session.execute(query)).mappings().all()
            for row in rows:
                await _reencrypt_row(session, column, row, report)
        if not rows:
            break
        after = rows[-1][column.row_id.name]
        report.batches += 1
        report.examined += len(rows)
        on_batch(report)
    report.remaining = await count_not_current(database, column)
    return report


async def _reencrypt_row(
    session: AsyncSession, column: SealedColumn, row: RowMapping, report: ColumnReport
) -> None:
    row_id = row[column.row_id.name]
    old = bytes(row[column.sealed.name])
    person_key = column.person_key(row)
    try:
        if person_key is None:
            raise NationalIdDecryptionError("the row names no person key")
        new = column.cipher.reseal(old, person_key)
    except NationalIdDecryptionError:
        report.undecryptable.append(str(row_id))
        return
    values: dict[str, Any] = {column.sealed.name: new}
    conditions = [column.row_id == row_id, column.sealed == old]
    if column.version is not None:
        values[column.version.name] = column.version + 1
        conditions.append(column.version == row[column.version.name])
    result = await session.execute(sa.update(column.table).where(*conditions).values(values))
    if int(getattr(result, "rowcount", 0) or 0) == 1:
        report.reencrypted += 1
    else:
        report.changed_meanwhile += 1


def operator_database(settings: ServiceSettings, command: str) -> Database:
    """A connection for a one-shot operator command (no pool kept)."""
    return Database(
        settings.database_url,
        EngineOptions(application_name=f"ropo-{settings.service_name}-{command}", null_pool=True),
    )


def database_error(command: str, error: SQLAlchemyError) -> str:
    """One line for a failed database call. The driver's own message may quote bound
    parameters (sealed blobs), so only the kind of error is named."""
    return (
        f"error: {command}: database error {type(error).__name__} "
        "(is the database reachable and migrated?)"
    )


def named_rows(row_ids: Sequence[str]) -> str:
    """The first ids of rows that need an operator's look (row ids are no personal data)."""
    listed = ", ".join(row_ids[:_LISTED_ROWS])
    more = len(row_ids) - _LISTED_ROWS
    return f"{listed} and {more} more" if more > 0 else listed


def _parser(context: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m ropo_{context} {COMMAND}",
        description="Seal every stored henkilötunnus that is not under the current key "
        "(ROPO_*_HETU_ENCRYPTION_KEY) again with it; older keys must be listed in "
        "ROPO_*_HETU_DECRYPTION_KEYS. Prints counts only.",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"rows per transaction (1 to {MAX_BATCH}; default {DEFAULT_BATCH})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only count the rows not under the current key; write nothing",
    )
    return parser


def reencrypt_national_ids_command(
    context: str,
    columns: Callable[[SettingsT], Sequence[SealedColumn]],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> ExtraCommand[SettingsT]:
    """The operator command of a service whose sealed codes are in ``columns(settings)``."""

    def run(settings: SettingsT, arguments: list[str]) -> int:
        out = stdout if stdout is not None else sys.stdout
        err = stderr if stderr is not None else sys.stderr
        parser = _parser(context)
        parsed = parser.parse_args(arguments)
        if not 1 <= parsed.batch <= MAX_BATCH:
            parser.error(f"--batch must be 1 to {MAX_BATCH}")
        try:
            reports = asyncio.run(
                _run(settings, columns(settings), parsed.batch, parsed.check, out)
            )
        except SQLAlchemyError as error:
            print(database_error(COMMAND, error), file=err)
            return 1
        return _finish(reports, parsed.check, out, err)

    return ExtraCommand(
        summary="re-seal stored henkilötunnus values under the current key", run=run
    )


async def _run(
    settings: ServiceSettings, columns: Sequence[SealedColumn], batch: int, check: bool, out: TextIO
) -> list[ColumnReport]:
    database = operator_database(settings, COMMAND)
    reports: list[ColumnReport] = []
    try:
        for column in columns:
            if check:
                report = ColumnReport(column.label)
                report.remaining = await count_not_current(database, column)
            else:
                report = await reencrypt_column(
                    database, column, batch_size=batch, on_batch=_batch_printer(out)
                )
            reports.append(report)
    finally:
        await database.dispose()
    return reports


def _batch_printer(out: TextIO) -> Callable[[ColumnReport], None]:
    def show(report: ColumnReport) -> None:
        print(
            f"{report.label}: batch {report.batches}: {report.examined} examined, "
            f"{report.reencrypted} re-encrypted, {len(report.undecryptable)} not decryptable, "
            f"{report.changed_meanwhile} changed meanwhile",
            file=out,
            flush=True,
        )

    return show


def _finish(reports: Sequence[ColumnReport], check: bool, out: TextIO, err: TextIO) -> int:
    summaries = [report.summary() for report in reports]
    if check:
        summaries = [{"column": s["column"], "remaining": s["remaining"]} for s in summaries]
    print(json.dumps({"command": COMMAND, "columns": summaries}), file=out, flush=True)
    for report in reports:
        failures = report.undecryptable
        if failures:
            print(
                f"error: {report.label}: {len(failures)} rows did not open with any configured "
                f"key (list the key they were sealed with in the decryption keys): "
                f"{named_rows(failures)}",
                file=err,
            )
    remaining = sum(report.remaining for report in reports)
    if remaining and not any(report.undecryptable for report in reports) and not check:
        print(
            f"error: {remaining} rows are still not under the current key (changed while "
            "this ran): run the command again",
            file=err,
        )
    return 1 if remaining else 0


__all__ = [
    "COMMAND",
    "DEFAULT_BATCH",
    "MAX_BATCH",
    "ColumnReport",
    "SealedColumn",
    "count_not_current",
    "database_error",
    "named_rows",
    "operator_database",
    "reencrypt_column",
    "reencrypt_national_ids_command",
]
