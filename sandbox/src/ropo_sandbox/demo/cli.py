"""The ``demo-finvoices``, ``demo-import`` and ``persons`` commands."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ropo_sandbox.demo.finvoice import file_name, finvoice_xml
from ropo_sandbox.demo.generator import PLAN, generate
from ropo_sandbox.persons import PERSONS

_LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def _count(invoices: int) -> str:
    return {0: "no demo invoices", 1: "1 demo invoice"}.get(invoices, f"{invoices} demo invoices")


def print_persons(*, show_hetu: bool) -> int:
    """List the test persons: name, identity code (masked unless asked), language, invoices.

    Masked by default because this output usually lands in a console log; the
    full codes are artificial (900-999) and shown only with ``--show-hetu``.
    """
    planned = {debtor: len(entries) for debtor, entries in PLAN}
    rows = [
        (
            person.name,
            person.hetu if show_hetu else person.masked_hetu,
            _LANGUAGE_NAMES[person.language],
            _count(planned.get(person.id, 0)),
        )
        for person in PERSONS
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def write_demo_finvoices(out: Path, *, seed: int, today: date) -> int:
    """Write one Finvoice file per demo invoice into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    invoices = generate(seed, today)
    for invoice in invoices:
        (out / file_name(invoice)).write_bytes(finvoice_xml(invoice))
    print(f"demo-finvoices: wrote {len(invoices)} Finvoice 3.0 files to {out}")
    return 0


def import_demo_invoices(target: str, *, seed: int, today: date, timeout: float) -> int:
    """Import the demo invoices into the invoice service at ``target`` (host:port)."""
    import grpc

    from ropo_sandbox.demo.importer import import_invoices

    with grpc.insecure_channel(target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            print(f"demo-import: invoice service not reachable at {target}", file=sys.stderr)
            return 1
        summary = import_invoices(channel, generate(seed, today), timeout)
    for failure in summary.failures:
        print(f"demo-import: failed {failure}", file=sys.stderr)
    print(summary.line(target))
    return 1 if summary.failures else 0
