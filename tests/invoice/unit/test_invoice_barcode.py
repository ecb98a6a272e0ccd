"""The virtual bank barcode: versions 4 and 5, both directions, and what it refuses."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from invoice_support import samples_dir
from ropo_invoice.domain.barcode import (
    MAX_BARCODE_AMOUNT,
    BarcodeFields,
    parse_virtual_bank_barcode,
    virtual_bank_barcode,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import PaymentReference, ReferenceKind
from ropo_platform.money import Money

IBAN = "FI37 1590 3000 0007 76"
NATIONAL = PaymentReference.parse("11112")
RF = PaymentReference.parse("RF98 11112")
DUE = date(2016, 12, 21)


def vectors() -> list[dict[str, Any]]:
    data_dir = samples_dir()
    path = data_dir / "barcode/virtuaaliviivakoodi_vectors.json" if data_dir else None
    if path is None or not path.is_file():
        pytest.skip("shared barcode vectors (../shared/data or ROPO_SAMPLES_DIR) are absent")
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["valid"]
    return entries


# ------------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    ("iban", "amount", "reference", "due", "barcode"),
    [
        # finnish-domain.md §4.3, examples 1–3.
        (IBAN, "12.25", "11112", DUE,
         "437159030000007760000122500000000000000000011112161221"),
        (IBAN, "1.10", "RF98 11112", date(2017, 1, 1),
         "537159030000007760000011098000000000000000011112170101"),
        ("FI79 4405 2020 0360 82", "4883.15", "868516259619897", date(2010, 6, 12),
         "479440520200360820048831500000000868516259619897100612"),
    ],
)  # fmt: skip
def test_worked_examples(iban: str, amount: str, reference: str, due: date, barcode: str) -> None:
    parsed_reference = PaymentReference.parse(reference)
    assert virtual_bank_barcode(iban, Money.eur(amount), parsed_reference, due) == barcode
    assert parse_virtual_bank_barcode(barcode) == BarcodeFields(
        4 if parsed_reference.kind is ReferenceKind.NATIONAL else 5,
        iban.replace(" ", ""),
        Money.eur(amount),
        parsed_reference,
        due,
    )


def test_version_follows_the_reference_kind() -> None:
    assert virtual_bank_barcode(IBAN, Money.eur(1), NATIONAL, DUE)[0] == "4"
    assert virtual_bank_barcode(IBAN, Money.eur(1), RF, DUE)[0] == "5"


def test_no_due_date_is_written_as_zeros_and_read_back_as_none() -> None:
    barcode = virtual_bank_barcode(IBAN, Money.eur("1.00"), NATIONAL, None)
    assert barcode.endswith("000000")
    assert parse_virtual_bank_barcode(barcode).due_date is None


def test_amounts_too_large_for_eight_digits_are_written_as_zeros() -> None:
    largest = virtual_bank_barcode(IBAN, MAX_BARCODE_AMOUNT, NATIONAL, DUE)
    assert largest[17:25] == "99999999"
    too_large = virtual_bank_barcode(IBAN, Money.eur("1000000.00"), NATIONAL, DUE)
    assert too_large[17:25] == "00000000"
    assert parse_virtual_bank_barcode(too_large).amount == Money.eur(0)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("iban", "amount", "reference", "due", "why"),
    [
        ("DE89 3704 0044 0532 0130 00", Money.eur(1), NATIONAL, DUE, "Finnish IBAN"),
        ("FI37 1590 3000 0007 77", Money.eur(1), NATIONAL, DUE, "not a valid IBAN"),
        (IBAN, Money.eur("-0.01"), NATIONAL, DUE, "must not be negative"),
        (IBAN, Money("1.00", "SEK"), NATIONAL, DUE, "only euro amounts"),
        (IBAN, Money.eur(1), NATIONAL, date(1999, 12, 31), "2000–2099"),
        (IBAN, Money.eur(1), NATIONAL, date(2100, 1, 1), "2000–2099"),
        # Valid ISO 11649 but alphanumeric: PaymentReference.parse refuses it, so build it
        # by hand as a careless caller might.
        (IBAN, Money.eur(1), PaymentReference("RF97C2H5OH", ReferenceKind.RF), DUE, "digits"),
    ],
)
def test_what_the_barcode_cannot_carry(
    iban: str, amount: Money, reference: PaymentReference, due: date, why: str
) -> None:
    with pytest.raises(InvalidValue) as error:
        virtual_bank_barcode(iban, amount, reference, due)
    assert why in error.value.description


VALID = "437159030000007760000122500000000000000000011112161221"


@pytest.mark.parametrize(
    ("digits", "why"),
    [
        (VALID[:-1], "exactly 54 digits"),
        (VALID + "0", "exactly 54 digits"),
        ("", "exactly 54 digits"),
        (VALID[:10] + "x" + VALID[11:], "exactly 54 digits"),
        # Arabic-Indic digits pass str.isdigit() but are not barcode digits.
        (VALID[:10] + "\u0663" + VALID[11:], "exactly 54 digits"),
        ("2" + VALID[1:], "version must be 4"),
        ("6" + VALID[1:], "version must be 4"),
        (VALID[:1] + "3715903000000777" + VALID[17:], "not a valid Finnish IBAN"),
        (VALID[:25] + "001" + VALID[28:], "must be 000"),
        (VALID[:47] + "3" + VALID[48:], "check digit of the national reference is wrong"),
        (VALID[:48] + "161232", "not a valid calendar date"),
        ("5" + VALID[1:25] + "97" + VALID[27:], "not a valid RF creditor reference"),
        ("5" + VALID[1:25] + "00" + "0" * 21 + VALID[48:], "not a valid RF creditor reference"),
    ],
)
def test_malformed_barcodes_are_refused(digits: str, why: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_virtual_bank_barcode(digits)
    assert why in error.value.description


# ----------------------------------------------------------------------------- vectors


def test_shared_vectors_encode() -> None:
    entries = vectors()
    assert len(entries) == 18
    for entry in entries:
        due = date.fromisoformat(entry["due_date"]) if entry["due_date"] else None
        reference = PaymentReference.parse(entry["reference"])
        barcode = virtual_bank_barcode(
            entry["iban"], Money.eur(entry["amount_eur"]), reference, due
        )
        assert barcode == entry["barcode"], entry["reference"]


def test_shared_vectors_decode() -> None:
    for entry in vectors():
        fields = parse_virtual_bank_barcode(entry["barcode"])
        reference = PaymentReference.parse(entry["reference"])
        assert fields.version == (4 if reference.kind is ReferenceKind.NATIONAL else 5)
        assert fields.iban == entry["iban"].replace(" ", "")
        assert fields.amount == Money.eur(entry["amount_eur"])
        assert fields.reference == reference
        expected_due = date.fromisoformat(entry["due_date"]) if entry["due_date"] else None
        assert fields.due_date == expected_due


# ------------------------------------------------------------------------------ property

_finnish_ibans = st.sampled_from(
    ["FI3715903000000776", "FI7944052020036082", "FI2112345600000785", "FI9239390001003391"]
)
_bases = st.integers(min_value=100, max_value=10**19 - 1).map(str)
_references = st.builds(
    lambda base, rf: (
        PaymentReference.national_from_base(base).to_rf()
        if rf
        else PaymentReference.national_from_base(base)
    ),
    _bases,
    st.booleans(),
)
_amounts = st.integers(min_value=0, max_value=MAX_BARCODE_AMOUNT.minor_units).map(
    lambda cents: Money.from_minor_units(cents, "EUR")
)
_due_dates = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(_finnish_ibans, _amounts, _references, _due_dates)
def test_reading_back_gives_what_was_written(
    iban: str, amount: Money, reference: PaymentReference, due: date | None
) -> None:
    barcode = virtual_bank_barcode(iban, amount, reference, due)
    assert len(barcode) == 54 and barcode.isascii() and barcode.isdigit()
    fields = parse_virtual_bank_barcode(barcode)
    assert (fields.iban, fields.amount, fields.reference, fields.due_date) == (
        iban,
        amount,
        reference,
        due,
    )
    assert Decimal(barcode[17:25]) / 100 == amount.amount
