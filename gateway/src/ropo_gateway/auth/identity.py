"""From validated ID token claims to an ``Identity`` — the only place the henkilötunnus is seen.

The henkilötunnus is read from the claim, validated, turned into the person key
and the masked form, and dropped: it is not returned, stored, logged or put into
an exception message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ropo_platform.pseudonym import person_key
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as hetu_format

from ropo_gateway.auth.model import Identity

# The sandbox and FTN brokers name the claim differently (Signicat: nin / ftn_hetu).
HETU_CLAIMS = ("hetu", "nin", "ftn_hetu")
MAX_NAME_LENGTH = 200


class IdentityError(Exception):
    """The claims do not identify a person; the message is a safe code."""


def mask_hetu(compact_hetu: str) -> str:
    """``DDMMYY-****``: enough for a person to recognise their own code, useless to others."""
    return f"{compact_hetu[:6]}-****"


def _display_name(claims: Mapping[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return " ".join(name.split())[:MAX_NAME_LENGTH]


def identity_from_claims(claims: Mapping[str, Any], secret: bytes) -> Identity:
    """Derive the session identity; raises ``IdentityError`` without echoing any value."""
    raw = next((claims[name] for name in HETU_CLAIMS if isinstance(claims.get(name), str)), None)
    if raw is None:
        raise IdentityError("missing_national_id")
    try:
        # Test persons of the identity broker use the 900-999 ("temporary") range.
        compact = hetu_format.validate(raw, allow_temporary=True)
    except ValidationError:
        raise IdentityError("invalid_national_id") from None
    display_name = _display_name(claims)
    if not display_name:
        raise IdentityError("missing_name")
    return Identity(
        person_key=person_key(compact, secret),
        display_name=display_name,
        masked_id=mask_hetu(compact),
        acr=str(claims.get("acr", "")),
    )
