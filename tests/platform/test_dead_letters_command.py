"""``python -m ropo_<ctx> dead-letters list|replay``: every service has it, on its own
migrated database; what it prints, and how it fails."""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from ropo_platform.db import Database
from ropo_platform.db.migrations import alembic_config
from ropo_platform.logging import reset_logging
from ropo_platform.messaging import dead_letters_command
from ropo_platform.messaging.envelope import CE_ID, CE_TYPE, Envelope
from ropo_platform.messaging.inbox import record_dead_letter
from ropo_platform.testing import free_port
from ropo_platform.testing.databases import DatabaseFactory
from ropo_platform.testing.nats_server import NatsServer

EVENT = "ropo.invoice.v1.invoice_registered"
HETU = "010190-900P"

# service → (the replay migration, the revision before it)
REPLAY_MIGRATIONS = {
    "authorization": ("0003", "0002"),
    "chat": ("0003_dead_letter_replay", "0002_chat"),
    "invoice": ("0006", "0005"),
    "payment": ("0004_dead_letter_replay", "0003_bank_payments"),
    "refund": ("0003_dead_letter_replay", "0002_refunds"),
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    prefixes = ("ROPO_ENV", "OTEL_", *(f"ROPO_{name.upper()}_" for name in REPLAY_MIGRATIONS))
    for name in list(os.environ):
        if name.startswith(prefixes):
            monkeypatch.delenv(name)
    yield
    reset_logging()  # the commands configure logging onto the captured streams


def service_main(service: str) -> Callable[[Sequence[str]], int]:
    main: Callable[[Sequence[str]], int] = importlib.import_module(f"ropo_{service}.__main__").main
    return main


def replay_columns(database_url: str) -> set[str]:
    async def read() -> set[str]:
        db = Database(database_url)
        try:
            async with db.engine.connect() as connection:
                columns = await connection.run_sync(
                    lambda sync: sa.inspect(sync).get_columns("dead_letter")
                )
        finally:
            await db.dispose()
        return {column["name"] for column in columns} & {"replayed_at", "replay_count"}

    return asyncio.run(read())


@pytest.mark.parametrize("service", sorted(REPLAY_MIGRATIONS))
async def test_every_service_lists_dead_letters_of_its_migrated_database(
    service: str,
    database_factory: DatabaseFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = await database_factory.create(service)
    monkeypatch.setenv("ROPO_ENV", "test")
    monkeypatch.setenv(f"ROPO_{service.upper()}_DATABASE_URL", url)
    main = service_main(service)

    assert await asyncio.to_thread(main, ["migrate"]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["dead-letters", "list"]) == 0
    assert capsys.readouterr().out == "0 dead letters, 0 waiting for replay\n"

    # The replay migration goes down and up again cleanly.
    revision, previous = REPLAY_MIGRATIONS[service]
    migrations = importlib.import_module(f"ropo_{service}.adapters.migrations").migrations_dir("")
    config = alembic_config(url, migrations)
    assert await asyncio.to_thread(replay_columns, url) == {"replayed_at", "replay_count"}
    await asyncio.to_thread(command.downgrade, config, previous)
    assert await asyncio.to_thread(replay_columns, url) == set()
    await asyncio.to_thread(command.upgrade, config, revision)
    assert await asyncio.to_thread(replay_columns, url) == {"replayed_at", "replay_count"}


def run_command(
    arguments: Sequence[str], *, database_url: str, nats_url: str = "nats://127.0.0.1:1"
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = dead_letters_command.parse_arguments(arguments, prog="dead-letters")
    status = dead_letters_command.run(
        options, database_url=database_url, nats_url=nats_url, out=out, err=err
    )
    return status, out.getvalue(), err.getvalue()


async def store(db: Database, consumer: str, event_id: str, error: str) -> None:
    envelope = Envelope.from_headers({CE_ID: event_id, CE_TYPE: EVENT}, nats_subject=EVENT)
    async with db.transaction() as session:
        await record_dead_letter(
            session,
            consumer=consumer,
            envelope=envelope,
            payload=f"debtor {HETU}".encode(),
            error=error,
        )


async def test_list_shows_each_dead_letter_on_one_line_without_its_payload(
    messaging_database: Database, database_url: str
) -> None:
    await store(messaging_database, "authorization-invoice-events", "e-1", "E: first\ntraceback")
    # The consumer masks errors when it writes them; the listing masks again, and shortens.
    long_error = f"ValueError: debtor {HETU} " + "x" * 300
    async with messaging_database.transaction() as session:
        await record_dead_letter(
            session,
            consumer="payment-invoice-events",
            envelope=Envelope.from_headers({CE_ID: "e-2", CE_TYPE: EVENT}, nats_subject=EVENT),
            payload=b"",
            error=long_error,
        )

    status, out, err = await asyncio.to_thread(run_command, ["list"], database_url=database_url)

    assert (status, err) == (0, "")
    header, first, second, summary = out.splitlines()
    assert header.split() == [
        "ID",
        "SUBJECT",
        "EVENT",
        "ID",
        "CONSUMER",
        "WHEN",
        "(UTC)",
        "TRIES",
        "STATE",
        "ERROR",
    ]
    assert first.split()[1:4] == [EVENT, "e-1", "authorization-invoice-events"]
    assert first.split()[6:] == ["1", "waiting", "E:", "first"]
    assert "[REDACTED-HETU]" in second and second.endswith("x…")
    assert len(second.split("ValueError")[1]) < 170
    assert HETU not in out
    assert summary == "2 dead letters, 2 waiting for replay"


async def test_list_filters_and_speaks_json(
    messaging_database: Database, database_url: str
) -> None:
    await store(messaging_database, "authorization-invoice-events", "e-1", "E: one")
    await store(messaging_database, "payment-invoice-events", "e-2", "E: two")
    table = DeadLetterTable(database_url)

    status, out, _ = await asyncio.to_thread(
        run_command,
        ["list", "--json", "--consumer", "payment-invoice-events"],
        database_url=database_url,
    )
    assert status == 0
    [line] = out.splitlines()
    row = json.loads(line)
    assert {k: row[k] for k in ("subject", "event_id", "consumer", "deliveries", "error")} == {
        "subject": EVENT,
        "event_id": "e-2",
        "consumer": "payment-invoice-events",
        "deliveries": 1,
        "error": "E: two",
    }
    assert (row["replayed_at"], row["replay_count"]) == (None, 0)
    assert "payload" not in row

    await table.mark_replayed("e-1")
    _, waiting, _ = await asyncio.to_thread(
        run_command, ["list", "--waiting"], database_url=database_url
    )
    assert "e-1" not in waiting and "e-2" in waiting
    assert waiting.splitlines()[-1] == "2 dead letters, 1 waiting for replay (1 shown)"
    _, limited, _ = await asyncio.to_thread(
        run_command, ["list", "--limit", "1"], database_url=database_url
    )
    assert "e-1" in limited and "replayed×1" in limited and "e-2" not in limited


class DeadLetterTable:
    def __init__(self, database_url: str) -> None:
        self.url = database_url

    async def mark_replayed(self, event_id: str) -> None:
        db = Database(self.url)
        try:
            async with db.transaction() as session:
                await session.execute(
                    sa.text(
                        "UPDATE dead_letter SET replayed_at = created_at, replay_count = 1 "
                        "WHERE event_id = :event_id"
                    ),
                    {"event_id": event_id},
                )
        finally:
            await db.dispose()


async def test_replay_reports_what_it_could_not_do_and_exits_1(
    messaging_database: Database, database_url: str, nats_server: NatsServer
) -> None:
    status, out, err = await asyncio.to_thread(
        run_command, ["replay", "--id", "999"], database_url=database_url, nats_url=nats_server.url
    )
    assert (status, err) == (1, "")
    assert out.splitlines() == [
        "refused 999: no such dead letter",
        "0 replayed, 0 already replayed, 1 not replayed",
    ]

    status, out, _ = await asyncio.to_thread(
        run_command, ["replay", "--all"], database_url=database_url, nats_url=nats_server.url
    )
    assert (status, out) == (0, "nothing to replay: no dead letter is waiting\n")


async def test_an_unreachable_nats_is_one_line_without_credentials(
    messaging_database: Database, database_url: str
) -> None:
    port = free_port()
    status, out, err = await asyncio.to_thread(
        run_command,
        ["replay", "--all"],
        database_url=database_url,
        nats_url=f"nats://replayer:hunter2@127.0.0.1:{port}",
    )
    assert (status, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"error: cannot connect to NATS at nats://127.0.0.1:{port} (")
    assert "hunter2" not in line


async def test_a_database_without_the_tables_asks_for_the_migration(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"

    status, out, err = await asyncio.to_thread(run_command, ["list"], database_url=url)

    assert (status, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"error: database {url}: ")
    assert "dead_letter" in line and "migrate" in line


@pytest.mark.parametrize(
    "arguments",
    [
        ["replay"],
        ["replay", "--id", "0"],
        ["replay", "--id", "1", "--all"],
        ["replay", "--id", "1", "--consumer", "c"],
        ["list", "--limit", "none"],
        ["purge"],
    ],
)
def test_bad_arguments_exit_2_before_the_settings_are_read(
    arguments: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROPO_CHAT_GRPC_PORT", "not a port")  # would exit 2 as well, later
    with pytest.raises(SystemExit) as exit_info:
        service_main("chat")(["dead-letters", *arguments])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m ropo_chat dead-letters ")
