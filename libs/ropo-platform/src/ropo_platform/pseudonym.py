"""Pseudonymous person keys: how services refer to a person without the henkilötunnus.

``person_key`` = lowercase base32 (no padding) of the first 20 bytes of
HMAC-SHA256(secret, compact upper-case henkilötunnus) → 32 characters. The same
secret is configured in invoice, authorization and gateway
(``ROPO_<SERVICE>_PERSON_KEY_SECRET``), so all three derive the same key.
Resource name of a person: ``persons/{key}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PERSON_KEY_BYTES = 20
PERSON_PARTY_PREFIX = "persons/"
_KEY = re.compile(r"^[a-z2-7]{32}$")


def compact_national_id(national_id: str) -> str:
    """The canonical form hashed by ``person_key``: no whitespace, upper case."""
    return "".join(national_id.split()).upper()


def person_key(national_id: str, secret: bytes) -> str:
    """The 32-character pseudonymous key of the person with ``national_id``.

    The id is only compacted (whitespace removed, upper-cased), not validated:
    validate it in the domain first. Error messages never contain the id.
    """
    if not secret:
        raise ValueError("person key secret must not be empty")
    compact = compact_national_id(national_id)
    if not compact:
        raise ValueError("national id must not be empty")
    digest = hmac.new(secret, compact.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest[:PERSON_KEY_BYTES]).decode("ascii").rstrip("=").lower()


def is_person_key(value: str) -> bool:
    """True when ``value`` has the shape of a ``person_key``."""
    return bool(_KEY.match(value))


def person_party(key: str) -> str:
    """The resource name ``persons/{key}``."""
    if not is_person_key(key):
        raise ValueError("not a person key")
    return f"{PERSON_PARTY_PREFIX}{key}"


def key_of_person_party(party: str) -> str:
    """The key in ``persons/{key}``; ``ValueError`` for anything else."""
    key = party.removeprefix(PERSON_PARTY_PREFIX)
    if key == party or not is_person_key(key):
        raise ValueError("not a person resource name")
    return key


__all__ = [
    "compact_national_id",
    "is_person_key",
    "key_of_person_party",
    "person_key",
    "person_party",
]
