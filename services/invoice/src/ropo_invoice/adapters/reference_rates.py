"""Loads the reference-rate table for penalty interest from CSV files.

The package carries ``data/reference_rates.csv`` (updated every half-year);
a deployment may name another file of the same format whose rows are added to
the packaged ones and replace them for the same half-year, so that a rate can
be published without a release. Format: a header ``period_start,rate_percent``,
one row per half-year (``2026-01-01,2.15``), ``#`` lines are comments.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.interest import ReferenceRate, ReferenceRateTable

PACKAGED_FILE = "reference_rates.csv"
_HEADER = ("period_start", "rate_percent")


class ReferenceRateFileError(ValueError):
    """A reference-rate file cannot be read; the message names the file and line."""


def packaged_rates_text() -> str:
    """The text of the reference-rate file shipped with the package."""
    return resources.files("ropo_invoice").joinpath("data", PACKAGED_FILE).read_text("utf-8")


def parse_reference_rates(text: str, source: str) -> Iterator[ReferenceRate]:
    """The rows of one file; ``source`` names it in errors."""
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines or tuple(c.strip() for c in lines[0][1].split(",")) != _HEADER:
        raise ReferenceRateFileError(f"{source}: the header must be period_start,rate_percent")
    for number, line in lines[1:]:
        (row,) = csv.reader(io.StringIO(line))
        if len(row) != len(_HEADER):
            raise ReferenceRateFileError(f"{source}:{number}: expected two columns")
        try:
            start = date.fromisoformat(row[0].strip())
            rate = Decimal(row[1].strip())
            yield ReferenceRate(start, rate)
        except (ValueError, InvalidOperation) as error:
            reason = error.description if isinstance(error, InvalidValue) else "not a date and rate"
            raise ReferenceRateFileError(f"{source}:{number}: {reason}") from None


def load_reference_rates(extra_path: Path | None = None) -> ReferenceRateTable:
    """The packaged table, with the rows of ``extra_path`` (when given) added or replacing.

    Raises ``ReferenceRateFileError`` for an unreadable or malformed file and
    ``InvalidValue`` when the merged half-years are not consecutive.
    """
    rates = {
        rate.period_start: rate
        for rate in parse_reference_rates(packaged_rates_text(), f"package:{PACKAGED_FILE}")
    }
    if extra_path is not None:
        try:
            text = extra_path.read_text("utf-8")
        except OSError as error:
            raise ReferenceRateFileError(f"{extra_path}: {error.strerror}") from None
        seen: set[date] = set()
        for rate in parse_reference_rates(text, str(extra_path)):
            if rate.period_start in seen:
                raise ReferenceRateFileError(f"{extra_path}: a half-year appears twice")
            seen.add(rate.period_start)
            rates[rate.period_start] = rate
    return ReferenceRateTable(rates.values())
