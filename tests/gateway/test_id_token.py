"""ID token validation rejects everything the reference's mock-OP list names (ASVS V9/V10)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from gateway_support import ACR, CLIENT_ID, ISSUER, TEST_HETU, SigningKeys, id_claims, sign
from joserfc.jwk import RSAKey
from ropo_gateway.auth.id_token import (
    IdTokenError,
    IdTokenExpectations,
    UnknownKeyError,
    validate_id_token,
)

NONCE = "n-0S6_WzA2Mj"
NOW = time.time()


@pytest.fixture(scope="module")
def keys() -> SigningKeys:
    return SigningKeys()


def expect(**overrides: Any) -> IdTokenExpectations:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "nonce": NONCE,
        "algorithms": ("RS256", "ES256", "PS256"),
        "acr_values": (ACR,),
        "leeway_seconds": 60,
        "max_age_seconds": 600,
    }
    values.update(overrides)
    return IdTokenExpectations(**values)


def validate(token: str, keys: SigningKeys, **overrides: Any) -> dict[str, Any]:
    return validate_id_token(
        token, keys.key_set(), expect(**overrides), datetime.fromtimestamp(NOW, UTC)
    )


def rejected(token: str, keys: SigningKeys, reason: str, **overrides: Any) -> None:
    with pytest.raises(IdTokenError) as caught:
        validate(token, keys, **overrides)
    assert caught.value.reason == reason
    assert TEST_HETU not in str(caught.value)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_rs256_and_es256_tokens_are_accepted(keys: SigningKeys) -> None:
    claims = validate(sign(id_claims(NONCE, NOW), keys.rsa), keys)
    assert claims["hetu"] == TEST_HETU and claims["sub"] == "broker-pseudonym-1"
    assert validate(sign(id_claims(NONCE, NOW), keys.ec, "ES256"), keys)["acr"] == ACR


def test_unsigned_alg_none_is_rejected(keys: SigningKeys) -> None:
    token = f"{b64({'alg': 'none', 'kid': 'rsa-1'})}.{b64(id_claims(NONCE, NOW))}."
    rejected(token, keys, "algorithm_not_allowed")


def test_hs256_signed_with_the_public_key_is_rejected(keys: SigningKeys) -> None:
    # The classic confusion attack, built by hand: joserfc itself refuses to make it.
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'rsa-1'})}.{b64(id_claims(NONCE, NOW))}"
    mac = hmac.new(keys.rsa.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
    rejected(f"{signing_input}.{signature}", keys, "algorithm_not_allowed")


def test_signature_by_an_unknown_key_with_a_known_kid_is_rejected(keys: SigningKeys) -> None:
    impostor = RSAKey.generate_key(2048, {"kid": "rsa-1"})
    rejected(sign(id_claims(NONCE, NOW), impostor), keys, "bad_signature")


def test_tampered_payload_is_rejected(keys: SigningKeys) -> None:
    header, _, signature = sign(id_claims(NONCE, NOW), keys.rsa).split(".")
    other = b64(id_claims(NONCE, NOW, hetu="010190-900P"))
    rejected(f"{header}.{other}.{signature}", keys, "bad_signature")


def test_unknown_kid_asks_for_a_jwks_refresh(keys: SigningKeys) -> None:
    rotated = RSAKey.generate_key(2048, {"kid": "rsa-2"})
    with pytest.raises(UnknownKeyError):
        validate(sign(id_claims(NONCE, NOW), rotated), keys)


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
def test_key_location_headers_are_refused(keys: SigningKeys, header: str) -> None:
    value: Any = "https://attacker.example/jwks" if header != "jwk" else keys.rsa.as_dict()
    rejected(sign(id_claims(NONCE, NOW), keys.rsa, **{header: value}), keys, "forbidden_header")


def test_encrypted_token_is_not_accepted_as_a_signed_one(keys: SigningKeys) -> None:
    rejected("a.b.c.d.e", keys, "not_compact_jws")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://idp.example.test/idp/"}, "issuer_mismatch"),
        ({"iss": None}, "issuer_mismatch"),
        ({"aud": "someone-else"}, "audience_mismatch"),
        ({"aud": ["someone-else", CLIENT_ID]}, "authorized_party_mismatch"),
        ({"exp": int(NOW) - 61}, "expired"),
        ({"exp": None}, "missing_exp"),
        ({"iat": None}, "missing_iat"),
        ({"exp": "tomorrow"}, "invalid_exp"),
        ({"nbf": int(NOW) + 120}, "not_yet_valid"),
        ({"iat": int(NOW) + 120}, "not_yet_valid"),
        ({"iat": int(NOW) - 700, "exp": int(NOW) + 100}, "too_old"),
        ({"nonce": "other-nonce"}, "nonce_mismatch"),
        ({"nonce": None}, "nonce_mismatch"),
        ({"acr": "http://ftn.ficora.fi/2017/loa1"}, "insufficient_acr"),
        ({"acr": None}, "insufficient_acr"),
        ({"sub": ""}, "missing_sub"),
    ],
)
def test_claims_are_checked(keys: SigningKeys, overrides: dict[str, Any], reason: str) -> None:
    rejected(sign(id_claims(NONCE, NOW, **overrides), keys.rsa), keys, reason)


def test_several_audiences_need_azp_naming_us(keys: SigningKeys) -> None:
    token = sign(id_claims(NONCE, NOW, aud=[CLIENT_ID, "other"], azp=CLIENT_ID), keys.rsa)
    assert validate(token, keys)["azp"] == CLIENT_ID


def test_small_clock_skew_is_tolerated(keys: SigningKeys) -> None:
    token = sign(id_claims(NONCE, NOW, iat=int(NOW) + 30, exp=int(NOW) - 30), keys.rsa)
    assert validate(token, keys)["sub"]


def test_garbage_is_rejected_without_echoing_it(keys: SigningKeys) -> None:
    rejected(f"{b64({'alg': 'RS256', 'kid': 'rsa-1'})}.{TEST_HETU}.x", keys, "bad_signature")
    rejected("not a token", keys, "not_compact_jws")
    rejected("!!.!!.!!", keys, "malformed")
