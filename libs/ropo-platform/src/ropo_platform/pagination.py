"""Keyset pagination with opaque page tokens (AIP-158).

For list methods that page by one string key (a resource name, or a create time and an id
joined). A token holds the last key of the page and a digest of the request's other fields,
so a token cannot be replayed against a different query (the fields other than
``page_size`` must not change between pages). Tokens are not secret: the digest is one-way
and a cursor gives no access the caller's own query does not already give.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence

from ropo_platform.errors import FieldViolation, ValidationFailed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_TOKEN_VERSION = 1


class InvalidPageToken(ValidationFailed):
    """The page token was not issued by this service for this query."""

    default_reason = "INVALID_PAGE_TOKEN"

    def __init__(self, description: str) -> None:
        super().__init__([FieldViolation("page_token", description)], "invalid page token")


def effective_page_size(page_size: int) -> int:
    """0 → the default, above the maximum → the maximum, negative → ``INVALID_ARGUMENT``."""
    if page_size < 0:
        raise ValidationFailed([FieldViolation("page_size", "must not be negative")])
    if page_size == 0:
        return DEFAULT_PAGE_SIZE
    return min(page_size, MAX_PAGE_SIZE)


def query_digest(fields: Sequence[str]) -> str:
    """A short one-way digest of the query fields a token is bound to."""
    canonical = json.dumps(list(fields), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode_page_token(last_key: str, digest: str) -> str:
    """The URL-safe token that continues after ``last_key``."""
    body = {"v": _TOKEN_VERSION, "k": last_key, "q": digest}
    raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_page_token(token: str, digest: str) -> str | None:
    """The key to continue after (``None`` for the first page); ``InvalidPageToken`` when
    the token is malformed or belongs to another query."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown token version")
        last_key, token_digest = body["k"], body["q"]
        if not isinstance(last_key, str) or not isinstance(token_digest, str):
            raise ValueError("malformed token")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidPageToken("is not a token from a previous response") from None
    if token_digest != digest:
        raise InvalidPageToken("was issued for a request with other fields")
    return last_key
