"""Validation of OpenID Connect ID tokens (OIDC Core §3.1.3.7, ASVS V9/V10).

Pure: takes the token, the issuer's key set, the expectations and the time;
fetching keys is ``oidc.py``'s job. Checks, in order:

1. compact JWS (an encrypted JWE is not accepted here);
2. header: ``alg`` on the allowlist (never ``none`` or HMAC), no ``jku``/``x5u``/``jwk``
   (keys come only from the configured issuer's JWKS), no ``crit``;
3. signature with the key named by ``kid`` (``UnknownKeyError`` lets the caller
   refresh the JWKS once, for key rotation);
4. ``iss`` exactly the issuer, ``aud`` contains the client id (``azp`` when several),
   ``exp``/``nbf``/``iat`` with a small leeway and a maximum age, ``nonce`` equal to
   the pre-login record's, ``acr`` at least substantial, ``sub`` present.

Error texts name the failed check, never a claim value: an ID token carries the
henkilötunnus.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from ropo_gateway.auth.tokens import tokens_equal

_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "crit")


class IdTokenError(Exception):
    """The ID token is not acceptable; ``reason`` is a short code safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownKeyError(IdTokenError):
    """No key in the JWKS matches the token's ``kid``: refresh the JWKS and retry once."""

    def __init__(self) -> None:
        super().__init__("unknown_kid")


@dataclass(frozen=True, slots=True)
class IdTokenExpectations:
    """What a valid ID token of this login must say."""

    issuer: str
    client_id: str
    nonce: str
    algorithms: Collection[str]
    acr_values: Collection[str]
    leeway_seconds: int = 60
    max_age_seconds: int = 600


def _header(token: str) -> Mapping[str, Any]:
    # Parsed by hand so that our header checks run before any library processing.
    if token.count(".") != 2:
        raise IdTokenError("not_compact_jws")
    segment = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw)
    except (ValueError, binascii.Error):
        raise IdTokenError("malformed") from None
    if not isinstance(header, dict):
        raise IdTokenError("malformed")
    return header


def _signing_key(header: Mapping[str, Any], keys: KeySet, algorithms: Collection[str]) -> Key:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise IdTokenError("algorithm_not_allowed")
    if any(name in header for name in _FORBIDDEN_HEADERS):
        raise IdTokenError("forbidden_header")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise IdTokenError("malformed")
    try:
        return keys.get_by_kid(kid, {"use": "sig", "alg": alg})
    except JoseError:
        raise UnknownKeyError() from None


def _optional_number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IdTokenError(f"invalid_{name}")
    return float(value)


def _required_number(claims: Mapping[str, Any], name: str) -> float:
    value = _optional_number(claims, name)
    if value is None:
        raise IdTokenError(f"missing_{name}")
    return value


def _check_audience(claims: Mapping[str, Any], client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise IdTokenError("audience_mismatch")
    # With several audiences the token must say it was issued to us (OIDC Core 3.1.3.7 #4-5).
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise IdTokenError("authorized_party_mismatch")


def _check_times(claims: Mapping[str, Any], now: datetime, leeway: int, max_age: int) -> None:
    timestamp = now.timestamp()
    exp = _required_number(claims, "exp")
    iat = _required_number(claims, "iat")
    nbf = _optional_number(claims, "nbf")
    if exp <= timestamp - leeway:
        raise IdTokenError("expired")
    if iat > timestamp + leeway or (nbf is not None and nbf > timestamp + leeway):
        raise IdTokenError("not_yet_valid")
    if iat < timestamp - leeway - max_age:
        raise IdTokenError("too_old")


def validate_id_token(
    token: str, keys: KeySet, expected: IdTokenExpectations, now: datetime
) -> dict[str, Any]:
    """Verify ``token`` and return its claims; raise ``IdTokenError`` otherwise."""
    header = _header(token)
    key = _signing_key(header, keys, expected.algorithms)
    try:
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=[str(header["alg"])]).claims
    except JoseError:
        raise IdTokenError("bad_signature") from None
    if claims.get("iss") != expected.issuer:
        raise IdTokenError("issuer_mismatch")
    _check_audience(claims, expected.client_id)
    _check_times(claims, now, expected.leeway_seconds, expected.max_age_seconds)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not tokens_equal(expected.nonce, nonce):
        raise IdTokenError("nonce_mismatch")
    if claims.get("acr") not in expected.acr_values:
        raise IdTokenError("insufficient_acr")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise IdTokenError("missing_sub")
    return claims
