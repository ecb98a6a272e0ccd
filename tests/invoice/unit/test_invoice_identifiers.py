"""Identifiers: references, business IDs, accounts, henkilötunnus, MyRopo ID, case number."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from invoice_support import HETU_MATTI, samples_dir
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import (
    MYROPO_ALPHABET,
    MYROPO_ID_BITS,
    BankAccount,
    BusinessId,
    CaseNumber,
    MyRopoId,
    NationalId,
    PaymentReference,
    ReferenceKind,
    national_check_digit,
    parse_invoice_number,
)

# ---------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("base", "expected"),
    [("123456", "1234561"), ("1111", "11112"), ("100", "1009"), ("123", "1232")],
)
def test_national_check_digit_follows_the_7_3_1_rule(base: str, expected: str) -> None:
    assert base + national_check_digit(base) == expected


@pytest.mark.parametrize("raw", ["1234561", "12 34561", " 123456 1 ", "11112"])
def test_national_reference_is_canonical_machine_form(raw: str) -> None:
    reference = PaymentReference.parse(raw)
    assert reference.kind is ReferenceKind.NATIONAL
    assert reference.value == "".join(raw.split())


def test_national_reference_drops_leading_zeros() -> None:
    assert PaymentReference.parse("0001234561").value == "1234561"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("1234562", "check digit"),
        ("123", "4–20 digits"),
        ("123456789012345678901", "4–20 digits"),
        ("12A4561", "only digits"),
    ],
)
def test_invalid_national_references_say_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidValue) as error:
        PaymentReference.parse(raw)
    assert why in error.value.description


def test_rf_reference_is_validated_with_iso_11649() -> None:
    reference = PaymentReference.parse("RF33 2348 236")
    assert reference == PaymentReference("RF332348236", ReferenceKind.RF)
    assert reference.wraps_national_reference
    assert reference.printed == "RF33 2348 236"


def test_rf_reference_with_wrong_check_digits_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="RF"):
        PaymentReference.parse("RF17 5390 0754 7034")


def test_rf_reference_must_have_a_numeric_body_for_the_barcode() -> None:
    with pytest.raises(InvalidValue, match="numeric"):
        PaymentReference.parse("RF97C2H5OH")


def test_rf_with_a_body_that_is_not_a_national_reference_is_accepted_but_flagged() -> None:
    reference = PaymentReference.parse("RF18539007547034")
    assert reference.kind is ReferenceKind.RF
    assert not reference.wraps_national_reference


def test_national_reference_is_printed_in_groups_of_five_from_the_right() -> None:
    # Finance Finland's rule (finnish-domain.md §4.1): groups of five, counted from the
    # right, so the check digit always ends a full group.
    assert PaymentReference.parse("1234561").printed == "12 34561"
    assert PaymentReference.parse("11112").printed == "11112"
    assert PaymentReference.parse("917192622959197870").printed == "917 19262 29591 97870"


def test_shared_reference_vectors() -> None:
    data_dir = samples_dir()
    if data_dir is None or not (data_dir / "references/viitenumero_rf_vectors.json").is_file():
        pytest.skip("shared samples (../shared/data or ROPO_SAMPLES_DIR) are not available")
    vectors = json.loads((data_dir / "references/viitenumero_rf_vectors.json").read_text())
    for entry in vectors["finnish_valid"]:
        assert PaymentReference.parse(entry["value"]).kind is ReferenceKind.NATIONAL
    for entry in vectors["finnish_invalid"]:
        with pytest.raises(InvalidValue):
            PaymentReference.parse(entry["value"])
    for entry in vectors["finnish_generate_check_digit"]:
        assert entry["base"] + national_check_digit(entry["base"]) == entry["expected"]
    for entry in vectors["rf_valid"]:
        body = "".join(entry["value"].split())[4:]
        if not body.isdigit():  # valid ISO 11649, but no bank barcode can carry it
            with pytest.raises(InvalidValue, match="numeric"):
                PaymentReference.parse(entry["value"])
            continue
        reference = PaymentReference.parse(entry["value"])
        assert reference.kind is ReferenceKind.RF
        assert reference.wraps_national_reference is entry["finnish_body_valid"]
    for entry in vectors["rf_invalid"]:
        with pytest.raises(InvalidValue):
            PaymentReference.parse(entry["value"])


# -------------------------------------------------------------------- parties and accounts


@pytest.mark.parametrize("raw", ["2345678-0", "23456780", "FI23456780"])
def test_business_id_accepts_common_spellings(raw: str) -> None:
    assert BusinessId.parse(raw).value == "2345678-0"


def test_business_id_with_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="business ID"):
        BusinessId.parse("1234567-8")


def test_bank_account_validates_iban_and_bic() -> None:
    account = BankAccount.parse("FI21 1234 5600 0007 85", "NDEAFIHH")
    assert account == BankAccount("FI2112345600000785", "NDEAFIHH")
    with pytest.raises(InvalidValue, match="IBAN"):
        BankAccount.parse("FI0050000198765432")
    with pytest.raises(InvalidValue, match="BIC"):
        BankAccount.parse("FI2112345600000785", "NOT A BIC")


def test_national_id_never_shows_in_repr_or_str() -> None:
    national_id = NationalId.parse(HETU_MATTI)
    assert national_id.reveal() == HETU_MATTI
    assert national_id.masked == "010190-****"
    for text in (repr(national_id), str(national_id), f"{national_id}", repr([national_id])):
        assert HETU_MATTI not in text
        assert "900P" not in text


def test_national_id_accepts_the_test_range_and_new_century_signs() -> None:
    assert NationalId.parse("010594Y9021") == NationalId.parse(" 010594y9021 ")
    with pytest.raises(InvalidValue) as error:
        NationalId.parse("131052-308U")
    assert "308U" not in str(error.value)


# ------------------------------------------------------------------------- MyRopo ID


def test_myropo_id_has_at_least_60_random_bits() -> None:
    assert MYROPO_ID_BITS >= 60
    assert len(MYROPO_ALPHABET) == 32 and len(set(MYROPO_ALPHABET)) == 32


def test_myropo_id_alphabet_has_no_look_alike_letters() -> None:
    assert not set("ILOU") & set(MYROPO_ALPHABET)


def test_myropo_id_is_printed_in_groups_of_four() -> None:
    myropo_id = MyRopoId.generate(random.Random(1).getrandbits)
    assert len(myropo_id.value) == 12
    printed = myropo_id.printed
    assert [len(group) for group in printed.split("-")] == [4, 4, 4]
    assert MyRopoId.parse(printed) == myropo_id


def test_myropo_id_parsing_forgives_case_spaces_and_look_alikes() -> None:
    assert MyRopoId.parse("4kq7 9xmp 2d3h").value == "4KQ79XMP2D3H"
    assert MyRopoId.parse("O1IL-0000-0000").value == "0111" + "0" * 8
    with pytest.raises(InvalidValue):
        MyRopoId.parse("4KQ7-9XMP-2D3")  # one short
    with pytest.raises(InvalidValue):
        MyRopoId.parse("4KQ7-9XMP-2D3U")  # U is not in the alphabet


def test_generated_myropo_ids_are_unique_and_use_the_whole_alphabet() -> None:
    ids = [MyRopoId.generate().value for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    counts = Counter("".join(ids))
    assert set(counts) == set(MYROPO_ALPHABET)
    expected = len(ids) * 12 / 32
    # Every symbol within ±20 % of uniform over 60 000 symbols (a broken generator,
    # e.g. one that reuses bits or skips symbols, lands far outside).
    assert all(abs(count - expected) < 0.2 * expected for count in counts.values())


def test_myropo_id_uses_all_bits_of_the_random_source() -> None:
    assert MyRopoId.generate(lambda bits: 0).value == "0" * 12
    assert MyRopoId.generate(lambda bits: 2**bits - 1).value == "Z" * 12


# ----------------------------------------------------------------------- case number


def test_case_number_has_twelve_digits_and_a_check_digit() -> None:
    case_number = CaseNumber.generate(random.Random(7).getrandbits)
    assert len(case_number.value) == 12 and case_number.value.isdigit()
    assert case_number.value[0] != "0"
    assert CaseNumber.parse(case_number.printed) == case_number
    wrong = case_number.value[:-1] + str((int(case_number.value[-1]) + 1) % 10)
    with pytest.raises(InvalidValue, match="check digit"):
        CaseNumber.parse(wrong)


def test_invoice_number_is_trimmed_and_limited() -> None:
    assert parse_invoice_number("  1001 ") == "1001"
    with pytest.raises(InvalidValue):
        parse_invoice_number(" ")
    with pytest.raises(InvalidValue):
        parse_invoice_number("x" * 21)
