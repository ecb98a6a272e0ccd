"""Classifying a payer's reference: machine format, or why it cannot be matched."""

from __future__ import annotations

import pytest
from ropo_payment.domain.references import (
    UnclearReason,
    classify_reference,
    national_check_digit,
    rf_from_national,
)


@pytest.mark.parametrize(
    ("raw", "machine"),
    [
        ("13013", "13013"),
        ("00000000000000013013", "13013"),  # KTL pads to 20 digits
        ("1234561", "1234561"),
        ("12 34561", "1234561"),  # paper format with spaces
        ("91719 26229 59197 870", "917192622959197870"),
    ],
)
def test_valid_national_reference_in_machine_format(raw: str, machine: str) -> None:
    classified = classify_reference(raw)
    assert (classified.value, classified.problem) == (machine, None)


@pytest.mark.parametrize(
    ("raw", "machine"),
    [
        ("RF341234561", "RF341234561"),
        ("rf34 1234 561", "RF341234561"),
        ("RF18 5390 0754 7034", "RF18539007547034"),
        ("RF97C2H5OH", "RF97C2H5OH"),
    ],
)
def test_valid_rf_reference_upper_case_without_spaces(raw: str, machine: str) -> None:
    classified = classify_reference(raw)
    assert (classified.value, classified.problem) == (machine, None)


@pytest.mark.parametrize("raw", ["1234567", "13014", "RF17 5390 0754 7034", "RF12345", "abc!"])
def test_bad_check_digit_or_format_is_invalid(raw: str) -> None:
    classified = classify_reference(raw)
    assert classified.problem is UnclearReason.INVALID_REFERENCE
    assert " " not in classified.value
    assert classified.lookup_forms() == ()


@pytest.mark.parametrize("raw", ["", "   ", "0000000000"])
def test_empty_reference_is_missing(raw: str) -> None:
    classified = classify_reference(raw)
    assert (classified.value, classified.problem) == ("", UnclearReason.MISSING_REFERENCE)


def test_lookup_forms_link_national_and_rf_spellings() -> None:
    assert classify_reference("2348236").lookup_forms() == ("2348236", "RF332348236")
    assert classify_reference("RF33 2348 236").lookup_forms() == ("RF332348236", "2348236")
    # An RF around something that is not a national reference has one spelling.
    assert classify_reference("RF18539007547034").lookup_forms() == ("RF18539007547034",)


def test_check_digit_and_rf_generation_vectors() -> None:
    assert [national_check_digit(b) for b in ("100", "101", "102")] == ["9", "2", "5"]
    assert rf_from_national("5555") == "RF785555"
