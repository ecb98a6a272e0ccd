"""Structured logs: one JSON object per line on stdout, with trace and request ids.

Every line carries ``timestamp``, ``level``, ``service``, ``logger`` and ``event``;
when a span is active also ``trace_id``/``span_id`` (hex, as in the W3C
traceparent) and, inside a request, ``request_id``. Records of the standard
library ``logging`` module (grpc, sqlalchemy, alembic, nats, uvicorn) go through
the same pipeline, so the output has a single format.

The last processor before rendering masks anything that looks like a
henkilötunnus in every string value (including formatted exceptions).

Usage::

    from ropo_platform.logging import configure_logging, get_logger

    configure_logging("invoice", level="INFO", fmt="json")
    log = get_logger(__name__)
    log.info("invoice_registered", invoice="invoices/123")
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Literal, TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, FilteringBoundLogger, Processor, WrappedLogger

from ropo_platform.redaction import redact, redact_value

LogFormat = Literal["json", "console"]

# The request id of the call being handled. The gRPC interceptor sets it; the
# client channel (rpc.client.create_channel) forwards it as ``x-request-id``.
_request_id: ContextVar[str | None] = ContextVar("ropo_request_id", default=None)

# Fields generated here that the redaction pass can skip. Not request_id: it
# may come from a caller.
_TRUSTED_FIELDS = frozenset({"timestamp", "level", "trace_id", "span_id"})

_HANDLER_MARK = "_ropo_platform_handler"
_LOGGER_KEY = "_logger_name"


def get_request_id() -> str | None:
    """The request id of the current context, or ``None`` outside a request."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Set the request id of the current context; returns a token for ``reset_request_id``."""
    return _request_id.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the request id that was current before ``set_request_id``."""
    _request_id.reset(token)


@contextmanager
def request_id_scope(request_id: str | None) -> Iterator[None]:
    """Run a block with ``request_id`` as the current request id."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def add_trace_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Add ``trace_id``/``span_id`` of the active span and the current ``request_id``."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict.setdefault("trace_id", format(span_context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(span_context.span_id, "016x"))
    request_id = _request_id.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def redact_hetu(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Mask henkilötunnus-looking substrings in every value except our own generated ids."""
    for key, value in event_dict.items():
        if key not in _TRUSTED_FIELDS:
            event_dict[key] = redact_value(value)
    return event_dict


def _service_adder(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _logger_field(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    name = event_dict.pop(_LOGGER_KEY, None)
    if name is not None:
        event_dict["logger"] = name
    return event_dict


def _shared_processors(service: str) -> list[Processor]:
    # Runs for structlog events and (as the foreign pre-chain) for stdlib records.
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _logger_field,
        _service_adder(service),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        add_trace_context,
        structlog.processors.StackInfoRenderer(),
    ]


class _LineWriter:
    """structlog's output for its own events: one line on the handler's stream.

    Shares the stdlib handler's lock so that lines of both sources never interleave.
    Writing directly (instead of creating a stdlib ``LogRecord`` per event)
    makes a log call several times cheaper, which matters for the access log.
    """

    def __init__(self, handler: logging.StreamHandler[TextIO]) -> None:
        self._handler = handler

    def msg(self, message: str) -> None:
        handler = self._handler
        handler.acquire()
        try:
            handler.stream.write(message + "\n")
            handler.stream.flush()
        finally:
            handler.release()

    debug = info = warning = warn = error = err = critical = exception = fatal = log = msg


def configure_logging(
    service: str,
    level: str | int = "INFO",
    fmt: LogFormat = "json",
    *,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog and the stdlib root logger for a process (idempotent).

    ``service`` goes into every line; ``level`` is a stdlib level name or number;
    ``fmt`` is ``"json"`` (production, one object per line) or ``"console"``
    (for humans); ``stream`` defaults to ``sys.stdout`` (tests pass a buffer).
    """
    numeric_level = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level: {level!r}")

    shared = _shared_processors(service)
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    # Exceptions become text before redaction, so a henkilötunnus in an
    # exception message is masked like any other value.
    tail: list[Processor] = [structlog.processors.format_exc_info, redact_hetu, renderer]

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for existing in list(root.handlers):
        # Replace our own earlier handler; leave others' (pytest's capture) alone.
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    # grpc's and asyncio's debug chatter is not useful at INFO.
    for noisy in ("asyncio", "grpc._cython.cygrpc"):
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.INFO))

    writer = _LineWriter(handler)
    structlog.configure(
        processors=[*shared, *tail],
        logger_factory=lambda *_: writer,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Module-level loggers must follow a later reconfiguration (tests do).
        cache_logger_on_first_use=False,
    )


def reset_logging() -> None:
    """Undo ``configure_logging`` (remove our handler, structlog defaults); for tests."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    structlog.reset_defaults()
    _install_safe_default()


def get_logger(name: str | None = None, **initial_values: Any) -> FilteringBoundLogger:
    """A structlog logger named ``name`` (use ``__name__``) with optional bound fields.

    Methods: ``debug/info/warning/error/exception/critical(event, **fields)`` and
    ``log(level, event, **fields)``; ``bind(**fields)`` returns a logger with more fields.
    """
    if name:
        # "logger" itself is a parameter name of structlog.get_logger.
        initial_values = {_LOGGER_KEY: name, **initial_values}
    logger: FilteringBoundLogger = structlog.get_logger(**initial_values)
    return logger


def bind_contextvars(**values: Any) -> Mapping[str, Token[Any]]:
    """Bind fields to every log line of the current context (e.g. ``consumer=...``)."""
    return structlog.contextvars.bind_contextvars(**values)


def _install_safe_default() -> None:
    # Until a process calls configure_logging (tools, tests, library use),
    # structlog's built-in default would print values unredacted; keep its
    # human-readable output but never without the henkilötunnus mask.
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _logger_field,
            structlog.processors.StackInfoRenderer(),
            structlog.dev.set_exc_info,
            structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False),
            add_trace_context,
            structlog.processors.format_exc_info,
            redact_hetu,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
    )


def _install_redacting_record_factory() -> None:
    # Masks message and arguments when a stdlib record is created, before any
    # handler sees it: our formatter masks again, but handlers we do not own
    # (pytest's capture, an error reporter's logging hook) format records
    # themselves.
    previous = logging.getLogRecordFactory()
    if getattr(previous, _HANDLER_MARK, False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = redact_value(record.args)
        return record

    setattr(redacting_factory, _HANDLER_MARK, True)
    logging.setLogRecordFactory(redacting_factory)


_install_safe_default()
_install_redacting_record_factory()


__all__ = [
    "LogFormat",
    "add_trace_context",
    "bind_contextvars",
    "configure_logging",
    "get_logger",
    "get_request_id",
    "redact_hetu",
    "request_id_scope",
    "reset_logging",
    "reset_request_id",
    "set_request_id",
]
