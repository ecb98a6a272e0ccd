"""``python -m ropo_invoice collect [--invoice invoices/ID]``: the collection run now.

For operators and demos: runs the collection run once (every open invoice, or the
one given) and then the due-date notifications, as the worker does on its
schedule, and prints one line of JSON with what they did. Logs go to stderr so
that stdout carries only that line. Exit status 0 when done, 1 when the database
is not ready or the invoice does not exist, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TextIO

from ropo_platform.db.types import utcnow
from ropo_platform.logging import configure_logging

from ropo_invoice.bootstrap import bootstrap
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.model import INVOICES_PREFIX
from ropo_invoice.entrypoints.validation import resource_id

SUMMARY = "run the collection run and the due-date notifications once now"


def parser() -> argparse.ArgumentParser:
    """The arguments of ``collect``."""
    result = argparse.ArgumentParser(prog="python -m ropo_invoice collect", description=SUMMARY)
    result.add_argument(
        "--invoice",
        metavar="invoices/ID",
        help="only this invoice (default: every open invoice that is due)",
    )
    return result


def run_collect(
    settings: InvoiceSettings,
    argv: list[str],
    *,
    clock: Callable[[], datetime] = utcnow,
    out: TextIO | None = None,
) -> int:
    """The ``collect`` command; returns the exit status."""
    arguments = parser().parse_args(argv)
    invoice_id = None
    if arguments.invoice is not None:
        invoice_id = resource_id(arguments.invoice, INVOICES_PREFIX)
        if invoice_id is None:
            print('error: --invoice must be "invoices/{invoice}"', file=sys.stderr)
            return 2
    configure_logging(
        settings.service_name, settings.log_level, settings.log_format, stream=sys.stderr
    )
    return asyncio.run(collect(settings, invoice_id, clock=clock, out=out or sys.stdout))


async def collect(
    settings: InvoiceSettings,
    invoice_id: str | None,
    *,
    clock: Callable[[], datetime] = utcnow,
    out: TextIO,
) -> int:
    """Run the collection (all, or ``invoice_id``) and the notifications; print the summary."""
    app = bootstrap(settings, clock=clock)
    try:
        try:
            await app.readiness()
        except Exception as error:
            print(
                f"error: the invoice database is not ready ({type(error).__name__})",
                file=sys.stderr,
            )
            return 1
        if invoice_id is None:
            collection = await app.collection.run_once()
        else:
            try:
                await app.handlers.get_invoice(invoice_id)
            except InvoiceNotFound:
                print(f"error: no invoice invoices/{invoice_id}", file=sys.stderr)
                return 1
            collection = await app.collection.run_for(invoice_id)
        notifications = await app.notifications.run_once()
    finally:
        await app.close()
    summary = {
        "command": "collect",
        "day": clock().date().isoformat(),
        "invoice": f"invoices/{invoice_id}" if invoice_id else "",
        "collection": asdict(collection),
        "notifications": asdict(notifications),
    }
    print(json.dumps(summary, separators=(",", ":")), file=out)
    return 0
