"""Loading the reference-rate table: the packaged file and a deployment's own file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ropo_invoice.adapters.reference_rates import (
    ReferenceRateFileError,
    load_reference_rates,
    packaged_rates_text,
)
from ropo_invoice.domain.errors import InvalidValue

KNOWN = {
    date(2023, 1, 1): "2.50",
    date(2023, 7, 1): "4.00",
    date(2024, 1, 1): "4.50",
    date(2024, 7, 1): "4.25",
    date(2025, 1, 1): "3.15",
    date(2025, 7, 1): "2.15",
    date(2026, 1, 1): "2.15",
    date(2026, 7, 1): "2.15",
}


def test_the_packaged_table_holds_the_published_rates() -> None:
    table = load_reference_rates()
    assert {rate.period_start: rate.rate_percent for rate in table.rates} == {
        start: Decimal(rate) for start, rate in KNOWN.items()
    }
    assert table.valid_from == date(2023, 1, 1)
    assert "UPDATE EVERY HALF-YEAR" in packaged_rates_text()


def test_a_configured_file_adds_and_replaces_half_years(tmp_path: Path) -> None:
    extra = tmp_path / "rates.csv"
    extra.write_text(
        "# local additions\nperiod_start,rate_percent\n2026-07-01,2.00\n2027-01-01,1.90\n"
    )
    table = load_reference_rates(extra)
    assert table.rate_on(date(2026, 8, 1)) == Decimal("2.00")
    assert table.rate_on(date(2027, 3, 1)) == Decimal("1.90")
    assert table.rate_on(date(2024, 3, 1)) == Decimal("4.50")
    assert table.valid_until == date(2027, 6, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("start,rate\n2027-01-01,1.9\n", "header"),
        ("period_start,rate_percent\n2027-01-01\n", ":2: expected two columns"),
        ("period_start,rate_percent\n2027-13-01,1.9\n", ":2: not a date and rate"),
        ("period_start,rate_percent\n2027-01-01,abc\n", ":2: not a date and rate"),
        ("period_start,rate_percent\n2027-02-01,1.9\n", ":2: a reference-rate period starts"),
        ("period_start,rate_percent\n2027-01-01,1.9\n2027-01-01,1.8\n", "appears twice"),
    ],
)
def test_a_malformed_file_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    extra = tmp_path / "rates.csv"
    extra.write_text(text)
    with pytest.raises(ReferenceRateFileError) as error:
        load_reference_rates(extra)
    assert str(extra) in str(error.value)
    assert message in str(error.value)


def test_a_file_that_leaves_a_gap_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "rates.csv"
    extra.write_text("period_start,rate_percent\n2027-07-01,1.9\n")
    with pytest.raises(InvalidValue):
        load_reference_rates(extra)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ReferenceRateFileError) as error:
        load_reference_rates(tmp_path / "absent.csv")
    assert "absent.csv" in str(error.value)
