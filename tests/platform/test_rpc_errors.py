"""Domain errors → google.rpc.Status and back (no network), and the Violations builder."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2
from ropo_platform.errors import (
    Aborted,
    AlreadyExists,
    DomainError,
    ErrorCode,
    FailedPrecondition,
    FieldViolation,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
    Violations,
)
from ropo_platform.rpc.errors import (
    RpcError,
    error_domain,
    internal_status,
    status_for_error,
)


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (
            ValidationFailed([FieldViolation("a", "b")]),
            code_pb2.INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
        ),
        (NotFound(), code_pb2.NOT_FOUND, "NOT_FOUND"),
        (AlreadyExists("INVOICE_EXISTS"), code_pb2.ALREADY_EXISTS, "INVOICE_EXISTS"),
        (
            FailedPrecondition("DUE_DATE_EXTENSION_NOT_ALLOWED"),
            code_pb2.FAILED_PRECONDITION,
            "DUE_DATE_EXTENSION_NOT_ALLOWED",
        ),
        (Aborted(), code_pb2.ABORTED, "CONCURRENT_MODIFICATION"),
        (PermissionDenied(), code_pb2.PERMISSION_DENIED, "PERMISSION_DENIED"),
        (Unauthenticated(), code_pb2.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (ResourceExhausted(retry_after_seconds=2.5), code_pb2.RESOURCE_EXHAUSTED, "RATE_LIMITED"),
        (Unavailable(), code_pb2.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE"),
    ],
)
def test_every_error_maps_to_its_code_with_error_info(
    error: DomainError, code: int, reason: str
) -> None:
    status = status_for_error(error, domain="invoice.ropo", request_id="r1")
    assert status.code == code
    decoded = RpcError.from_status(_grpc_code(code), "", status)
    assert decoded.error_info is not None
    assert decoded.error_info.reason == reason
    assert decoded.error_info.domain == "invoice.ropo"
    assert decoded.request_id == "r1"
    assert decoded.message == error.message


def _grpc_code(code: int) -> grpc.StatusCode:
    found: grpc.StatusCode = next(c for c in grpc.StatusCode if c.value[0] == code)
    return found


def test_retry_info_and_resource_info() -> None:
    status = status_for_error(
        ResourceExhausted("LOOKUP_RATE_LIMITED", retry_after_seconds=2.5), domain="gateway.ropo"
    )
    decoded = RpcError.from_status(grpc.StatusCode.RESOURCE_EXHAUSTED, "", status)
    assert decoded.retry_after_seconds == 2.5
    assert decoded.http_status == 429

    status = status_for_error(
        NotFound(resource_type="ropo.invoice.v1.Invoice", resource_name="invoices/1"),
        domain="invoice.ropo",
    )
    infos = [d for d in status.details if d.Is(error_details_pb2.ResourceInfo.DESCRIPTOR)]
    assert len(infos) == 1


def test_reason_must_be_upper_snake() -> None:
    for bad in ("invoiceNotFound", "A", "WITH SPACE", "_LEADING"):
        with pytest.raises(ValueError):
            DomainError(bad)
    assert DomainError("OK_REASON", "x", {"n": 1}).metadata == {"n": "1"}  # type: ignore[dict-item]


def test_internal_status_reveals_nothing() -> None:
    status = internal_status(domain="invoice.ropo")
    assert status.code == code_pb2.INTERNAL
    assert status.message == "internal error"


def test_http_json_follows_aip_193() -> None:
    status = status_for_error(
        ValidationFailed(
            [FieldViolation("page_size", "must not be negative", "NEGATIVE")],
            metadata={"method": "ListInvoices"},
        ),
        domain="invoice.ropo",
        request_id="abc",
    )
    body = RpcError.from_status(grpc.StatusCode.INVALID_ARGUMENT, "", status).to_http_json()
    assert body == {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": "invalid request: page_size",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "INVALID_ARGUMENT",
                    "domain": "invoice.ropo",
                    "metadata": {"method": "ListInvoices"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {
                            "field": "page_size",
                            "description": "must not be negative",
                            "reason": "NEGATIVE",
                        }
                    ],
                },
                {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "abc"},
            ],
        }
    }


def test_plain_grpc_error_without_details() -> None:
    decoded = RpcError.from_status(grpc.StatusCode.UNAVAILABLE, "connection refused", None)
    assert decoded.error_info is None and decoded.reason is None
    assert decoded.to_http_json()["error"]["status"] == "UNAVAILABLE"
    assert decoded.http_status == 503


def test_violations_builder_collects_then_raises_once() -> None:
    violations = Violations()
    violations.check(True, "ok", "never")
    violations.add("page_size", "must not be negative")
    invoice = violations.nested("invoice")
    invoice.add("due_date", "is required")
    invoice.nested("lines").add("0.amount", "must be positive")
    assert len(violations) == 3 and bool(violations)
    with pytest.raises(ValidationFailed) as caught:
        violations.raise_if_any(reason="INVALID_IMPORT")
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    assert caught.value.reason == "INVALID_IMPORT"
    assert [v.field for v in caught.value.violations] == [
        "page_size",
        "invoice.due_date",
        "invoice.lines.0.amount",
    ]
    Violations().raise_if_any()  # nothing collected: no error


def test_error_domain() -> None:
    assert error_domain("invoice") == "invoice.ropo"
