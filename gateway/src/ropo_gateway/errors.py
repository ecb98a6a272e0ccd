"""Errors the gateway answers with: AIP-193 JSON for the API, readable pages for browsers.

- ``UpstreamError``: a gRPC call to a service failed; carries the decoded
  ``RpcError``. Unavailable peers (``UNAVAILABLE``, ``DEADLINE_EXCEEDED``) become
  503 with a readable message, never a stack trace.
- ``ApiError``: the gateway's own refusal (not logged in, bad CSRF token, ...).

The JSON body is always ``{"error": {"code", "status", "message", "details"}}``
with an ``ErrorInfo`` detail (domain ``gateway.ropo`` for our own errors).
Messages are redacted of anything that looks like a henkilötunnus before they
leave, as a last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

import grpc
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
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
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

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    def to_json(self) -> dict[str, Any]:
        return error_body(
            self.http_status, self.message, reason=self.reason, metadata=self.metadata
        )


def not_logged_in() -> ApiError:
    return ApiError(HTTPStatus.UNAUTHORIZED, "SESSION_REQUIRED", "Login required.", page="login")


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
        if self.http_status == HTTPStatus.NOT_FOUND:
            return "not_found"
        return "internal" if self.http_status >= 500 else "bad_request"

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
