"""The real refund service for the payout benchmark: its own database (a SQLite file, or a
fresh PostgreSQL database), migrated and served by the service's own commands.

``create_postgres_database`` makes ``ropo_bench_refunds_<timestamp>`` beside the
administrative URL (as the test fixtures of ``ropo_platform.testing.databases`` do);
``migrate`` runs ``python -m ropo_refund migrate``; ``RefundServer`` runs
``python -m ropo_refund serve`` (metrics off, log to a file) and waits until gRPC health
says SERVING; ``drop_postgres_database`` removes only databases this module made.
``reset_peak_memory`` lets one call's peak resident memory be read from ``VmHWM``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from invoice_db import database_url, libpq_dsn
from ports import free_port
from served_process import ServedProcess

SERVICE = "ropo.refund.v1.RefundService"
#: The server's ``application_name`` in ``pg_stat_activity`` (its backends' CPU is measured).
APPLICATION_NAME = "ropo-refund"
DATABASE_PREFIX = "ropo_bench_refunds_"


def server_environment(url: str, port: int | None = None) -> dict[str, str]:
    """Environment of ``python -m ropo_refund``: the run's database (and port)."""
    environment = {
        **os.environ,
        "ROPO_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "ROPO_REFUND_DATABASE_URL": url,
        "ROPO_REFUND_GRPC_HOST": "127.0.0.1",
        "ROPO_REFUND_METRICS_PORT": "off",
        "ROPO_REFUND_WORKER_METRICS_PORT": "off",
    }
    if port is not None:
        environment["ROPO_REFUND_GRPC_PORT"] = str(port)
    return environment


def migrate(url: str, log_path: Path) -> None:
    """``python -m ropo_refund migrate`` on ``url`` (the service's own command)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        finished = subprocess.run(
            [sys.executable, "-m", "ropo_refund", "migrate"],
            env=server_environment(url),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=300,
        )
    if finished.returncode != 0:
        raise RuntimeError(f"migrate failed ({finished.returncode}); see {log_path}")


def new_database_name() -> str:
    """A fresh name per run, so a run never touches another run's (or anyone's) data."""
    return f"{DATABASE_PREFIX}{datetime.now(UTC):%Y%m%d_%H%M%S_%f}"


async def create_postgres_database(admin_url: str, name: str) -> str:
    """Create ``name`` (it must not exist); returns its URL."""
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return database_url(admin_url, name)


async def drop_postgres_database(admin_url: str, name: str) -> None:
    """Drop the run's database (only names this module made)."""
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError("refusing to drop a database the benchmark did not create")
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def reset_peak_memory(pid: int) -> None:
    """Set the process's ``VmHWM`` back to its current RSS (Linux ``clear_refs`` 5), so the
    next reading is the peak of what ran in between, not of the whole run."""
    Path(f"/proc/{pid}/clear_refs").write_text("5\n")


class RefundServer(ServedProcess):
    """``with RefundServer(url, log_path) as server: ...`` (``server.address``)."""

    def __init__(self, url: str, log_path: Path) -> None:
        port = free_port()
        super().__init__(
            name="refund",
            command=[sys.executable, "-m", "ropo_refund", "serve"],
            env=server_environment(url, port),
            port=port,
            service=SERVICE,
            log_path=log_path,
        )
