"""The Finnish reference payment file (KTL, "saapuvat viitemaksut"), fixed width.

Layout as in ``data/ktl/README_ktl_layout.md`` (Finance Finland's service description):
90-character records, ISO-8859-1, CRLF or LF. A file holds one or more batches, each
``0`` (header), then ``3`` (reference payment) and ``5`` (correction) records, then
``9`` (sums), whose counts and sums must match the batch or the file is refused.

A ``3`` record becomes a ``StatementEntry`` (key ``ktl:<archive id>:<booking date>``,
reference without its leading zeros); ``5`` records and ``3`` records flagged as
corrections are skipped and counted: a correction reverses an earlier payment and is
for a person to handle, not an incoming payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from ropo_payment.adapters.statements.model import (
    ParsedStatement,
    StatementEntry,
    StatementError,
    StatementKind,
    excerpt,
)

RECORD_LENGTH: Final = 90
ENCODING: Final = "iso-8859-1"
#: The KTL currency code of the euro (the only one still in use).
EURO_CODE: Final = "1"


def looks_like_reference_payment_file(content: bytes) -> bool:
    """True when the first line is a KTL header record (``0``, a date, a time, ids)."""
    first = content.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    return len(first) >= 23 and first[:1] == b"0" and first[1:22].isdigit()


@dataclass
class _Batch:
    header_line: int
    payments: int = 0
    payment_sum: int = 0
    corrections: int = 0
    correction_sum: int = 0
    entries: list[StatementEntry] = field(default_factory=list)


def parse_reference_payment_file(content: bytes) -> ParsedStatement:
    """The payments of a KTL file; ``StatementError`` when it is not one or does not add up."""
    lines = content.decode(ENCODING).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise StatementError("document", "the file is empty")
    statement_id = ""
    entries: list[StatementEntry] = []
    skipped = 0
    batch: _Batch | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.ljust(RECORD_LENGTH)
        kind = line[0]
        if kind == "0":
            if batch is not None:
                raise StatementError(
                    f"line {number}", f"line {number}: a new batch starts before the sum record (9)"
                )
            batch = _Batch(header_line=number)
            header_id = _header_id(line, number)
            statement_id = statement_id or header_id
        elif kind in ("3", "5"):
            if batch is None:
                raise StatementError(
                    f"line {number}", f"line {number}: a payment record before the header (0)"
                )
            skipped += _payment_record(line, number, batch)
        elif kind == "9":
            if batch is None:
                raise StatementError(
                    f"line {number}", f"line {number}: a sum record (9) without a header (0)"
                )
            _check_sums(line, number, batch)
            entries.extend(batch.entries)
            batch = None
        else:
            raise StatementError(
                f"line {number}", f"line {number}: unknown record type {excerpt(kind)!r}"
            )
    if batch is not None:
        raise StatementError("document", "the file ends without a sum record (9)")
    return ParsedStatement(
        kind=StatementKind.REFERENCE_PAYMENT_FILE,
        statement_id=statement_id,
        entries=tuple(entries),
        settlements=(),
        settled_at=None,
        total_minor=sum(entry.amount_minor for entry in entries),
        skipped_count=skipped,
    )


def _header_id(line: str, number: int) -> str:
    """``ktl:<bank><service id>:<YYMMDD><HHMM>``: the batch's own identity."""
    created, time_, bank, service = line[1:7], line[7:11], line[11:13], line[13:22]
    _date(created, number, "creation date")
    if not time_.isdigit():
        raise StatementError(f"line {number}", f"line {number}: creation time is not a number")
    if line[22] != EURO_CODE:
        raise StatementError(
            f"line {number}", f"line {number}: only euro files (currency code 1) are supported"
        )
    return f"ktl:{bank.strip()}{service.strip()}:{created}{time_}"


def _payment_record(line: str, number: int, batch: _Batch) -> int:
    """Add a ``3``/``5`` record to ``batch``; returns 1 when it was skipped."""
    amount = _number(line[77:87], number, "amount")
    if line[0] == "5":
        batch.corrections += 1
        batch.correction_sum += amount
        return 1
    batch.payments += 1
    batch.payment_sum += amount
    if line[87] not in ("0", " "):
        return 1  # a 3 record flagged as a correction
    if line[75] not in (EURO_CODE, " "):
        raise StatementError(
            f"line {number}", f"line {number}: only euro payments (currency code 1) are supported"
        )
    if amount <= 0:
        return 1
    booking_date = _date(line[15:21], number, "booking date")
    archive_id = line[27:43].strip()
    if not archive_id:
        raise StatementError(f"line {number}", f"line {number}: archive id is missing")
    batch.entries.append(
        StatementEntry(
            entry_key=f"ktl:{archive_id}:{booking_date.isoformat()}",
            reference=line[43:63].strip().lstrip("0"),
            amount_minor=amount,
            currency="EUR",
            booking_date=booking_date,
            value_date=_date(line[21:27], number, "payment date"),
            payer_name=line[63:75].strip(),
            archive_id=archive_id,
        )
    )
    return 0


def _check_sums(line: str, number: int, batch: _Batch) -> None:
    expected = (
        ("number of payments", _number(line[1:7], number, "number of payments"), batch.payments),
        ("sum of payments", _number(line[7:18], number, "sum of payments"), batch.payment_sum),
        (
            "number of corrections",
            _number(line[18:24], number, "number of corrections"),
            batch.corrections,
        ),
        (
            "sum of corrections",
            _number(line[24:35], number, "sum of corrections"),
            batch.correction_sum,
        ),
    )
    for name, declared, counted in expected:
        if declared != counted:
            raise StatementError(
                f"line {number}",
                f"line {number}: the sum record's {name} is {declared} "
                f"but the batch from line {batch.header_line} has {counted}",
            )


def _number(text: str, number: int, name: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise StatementError(
            f"line {number}", f"line {number}: {name} is not a number: {excerpt(text.strip())!r}"
        )
    return int(text)


def _date(text: str, number: int, name: str) -> date:
    """A ``YYMMDD`` date (this century: the format has no century digits)."""
    if not (text.isascii() and text.isdigit()):
        raise StatementError(
            f"line {number}", f"line {number}: {name} is not a date: {excerpt(text.strip())!r}"
        )
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise StatementError(
            f"line {number}", f"line {number}: {name} is not a date: {text!r}"
        ) from None
