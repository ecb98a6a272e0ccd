"""JSON log lines, one per request, with nothing personal in them.

A request line has the method, the path WITHOUT the query string (the query of
``/idp/authorize`` and the redirect carry state, nonce and codes), the status
and the duration. No handler logs a code, token, secret or henkilötunnus; as a
last line of defence every string is also scrubbed of hetu-shaped text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.types import EventDict, WrappedLogger

SERVICE = "sandbox"
_HETU = re.compile(
    r"(?<![0-9A-Za-z])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y]"
    r"(?![0-9A-Za-z])"
)
_MASK = "[REDACTED-HETU]"

Logger = structlog.typing.FilteringBoundLogger


def scrub(value: Any) -> Any:
    """Mask hetu-shaped substrings in strings (recursively in dicts and lists)."""
    if isinstance(value, str):
        return _HETU.sub(_MASK, value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def _scrub_processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return {key: scrub(value) for key, value in event_dict.items()}


def _timestamp(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event_dict["timestamp"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return event_dict


_LEADING_FIELDS = ("timestamp", "level", "service", "logger", "event")


def _ordered(event_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The common fields first, so lines read the same across services."""
    head = {key: event_dict[key] for key in _LEADING_FIELDS if key in event_dict}
    return head | {key: value for key, value in event_dict.items() if key not in head}


def _order_processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return _ordered(event_dict)


def make_logger(stream: TextIO | None, level: str) -> Logger:
    """A JSON logger writing to ``stream`` (stdout by default).

    Built with ``wrap_logger`` rather than global ``structlog.configure`` so an
    in-process app in a test does not change the logging of anything else.
    """
    wrapper = structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level])
    logger: Logger = structlog.wrap_logger(
        structlog.PrintLogger(stream or sys.stdout),
        wrapper_class=wrapper,
        processors=[
            structlog.processors.add_log_level,
            _timestamp,
            structlog.processors.format_exc_info,
            _scrub_processor,
            _order_processor,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    return logger.bind(service=SERVICE, logger="ropo_sandbox")


class RequestLogMiddleware:
    """Pure ASGI middleware: one ``http_request`` line per HTTP request."""

    def __init__(self, app: ASGIApp, logger: Logger) -> None:
        self.app = app
        self.log = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.log.info(
                "http_request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


class JsonFormatter(logging.Formatter):
    """Formats standard-library records (uvicorn's) as the same JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "service": SERVICE,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(scrub(line), ensure_ascii=False)


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """``logging.config`` dict for uvicorn: JSON on stdout, access log off.

    uvicorn's access log prints the full URL including the query string (codes,
    state), so it stays disabled; ``RequestLogMiddleware`` replaces it.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
