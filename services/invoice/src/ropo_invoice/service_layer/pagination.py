"""Keyset pagination with opaque page tokens (AIP-158).

A token encodes the last item's sort key (due date, id) and a hash of the
filter it was issued for. Keyset rather than offset: a page costs the same at
page 1 and page 10 000, and inserts between calls do not shift items. The
filter hash makes a token from one query unusable with another (the fields
other than ``page_size`` must not change between pages).

Tokens are not secret: they hold no personal data (the filter hash is one-way)
and give no access the caller's filter does not already give.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import astuple
from datetime import date

from ropo_platform.errors import FieldViolation, ValidationFailed

from ropo_invoice.service_layer.ports import InvoiceCursor, InvoiceFilter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_TOKEN_VERSION = 1


class InvalidPageToken(ValidationFailed):
    """The page token is not one this service issued for this query."""

    default_reason = "INVALID_PAGE_TOKEN"

    def __init__(self, description: str) -> None:
        super().__init__([FieldViolation("page_token", description)], "invalid page token")


def effective_page_size(page_size: int) -> int:
    """AIP-158: 0 → default, above the maximum → the maximum, negative → error."""
    if page_size < 0:
        raise ValidationFailed([FieldViolation("page_size", "must not be negative")])
    if page_size == 0:
        return DEFAULT_PAGE_SIZE
    return min(page_size, MAX_PAGE_SIZE)


def filter_hash(invoice_filter: InvoiceFilter) -> str:
    """A short one-way digest of the filter (order of ``invoice_ids`` does not matter)."""
    fields = list(astuple(invoice_filter))
    if invoice_filter.invoice_ids is not None:
        fields[0] = sorted(invoice_filter.invoice_ids)
    canonical = json.dumps(fields, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode_page_token(cursor: InvoiceCursor, invoice_filter: InvoiceFilter) -> str:
    """The opaque, URL-safe token that continues after ``cursor``."""
    body = {
        "v": _TOKEN_VERSION,
        "d": cursor.due_date.isoformat(),
        "i": cursor.invoice_id,
        "f": filter_hash(invoice_filter),
    }
    raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_page_token(token: str, invoice_filter: InvoiceFilter) -> InvoiceCursor | None:
    """The cursor in ``token`` (``None`` for the first page); ``InvalidPageToken`` otherwise."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown token version")
        cursor = InvoiceCursor(date.fromisoformat(str(body["d"])), str(body["i"]))
        token_filter = str(body["f"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidPageToken("is not a token from a previous response") from None
    if token_filter != filter_hash(invoice_filter):
        raise InvalidPageToken("was issued for a request with other filters")
    return cursor


def encode_position_token(scope: str, position: int) -> str:
    """A token that continues after ``position`` within ``scope`` (e.g. one invoice's
    timeline); it is refused for any other scope."""
    body = {"v": _TOKEN_VERSION, "p": position, "s": _scope_hash(scope)}
    raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_position_token(token: str, scope: str) -> int:
    """The position in ``token`` (0 for the first page); ``InvalidPageToken`` otherwise."""
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown token version")
        position, token_scope = body["p"], str(body["s"])
        if not isinstance(position, int) or position < 0:
            raise ValueError("bad position")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidPageToken("is not a token from a previous response") from None
    if token_scope != _scope_hash(scope):
        raise InvalidPageToken("was issued for a request with other filters")
    return position


def _scope_hash(scope: str) -> str:
    return hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16]


def encode_key_token(scope: str, key: Sequence[str]) -> str:
    """A token that continues after the sort ``key`` of the last item within ``scope``."""
    body = {"v": _TOKEN_VERSION, "k": list(key), "s": _scope_hash(scope)}
    raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_key_token(token: str, scope: str, size: int) -> tuple[str, ...] | None:
    """The key in ``token`` (``None`` for the first page); ``InvalidPageToken`` otherwise."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown token version")
        key, token_scope = body["k"], str(body["s"])
        if not isinstance(key, list) or len(key) != size:
            raise ValueError("bad key")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidPageToken("is not a token from a previous response") from None
    if token_scope != _scope_hash(scope):
        raise InvalidPageToken("was issued for a request with other filters")
    return tuple(str(part) for part in key)
