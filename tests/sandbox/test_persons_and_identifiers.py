"""Test persons and the identifier arithmetic, cross-checked with python-stdnum and schwifty."""

from __future__ import annotations

import json
from datetime import date

import pytest
from ropo_sandbox.identifiers import (
    business_id,
    finnish_iban,
    hetu_check_character,
    make_hetu,
    mask_hetu,
    national_reference,
    rf_reference,
)
from ropo_sandbox.persons import PERSONS, person_by_id, persons_with_invoices
from sandbox_support import reference_is_valid, require_sample
from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus


def _iban_is_valid(iban: str) -> bool:
    try:
        from schwifty import IBAN
    except ImportError:  # pragma: no cover - schwifty is optional here
        from stdnum import iban as stdnum_iban

        return bool(stdnum_iban.is_valid(iban))
    IBAN(iban, validate_bban=True)  # raises on a bad IBAN or BBAN check digit
    return True


# --- persons -------------------------------------------------------------------------


@pytest.mark.parametrize("person", PERSONS, ids=lambda p: p.id)
def test_person_hetu_is_valid_and_artificial(person: object) -> None:
    from ropo_sandbox.persons import SandboxPerson

    assert isinstance(person, SandboxPerson)
    code = person.hetu
    assert stdnum_hetu.validate(code, allow_temporary=True) == code
    assert 900 <= int(code[7:10]) <= 999
    # stdnum refuses the 900-999 range unless told otherwise: proof it is artificial.
    with pytest.raises(ValidationError):
        stdnum_hetu.validate(code)
    assert code[:6] == f"{person.birth_date:%d%m%y}"


def test_required_persons_and_languages() -> None:
    expected = {
        "Maija Meikäläinen": "fi",
        "Matti Meikäläinen": "fi",
        "Anna Andersson": "sv",
        "John Smith": "en",
        "Liisa Virtanen": "fi",
    }
    by_name = {person.name: person.language for person in PERSONS}

    assert expected.items() <= by_name.items()
    assert "Liisa Virtanen" not in {person.name for person in persons_with_invoices()}


def test_persons_are_unique() -> None:
    assert len({person.id for person in PERSONS}) == len(PERSONS)
    assert len({person.hetu for person in PERSONS}) == len(PERSONS)


def test_new_century_signs_are_represented() -> None:
    signs = {person.hetu[6] for person in PERSONS}

    assert "-" in signs
    assert signs & set("BCDEF"), "a 2000s person with a post-2023 sign"
    assert signs & set("YXWVU"), "a 1900s person with a post-2023 sign"
    aino = person_by_id("aino-korhonen")
    assert aino is not None
    assert aino.birth_date == date(2004, 2, 29)


def test_every_person_has_a_postal_code() -> None:
    for person in PERSONS:
        assert person.address.postal_code.isdigit()
        assert len(person.address.postal_code) == 5


def test_masking_keeps_only_birth_date_and_sign() -> None:
    assert mask_hetu("150385-9024") == "150385-****"
    assert mask_hetu("290204B9588") == "290204B****"


def test_dvv_worked_example() -> None:
    # finnish-domain.md: 010594Y9021, int("010594902") mod 31 = 1.
    assert hetu_check_character(date(1994, 5, 1), 902) == "1"
    assert make_hetu(date(1994, 5, 1), 902, "Y") == "010594Y9021"


def test_century_sign_must_fit_the_birth_year() -> None:
    with pytest.raises(ValueError, match="century"):
        make_hetu(date(1994, 5, 1), 902, "A")


def test_check_characters_match_the_shared_vectors() -> None:
    vectors = json.loads(require_sample("hetu/hetu_vectors.json").read_text())
    checked = 0
    for vector in vectors["valid"]:
        code = vector["value"]
        century = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
        year = century.get(code[6], 2000) + int(code[4:6])
        birth = date(year, int(code[2:4]), int(code[0:2]))
        individual = int(code[7:10])
        if individual < 2:
            continue
        assert make_hetu(birth, individual, code[6]) == code
        checked += 1
    assert checked > 20


# --- business ids, references, IBAN ----------------------------------------------------


@pytest.mark.parametrize("base", ["2345678", "1618033", "1732050", "0000001", "1572860"])
def test_business_id_check_digit(base: str) -> None:
    value = business_id(base)

    assert stdnum_ytunnus.format(stdnum_ytunnus.validate(value)) == value


def test_business_id_with_remainder_one_is_refused() -> None:
    with pytest.raises(ValueError, match="remainder 1"):
        business_id("3141592")


@pytest.mark.parametrize(
    ("base", "expected"), [("123456", "1234561"), ("1111", "11112"), ("100", "1009")]
)
def test_national_reference_examples(base: str, expected: str) -> None:
    assert national_reference(base) == expected
    assert reference_is_valid(expected)


@pytest.mark.parametrize(
    ("national", "expected"), [("2348236", "RF332348236"), ("11112", "RF9811112")]
)
def test_rf_reference_examples(national: str, expected: str) -> None:
    assert rf_reference(national) == expected
    assert iso11649.is_valid(expected)


def test_references_match_the_shared_vectors() -> None:
    vectors = json.loads(require_sample("references/viitenumero_rf_vectors.json").read_text())

    for vector in vectors["finnish_valid"]:
        assert reference_is_valid(vector["value"].replace(" ", "")), vector
    for vector in vectors["finnish_invalid"]:
        assert not reference_is_valid(vector["value"].replace(" ", "")), vector
    for vector in vectors["finnish_generate_check_digit"]:
        assert national_reference(vector["base"]) == vector["expected"]
    for vector in vectors["rf_generate"]:
        national = vector["input"]
        if not reference_is_valid(national):
            national = national_reference(national)
        assert rf_reference(national) == vector["expected"].replace(" ", "")


def test_finnish_iban_check_digits() -> None:
    iban = finnish_iban("5000012034567")

    assert iban == "FI3450000120345672"
    assert _iban_is_valid(iban)
