"""``python -m ropo_gateway serve|migrate``.

- ``serve``: the HTTP server (uvicorn) on ``ROPO_GATEWAY_HOST``:``ROPO_GATEWAY_PORT``; SIGTERM
  or Ctrl-C stop accepting connections and wait up to ``ROPO_GATEWAY_SHUTDOWN_GRACE_SECONDS``
  for requests in flight. Access logs are our own JSON lines (no query strings).
- ``migrate``: ``alembic upgrade head`` on ``ROPO_GATEWAY_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from ropo_gateway import __version__


def _serve() -> int:
    import uvicorn
    from ropo_platform.logging import configure_logging, get_logger
    from ropo_platform.metrics import set_service_info
    from ropo_platform.telemetry import configure_tracing, shutdown_tracing

    from ropo_gateway.app import create_app
    from ropo_gateway.config import get_settings

    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    configure_tracing(
        settings.tracing_service_name,
        service_version=__version__,
        environment=settings.environment.value,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
    )
    set_service_info(settings.service_name, __version__, "serve")
    # The readiness probe compares schema revisions; Alembic would log that at INFO each time.
    # httpx logs every request URL at INFO; our access log and spans already cover the calls.
    for chatty in ("alembic.runtime.migration", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    log = get_logger("ropo_gateway")
    log.info(
        "gateway_starting",
        host=settings.host,
        port=settings.port,
        public_url=settings.public_url,
        oidc_issuer=settings.oidc_issuer,
    )
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # Our logging setup stays in charge; uvicorn's access log would print query strings.
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        lifespan="on",
    )
    # uvicorn handles SIGTERM/SIGINT itself (stop accepting, drain, lifespan shutdown) and then
    # re-raises the signal to the handler that was installed before it: with this one the
    # process ends with status 0 after flushing spans, instead of dying by the signal.
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, _exit_after_drain)
    try:
        uvicorn.Server(config).run()
    except SystemExit:
        pass
    finally:
        log.info("gateway_stopped")
        shutdown_tracing()
    return 0


def _exit_after_drain(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _migrate() -> int:
    from ropo_platform.db import upgrade_to_head
    from ropo_platform.logging import configure_logging, get_logger

    from ropo_gateway.config import get_settings
    from ropo_gateway.runtime import migrations_dir

    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    upgrade_to_head(settings.database_url, migrations_dir(settings))
    get_logger("ropo_gateway").info("migrations_applied")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ropo_gateway",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    return _serve() if args.command == "serve" else _migrate()


if __name__ == "__main__":
    sys.exit(main())
