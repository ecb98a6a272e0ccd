"""The keys of sealed henkilötunnus values: one current key and older ones that still open.

A service is configured with its current key (``ROPO_<CTX>_HETU_ENCRYPTION_KEY``) and,
during a rotation, with more keys that only decrypt (``ROPO_<CTX>_HETU_DECRYPTION_KEYS``,
comma-separated base64). New blobs are always sealed with the current key; a blob names
its key by a short *key id*, so opening never has to guess.

The key id is the first four bytes of HMAC-SHA256(key, label): fixed by the key itself,
so operators never assign ids (two keys cannot share one by mistake), and being a PRF
output it says nothing about the key. Four bytes are plenty for the handful of keys a
ring holds; a collision inside one ring is refused.

Decryption-only keys serve both ends of a rotation: the new key is first rolled out as
decryption-only everywhere (so that every replica can open what any replica seals), then
made current, and the old key stays decryption-only until ``reencrypt-national-ids``
reports nothing left under it.

Errors never contain a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import SecretStr

from ropo_platform.config import Environment

KEY_BYTES = 32
KEY_ID_BYTES = 4
_KEY_ID_LABEL = b"ropo/national-id/key-id/v1"


def key_id(key: bytes) -> bytes:
    """The id a blob sealed with ``key`` carries."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).digest()[:KEY_ID_BYTES]


@dataclass(frozen=True, slots=True)
class NationalIdKeyRing:
    """The current key (seals and opens) and keys that only open, oldest last."""

    current: bytes
    decryption_only: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        keys = (self.current, *self.decryption_only)
        if any(len(key) != KEY_BYTES for key in keys):
            raise ValueError(f"every encryption key must be {KEY_BYTES} bytes")
        if len({key_id(key) for key in keys}) != len(keys):
            raise ValueError("the key ring lists the same key twice")

    @property
    def current_key_id(self) -> bytes:
        return key_id(self.current)

    @property
    def keys(self) -> tuple[bytes, ...]:
        """Every key, the current one first (the order old blobs are tried in)."""
        return (self.current, *self.decryption_only)


def decode_key(text: str) -> bytes:
    """One base64 key of ``KEY_BYTES``; ``ValueError`` (without the text) otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"must decode to {KEY_BYTES} bytes")
    return key


def decode_key_list(text: str) -> tuple[bytes, ...]:
    """Comma-separated base64 keys (blanks around commas and an empty list are fine)."""
    items = [item for item in (part.strip() for part in text.split(",")) if item]
    keys: list[bytes] = []
    for position, item in enumerate(items, start=1):
        try:
            keys.append(decode_key(item))
        except ValueError as error:
            raise ValueError(f"key {position} of the list {error}") from None
    if len(set(keys)) != len(keys):
        raise ValueError("lists the same key twice")
    return tuple(keys)


def validated_decryption_keys(
    value: SecretStr, environment: object, development_default: str
) -> SecretStr:
    """Check a ``…_HETU_DECRYPTION_KEYS`` setting: base64 keys of ``KEY_BYTES``, and in
    production not the public development key (no production data is sealed with it)."""
    keys = decode_key_list(value.get_secret_value())
    if environment is Environment.PRODUCTION and decode_key(development_default) in keys:
        raise ValueError("the development default is not allowed when ROPO_ENV=production")
    return value


def key_ring(current: bytes, decryption_only: Iterable[bytes] = ()) -> NationalIdKeyRing:
    """The ring of ``current`` plus ``decryption_only`` (a repeat of ``current`` is dropped,
    so the old and the new key may both stay listed while a rotation settles)."""
    current_id = key_id(current)
    others = tuple(key for key in decryption_only if key_id(key) != current_id)
    return NationalIdKeyRing(current, others)


__all__ = [
    "KEY_BYTES",
    "KEY_ID_BYTES",
    "NationalIdKeyRing",
    "decode_key",
    "decode_key_list",
    "key_id",
    "key_ring",
    "validated_decryption_keys",
]
