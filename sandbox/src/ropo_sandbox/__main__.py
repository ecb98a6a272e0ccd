"""``python -m ropo_sandbox serve | demo-finvoices | demo-import``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import ValidationError


def _parse_date(value: str) -> date:
    return date.fromisoformat(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ropo_sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the identity broker and the PSP (HTTP)")
    serve.add_argument("--host", help="bind address (default ROPO_SANDBOX_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default ROPO_SANDBOX_PORT or 8090)")

    persons = commands.add_parser("persons", help="list the test persons of the broker")
    persons.add_argument(
        "--show-hetu", action="store_true", help="print the full (artificial) identity codes"
    )

    for name, helptext in (
        ("demo-finvoices", "write the demo Finvoice 3.0 files to a folder"),
        ("demo-import", "generate the demo invoices and import them over gRPC"),
    ):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
        sub.add_argument(
            "--today", type=_parse_date, default=None, help="reference date YYYY-MM-DD"
        )
        if name == "demo-finvoices":
            sub.add_argument("--out", type=Path, required=True, help="output folder")
        else:
            sub.add_argument(
                "--invoice-addr", default="127.0.0.1:50051", help="invoice service host:port"
            )
            sub.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    return parser


def _serve(host: str | None, port: int | None) -> int:
    import uvicorn

    from ropo_sandbox.app import create_app
    from ropo_sandbox.config import SandboxSettings
    from ropo_sandbox.logs import uvicorn_log_config

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    try:
        settings = SandboxSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            print(f"ropo_sandbox: invalid configuration {field}: {error['msg']}", file=sys.stderr)
        return 2
    try:
        app = create_app(settings)
    except (OSError, ValueError) as exc:
        # A missing or unusable ROPO_SANDBOX_SIGNING_KEY_FILE.
        print(f"ropo_sandbox: cannot start: {exc}", file=sys.stderr)
        return 2
    app.state.broker.log.info(
        "sandbox_starting",
        issuer=settings.issuer,
        host=settings.host,
        port=settings.port,
        signing_kid=app.state.broker.signing_key.kid,
        redirect_uris=list(settings.gateway_redirect_uris),
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_config=uvicorn_log_config(settings.log_level),
        server_header=False,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args.host, args.port)
    if args.command == "persons":
        from ropo_sandbox.demo.cli import print_persons

        return print_persons(show_hetu=args.show_hetu)
    today: date = args.today or date.today()
    if args.command == "demo-finvoices":
        from ropo_sandbox.demo.cli import write_demo_finvoices

        return write_demo_finvoices(args.out, seed=args.seed, today=today)
    from ropo_sandbox.demo.cli import import_demo_invoices

    return import_demo_invoices(
        args.invoice_addr, seed=args.seed, today=today, timeout=args.timeout
    )


if __name__ == "__main__":
    sys.exit(main())
