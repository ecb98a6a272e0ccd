"""The real authorization service for the CheckAccess benchmark: its own PostgreSQL
database, migrated and served by the service's own commands.

``create_database`` makes ``ropo_bench_authorization_<timestamp>`` beside the
administrative URL and runs ``python -m ropo_authorization migrate`` on it;
``AuthorizationServer`` runs ``python -m ropo_authorization serve`` (metrics off, JSON
log to a file) and waits until gRPC health says SERVING; ``drop_database`` removes only
databases this module made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from invoice_db import database_url, libpq_dsn
from ports import free_port
from served_process import ServedProcess

SERVICE = "ropo.authorization.v1.AuthorizationService"
#: The server's ``application_name`` in ``pg_stat_activity`` (its backends' CPU is measured).
APPLICATION_NAME = "ropo-authorization"
#: The benchmark's own pseudonym secret: its people are synthetic.
PERSON_KEY_SECRET = "ropo-bench-person-key-secret-0123456789abcdef"  # noqa: S105
DATABASE_PREFIX = "ropo_bench_authorization_"


def server_environment(
    url: str, port: int | None = None, code: Sequence[Path] = ()
) -> dict[str, str]:
    """Environment of ``python -m ropo_authorization``: the run's database (and port);
    ``code``: source folders imported before the installed packages (``--code-from``)."""
    environment = {
        **os.environ,
        "ROPO_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "ROPO_AUTHORIZATION_DATABASE_URL": url,
        "ROPO_AUTHORIZATION_GRPC_HOST": "127.0.0.1",
        "ROPO_AUTHORIZATION_METRICS_PORT": "off",
        "ROPO_AUTHORIZATION_WORKER_METRICS_PORT": "off",
        "ROPO_AUTHORIZATION_PERSON_KEY_SECRET": PERSON_KEY_SECRET,
    }
    if port is not None:
        environment["ROPO_AUTHORIZATION_GRPC_PORT"] = str(port)
    if code:
        paths = [str(path) for path in code]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        environment["PYTHONPATH"] = os.pathsep.join(paths)
    return environment


def export_code(revision: str, target: Path) -> list[Path]:
    """The service and the libraries it runs on as of git ``revision``, unpacked under
    ``target`` (``git archive``: the working tree is left alone); returns the source
    folders for ``server_environment(code=...)``."""
    repository = Path(__file__).resolve().parents[1]
    parts = ["services/authorization", "libs/ropo-platform", "libs/ropo-protos"]
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", revision, *parts],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True, timeout=120)
    return [target / part / "src" for part in parts]


def new_database_name() -> str:
    """A fresh name per run, so a run never touches another run's (or anyone's) data."""
    return f"{DATABASE_PREFIX}{datetime.now(UTC):%Y%m%d_%H%M%S_%f}"


def migrate(url: str, log_path: Path, code: Sequence[Path] = ()) -> None:
    """``python -m ropo_authorization migrate`` on ``url`` (the service's own command)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        finished = subprocess.run(
            [sys.executable, "-m", "ropo_authorization", "migrate"],
            env=server_environment(url, code=code),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=300,
        )
    if finished.returncode != 0:
        raise RuntimeError(f"migrate failed ({finished.returncode}); see {log_path}")


async def create_database(
    admin_url: str, name: str, log_path: Path, code: Sequence[Path] = ()
) -> str:
    """Create ``name`` (it must not exist) and migrate it to head; returns its URL."""
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = database_url(admin_url, name)
    migrate(url, log_path, code)
    return url


async def drop_database(admin_url: str, name: str) -> None:
    """Drop the run's database (only names this module made)."""
    if not name.startswith(DATABASE_PREFIX):
        raise ValueError("refusing to drop a database the benchmark did not create")
    connection = await asyncpg.connect(libpq_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


class AuthorizationServer(ServedProcess):
    """``with AuthorizationServer(url, log_path) as server: ...`` (``server.address``)."""

    def __init__(self, url: str, log_path: Path, code: Sequence[Path] = ()) -> None:
        port = free_port()
        super().__init__(
            name="authorization",
            command=[sys.executable, "-m", "ropo_authorization", "serve"],
            env=server_environment(url, port, tuple(code)),
            port=port,
            service=SERVICE,
            log_path=log_path,
        )
