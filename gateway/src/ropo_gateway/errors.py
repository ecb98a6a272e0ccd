"""Errors the gateway answers with: AIP-193 JSON for the API, readable pages for browsers.

- ``UpstreamError``: a gRPC call to a service failed; carries the decoded
  ``RpcError``. Unavailable peers (``UNAVAILABLE``, ``DEADLINE_EXCEEDED``) become
  503 with a readable message, never a stack trace.
- ``ApiError``: the gateway's own refusal (not logged in, bad CSRF token, an invoice
  the person may not see, a lookup miss, too many lookups, ...).

gRPC codes map to HTTP as in DESIGN §6 (``RpcError.http_status``: NOT_FOUND 404,
INVALID_ARGUMENT and FAILED_PRECONDITION 400, PERMISSION_DENIED 403,
RESOURCE_EXHAUSTED 429, UNIMPLEMENTED 501, ...); ``page`` picks the readable
message set (``error.<page>.heading``/``.body`` in ``i18n``) for the same answer
in a browser.

The JSON body is always ``{"error": {"code", "status", "message", "details"}}``
with an ``ErrorInfo`` detail (domain ``gateway.ropo`` for our own errors).
Messages are redacted of anything that looks like a henkilötunnus before they
leave, as a last line of defence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

import grpc
from ropo_platform.errors import FieldViolation
from ropo_platform.redaction import redact
from ropo_platform.rpc.errors import RpcError

ERROR_DOMAIN: Final = "gateway.ropo"

# gRPC codes that mean "the peer could not serve us", whatever the peer's message.
UNAVAILABLE_CODES: Final = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
)
# Upstream messages of these codes are implementation details: replaced by a generic text.
HIDDEN_CODES: Final = frozenset(
    {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}
)

# HTTP status → canonical status name (AIP-193 "status").
_CANONICAL: Final[dict[int, str]] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "ABORTED",
    413: "OUT_OF_RANGE",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


# HTTP status of a failed call → the page that explains it to a person.
_PAGE_BY_STATUS: Final[dict[int, str]] = {
    400: "bad_request",
    401: "login",
    403: "denied",
    404: "not_found",
    409: "conflict",
    429: "rate_limited",
    501: "not_implemented",
}


def canonical_status(http_status: int) -> str:
    """The google.rpc code name used for an HTTP status in error bodies."""
    return _CANONICAL.get(http_status, "INTERNAL" if http_status >= 500 else "UNKNOWN")


def error_body(
    http_status: int,
    message: str,
    *,
    reason: str,
    domain: str = ERROR_DOMAIN,
    metadata: dict[str, str] | None = None,
    status: str | None = None,
    extra_details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An AIP-193 error body with one ``ErrorInfo``."""
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": domain,
            "metadata": metadata or {},
        }
    ]
    details.extend(extra_details or [])
    return {
        "error": {
            "code": http_status,
            "status": status or canonical_status(http_status),
            "message": redact(message),
            "details": details,
        }
    }


@dataclass
class ApiError(Exception):
    """A refusal by the gateway itself; ``page`` names the message set for HTML answers."""

    http_status: int
    reason: str
    message: str
    page: str = "bad_request"
    metadata: dict[str, str] = field(default_factory=dict)
    #: Extra response headers (``Retry-After`` of a 429).
    headers: dict[str, str] = field(default_factory=dict)
    #: Bad input fields, sent as a ``BadRequest`` detail.
    field_violations: list[FieldViolation] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    def to_json(self) -> dict[str, Any]:
        extra: list[dict[str, Any]] = []
        if self.field_violations:
            extra.append(
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": item.field, "description": item.description}
                        | ({"reason": item.reason} if item.reason else {})
                        for item in self.field_violations
                    ],
                }
            )
        return error_body(
            self.http_status,
            self.message,
            reason=self.reason,
            metadata=self.metadata,
            extra_details=extra,
        )


def not_logged_in() -> ApiError:
    return ApiError(HTTPStatus.UNAUTHORIZED, "SESSION_REQUIRED", "Login required.", page="login")


def invalid_input(violations: list[FieldViolation]) -> ApiError:
    """400 naming each bad field (descriptions never echo the value)."""
    return ApiError(
        HTTPStatus.BAD_REQUEST,
        "INVALID_REQUEST",
        "Invalid request.",
        field_violations=list(violations),
    )


def invoice_not_found() -> ApiError:
    """The one answer for an invoice that does not exist *and* for one the person may not
    see (DESIGN §8): same status, same body, so the answer tells nothing about existence."""
    return ApiError(
        HTTPStatus.NOT_FOUND, "INVOICE_NOT_FOUND", "Invoice not found.", page="invoice_not_found"
    )


def lookup_failed() -> ApiError:
    """The one answer for every *Hae lasku* miss, whichever part of the input was wrong."""
    return ApiError(
        HTTPStatus.NOT_FOUND,
        "INVOICE_LOOKUP_FAILED",
        "No invoice matches the details given.",
        page="lookup_failed",
    )


def lookup_rate_limited(retry_after_seconds: int) -> ApiError:
    """Too many *Hae lasku* attempts; ``Retry-After`` says when the next one is allowed."""
    seconds = str(max(1, retry_after_seconds))
    return ApiError(
        HTTPStatus.TOO_MANY_REQUESTS,
        "LOOKUP_RATE_LIMITED",
        "Too many invoice lookups. Try again later.",
        page="rate_limited",
        metadata={"retry_after_seconds": seconds},
        headers={"Retry-After": seconds},
    )


def document_unavailable() -> ApiError:
    """The invoice service sent something that is not a PDF: never serve it inline."""
    return ApiError(
        HTTPStatus.BAD_GATEWAY,
        "DOCUMENT_UNAVAILABLE",
        "The invoice image is not available.",
        page="document_unavailable",
    )


def unsupported_media_type() -> ApiError:
    """A JSON endpoint got another body type (a cross-site form cannot send JSON)."""
    return ApiError(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "The request body must be application/json.",
    )


class UpstreamError(Exception):
    """A failed call to a service; ``peer`` is the logical name (``invoice``, ``authorization``)."""

    def __init__(self, peer: str, rpc_error: RpcError) -> None:
        super().__init__(f"{peer}: {rpc_error.code.name}")
        self.peer = peer
        self.rpc_error = rpc_error

    @property
    def unavailable(self) -> bool:
        return self.rpc_error.code in UNAVAILABLE_CODES

    @property
    def http_status(self) -> int:
        # A peer that is down or too slow is "service unavailable" for the user.
        return HTTPStatus.SERVICE_UNAVAILABLE if self.unavailable else self.rpc_error.http_status

    @property
    def page(self) -> str:
        if self.unavailable:
            return "unavailable"
        return _PAGE_BY_STATUS.get(
            self.http_status, "internal" if self.http_status >= 500 else "bad_request"
        )

    @property
    def headers(self) -> dict[str, str]:
        """``Retry-After`` when the peer said when to retry (``RetryInfo``)."""
        seconds = self.rpc_error.retry_after_seconds
        if seconds is None or seconds <= 0:
            return {}
        return {"Retry-After": str(math.ceil(seconds))}

    def to_json(self) -> dict[str, Any]:
        if self.unavailable:
            return error_body(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable. Please try again shortly.",
                reason="SERVICE_UNAVAILABLE",
            )
        if self.rpc_error.code in HIDDEN_CODES:
            return error_body(self.http_status, "Internal error.", reason="INTERNAL")
        body: dict[str, Any] = self.rpc_error.to_http_json()
        body["error"]["message"] = redact(str(body["error"]["message"]))
        return body
