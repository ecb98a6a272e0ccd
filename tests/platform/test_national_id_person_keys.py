"""``check-person-keys``: the configured person key secret against the stored data, on a
real database (SQLite always, PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator

import pytest_asyncio
import sqlalchemy as sa
from pydantic import SecretStr
from ropo_platform.config import ServiceSettings
from ropo_platform.db import Database
from ropo_platform.national_id import NationalId, NationalIdCipher
from ropo_platform.national_id_rotation import SealedColumn
from ropo_platform.person_key_check import check_person_keys, check_person_keys_command
from ropo_platform.pseudonym import person_key
from ropo_platform.service_main import ExtraCommand
from sqlalchemy.engine import RowMapping

KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))
PURPOSE = b"ropo-test/national-id/v1"
SECRET = "the-secret-the-data-was-keyed-with-0123"
OTHER_SECRET = "a-secret-somebody-configured-by-mistake-0123"
CODES = ["010594Y9032", "010594Y9021", "020502E902X", "020502A902X"]

metadata = sa.MetaData()
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(8), primary_key=True),
    sa.Column("party", sa.String(64), nullable=True),
    sa.Column("sealed", sa.LargeBinary(), nullable=True),
)


def party_key(row: RowMapping) -> str | None:
    party = row["party"]
    return str(party).removeprefix("persons/") if party else None


def column() -> SealedColumn:
    return SealedColumn(
        label="people.sealed",
        table=people,
        row_id=people.c.id,
        sealed=people.c.sealed,
        key_columns=(people.c.party,),
        person_key=party_key,
        cipher=NationalIdCipher(KEY, PURPOSE),
    )


def row(row_id: str, code: str, secret: str, key: bytes = KEY) -> dict[str, object]:
    derived = person_key(code, secret.encode())
    sealed = NationalIdCipher(key, PURPOSE).seal(NationalId(code), derived)
    return {"id": row_id, "party": f"persons/{derived}", "sealed": sealed}


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


async def test_rows_keyed_with_the_configured_secret_match(database: Database) -> None:
    await insert(
        database,
        [row(f"r{index}", code, SECRET) for index, code in enumerate(CODES)]
        + [{"id": "r9", "party": "organizations/1234567-8", "sealed": None}],
    )
    report = await check_person_keys(database, column(), SECRET.encode(), batch_size=3)
    assert (report.examined, report.mismatched, report.undecryptable) == (4, [], [])

    wrong = await check_person_keys(database, column(), OTHER_SECRET.encode(), batch_size=3)
    assert wrong.examined == 4
    assert wrong.mismatched == ["r0", "r1", "r2", "r3"]


async def test_rows_of_another_secret_or_key_are_named(database: Database) -> None:
    await insert(
        database,
        [
            row("r0", CODES[0], SECRET),
            row("r1", CODES[1], OTHER_SECRET),
            row("r2", CODES[2], SECRET, key=OTHER_KEY),
            {"id": "r3", "party": None, "sealed": row("x", CODES[3], SECRET)["sealed"]},
        ],
    )
    report = await check_person_keys(database, column(), SECRET.encode())
    assert report.examined == 4
    assert report.mismatched == ["r1"]
    assert report.undecryptable == ["r2", "r3"]


async def test_the_command_prints_counts_and_row_ids_only(
    database: Database, database_url: str
) -> None:
    await insert(database, [row("r0", CODES[0], SECRET), row("r1", CODES[1], OTHER_SECRET)])

    def run(secret: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        command: ExtraCommand[ServiceSettings] = check_person_keys_command(
            "test", lambda _settings: [column()], stdout=out, stderr=err
        )
        settings = ServiceSettings(database_url=database_url, person_key_secret=SecretStr(secret))
        return command.run(settings, ["--batch", "1"]), out.getvalue(), err.getvalue()

    status, out, err = await asyncio.to_thread(run, SECRET)
    assert status == 1
    assert json.loads(out) == {
        "command": "check-person-keys",
        "columns": [
            {"column": "people.sealed", "examined": 2, "mismatched": 1, "undecryptable": 0}
        ],
    }
    assert err == (
        "error: people.sealed: 1 rows are stored under a person key this secret does not "
        "derive (another secret wrote them): r1\n"
    )
    for secret in (SECRET, OTHER_SECRET):
        assert secret not in out + err
    for code in CODES:
        assert code not in out + err

    async with database.transaction() as session:
        await session.execute(sa.delete(people).where(people.c.id == "r1"))
    status, out, err = await asyncio.to_thread(run, SECRET)
    assert (status, err) == (0, "")
    assert json.loads(out)["columns"][0]["mismatched"] == 0
