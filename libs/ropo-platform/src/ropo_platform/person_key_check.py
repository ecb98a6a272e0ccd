"""``python -m ropo_<ctx> check-person-keys``: does the configured person key secret
(``ROPO_<CTX>_PERSON_KEY_SECRET``) derive the person keys the stored data carries?

A person is ``persons/{HMAC(secret, henkilötunnus)}`` in every service, so the secret
must be the same in invoice, authorization and the gateway, and must not change while
data keyed with it exists (there is no re-keying; see ``docs/operations.md``). A wrong
secret does not fail loudly: logins and new imports simply get other keys, and people
stop seeing their invoices. This command makes the mismatch visible before (or after) a
configuration change: it opens every sealed code of the service (``SealedColumn``s, the
same ones ``reencrypt-national-ids`` walks), derives the key with the configured secret
and compares it with the key the row is stored under.

Read-only. Prints counts and the ids of rows that do not match (row ids, no personal
data); never a code, a key or a secret. Exit status 0 when every row matches, 1 when a
row does not match or does not open, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ropo_platform.config import ServiceSettings, SettingsT
from ropo_platform.db import Database
from ropo_platform.national_id import NationalIdDecryptionError
from ropo_platform.national_id_rotation import (
    DEFAULT_BATCH,
    MAX_BATCH,
    SealedColumn,
    database_error,
    named_rows,
    operator_database,
)
from ropo_platform.pseudonym import person_key
from ropo_platform.service_main import ExtraCommand

COMMAND = "check-person-keys"


@dataclass
class PersonKeyReport:
    """Rows of one column checked against the configured secret."""

    label: str
    examined: int = 0
    mismatched: list[str] = field(default_factory=list)
    undecryptable: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "column": self.label,
            "examined": self.examined,
            "mismatched": len(self.mismatched),
            "undecryptable": len(self.undecryptable),
        }


async def check_person_keys(
    database: Database, column: SealedColumn, secret: bytes, *, batch_size: int = DEFAULT_BATCH
) -> PersonKeyReport:
    """Compare every stored row's person key with the one ``secret`` derives."""
    report = PersonKeyReport(column.label)
    selected = [column.row_id, column.sealed, *column.key_columns]
    stored = sa.and_(column.sealed.is_not(None), sa.func.length(column.sealed) > 0)
    after: Any = None
    while True:
        query = sa.select(*selected).where(stored)
        if after is not None:
            query = query.where(column.row_id > after)
        query = query.order_by(column.row_id).limit(batch_size)
        async with database.read_session() as session:
            rows = (await session.execute(query)).mappings().all()
        if not rows:
            return report
        for row in rows:
            row_id = str(row[column.row_id.name])
            stored_key = column.person_key(row)
            try:
                if stored_key is None:
                    raise NationalIdDecryptionError("the row names no person key")
                code = column.cipher.open(bytes(row[column.sealed.name]), stored_key)
            except NationalIdDecryptionError:
                report.undecryptable.append(row_id)
                continue
            derived = person_key(code.reveal(), secret)
            if not hmac.compare_digest(derived, stored_key):
                report.mismatched.append(row_id)
        report.examined += len(rows)
        after = rows[-1][column.row_id.name]


def check_person_keys_command(
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
        parser = argparse.ArgumentParser(
            prog=f"python -m ropo_{context} {COMMAND}",
            description="Check that ROPO_*_PERSON_KEY_SECRET derives the person keys of the "
            "stored henkilötunnus values (read-only; prints counts and row ids only).",
        )
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, metavar="N")
        parsed = parser.parse_args(arguments)
        if not 1 <= parsed.batch <= MAX_BATCH:
            parser.error(f"--batch must be 1 to {MAX_BATCH}")
        try:
            reports = asyncio.run(_run(settings, columns(settings), parsed.batch))
        except SQLAlchemyError as error:
            print(database_error(COMMAND, error), file=err)
            return 1
        return _finish(reports, out, err)

    return ExtraCommand(
        summary="check the person key secret against the stored henkilötunnus values", run=run
    )


async def _run(
    settings: ServiceSettings, columns: Sequence[SealedColumn], batch: int
) -> list[PersonKeyReport]:
    database = operator_database(settings, COMMAND)
    try:
        return [
            await check_person_keys(
                database, column, settings.person_key_secret_bytes, batch_size=batch
            )
            for column in columns
        ]
    finally:
        await database.dispose()


def _finish(reports: Sequence[PersonKeyReport], out: TextIO, err: TextIO) -> int:
    summaries = [report.summary() for report in reports]
    print(json.dumps({"command": COMMAND, "columns": summaries}), file=out, flush=True)
    for report in reports:
        if report.mismatched:
            print(
                f"error: {report.label}: {len(report.mismatched)} rows are stored under a person "
                "key this secret does not derive (another secret wrote them): "
                f"{named_rows(report.mismatched)}",
                file=err,
            )
        if report.undecryptable:
            print(
                f"error: {report.label}: {len(report.undecryptable)} rows did not open with any "
                f"configured key: {named_rows(report.undecryptable)}",
                file=err,
            )
    bad = any(report.mismatched or report.undecryptable for report in reports)
    return 1 if bad else 0


__all__ = [
    "COMMAND",
    "PersonKeyReport",
    "check_person_keys",
    "check_person_keys_command",
]
