"""``python -m ropo_<ctx> serve|worker|migrate``: the commands every service has.

A service's ``__main__.py`` is its docstring plus::

    main = ServiceCommands(
        context="chat",
        version=__version__,
        load_settings=load_chat_settings,
        bootstrap=bootstrap,
        run_worker=run_worker,
        migrations_dir=migrations_dir,
        worker_summary="stream + outbox relay",
        description=__doc__,
    ).main

    if __name__ == "__main__":
        sys.exit(main())

- ``serve``: ``ropo_platform.rpc.run_service`` with the app's ``register``,
  ``readiness`` and ``close`` (health, reflection, drain on SIGTERM);
- ``worker``: logging, tracing and the worker's own metrics endpoint
  (``worker_metrics_port``; a busy port is one line on stderr and exit status 1),
  then ``run_worker(app)`` until SIGTERM/SIGINT and ``app.close()``;
- ``migrate``: ``alembic upgrade head`` on ``database_url`` (exit status 1 with one
  line when the migrations folder is missing).

A service may add its own operator commands (``extra_commands``): each gets the
settings and the arguments after its name, and returns the exit status.

Every service also has ``dead-letters list|replay`` (``ropo_platform.messaging.
dead_letters_command``) on its ``database_url`` and ``nats_url``; its output goes to
stdout and its logs to stderr.

The arguments are parsed first (a bad one: usage and exit status 2), then the
settings are loaded (bad configuration: one line per variable, exit status 2),
before any port or file is opened.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from ropo_platform import metrics, telemetry
from ropo_platform.config import SettingsT
from ropo_platform.db.migrations import MigrationsNotFound, upgrade_to_head
from ropo_platform.logging import configure_logging, get_logger
from ropo_platform.messaging import dead_letters_command
from ropo_platform.rpc import run_service

COMMANDS = ("serve", "worker", "migrate")
#: The built-in operator command of every service (it takes arguments).
DEAD_LETTERS = "dead-letters"


class ServiceApp(Protocol):
    """What a service's ``bootstrap(settings)`` returns: the wired service."""

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicers to a ``grpc.aio`` server; the service names for health."""
        ...

    async def readiness(self) -> None:
        """Raise until the service can serve (health stays ``NOT_SERVING``)."""
        ...

    async def close(self) -> None:
        """Release resources on shutdown."""
        ...


AppT = TypeVar("AppT", bound=ServiceApp)


@dataclass(frozen=True, kw_only=True)
class ExtraCommand(Generic[SettingsT]):
    """An operator command of one service, e.g. ``collect`` of the invoice service."""

    #: One line for ``--help``.
    summary: str
    #: Runs the command with the settings and its own arguments; the exit status.
    run: Callable[[SettingsT, list[str]], int]


@dataclass(frozen=True, kw_only=True)
class ServiceCommands(Generic[SettingsT, AppT]):
    """The ``serve|worker|migrate`` command line of service ``context``."""

    #: ``invoice``, ``chat``, …: the package is ``ropo_<context>``.
    context: str
    version: str
    #: Settings from the environment (exits with status 2 on bad configuration).
    load_settings: Callable[[], SettingsT]
    bootstrap: Callable[[SettingsT], AppT]
    #: The worker role, until SIGTERM/SIGINT.
    run_worker: Callable[[AppT], Awaitable[None]]
    #: The Alembic folder from ``settings.migrations_dir`` (``MigrationsNotFound``).
    migrations_dir: Callable[[str], Path]
    #: What the worker runs, for ``--help``.
    worker_summary: str = "outbox relay"
    #: Text shown by ``--help`` under the usage line (the ``__main__`` docstring).
    description: str | None = None
    #: Commands beyond serve, worker and migrate, by name.
    extra_commands: Mapping[str, ExtraCommand[SettingsT]] = field(default_factory=dict)

    def parser(self) -> argparse.ArgumentParser:
        """The argument parser (``prog`` is ``python -m ropo_<context>``)."""
        parser = argparse.ArgumentParser(
            prog=f"python -m ropo_{self.context}",
            description=self.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        extra = "".join(
            f", {name} = {command.summary}" for name, command in self.extra_commands.items()
        )
        parser.add_argument(
            "command",
            choices=(*COMMANDS, DEAD_LETTERS, *self.extra_commands),
            help=f"serve = gRPC server, worker = {self.worker_summary}, "
            f"migrate = alembic upgrade head, "
            f"{DEAD_LETTERS} = list or replay the events consumers gave up on{extra}",
        )
        parser.add_argument(
            "arguments",
            nargs=argparse.REMAINDER,
            help=f"arguments of the command (only {DEAD_LETTERS} and the extra commands take any)",
        )
        return parser

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Entry point; returns the process exit status."""
        parser = self.parser()
        parsed = parser.parse_args(argv)
        command, arguments = parsed.command, list(parsed.arguments)
        if command in COMMANDS and arguments:
            parser.error(f"{command} takes no arguments")
        if command == DEAD_LETTERS:
            return self.dead_letters(f"{parser.prog} {DEAD_LETTERS}", arguments)
        settings = self.load_settings()
        if command in self.extra_commands:
            configure_logging(settings.service_name, settings.log_level, settings.log_format)
            return self.extra_commands[command].run(settings, arguments)
        if command == "migrate":
            return self.migrate(settings)
        if command == "serve":
            return self.serve(settings)
        return self.worker(settings)

    def dead_letters(self, prog: str, arguments: list[str]) -> int:
        """List or replay dead letters (arguments first, then the settings)."""
        options = dead_letters_command.parse_arguments(arguments, prog=prog)
        settings = self.load_settings()
        configure_logging(
            settings.service_name, settings.log_level, settings.log_format, stream=sys.stderr
        )
        return dead_letters_command.run(
            options, database_url=settings.database_url, nats_url=settings.nats_url
        )

    def migrate(self, settings: SettingsT) -> int:
        """Bring the database schema to the newest migration."""
        configure_logging(settings.service_name, settings.log_level, settings.log_format)
        try:
            folder = self.migrations_dir(settings.migrations_dir)
        except MigrationsNotFound as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        upgrade_to_head(settings.database_url, folder)
        get_logger(f"ropo_{self.context}").info(
            "migrated", database=settings.database_url.split("://")[0]
        )
        return 0

    def serve(self, settings: SettingsT) -> int:
        """Run the gRPC server until SIGTERM/SIGINT."""
        app = self.bootstrap(settings)
        return run_service(
            settings, app.register, app.readiness, on_shutdown=app.close, version=self.version
        )

    def worker(self, settings: SettingsT) -> int:
        """Run the worker role until SIGTERM/SIGINT."""
        configure_logging(settings.service_name, settings.log_level, settings.log_format)
        telemetry.configure_tracing(
            settings.tracing_service_name,
            service_version=self.version,
            environment=settings.environment.value,
            otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        )
        metrics.set_service_info(settings.service_name, self.version, "worker")
        metrics_server = None
        if settings.worker_metrics_port is not None:
            try:
                metrics_server = metrics.start_metrics_server(
                    settings.worker_metrics_port, settings.grpc_host
                )
            except OSError as error:
                print(
                    f"error: {self.context} worker: cannot serve metrics on port "
                    f"{settings.worker_metrics_port} ({error.strerror or error})",
                    file=sys.stderr,
                )
                return 1
        app = self.bootstrap(settings)

        async def run() -> None:
            try:
                await self.run_worker(app)
            finally:
                await app.close()

        try:
            asyncio.run(run())
        finally:
            if metrics_server is not None:
                metrics_server.close()
            telemetry.shutdown_tracing()
        return 0


__all__ = ["COMMANDS", "DEAD_LETTERS", "ExtraCommand", "ServiceApp", "ServiceCommands"]
