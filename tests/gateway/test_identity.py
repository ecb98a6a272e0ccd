"""From ID token claims to the session identity: the henkilötunnus goes in, only a key comes out."""

from __future__ import annotations

import dataclasses

import pytest
from gateway_support import TEST_HETU
from ropo_gateway.auth.identity import IdentityError, identity_from_claims, mask_hetu
from ropo_platform.pseudonym import person_key

SECRET = b"test-person-key-secret"


def test_identity_carries_key_name_and_mask_but_not_the_hetu() -> None:
    identity = identity_from_claims(
        {"hetu": TEST_HETU, "name": "Maija  Meikäläinen", "acr": "loa2"}, SECRET
    )
    assert identity.person_key == person_key(TEST_HETU, SECRET)
    assert identity.subject == f"persons/{identity.person_key}"
    assert identity.display_name == "Maija Meikäläinen"
    assert identity.masked_id == "150385-****"
    assert TEST_HETU not in repr(identity)
    assert all(TEST_HETU not in str(value) for value in dataclasses.astuple(identity))


def test_lower_case_and_other_claim_names_give_the_same_key() -> None:
    upper = identity_from_claims({"hetu": TEST_HETU, "name": "M"}, SECRET)
    lower = identity_from_claims({"nin": TEST_HETU.lower(), "name": "M"}, SECRET)
    assert upper.person_key == lower.person_key


def test_name_falls_back_to_given_and_family_name() -> None:
    identity = identity_from_claims(
        {"ftn_hetu": TEST_HETU, "given_name": "Maija", "family_name": "Meikäläinen"}, SECRET
    )
    assert identity.display_name == "Maija Meikäläinen"


def test_new_century_signs_are_accepted() -> None:
    identity = identity_from_claims({"hetu": "290204B9588", "name": "Aino"}, SECRET)
    assert identity.masked_id == "290204-****"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"name": "No Code"}, "missing_national_id"),
        ({"hetu": "150385-9025", "name": "Bad Check"}, "invalid_national_id"),
        ({"hetu": TEST_HETU}, "missing_name"),
    ],
)
def test_unusable_claims_are_refused_without_echoing_values(
    claims: dict[str, str], reason: str
) -> None:
    with pytest.raises(IdentityError) as caught:
        identity_from_claims(claims, SECRET)
    assert str(caught.value) == reason


def test_mask_keeps_only_the_birth_date() -> None:
    assert mask_hetu("010594Y9032") == "010594-****"
