"""The Paytrail HMAC signature, written independently of the payment service's client.

Payload (docs/payments.md): every ``checkout-*`` parameter, lower-cased and
sorted, as ``key:value`` lines joined by ``\\n``, then ``\\n`` and the body exactly as
sent (empty for redirects and callbacks). The hex HMAC goes in ``signature``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

SIGNED_PREFIX = "checkout-"
SUPPORTED_ALGORITHMS = frozenset({"sha256", "sha512"})


class UnsupportedAlgorithm(ValueError):
    """``checkout-algorithm`` names something other than sha256 or sha512."""


def checkout_params(params: Mapping[str, str]) -> dict[str, str]:
    """The signed subset: every ``checkout-*`` entry, names lower-cased.

    All of them, not a fixed list, so parameters added later stay covered.
    """
    return {
        key.lower(): value for key, value in params.items() if key.lower().startswith(SIGNED_PREFIX)
    }


def signing_payload(params: Mapping[str, str], body: str) -> str:
    """The exact text that is signed."""
    lines = [f"{key}:{value}" for key, value in sorted(checkout_params(params).items())]
    return "\n".join(lines) + "\n" + body


def sign(params: Mapping[str, str], body: str, secret: str, algorithm: str = "sha256") -> str:
    """Hex HMAC of ``params`` (only their ``checkout-*`` part) and ``body``."""
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(algorithm)
    payload = signing_payload(params, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), payload, algorithm).hexdigest()


def is_valid(
    params: Mapping[str, str], body: str, signature: str, secret: str, algorithm: str
) -> bool:
    """Whether ``signature`` matches, compared in constant time."""
    try:
        expected = sign(params, body, secret, algorithm)
    except UnsupportedAlgorithm:
        return False
    # Bytes, so a non-ASCII forgery is a mismatch rather than a TypeError.
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8"))
