"""Domain errors ↔ ``google.rpc.Status`` (rich gRPC errors).

Server side: ``status_for_error`` builds the ``google.rpc.Status`` of a
``DomainError`` — canonical code, message, always one ``ErrorInfo`` (reason,
domain ``<ctx>.ropo``, metadata), plus ``BadRequest`` field violations,
``PreconditionFailure``, ``ResourceInfo`` or ``RetryInfo`` where they apply, and
``RequestInfo`` with the request id. ``abort_with_error`` sends it; the
interceptor does that for every servicer, so servicers just raise.

Client side: ``RpcError.from_aio`` decodes an ``AioRpcError`` back into code,
message, ``ErrorInfo`` and violations; ``to_http_json`` gives the AIP-193 body
``{"error": {"code", "status", "message", "details"}}`` the gateway returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from ropo_platform.errors import (
    DomainError,
    ErrorCode,
    FailedPrecondition,
    FieldViolation,
    NotFound,
    PreconditionViolation,
    ResourceExhausted,
    Unavailable,
    ValidationFailed,
)

GRPC_DETAILS_METADATA_KEY = "grpc-status-details-bin"
INTERNAL_MESSAGE = "internal error"
INTERNAL_REASON = "INTERNAL"

# gRPC status code → HTTP status (google.rpc.Code mapping, as in AIP-193).
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}


def grpc_code(code: ErrorCode) -> grpc.StatusCode:
    """The ``grpc.StatusCode`` of a transport-free ``ErrorCode``."""
    return grpc.StatusCode[code.value]


def error_domain(service_name: str) -> str:
    """``ErrorInfo.domain`` of a service: ``invoice`` → ``invoice.ropo``."""
    return f"{service_name}.ropo"


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _seconds_to_duration(seconds: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(seconds * 1_000_000_000))
    return duration


def status_for_error(
    error: DomainError, *, domain: str, request_id: str | None = None
) -> status_pb2.Status:
    """The ``google.rpc.Status`` that represents ``error`` on the wire."""
    code = grpc_code(error.code)
    details: list[any_pb2.Any] = [
        _pack(
            error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=error.metadata)
        )
    ]
    if isinstance(error, ValidationFailed) and error.violations:
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description, reason=v.reason
                        )
                        for v in error.violations
                    ]
                )
            )
        )
    if isinstance(error, FailedPrecondition) and error.violations:
        details.append(
            _pack(
                error_details_pb2.PreconditionFailure(
                    violations=[
                        error_details_pb2.PreconditionFailure.Violation(
                            type=v.type, subject=v.subject, description=v.description
                        )
                        for v in error.violations
                    ]
                )
            )
        )
    if isinstance(error, NotFound) and (error.resource_type or error.resource_name):
        details.append(
            _pack(
                error_details_pb2.ResourceInfo(
                    resource_type=error.resource_type, resource_name=error.resource_name
                )
            )
        )
    if isinstance(error, ResourceExhausted | Unavailable) and error.retry_after_seconds:
        details.append(
            _pack(
                error_details_pb2.RetryInfo(
                    retry_delay=_seconds_to_duration(error.retry_after_seconds)
                )
            )
        )
    if request_id:
        details.append(_pack(error_details_pb2.RequestInfo(request_id=request_id)))
    return status_pb2.Status(code=code.value[0], message=error.message, details=details)


def internal_status(*, domain: str, request_id: str | None = None) -> status_pb2.Status:
    """The generic ``INTERNAL`` status for unexpected failures (reveals nothing)."""
    details = [_pack(error_details_pb2.ErrorInfo(reason=INTERNAL_REASON, domain=domain))]
    if request_id:
        details.append(_pack(error_details_pb2.RequestInfo(request_id=request_id)))
    return status_pb2.Status(code=code_pb2.INTERNAL, message=INTERNAL_MESSAGE, details=details)


def plain_status(
    code: grpc.StatusCode,
    message: str,
    *,
    domain: str,
    reason: str | None = None,
    request_id: str | None = None,
) -> status_pb2.Status:
    """A status for errors raised by the platform itself (e.g. ``DEADLINE_EXCEEDED``)."""
    details = [_pack(error_details_pb2.ErrorInfo(reason=reason or code.name, domain=domain))]
    if request_id:
        details.append(_pack(error_details_pb2.RequestInfo(request_id=request_id)))
    return status_pb2.Status(code=code.value[0], message=message, details=details)


async def abort_with_status(
    context: grpc.aio.ServicerContext[Any, Any],
    status: status_pb2.Status,
    extra_trailing_metadata: Sequence[tuple[str, str | bytes]] = (),
) -> None:
    """Abort the call with a rich status (always raises ``grpc.aio.AbortError``)."""
    converted = rpc_status.to_status(status)
    trailing = (*converted.trailing_metadata, *extra_trailing_metadata)
    await context.abort(converted.code, converted.details, trailing)


async def abort_with_error(
    context: grpc.aio.ServicerContext[Any, Any],
    error: DomainError,
    *,
    domain: str,
    request_id: str | None = None,
    extra_trailing_metadata: Sequence[tuple[str, str | bytes]] = (),
) -> None:
    """Abort the call with the rich status of ``error`` (always raises)."""
    status = status_for_error(error, domain=domain, request_id=request_id)
    await abort_with_status(context, status, extra_trailing_metadata)


# --------------------------------------------------------------------------- client side


@dataclass(frozen=True)
class ErrorInfo:
    """Decoded ``google.rpc.ErrorInfo``."""

    reason: str
    domain: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RpcError:
    """A failed call, decoded: what the gateway needs to answer the browser."""

    code: grpc.StatusCode
    message: str
    error_info: ErrorInfo | None = None
    field_violations: tuple[FieldViolation, ...] = ()
    precondition_violations: tuple[PreconditionViolation, ...] = ()
    request_id: str | None = None
    retry_after_seconds: float | None = None
    details: tuple[any_pb2.Any, ...] = ()

    @property
    def reason(self) -> str | None:
        return self.error_info.reason if self.error_info else None

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 500)

    @classmethod
    def from_status(
        cls, code: grpc.StatusCode, message: str, status: status_pb2.Status | None
    ) -> RpcError:
        """Decode the details of a ``google.rpc.Status`` (``None`` → code and message only)."""
        if status is None:
            return cls(code=code, message=message)
        error_info: ErrorInfo | None = None
        fields: list[FieldViolation] = []
        preconditions: list[PreconditionViolation] = []
        request_id: str | None = None
        retry_after: float | None = None
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                error_info = ErrorInfo(info.reason, info.domain, dict(info.metadata))
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields.extend(
                    FieldViolation(v.field, v.description, v.reason) for v in bad.field_violations
                )
            elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
                failure = error_details_pb2.PreconditionFailure()
                detail.Unpack(failure)
                preconditions.extend(
                    PreconditionViolation(v.type, v.subject, v.description)
                    for v in failure.violations
                )
            elif detail.Is(error_details_pb2.RequestInfo.DESCRIPTOR):
                request_info = error_details_pb2.RequestInfo()
                detail.Unpack(request_info)
                request_id = request_info.request_id or None
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                retry = error_details_pb2.RetryInfo()
                detail.Unpack(retry)
                retry_after = retry.retry_delay.ToNanoseconds() / 1_000_000_000
        return cls(
            code=code,
            message=status.message or message,
            error_info=error_info,
            field_violations=tuple(fields),
            precondition_violations=tuple(preconditions),
            request_id=request_id,
            retry_after_seconds=retry_after,
            details=tuple(status.details),
        )

    @classmethod
    def from_aio(cls, error: grpc.aio.AioRpcError) -> RpcError:
        """Decode a failed ``grpc.aio`` call (rich details when the server sent them)."""
        code = error.code()
        message = error.details() or ""
        status: status_pb2.Status | None = None
        for key, value in error.trailing_metadata() or ():
            if key == GRPC_DETAILS_METADATA_KEY and isinstance(value, bytes):
                parsed = status_pb2.Status.FromString(value)
                # A status whose code disagrees with the call's was not meant for
                # this call (e.g. a proxy rewrote it): trust only the call's code.
                if parsed.code == code.value[0]:
                    status = parsed
                break
        return cls.from_status(code, message, status)

    def to_http_json(self) -> dict[str, Any]:
        """AIP-193 body: ``{"error": {"code", "status", "message", "details"}}``."""
        details: list[dict[str, Any]] = []
        if self.error_info is not None:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": self.error_info.reason,
                    "domain": self.error_info.domain,
                    "metadata": dict(self.error_info.metadata),
                }
            )
        if self.field_violations:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": v.field, "description": v.description}
                        | ({"reason": v.reason} if v.reason else {})
                        for v in self.field_violations
                    ],
                }
            )
        if self.precondition_violations:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.PreconditionFailure",
                    "violations": [
                        {"type": v.type, "subject": v.subject, "description": v.description}
                        for v in self.precondition_violations
                    ],
                }
            )
        if self.request_id:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.RequestInfo",
                    "requestId": self.request_id,
                }
            )
        return {
            "error": {
                "code": self.http_status,
                "status": self.code.name,
                "message": self.message,
                "details": details,
            }
        }


__all__ = [
    "GRPC_DETAILS_METADATA_KEY",
    "HTTP_STATUS",
    "INTERNAL_MESSAGE",
    "ErrorInfo",
    "RpcError",
    "abort_with_error",
    "abort_with_status",
    "error_domain",
    "grpc_code",
    "internal_status",
    "plain_status",
    "status_for_error",
]
