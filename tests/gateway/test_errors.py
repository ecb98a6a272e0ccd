"""gRPC failures as the API and the pages see them (AIP-193 bodies, 503 for a peer down)."""

from __future__ import annotations

import grpc
from ropo_gateway.errors import UpstreamError, error_body, not_logged_in
from ropo_platform.errors import FieldViolation
from ropo_platform.rpc.errors import ErrorInfo, RpcError


def upstream(code: grpc.StatusCode, message: str = "boom", **extra: object) -> UpstreamError:
    return UpstreamError("invoice", RpcError(code=code, message=message, **extra))  # type: ignore[arg-type]


def test_peer_down_or_too_slow_is_a_readable_503() -> None:
    for code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        error = upstream(code, "failed to connect to all addresses; 127.0.0.1:50051")
        assert error.http_status == 503 and error.page == "unavailable"
        body = error.to_json()["error"]
        assert body["code"] == 503 and body["status"] == "UNAVAILABLE"
        assert "127.0.0.1" not in body["message"]
        assert body["details"][0]["reason"] == "SERVICE_UNAVAILABLE"


def test_domain_errors_pass_through_with_error_info_and_violations() -> None:
    error = upstream(
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid request",
        error_info=ErrorInfo("INVALID_REQUEST", "invoice.ropo"),
        field_violations=(FieldViolation("page_size", "must be positive"),),
    )
    body = error.to_json()["error"]
    assert (body["code"], body["status"]) == (400, "INVALID_ARGUMENT")
    types = [detail["@type"] for detail in body["details"]]
    assert types == [
        "type.googleapis.com/google.rpc.ErrorInfo",
        "type.googleapis.com/google.rpc.BadRequest",
    ]
    assert error.page == "bad_request"
    assert upstream(grpc.StatusCode.NOT_FOUND).page == "not_found"


def test_internal_errors_hide_the_peer_message() -> None:
    body = upstream(grpc.StatusCode.INTERNAL, "KeyError: 'x' in handler").to_json()["error"]
    assert body["message"] == "Internal error." and body["code"] == 500


def test_a_hetu_in_any_message_is_redacted() -> None:
    body = upstream(grpc.StatusCode.FAILED_PRECONDITION, "debtor 150385-9024 blocked").to_json()
    assert "150385-9024" not in body["error"]["message"]
    assert "150385-9024" not in error_body(400, "x 150385-9024", reason="R")["error"]["message"]


def test_not_logged_in_is_401_unauthenticated() -> None:
    body = not_logged_in().to_json()["error"]
    assert (body["code"], body["status"]) == (401, "UNAUTHENTICATED")
    assert body["details"][0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "SESSION_REQUIRED",
        "domain": "gateway.ropo",
        "metadata": {},
    }
