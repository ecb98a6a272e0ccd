"""The letter's codes: Luhn case numbers and Crockford base32 MyRopo IDs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ropo_refund.domain.identifiers import (
    CASE_NUMBER_SPACE,
    MYROPO_ID_ALPHABET,
    MYROPO_ID_BITS,
    case_number_from,
    format_myropo_id,
    myropo_id_from,
    myropo_id_matches,
    parse_case_number,
    parse_myropo_id,
)
from stdnum import luhn


@given(st.integers(min_value=0, max_value=CASE_NUMBER_SPACE - 1))
def test_every_case_number_is_ten_digits_starting_with_9_and_passes_luhn(body: int) -> None:
    number = case_number_from(body)
    assert len(number) == 10 and number.isdigit() and number[0] == "9"
    assert luhn.is_valid(number)
    assert parse_case_number(number) == number
    assert parse_case_number(f"{number[:3]} {number[3:6]}-{number[6:]}") == number


@given(st.integers(min_value=0, max_value=CASE_NUMBER_SPACE - 1), st.integers(0, 9))
def test_a_wrong_check_digit_is_never_a_case_number(body: int, digit: int) -> None:
    number = case_number_from(body)
    changed = number[:-1] + str(digit)
    assert (parse_case_number(changed) is not None) == (changed == number)


@pytest.mark.parametrize(
    "text",
    ["", "12345", "8000000018", "90000000170", "900000001A", "9000000018"],
)
def test_text_that_is_not_a_case_number(text: str) -> None:
    assert parse_case_number(text) is None


def test_case_number_body_out_of_range() -> None:
    with pytest.raises(ValueError):
        case_number_from(CASE_NUMBER_SPACE)


@given(st.integers(min_value=0, max_value=(1 << MYROPO_ID_BITS) - 1))
def test_myropo_ids_are_12_symbols_of_the_alphabet_and_parse_back(bits: int) -> None:
    myropo_id = myropo_id_from(bits)
    assert len(myropo_id) == 12
    assert set(myropo_id) <= set(MYROPO_ID_ALPHABET)
    assert not set(myropo_id) & set("ILOU")
    printed = format_myropo_id(myropo_id)
    assert printed.count("-") == 2 and printed.replace("-", "") == myropo_id
    assert parse_myropo_id(printed.lower()) == myropo_id


def test_distinct_bits_give_distinct_ids() -> None:
    assert len({myropo_id_from(bits) for bits in range(5000)}) == 5000


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("4KQ7-9XMP-2D3H", "4KQ79XMP2D3H"),
        ("4kq7 9xmp 2d3h", "4KQ79XMP2D3H"),
        ("OKQ7-9XMP-2D3H", "0KQ79XMP2D3H"),
        ("IKQ7-9XMP-2D3L", "1KQ79XMP2D31"),
    ],
)
def test_typed_myropo_ids_are_forgiving(typed: str, canonical: str) -> None:
    assert parse_myropo_id(typed) == canonical


@pytest.mark.parametrize("typed", ["", "4KQ7-9XMP-2D3", "4KQ7-9XMP-2D3HH", "4KQ7-9XMP-2D3U"])
def test_malformed_myropo_ids(typed: str) -> None:
    assert parse_myropo_id(typed) is None


def test_myropo_id_comparison() -> None:
    assert myropo_id_matches("4KQ79XMP2D3H", "4KQ79XMP2D3H")
    assert not myropo_id_matches("4KQ79XMP2D3H", "4KQ79XMP2D3J")
