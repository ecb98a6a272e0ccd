"""``python -m ropo_invoice collect [--invoice invoices/ID]`` on a real database: the
collection run and the notifications once, with a one-line JSON summary on stdout."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from invoice_server_support import PERSON_KEY_SECRET, invoice_settings
from invoice_support import HETU_MAIJA, finvoice_xml
from ropo_invoice.bootstrap import bootstrap
from ropo_invoice.domain.delivery import ConsentChannel, DeliveryType, EmailAddress
from ropo_invoice.entrypoints.collect_command import collect, run_collect
from ropo_invoice.service_layer.handlers import ImportFinvoice
from ropo_invoice.service_layer.message_centre import ListLetters, UpdateLetterConsent
from ropo_invoice.service_layer.ports import LetterFilter

IMPORTED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
DAY_15 = datetime(2026, 9, 30, 6, 0, tzinfo=UTC)  # 15 days after the due date 2026-09-15


def compact(day: date) -> str:
    return day.strftime("%Y%m%d")


async def import_invoices(
    url: str, *numbers: str, due: str = "20260915", issued: str = "20260901"
) -> list[str]:
    app = bootstrap(invoice_settings(url), clock=lambda: IMPORTED)
    try:
        ids = []
        for number in numbers:
            buyer = HETU_MAIJA if number.endswith("M") else "010190-900P"
            message = finvoice_xml(number=number, due_date=due, invoice_date=issued, buyer_id=buyer)
            ids.append((await app.handlers.import_finvoice(ImportFinvoice(message))).invoice.id)
        return ids
    finally:
        await app.close()


async def test_collect_runs_everything_due_and_prints_a_summary(migrated_url: str) -> None:
    first, second = await import_invoices(migrated_url, "C1", "C2")
    app = bootstrap(invoice_settings(migrated_url), clock=lambda: IMPORTED)
    try:
        invoice = await app.handlers.get_invoice(first)
        party = invoice.debtor.party
        await app.message_centre.update_consent(
            UpdateLetterConsent(
                party, True, EmailAddress.parse("matti@example.fi"), ConsentChannel.MYROPO, party
            )
        )
    finally:
        await app.close()

    out = io.StringIO()
    status = await collect(invoice_settings(migrated_url), None, clock=lambda: DAY_15, out=out)

    assert status == 0
    summary = json.loads(out.getvalue())
    assert out.getvalue().count("\n") == 1
    assert summary["command"] == "collect" and summary["day"] == "2026-09-30"
    assert summary["collection"] == {
        "examined": 2,
        "letters": 2,
        "interest_charges": 2,
        "failures": 0,
    }
    assert summary["notifications"]["due_dates"] == 0

    app = bootstrap(invoice_settings(migrated_url), clock=lambda: DAY_15)
    try:
        page = await app.message_centre.list_letters(ListLetters(LetterFilter(invoice_id=second)))
        assert [entry.delivery.type for entry in page.letters] == [
            DeliveryType.REMINDER,
            DeliveryType.INVOICE,
        ]
    finally:
        await app.close()


async def test_collect_one_invoice(migrated_url: str) -> None:
    first, second = await import_invoices(migrated_url, "O1", "O2M")
    out = io.StringIO()
    status = await collect(invoice_settings(migrated_url), first, clock=lambda: DAY_15, out=out)
    assert status == 0
    summary = json.loads(out.getvalue())
    assert summary["invoice"] == f"invoices/{first}"
    assert summary["collection"]["examined"] == 1 and summary["collection"]["letters"] == 1

    again = io.StringIO()
    assert (
        await collect(invoice_settings(migrated_url), second, clock=lambda: DAY_15, out=again) == 0
    )
    assert json.loads(again.getvalue())["collection"]["letters"] == 1

    missing = io.StringIO()
    assert await collect(invoice_settings(migrated_url), "nope", out=missing) == 1
    assert missing.getvalue() == ""


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    settings = invoice_settings("sqlite+aiosqlite:///unused.db")
    assert run_collect(settings, ["--invoice", "creditors/x"]) == 2
    assert "invoices/{invoice}" in capsys.readouterr().err
    with pytest.raises(SystemExit) as unknown:
        run_collect(settings, ["--everything"])
    assert unknown.value.code == 2


async def test_the_command_line(migrated_url: str) -> None:
    # The real command in its own process, on today's date: an invoice 20 days overdue.
    due = datetime.now(UTC).date() - timedelta(days=20)
    (invoice_id,) = await import_invoices(
        migrated_url, "CLI-1", due=compact(due), issued=compact(due - timedelta(days=14))
    )
    environment = {
        **os.environ,
        "ROPO_INVOICE_DATABASE_URL": migrated_url,
        "ROPO_INVOICE_PERSON_KEY_SECRET": PERSON_KEY_SECRET,
        "ROPO_ENV": "test",
    }
    completed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ropo_invoice", "collect", "--invoice", f"invoices/{invoice_id}"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    (line,) = completed.stdout.splitlines()
    summary = json.loads(line)
    assert summary["collection"]["letters"] == 1
    assert "collection_run" not in completed.stdout  # logs go to stderr

    unknown = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ropo_invoice", "collect", "--invoice", "invoices/nope"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert unknown.returncode == 1 and unknown.stdout == ""
