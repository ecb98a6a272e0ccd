"""ServiceCommands: the ``serve|worker|migrate`` command line every service shares."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import SettingsConfigDict
from ropo_platform import service_main, telemetry
from ropo_platform.config import ServiceSettings, load_settings
from ropo_platform.db.migrations import head_revisions, locate_migrations
from ropo_platform.logging import reset_logging
from ropo_platform.service_main import ExtraCommand, ServiceCommands
from ropo_platform.testing import free_port

VERSION = "9.9.9"

ENV_PY = """
from ropo_platform.db.migrations import run_migrations_online

run_migrations_online(target_metadata=None)
"""

FIRST = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

def upgrade():
    op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("things")
"""


class ThingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROPO_THING_")
    service_name: str = "thing"
    worker_metrics_port: int | None = None


@dataclass
class ThingApp:
    settings: ThingSettings
    events: list[str]

    def register(self, server: Any) -> list[str]:
        return ["ropo.thing.v1.ThingService"]

    async def readiness(self) -> None:
        self.events.append("readiness")

    async def close(self) -> None:
        self.events.append("closed")


@dataclass
class Thing:
    """A ServiceCommands for the made-up service ``thing`` and what happened to it."""

    events: list[str] = field(default_factory=list)
    worker: Callable[[ThingApp], Awaitable[None]] | None = None

    def load_settings(self) -> ThingSettings:
        self.events.append("settings")
        return load_settings(ThingSettings)

    def bootstrap(self, settings: ThingSettings) -> ThingApp:
        self.events.append("bootstrap")
        return ThingApp(settings, self.events)

    async def run_worker(self, app: ThingApp) -> None:
        self.events.append("run_worker")
        if self.worker is not None:
            await self.worker(app)

    def commands(self) -> ServiceCommands[ThingSettings, ThingApp]:
        return ServiceCommands(
            context="thing",
            version=VERSION,
            load_settings=self.load_settings,
            bootstrap=self.bootstrap,
            run_worker=self.run_worker,
            migrations_dir=lambda configured: locate_migrations(__file__, configured, "thing"),
            worker_summary="thing relay",
            description="The thing service.",
        )

    def main(self, *argv: str) -> int:
        return self.commands().main(argv)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("ROPO_", "OTEL_")):
            monkeypatch.delenv(name)
    yield
    reset_logging()  # the commands configure logging onto the captured stdout


@pytest.fixture
def tracing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record tracing set-up and shutdown instead of touching the process-wide provider."""
    calls: list[str] = []
    monkeypatch.setattr(
        telemetry, "configure_tracing", lambda name, **_: calls.append(f"configure {name}")
    )
    monkeypatch.setattr(telemetry, "shutdown_tracing", lambda: calls.append("shutdown"))
    return calls


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(ENV_PY)
    (root / "versions" / "0001_things.py").write_text(FIRST)
    return root


def _tables_and_revision(path: Path) -> tuple[set[str], list[str]]:
    with closing(sqlite3.connect(path)) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
        versions = connection.execute("select version_num from alembic_version")
        revisions = [row[0] for row in versions]
    return tables, revisions


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("argv", [(), ("bogus",), ("serve", "extra")])
def test_bad_arguments_exit_2_before_reading_the_settings(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    thing = Thing()
    with pytest.raises(SystemExit) as exit_info:
        thing.main(*argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m ropo_thing ")
    assert thing.events == []


def test_help_names_the_module_the_commands_and_what_the_worker_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        Thing().main("--help")
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m ropo_thing [-h] {serve,worker,migrate,dead-letters}")
    assert "The thing service." in out
    assert "worker = thing relay" in " ".join(out.split())


def test_bad_configuration_exits_2_before_bootstrap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", "70000")
    thing = Thing()
    with pytest.raises(SystemExit) as exit_info:
        thing.main("worker")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "configuration error: ROPO_THING_WORKER_METRICS_PORT: "
        "must be a port number between 0 and 65535 (got '70000')\n"
    )
    assert thing.events == ["settings"]


# ------------------------------------------------------------------------------- migrate


def test_migrate_brings_the_database_to_head(
    tmp_path: Path,
    migrations: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "thing.db"
    monkeypatch.setenv("ROPO_THING_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("ROPO_THING_MIGRATIONS_DIR", str(migrations))
    thing = Thing()

    assert thing.main("migrate") == 0

    tables, revisions = _tables_and_revision(database)
    assert "things" in tables
    assert revisions == ["0001"]
    assert thing.events == ["settings"]  # migrate needs no wired app
    out = capsys.readouterr().out
    assert '"event": "migrated"' in out and '"database": "sqlite+aiosqlite"' in out
    assert thing.main("migrate") == 0  # again: nothing to do
    assert _tables_and_revision(database)[1] == ["0001"]


def test_migrate_without_the_migrations_folder_exits_1_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    database = tmp_path / "thing.db"
    monkeypatch.setenv("ROPO_THING_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("ROPO_THING_MIGRATIONS_DIR", str(missing))

    assert Thing().main("migrate") == 1

    assert capsys.readouterr().err == (
        f"error: thing migrations not found at {missing} (set ROPO_THING_MIGRATIONS_DIR)\n"
    )
    assert not database.exists()


def test_a_real_service_migrates_a_new_sqlite_database_to_its_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ropo_chat.__main__ import main
    from ropo_chat.adapters.migrations import migrations_dir

    database = tmp_path / "chat.db"
    monkeypatch.setenv("ROPO_CHAT_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    assert main(["migrate"]) == 0

    tables, revisions = _tables_and_revision(database)
    assert set(revisions) == head_revisions(migrations_dir())
    assert "outbox" in tables


# --------------------------------------------------------------------------------- serve


def test_serve_runs_the_service_with_the_apps_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def run_service(settings: ServiceSettings, *args: Any, **kwargs: Any) -> int:
        calls.append({"settings": settings, "args": args, **kwargs})
        return 7

    monkeypatch.setattr(service_main, "run_service", run_service)
    thing = Thing()

    assert thing.main("serve") == 7

    [call] = calls
    assert isinstance(call["settings"], ThingSettings)
    register, readiness = call["args"]
    assert list(register(object())) == ["ropo.thing.v1.ThingService"]
    asyncio.run(readiness())
    asyncio.run(call["on_shutdown"]())
    assert call["version"] == VERSION
    assert thing.events == ["settings", "bootstrap", "readiness", "closed"]


# -------------------------------------------------------------------------------- worker


def test_worker_serves_its_metrics_runs_and_closes_everything(
    monkeypatch: pytest.MonkeyPatch, tracing: list[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", str(port))
    scraped: list[str] = []

    async def worker(app: ThingApp) -> None:
        def scrape() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                return str(r.read().decode())

        scraped.append(await asyncio.to_thread(scrape))

    thing = Thing(worker=worker)

    assert thing.main("worker") == 0

    assert thing.events == ["settings", "bootstrap", "run_worker", "closed"]
    assert (
        f'ropo_service_info{{role="worker",service="thing",version="{VERSION}"}} 1.0'
        in (scraped[0])
    )
    assert tracing == ["configure thing", "shutdown"]
    with socket.create_server(("127.0.0.1", port)):
        pass  # the metrics port was released


def test_worker_closes_the_app_when_the_worker_fails(
    monkeypatch: pytest.MonkeyPatch, tracing: list[str]
) -> None:
    monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", "off")

    async def worker(app: ThingApp) -> None:
        raise RuntimeError("nats is gone")

    thing = Thing(worker=worker)

    with pytest.raises(RuntimeError, match="nats is gone"):
        thing.main("worker")

    assert thing.events == ["settings", "bootstrap", "run_worker", "closed"]
    assert tracing == ["configure thing", "shutdown"]


def test_busy_worker_metrics_port_exits_1_with_one_line_before_bootstrap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tracing: list[str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        monkeypatch.setenv("ROPO_THING_WORKER_METRICS_PORT", str(port))
        thing = Thing()

        assert thing.main("worker") == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: thing worker: cannot serve metrics on port {port} (")
    assert "in use" in line
    assert thing.events == ["settings"]


def test_a_real_service_worker_on_a_busy_metrics_port_exits_1_with_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ROPO_", "OTEL_"))},
            "ROPO_ENV": "test",
            "ROPO_CHAT_WORKER_METRICS_PORT": str(port),
            "ROPO_CHAT_NATS_URL": f"nats://127.0.0.1:{free_port()}",
        }
        result = subprocess.run(
            [sys.executable, "-m", "ropo_chat", "worker"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: chat worker: cannot serve metrics on port {port} (")


def _with_collect(thing: Thing, run: Callable[[ThingSettings, list[str]], int]) -> Any:
    return replace(
        thing.commands(),
        extra_commands={"collect": ExtraCommand(summary="collect things now", run=run)},
    )


def test_an_extra_command_gets_the_settings_and_its_own_arguments() -> None:
    received: list[tuple[ThingSettings, list[str]]] = []

    def collect(settings: ThingSettings, arguments: list[str]) -> int:
        received.append((settings, arguments))
        return 3

    commands = _with_collect(Thing(), collect)

    assert commands.main(["collect", "--invoice", "invoices/abc"]) == 3
    assert [(settings.service_name, arguments) for settings, arguments in received] == [
        ("thing", ["--invoice", "invoices/abc"])
    ]
    assert "collect = collect things now" in " ".join(commands.parser().format_help().split())


def test_the_standard_commands_refuse_arguments() -> None:
    thing = Thing()
    commands = _with_collect(thing, lambda _settings, _arguments: 0)

    with pytest.raises(SystemExit) as exit_info:
        commands.main(["migrate", "--now"])

    assert exit_info.value.code == 2
    assert thing.events == []
