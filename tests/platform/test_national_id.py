"""The shared henkilötunnus value and its AES-GCM cipher."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ropo_platform.national_id import (
    InvalidNationalId,
    NationalId,
    NationalIdCipher,
    NationalIdDecryptionError,
)
from ropo_platform.pseudonym import person_key

KEY = bytes(range(32))
PURPOSE = b"ropo-test/national-id/v1"
SECRET = b"test-person-key-secret"

# Valid with the 2023 century signs (checked against python-stdnum), plus the classic ones.
VALID = ["010594Y9032", "010594Y9021", "020502E902X", "020502A902X", "010190-900P"]


@pytest.mark.parametrize("raw", VALID)
def test_2023_century_signs_are_valid(raw: str) -> None:
    assert NationalId.parse(raw).reveal() == raw
    assert NationalId.is_valid(raw)


def test_input_is_trimmed_and_upper_cased() -> None:
    assert NationalId.parse("  010594y9032 ").reveal() == "010594Y9032"


@pytest.mark.parametrize("raw", ["010594Y9033", "010594Z9032", "320594Y9032", "", "abc", "0105"])
def test_invalid_codes_are_refused_without_echoing_them(raw: str) -> None:
    with pytest.raises(InvalidNationalId) as raised:
        NationalId.parse(raw)
    assert isinstance(raised.value, ValueError)
    if raw:
        assert raw not in str(raised.value)
        assert raw not in repr(raised.value)
    assert not NationalId.is_valid(raw)


def test_masked_form_hides_everything_but_the_birth_date() -> None:
    national_id = NationalId.parse("010594Y9032")
    assert national_id.masked == "010594-****"
    assert str(national_id) == "010594-****"
    assert repr(national_id) == "NationalId(010594-****)"
    assert "Y9032" not in f"{national_id} {national_id!r} {[national_id]}"


def test_equality_compares_the_codes() -> None:
    assert NationalId.parse("010594Y9032") == NationalId.parse("010594y9032")
    assert NationalId.parse("010594Y9032") != NationalId.parse("010594Y9021")
    assert NationalId.parse("010594Y9032") != "010594Y9032"
    assert len({NationalId.parse("010594Y9032"), NationalId.parse("010594Y9032")}) == 1


def test_seal_and_open_round_trip_with_fresh_nonces() -> None:
    cipher = NationalIdCipher(KEY, PURPOSE)
    national_id = NationalId.parse("020502E902X")
    key = person_key(national_id.reveal(), SECRET)
    first, second = cipher.seal(national_id, key), cipher.seal(national_id, key)
    assert first != second
    assert first[:1] == b"\x02"  # version 2: the key id follows
    assert cipher.open(first, key) == national_id
    assert cipher.open(second, key) == national_id


def test_ciphertext_contains_no_code() -> None:
    national_id = NationalId.parse("020502E902X")
    blob = NationalIdCipher(KEY, PURPOSE).seal(national_id, "k" * 32)
    assert b"020502" not in blob
    assert b"E902X" not in blob


def test_tampered_blob_or_other_person_or_purpose_does_not_open() -> None:
    cipher = NationalIdCipher(KEY, PURPOSE)
    national_id = NationalId.parse("010594Y9032")
    key = person_key(national_id.reveal(), SECRET)
    blob = cipher.seal(national_id, key)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    other_key = person_key("010594Y9021", SECRET)
    attempts: tuple[Callable[[], object], ...] = (
        lambda: cipher.open(tampered, key),
        lambda: cipher.open(blob, other_key),
        lambda: NationalIdCipher(KEY, b"other/purpose").open(blob, key),
        lambda: NationalIdCipher(bytes(32), PURPOSE).open(blob, key),
        lambda: cipher.open(b"\x03" + blob[1:], key),
        lambda: cipher.open(blob[:1] + bytes(4) + blob[5:], key),
        lambda: cipher.open(b"\x01short", key),
    )
    for attempt in attempts:
        with pytest.raises(NationalIdDecryptionError):
            attempt()


def test_cipher_refuses_bad_keys_and_purposes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        NationalIdCipher(b"short", PURPOSE)
    with pytest.raises(ValueError, match="purpose"):
        NationalIdCipher(KEY, b"")
