"""``python -m ropo_refund serve|worker|migrate``.

- ``serve``: the gRPC server (health ``NOT_SERVING`` until the database is reachable
  and migrated to head; reflection; graceful drain on SIGTERM);
- ``worker``: provisions the ROPO_REFUND stream and runs the outbox relay;
- ``migrate``: ``alembic upgrade head`` on the service database.

Configuration comes from ``ROPO_REFUND_*`` variables (``ropo_refund.config``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ropo_platform import metrics, telemetry
from ropo_platform.db.migrations import upgrade_to_head
from ropo_platform.logging import configure_logging, get_logger
from ropo_platform.rpc import run_service

from ropo_refund import __version__
from ropo_refund.adapters.migrations import MigrationsNotFound, migrations_dir
from ropo_refund.config import RefundSettings, load_refund_settings

_log = get_logger("ropo_refund")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ropo_refund")
    parser.add_argument(
        "command",
        choices=("serve", "worker", "migrate"),
        help="serve = gRPC server, worker = stream + outbox relay, migrate = alembic upgrade head",
    )
    return parser.parse_args(argv)


def migrate(settings: RefundSettings) -> int:
    """Bring the database schema to the newest migration."""
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    try:
        folder = migrations_dir(settings.migrations_dir)
    except MigrationsNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    upgrade_to_head(settings.database_url, folder)
    _log.info("migrated", database=settings.database_url.split("://")[0])
    return 0


def serve(settings: RefundSettings) -> int:
    """Run the gRPC server until SIGTERM/SIGINT."""
    from ropo_refund.bootstrap import bootstrap

    app = bootstrap(settings)
    return run_service(
        settings, app.register, app.readiness, on_shutdown=app.close, version=__version__
    )


def worker(settings: RefundSettings) -> int:
    """Run the outbox relay until SIGTERM/SIGINT."""
    from ropo_refund.bootstrap import bootstrap
    from ropo_refund.entrypoints.worker import run_worker

    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    telemetry.configure_tracing(
        settings.tracing_service_name,
        service_version=__version__,
        environment=settings.environment.value,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
    )
    metrics.set_service_info(settings.service_name, __version__, "worker")
    metrics_server = None
    if settings.worker_metrics_port is not None:
        try:
            metrics_server = metrics.start_metrics_server(
                settings.worker_metrics_port, settings.grpc_host
            )
        except OSError as error:
            print(
                f"error: refund worker: cannot serve metrics on port "
                f"{settings.worker_metrics_port} ({error.strerror or error})",
                file=sys.stderr,
            )
            return 1
    app = bootstrap(settings)

    async def main() -> None:
        try:
            await run_worker(app)
        finally:
            await app.close()

    try:
        asyncio.run(main())
    finally:
        if metrics_server is not None:
            metrics_server.close()
        telemetry.shutdown_tracing()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    command = _arguments(argv).command
    settings = load_refund_settings()
    if command == "migrate":
        return migrate(settings)
    if command == "serve":
        return serve(settings)
    return worker(settings)


if __name__ == "__main__":
    sys.exit(main())
