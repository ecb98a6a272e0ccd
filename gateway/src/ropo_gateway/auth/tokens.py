"""Random tokens and their storage form.

Session ids, login-flow ids and CSRF tokens are 256-bit CSPRNG values
(ASVS 7.2.3 asks for at least 128). The database keeps only the SHA-256 of a
session or login-flow id, so a copy of the table cannot be replayed as cookies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh URL-safe random token (43 characters, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The storage key of a token: hex SHA-256 (a fast hash is fine for 256-bit randomness)."""
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def tokens_equal(expected: str, given: str) -> bool:
    """Constant-time comparison of two tokens (state, nonce, CSRF)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce_verifier() -> str:
    """A code verifier of 64 characters from the unreserved set (RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(48)
