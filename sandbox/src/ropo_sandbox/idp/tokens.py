"""Claims and the signed ID token.

For test persons the claim set follows what FTN brokers deliver to a relying
party: the person's names, birth date and henkilötunnus (here in the claim
``hetu``), a broker-scoped pseudonymous ``sub`` and the level of assurance
"substantial". For staff users it follows a workforce identity provider: the
staff id as ``sub``, names, a work e-mail and ``roles``; never a henkilötunnus.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from joserfc import jwt

from ropo_sandbox.idp.keys import SigningKey
from ropo_sandbox.persons import SandboxPerson, SandboxStaffUser

# FTN level of assurance "substantial" (Traficom; the FICORA-era identifier is
# what brokers still send). "High" would be .../loa3.
ACR_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2"
# What a workforce identity provider asserts after a multi-factor login; the gateway's
# staff client requires it (ROPO_GATEWAY_STAFF_OIDC_ACR_VALUES).
ACR_STAFF_MFA = "urn:ropo:sandbox:acr:staff-mfa"

CLAIMS_SUPPORTED = (
    "iss", "aud", "sub", "exp", "iat", "auth_time", "nonce", "acr", "at_hash",
    "name", "given_name", "family_name", "birthdate", "hetu", "email", "roles",
)  # fmt: skip


def subject_for(person: SandboxPerson, secret: bytes) -> str:
    """A stable pseudonym of the person, scoped to this broker (not the hetu).

    Keyed so that the relying party cannot derive it from the hetu; lower-case
    base32 of HMAC-SHA256, 26 characters (130 bits).
    """
    mac = hmac.new(secret, b"sub:" + person.hetu.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().rstrip("=").lower()[:26]


def person_claims(person: SandboxPerson, subject: str) -> dict[str, Any]:
    """The identity claims shared by the ID token and userinfo."""
    return {
        "sub": subject,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birthdate": person.birth_date.isoformat(),
        "hetu": person.hetu,
    }


def staff_claims(user: SandboxStaffUser) -> dict[str, Any]:
    """The claims of a staff user (ID token and userinfo): staff id, names, e-mail, roles."""
    return {
        "sub": user.id,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "roles": list(user.roles),
    }


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IdTokenIssuer:
    """Builds and signs ID tokens.

    The FTN profile's encrypted ID token would wrap the result of ``sign`` in a
    JWE for the client's encryption key; that belongs here as another step.
    """

    issuer: str
    key: SigningKey
    ttl_seconds: int

    def claims(
        self,
        *,
        client_id: str,
        user_claims: dict[str, Any],
        acr: str,
        nonce: str,
        auth_time: int,
        now: int,
        access_token: str,
    ) -> dict[str, Any]:
        """The full claim set of one ID token; ``user_claims`` from ``person_claims`` or
        ``staff_claims`` (they carry ``sub``)."""
        return {
            "iss": self.issuer,
            "aud": client_id,
            "exp": now + self.ttl_seconds,
            "iat": now,
            "auth_time": auth_time,
            "nonce": nonce,
            "acr": acr,
            "at_hash": at_hash(access_token),
            **user_claims,
        }

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS with the broker's key and ``kid``."""
        header = {"alg": self.key.alg, "kid": self.key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self.key.key, algorithms=[self.key.alg])
