"""The broker's signing key: generated at start-up or loaded from a file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, RSAKey, import_key


@dataclass(frozen=True)
class SigningKey:
    """A private key, its ``kid`` and the JWS algorithm it signs with."""

    key: RSAKey | ECKey
    kid: str
    alg: str

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK for ``/idp/jwks``."""
        jwk = dict(self.key.as_dict(private=False))
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.alg})
        return jwk


def generate_signing_key() -> SigningKey:
    """A fresh RSA-2048 key; the kid is its RFC 7638 thumbprint."""
    key = RSAKey.generate_key(2048, private=True)
    return _wrap(key, kid=None)


def load_signing_key(path: Path) -> SigningKey:
    """Load a private RSA or EC (P-256) key from a PEM file or a JWK JSON file."""
    raw = path.read_bytes()
    kid: str | None = None
    data: bytes | dict[str, Any] = raw
    if raw.lstrip().startswith(b"{"):
        parsed = json.loads(raw)
        kid = parsed.get("kid")
        data = parsed
    key = import_key(data)
    if not isinstance(key, RSAKey | ECKey) or not key.is_private:
        raise ValueError(f"{path}: expected a private RSA or EC key")
    return _wrap(key, kid=kid)


def _wrap(key: RSAKey | ECKey, kid: str | None) -> SigningKey:
    if isinstance(key, RSAKey):
        alg = "RS256"
    elif key.curve_name == "P-256":
        alg = "ES256"
    else:
        raise ValueError("EC signing keys must use curve P-256 (ES256)")
    return SigningKey(key=key, kid=kid or key.thumbprint(), alg=alg)
