"""Key rings of the henkilötunnus cipher: key ids, old blobs, decryption-only keys."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr
from ropo_platform.config import Environment
from ropo_platform.national_id import NationalId, NationalIdCipher, NationalIdDecryptionError
from ropo_platform.national_id_keys import (
    NationalIdKeyRing,
    decode_key,
    decode_key_list,
    key_id,
    key_ring,
    validated_decryption_keys,
)

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
OLDER = bytes(range(200, 232))
PURPOSE = b"ropo-test/national-id/v1"
PERSON = "a" * 32
CODE = NationalId.parse("010594Y9032")


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def version_1_blob(key: bytes, code: NationalId, person: str) -> bytes:
    """A blob as the cipher wrote it before key ids existed."""
    nonce = os.urandom(12)
    aad = PURPOSE + b"|" + person.encode()
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, code.reveal().encode(), aad)


def test_a_blob_names_the_key_that_sealed_it() -> None:
    blob = NationalIdCipher(NEW, PURPOSE).seal(CODE, PERSON)
    assert blob[:1] == b"\x02"
    assert blob[1:5] == key_id(NEW) != key_id(OLD)
    assert NationalIdCipher(NEW, PURPOSE).current_header == b"\x02" + key_id(NEW)


def test_after_a_rotation_old_blobs_open_and_new_ones_use_the_new_key() -> None:
    before = NationalIdCipher(OLD, PURPOSE).seal(CODE, PERSON)
    rotated = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)
    assert rotated.open(before, PERSON) == CODE
    assert not rotated.is_current(before)
    after = rotated.seal(CODE, PERSON)
    assert rotated.is_current(after)
    assert after[1:5] == key_id(NEW)
    # A replica that only has the old key cannot open it: that is why the new key is
    # first rolled out as decryption-only.
    with pytest.raises(NationalIdDecryptionError, match="not configured"):
        NationalIdCipher(OLD, PURPOSE).open(after, PERSON)
    staged = NationalIdCipher(key_ring(OLD, [NEW]), PURPOSE)
    assert staged.open(after, PERSON) == CODE
    assert staged.seal(CODE, PERSON)[1:5] == key_id(OLD)


def test_version_1_blobs_open_under_any_configured_key() -> None:
    legacy = version_1_blob(OLD, CODE, PERSON)
    assert NationalIdCipher(OLD, PURPOSE).open(legacy, PERSON) == CODE
    ring = NationalIdCipher(key_ring(NEW, [OLDER, OLD]), PURPOSE)
    assert ring.open(legacy, PERSON) == CODE
    assert not ring.is_current(legacy)
    with pytest.raises(NationalIdDecryptionError):
        NationalIdCipher(key_ring(NEW, [OLDER]), PURPOSE).open(legacy, PERSON)
    with pytest.raises(NationalIdDecryptionError):
        ring.open(legacy, "b" * 32)


def test_reseal_moves_a_blob_to_the_current_key_and_keeps_it_bound() -> None:
    ring = NationalIdCipher(key_ring(NEW, [OLD]), PURPOSE)
    for old in (
        version_1_blob(OLD, CODE, PERSON),
        NationalIdCipher(OLD, PURPOSE).seal(CODE, PERSON),
    ):
        new = ring.reseal(old, PERSON)
        assert ring.is_current(new)
        assert NationalIdCipher(NEW, PURPOSE).open(new, PERSON) == CODE
        with pytest.raises(NationalIdDecryptionError):
            ring.open(new, "b" * 32)
    with pytest.raises(NationalIdDecryptionError):
        ring.reseal(NationalIdCipher(OLDER, PURPOSE).seal(CODE, PERSON), PERSON)


def test_a_ring_refuses_bad_and_repeated_keys() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        NationalIdKeyRing(NEW, (b"short",))
    with pytest.raises(ValueError, match="twice"):
        NationalIdKeyRing(NEW, (OLD, OLD))
    with pytest.raises(ValueError, match="twice"):
        NationalIdKeyRing(NEW, (NEW,))
    # While a rotation settles, the new key may still be listed among the old ones.
    assert key_ring(NEW, [NEW, OLD]).keys == (NEW, OLD)


def test_key_lists_parse_commas_and_blanks_and_never_echo_a_key() -> None:
    assert decode_key_list("") == ()
    assert decode_key_list(f" {b64(OLD)} , {b64(OLDER)},") == (OLD, OLDER)
    assert decode_key(f"  {b64(NEW)}\n") == NEW
    bad = "c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0"
    for text, problem in (
        (f"{b64(OLD)},{bad}", "key 2 of the list must decode to 32 bytes"),
        ("not base64 at all!", "key 1 of the list must be base64"),
        (f"{b64(OLD)},{b64(OLD)}", "twice"),
    ):
        with pytest.raises(ValueError, match=problem) as raised:
            decode_key_list(text)
        assert bad not in str(raised.value)
        assert b64(OLD) not in str(raised.value)


def test_production_refuses_the_development_key_among_the_old_ones() -> None:
    development = b64(OLDER)
    listed = SecretStr(f"{b64(OLD)},{development}")
    assert validated_decryption_keys(listed, Environment.DEVELOPMENT, development) is listed
    with pytest.raises(ValueError, match="development default"):
        validated_decryption_keys(listed, Environment.PRODUCTION, development)
    only_old = SecretStr(b64(OLD))
    assert validated_decryption_keys(only_old, Environment.PRODUCTION, development) is only_old
