"""One ASGI middleware around every request: request id, tracing, limits, headers, logs, metrics.

Pure ASGI (no ``BaseHTTPMiddleware``) to keep the per-request overhead small.
Per request:

1. **request id** — a well-formed ``X-Request-Id`` from the client or a new one; set
   in the context (logs, outgoing gRPC metadata) and returned in the response;
2. **trace** — a SERVER span named ``METHOD /route/template``, continuing an incoming
   ``traceparent``; gRPC client spans become its children. Only the path is
   recorded: query strings can carry authorization codes and state;
3. **body limit** — a request body above ``max_body_bytes`` (or the larger limit of a route
   in ``body_limits``, e.g. file uploads) gets 413: JSON for the API, and for pages the
   readable page ``too_large_page`` renders when one is given;
4. **security headers** — CSP, nosniff, no referrer, no framing, ``no-store`` for
   everything except static files (pages carry personal data);
5. **access log** — one JSON line: method, path (no query), route, status, duration;
6. **metrics** — request count and latency by route template.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from ropo_platform.logging import get_logger, reset_request_id, set_request_id
from ropo_platform.rpc.interceptors import new_request_id
from ropo_platform.telemetry import extract_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ropo_gateway.errors import error_body
from ropo_gateway.web.metrics import HTTP_DURATION, HTTP_REQUESTS
from ropo_gateway.web.pages import render_internal_error_page

_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_ROUTES: Final = frozenset({"/healthz", "/readyz", "/metrics", "/static"})
_STATIC_PREFIX: Final = "/static/"

_log = get_logger("ropo_gateway.access")
_tracer = trace.get_tracer("ropo_gateway.http")


def security_headers(
    *, form_targets: Iterable[str] = (), hsts: bool = False
) -> list[tuple[bytes, bytes]]:
    """Headers added to every response; ``form_targets`` are origins a form may lead to
    (the identity broker: Chrome applies ``form-action`` to the redirect after a submit)."""
    form_action = " ".join(dict.fromkeys(["'self'", *(t for t in form_targets if t)]))
    csp = (
        "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
        f"form-action {form_action}"
    )
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class BodyTooLarge(Exception):
    """The client sent more than the limit (without or despite Content-Length)."""


#: A path pattern and the body limit of the requests it matches.
BodyLimit = tuple[re.Pattern[str], int]
#: Renders the readable 413 page of a page request (its scope gives the language cookie).
TooLargePage = Callable[[Scope], bytes]


class GatewayMiddleware:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: list[tuple[bytes, bytes]],
        max_body_bytes: int,
        body_limits: Sequence[BodyLimit] = (),
        too_large_page: TooLargePage | None = None,
    ) -> None:
        self.app = app
        self.headers = headers
        self.max_body_bytes = max_body_bytes
        self.body_limits = tuple(body_limits)
        self.too_large_page = too_large_page

    def _body_limit(self, path: str) -> int:
        for pattern, limit in self.body_limits:
            if pattern.fullmatch(path):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_request_id()
        token = set_request_id(request_id)
        method = str(scope.get("method", ""))
        path = str(scope.get("path", ""))
        started = time.perf_counter()
        status = 500
        response_started = False
        carrier = {
            "traceparent": _header(scope, b"traceparent") or "",
            "tracestate": _header(scope, b"tracestate") or "",
        }
        cache_control = b"public, max-age=3600" if path.startswith(_STATIC_PREFIX) else b"no-store"

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers.extend(item for item in self.headers if item[0] not in present)
                if b"cache-control" not in present:
                    headers.append((b"cache-control", cache_control))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        received = 0
        body_limit = self._body_limit(path)

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > body_limit:
                    raise BodyTooLarge()
            return message

        with _tracer.start_as_current_span(
            method, kind=SpanKind.SERVER, context=extract_context(carrier)
        ) as span:
            try:
                declared = _header(scope, b"content-length")
                if declared and declared.isdigit() and int(declared) > body_limit:
                    raise BodyTooLarge()
                await self.app(scope, receive_wrapper, send_wrapper)
            except BodyTooLarge:
                if response_started:
                    raise
                await self._too_large(send_wrapper, scope, path)
            except Exception:
                # Unexpected: the traceback goes to the log (redacted), the client gets a
                # generic answer with the request id, never internals.
                _log.exception("unhandled_error", path=path)
                if response_started:
                    raise
                await self._internal_error(send_wrapper, path)
            finally:
                route = _route_template(scope)
                self._record(span, method, path, route, status, started)
                reset_request_id(token)

    async def _too_large(self, send: Send, scope: Scope, path: str) -> None:
        if self.too_large_page is not None and not path.startswith("/api/"):
            body, content_type = self.too_large_page(scope), b"text/html; charset=utf-8"
        else:
            body = json.dumps(
                error_body(413, "Request body too large.", reason="REQUEST_TOO_LARGE")
            ).encode()
            content_type = b"application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _internal_error(self, send: Send, path: str) -> None:
        if path.startswith("/api/"):
            payload = error_body(500, "Internal error.", reason="INTERNAL")
            body, content_type = json.dumps(payload).encode(), b"application/json"
        else:
            body, content_type = render_internal_error_page(), b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _record(span: Any, method: str, path: str, route: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        span.update_name(f"{method} {route}")
        span.set_attribute("http.request.method", method)
        span.set_attribute("http.route", route)
        span.set_attribute("url.path", path)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_DURATION.labels(method, route).observe(elapsed)
        log = _log.debug if route in _QUIET_ROUTES else _log.info
        log(
            "http_request",
            method=method,
            path=path,
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
        )
