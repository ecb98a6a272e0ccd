"""Person keys: the contract of CONTRACTS.md, stable and secret-dependent."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from ropo_platform.pseudonym import (
    compact_national_id,
    is_person_key,
    key_of_person_party,
    person_key,
    person_party,
)

SECRET = b"test-secret"


def test_key_follows_the_contract() -> None:
    digest = hmac.new(SECRET, b"010190-900X", hashlib.sha256).digest()[:20]
    expected = base64.b32encode(digest).decode().rstrip("=").lower()
    assert person_key("010190-900X", SECRET) == expected
    assert len(expected) == 32 and is_person_key(expected)


def test_key_is_stable_and_ignores_case_and_whitespace() -> None:
    key = person_key("010190-900X", SECRET)
    assert person_key("010190-900X", SECRET) == key
    assert person_key(" 010190-900x\n", SECRET) == key
    assert compact_national_id(" 010190 -900x ") == "010190-900X"


def test_different_people_and_secrets_give_different_keys() -> None:
    assert person_key("010190-900X", SECRET) != person_key("311299A999E", SECRET)
    assert person_key("010190-900X", SECRET) != person_key("010190-900X", b"other-secret")


def test_party_names() -> None:
    key = person_key("010190-900X", SECRET)
    assert person_party(key) == f"persons/{key}"
    assert key_of_person_party(f"persons/{key}") == key
    for bad in ("persons/", "organizations/1234567-8", f"persons/{key}x", key):
        with pytest.raises(ValueError):
            key_of_person_party(bad)
    with pytest.raises(ValueError):
        person_party("010190-900X")


def test_errors_never_echo_the_national_id() -> None:
    with pytest.raises(ValueError) as empty_secret:
        person_key("010190-900X", b"")
    assert "010190" not in str(empty_secret.value)
    with pytest.raises(ValueError) as not_a_key:
        person_party("010190-900X")
    assert "010190" not in str(not_a_key.value)
    with pytest.raises(ValueError):
        person_key("   ", SECRET)
