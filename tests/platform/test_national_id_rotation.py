"""Re-sealing stored henkilötunnus values under the current key, on a real database
(SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import sqlalchemy as sa
from ropo_platform.config import ServiceSettings
from ropo_platform.db import Database
from ropo_platform.national_id import NationalId, NationalIdCipher
from ropo_platform.national_id_keys import key_ring
from ropo_platform.national_id_rotation import (
    ColumnReport,
    SealedColumn,
    _reencrypt_row,
    count_not_current,
    reencrypt_column,
    reencrypt_national_ids_command,
)
from ropo_platform.service_main import ExtraCommand
from sqlalchemy.engine import RowMapping

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
STRAY = bytes(range(200, 232))
PURPOSE = b"ropo-test/national-id/v1"
CODES = ["010594Y9032", "010594Y9021", "020502E902X", "020502A902X", "010190-900P"]

metadata = sa.MetaData()
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(8), primary_key=True),
    sa.Column("party", sa.String(64), nullable=True),
    sa.Column("sealed", sa.LargeBinary(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
)


def person_of(index: int) -> str:
    return chr(ord("a") + index) * 32


def party_key(row: RowMapping) -> str | None:
    party = row["party"]
    return str(party).removeprefix("persons/") if party else None


def column(cipher: NationalIdCipher, *, versioned: bool = True) -> SealedColumn:
    return SealedColumn(
        label="people.sealed",
        table=people,
        row_id=people.c.id,
        sealed=people.c.sealed,
        key_columns=(people.c.party,),
        person_key=party_key,
        cipher=cipher,
        version=people.c.version if versioned else None,
    )


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield db
    finally:
        await db.dispose()


async def insert(database: Database, rows: list[dict[str, object]]) -> None:
    async with database.transaction() as session:
        await session.execute(sa.insert(people), rows)


async def stored(database: Database) -> dict[str, tuple[bytes | None, int]]:
    async with database.session() as session:
        result = await session.execute(sa.select(people.c.id, people.c.sealed, people.c.version))
        return {row.id: (row.sealed and bytes(row.sealed), row.version) for row in result}


async def seed_under_old_key(database: Database, count: int = 5) -> None:
    old = NationalIdCipher(OLD, PURPOSE)
    await insert(
        database,
        [
            {
                "id": f"r{index:02d}",
                "party": f"persons/{person_of(index)}",
                "sealed": old.seal(NationalId(CODES[index % len(CODES)]), person_of(index)),
                "version": 1,
            }
            for index in range(count)
        ],
    )


async def test_every_old_blob_is_resealed_in_batches_and_a_second_run_reads_nothing(
    database: Database,
) -> None:
    await seed_under_old_key(database)
    new = NationalIdCipher(NEW, PURPOSE)
    await insert(
        database,
        [
            {  # already current: not touched
                "id": "r90",
                "party": f"persons/{person_of(9)}",
                "sealed": new.seal(NationalId(CODES[0]), person_of(9)),
                "version": 7,
            },
            {"id": "r91", "party": "organizations/1234567-8", "sealed": None, "version": 1},
            {"id": "r92", "party": None, "sealed": b"", "version": 1},
        ],
    )
    before = await stored(database)
    cipher = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)
    seen: list[tuple[int, int, int]] = []

    def on_batch(report: ColumnReport) -> None:
        seen.append((report.batches, report.examined, report.reencrypted))

    report = await reencrypt_column(database, column(cipher), batch_size=2, on_batch=on_batch)

    assert seen == [(1, 2, 2), (2, 4, 4), (3, 5, 5)]
    assert (report.reencrypted, report.undecryptable, report.remaining) == (5, [], 0)
    after = await stored(database)
    for index in range(5):
        blob, version = after[f"r{index:02d}"]
        assert blob is not None and cipher.is_current(blob)
        assert version == 2
        assert NationalIdCipher(NEW, PURPOSE).open(blob, person_of(index)) == NationalId(
            CODES[index]
        )
    assert {key: after[key] for key in ("r90", "r91", "r92")} == {
        key: before[key] for key in ("r90", "r91", "r92")
    }

    again = await reencrypt_column(database, column(cipher), batch_size=2)
    assert (again.batches, again.examined, again.reencrypted, again.remaining) == (0, 0, 0, 0)
    assert await stored(database) == after


async def test_an_interrupted_run_resumes_where_it_stopped(database: Database) -> None:
    await seed_under_old_key(database)
    cipher = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)

    class Interrupted(Exception):
        pass

    def stop_after_first_batch(report: ColumnReport) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await reencrypt_column(
            database, column(cipher), batch_size=2, on_batch=stop_after_first_batch
        )
    # The first batch was committed on its own.
    assert await count_not_current(database, column(cipher)) == 3

    resumed = await reencrypt_column(database, column(cipher), batch_size=2)
    assert (resumed.examined, resumed.reencrypted, resumed.remaining) == (3, 3, 0)


async def test_a_blob_no_key_opens_is_left_as_it_is_and_reported(database: Database) -> None:
    await seed_under_old_key(database, count=3)
    stray = NationalIdCipher(STRAY, PURPOSE).seal(NationalId(CODES[0]), person_of(7))
    await insert(
        database,
        [
            {"id": "r07", "party": f"persons/{person_of(7)}", "sealed": stray, "version": 1},
            # Bound to another person: does not authenticate for this row.
            {
                "id": "r08",
                "party": f"persons/{person_of(8)}",
                "sealed": NationalIdCipher(OLD, PURPOSE).seal(NationalId(CODES[1]), person_of(1)),
                "version": 1,
            },
            {"id": "r09", "party": None, "sealed": stray, "version": 1},
        ],
    )
    cipher = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)

    report = await reencrypt_column(database, column(cipher), batch_size=4)

    assert report.reencrypted == 3
    assert report.undecryptable == ["r07", "r08", "r09"]
    assert report.remaining == 3
    assert (await stored(database))["r07"] == (stray, 1)


@pytest.mark.parametrize("change", ["blob", "version"])
async def test_a_row_changed_between_read_and_write_is_not_overwritten(
    database: Database, change: str
) -> None:
    await seed_under_old_key(database, count=1)
    cipher = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)
    target = column(cipher)
    async with database.session() as session:
        (read,) = (await session.execute(sa.select(people))).mappings().all()
    # Meanwhile the service saves the row: another blob, or the same one with a new version
    # (a save of the whole row that started before this one).
    rewritten = (
        NationalIdCipher(OLD, PURPOSE).seal(NationalId(CODES[2]), person_of(0))
        if change == "blob"
        else bytes(read["sealed"])
    )
    async with database.transaction() as session:
        await session.execute(sa.update(people).values(sealed=rewritten, version=2))

    report = ColumnReport("people.sealed")
    async with database.transaction() as session:
        await _reencrypt_row(session, target, read, report)

    assert (report.reencrypted, report.changed_meanwhile) == (0, 1)
    assert (await stored(database))["r00"] == (rewritten, 2)
    # The next run picks the row up again.
    assert (await reencrypt_column(database, target)).reencrypted == 1


async def test_the_command_prints_counts_only_and_its_exit_status_tells_if_anything_is_left(
    database: Database, database_url: str
) -> None:
    await seed_under_old_key(database, count=3)
    settings = ServiceSettings(database_url=database_url, service_name="test")
    old_blobs = {blob for blob, _ in (await stored(database)).values()}

    def run(keys_after: bytes, *arguments: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        command: ExtraCommand[ServiceSettings] = reencrypt_national_ids_command(
            "test",
            lambda _settings: [column(NationalIdCipher(key_ring(keys_after, [OLD]), PURPOSE))],
            stdout=out,
            stderr=err,
        )
        return command.run(settings, list(arguments)), out.getvalue(), err.getvalue()

    status, out, err = await asyncio.to_thread(run, NEW, "--check")
    assert (status, err) == (1, "")
    assert json.loads(out) == {
        "command": "reencrypt-national-ids",
        "columns": [{"column": "people.sealed", "remaining": 3}],
    }

    status, out, err = await asyncio.to_thread(run, NEW, "--batch", "2")
    lines = out.splitlines()
    assert status == 0, err
    tail = "re-encrypted, 0 not decryptable, 0 changed meanwhile"
    assert lines[:2] == [
        f"people.sealed: batch 1: 2 examined, 2 {tail}",
        f"people.sealed: batch 2: 3 examined, 3 {tail}",
    ]
    summary = json.loads(lines[2])["columns"][0]
    assert (summary["reencrypted"], summary["undecryptable"], summary["remaining"]) == (3, 0, 0)
    for code in CODES:
        assert code not in out + err
    assert not any(blob is not None and blob.hex() in out + err for blob in old_blobs)

    status, out, _ = await asyncio.to_thread(run, NEW, "--check")
    assert status == 0
    assert json.loads(out)["columns"] == [{"column": "people.sealed", "remaining": 0}]


async def test_the_command_reports_rows_no_key_opens_by_id(
    database: Database, database_url: str
) -> None:
    stray = NationalIdCipher(STRAY, PURPOSE).seal(NationalId(CODES[0]), person_of(0))
    await insert(
        database, [{"id": "r00", "party": f"persons/{person_of(0)}", "sealed": stray, "version": 1}]
    )
    settings = ServiceSettings(database_url=database_url, service_name="test")
    out, err = io.StringIO(), io.StringIO()
    command: ExtraCommand[ServiceSettings] = reencrypt_national_ids_command(
        "test",
        lambda _settings: [column(NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE))],
        stdout=out,
        stderr=err,
    )

    status = await asyncio.to_thread(command.run, settings, [])

    assert status == 1
    assert json.loads(out.getvalue().splitlines()[-1])["columns"][0]["undecryptable"] == 1
    assert "1 rows did not open with any configured key" in err.getvalue()
    assert err.getvalue().rstrip().endswith(": r00")


@pytest.mark.parametrize("arguments", [["--batch", "0"], ["--batch", "x"], ["--verbose"]])
def test_bad_arguments_exit_with_usage(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    command: ExtraCommand[ServiceSettings] = reencrypt_national_ids_command(
        "test", lambda _settings: []
    )
    with pytest.raises(SystemExit) as exited:
        command.run(ServiceSettings(), arguments)
    assert exited.value.code == 2
    assert "python -m ropo_test reencrypt-national-ids" in capsys.readouterr().err


def test_a_database_error_is_one_line_without_parameters(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = ServiceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    command: ExtraCommand[ServiceSettings] = reencrypt_national_ids_command(
        "test", lambda _settings: [column(NationalIdCipher(NEW, PURPOSE))]
    )
    assert command.run(settings, []) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: reencrypt-national-ids: database error OperationalError "
        "(is the database reachable and migrated?)\n"
    )
