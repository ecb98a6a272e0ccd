"""Identifiers: references, business IDs, accounts, henkilötunnus, MyRopo ID, case number."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

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
from stdnum import iso11649

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


def test_a_national_reference_wraps_into_its_rf() -> None:
    # finnish-domain.md §4.2: national 2348236 → RF33 2348 236, 11112 → RF98 11112.
    assert PaymentReference.parse("2348236").to_rf().printed == "RF33 2348 236"
    rf = PaymentReference.parse("11112").to_rf()
    assert rf == PaymentReference("RF9811112", ReferenceKind.RF)
    assert rf.to_rf() is rf


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


# ---------------------------------------------------------------- shared reference vectors


def shared_vectors(relative: str) -> dict[str, Any]:
    """A vector file of the shared data, or skip with the reason."""
    data_dir = samples_dir()
    if data_dir is None or not (data_dir / relative).is_file():
        pytest.skip(f"shared vectors {relative} (../shared/data or ROPO_SAMPLES_DIR) are absent")
    loaded: dict[str, Any] = json.loads((data_dir / relative).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def references() -> dict[str, Any]:
    return shared_vectors("references/viitenumero_rf_vectors.json")


@pytest.fixture(scope="module")
def hetus() -> dict[str, Any]:
    return shared_vectors("hetu/hetu_vectors.json")


def test_shared_valid_national_references(references: dict[str, Any]) -> None:
    assert len(references["finnish_valid"]) == 33
    for entry in references["finnish_valid"]:
        reference = PaymentReference.parse(entry["value"])
        assert reference.kind is ReferenceKind.NATIONAL
        assert reference.value == "".join(entry["value"].split()).lstrip("0")


def test_shared_invalid_national_references(references: dict[str, Any]) -> None:
    for entry in references["finnish_invalid"]:
        with pytest.raises(InvalidValue):
            PaymentReference.parse(entry["value"])


def test_shared_check_digit_generation(references: dict[str, Any]) -> None:
    for entry in references["finnish_generate_check_digit"]:
        assert entry["base"] + national_check_digit(entry["base"]) == entry["expected"]
        assert PaymentReference.national_from_base(entry["base"]).value == entry["expected"]


def test_shared_paper_format(references: dict[str, Any]) -> None:
    # The sources disagree: most group in fives from the right (Finance Finland's rule, so
    # the check digit ends a full group), one groups from the left. The project follows the
    # rule; for a left-grouped entry the digits must still be the same.
    exact = 0
    for entry in references["finnish_paper_format"]:
        printed = PaymentReference.parse(entry["machine"]).printed
        groups = entry["paper"].split()
        if all(len(group) == 5 for group in groups[1:]):
            assert printed == entry["paper"]
            exact += 1
        else:
            assert printed.replace(" ", "") == entry["paper"].replace(" ", "")
            assert all(len(group) == 5 for group in printed.split()[1:])
    assert exact == len(references["finnish_paper_format"]) - 1


def test_shared_valid_rf_references(references: dict[str, Any]) -> None:
    for entry in references["rf_valid"]:
        body = "".join(entry["value"].split())[4:]
        if not body.isdigit():  # valid ISO 11649, but no bank barcode can carry it
            assert iso11649.is_valid(entry["value"])
            with pytest.raises(InvalidValue, match="numeric"):
                PaymentReference.parse(entry["value"])
            continue
        reference = PaymentReference.parse(entry["value"])
        assert reference.kind is ReferenceKind.RF
        assert reference.wraps_national_reference is entry["finnish_body_valid"]


def test_shared_invalid_rf_references(references: dict[str, Any]) -> None:
    for entry in references["rf_invalid"]:
        with pytest.raises(InvalidValue):
            PaymentReference.parse(entry["value"])


def test_iso_valid_rf_references_need_a_numeric_body(
    references: dict[str, Any],
) -> None:
    alphanumeric = [entry["value"] for entry in references["rf_valid_iso_but_not_finnish"]]
    alphanumeric += references["rf_random_alphanumeric_valid"]["values"]
    assert len(alphanumeric) == 101
    for value in alphanumeric:
        assert iso11649.is_valid(value)
        if value[4:].isdigit():  # a few random bodies happen to be numbers: barcode-ready
            assert PaymentReference.parse(value).kind is ReferenceKind.RF
            continue
        with pytest.raises(InvalidValue, match="numeric"):
            PaymentReference.parse(value)


def test_shared_rf_generation(references: dict[str, Any]) -> None:
    for entry in references["rf_generate"]:
        expected = PaymentReference.parse(entry["expected"])
        # The input is either the national reference itself or its base (without the
        # check digit): the expected RF body tells which.
        body = expected.value[4:]
        national = (
            PaymentReference.parse(entry["input"])
            if body == entry["input"]
            else PaymentReference.national_from_base(entry["input"])
        )
        rf = national.to_rf()
        assert rf == expected
        if " " in entry["expected"]:
            assert rf.printed == entry["expected"]


def test_shared_finnish_ibans(references: dict[str, Any]) -> None:
    for entry in references["bonus_finnish_iban_valid"]:
        account = BankAccount.parse(entry["value"])
        assert account.iban == "".join(entry["value"].split()).upper()
    for entry in references["bonus_finnish_iban_invalid"]:
        with pytest.raises(InvalidValue, match="IBAN"):
            BankAccount.parse(entry["value"])


def test_references_found_in_finvoice_samples(references: dict[str, Any]) -> None:
    for entry in references["finvoice_sample_references_checked"]:
        if entry["result"].startswith("valid ISO 11649, body not"):
            reference = PaymentReference.parse(entry["value"])
            assert reference.kind is ReferenceKind.RF
            assert not reference.wraps_national_reference
        else:
            with pytest.raises(InvalidValue):
                PaymentReference.parse(entry["value"])


# ------------------------------------------------------------------ shared henkilötunnus


def test_shared_valid_henkilotunnus(hetus: dict[str, Any]) -> None:
    assert len(hetus["valid"]) == 46
    for entry in hetus["valid"]:
        national_id = NationalId.parse(entry["value"])
        assert national_id.reveal() == entry["value"]
        assert NationalId.is_valid(entry["value"])
        # Temporary (artificial) numbers 900–999 are accepted like any other.
        assert (int(entry["individual_number"]) >= 900) is entry["test_range_900_999"]


def test_shared_invalid_henkilotunnus(hetus: dict[str, Any]) -> None:
    for entry in hetus["invalid"]:
        value = entry["value"]
        if "strict" in entry["reason"] or "lowercase" in entry["reason"]:
            # Deliberate policy: parse forgives surrounding spaces and lower case (people
            # type them) and keeps the strict canonical form.
            canonical = value.strip().upper()
            assert NationalId.parse(value).reveal() == canonical
            assert NationalId.parse(canonical).reveal() == canonical
            continue
        assert not NationalId.is_valid(value), entry["reason"]
        with pytest.raises(InvalidValue) as error:
            NationalId.parse(value)
        assert value.strip() not in str(error.value)


def test_codes_that_only_lenient_libraries_accept_are_refused(hetus: dict[str, Any]) -> None:
    entries = hetus["appear_in_library_tests_but_fail_strict_validation"]
    assert entries
    for entry in entries:
        with pytest.raises(InvalidValue):
            NationalId.parse(entry["value"])


def test_century_signs_of_one_century_are_all_valid(hetus: dict[str, Any]) -> None:
    for group in hetus["equivalent_century_signs"]:
        parsed = [NationalId.parse(code) for code in group["codes"]]
        # Same birth date and check character, but distinct codes (the new signs exist
        # to give out more codes per day), so never equal to each other.
        assert len({national_id.masked for national_id in parsed}) == 1
        assert len({national_id.reveal()[-1] for national_id in parsed}) == 1
        assert len(set(parsed)) == len(parsed)


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
