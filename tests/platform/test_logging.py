"""JSON logs: required fields, trace and request ids, stdlib routing, henkilötunnus masking."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from ropo_platform.logging import (
    configure_logging,
    get_logger,
    request_id_scope,
    reset_logging,
)
from ropo_platform.redaction import MASK, contains_hetu, redact

HETUS = ["010190-900X", "311299A999E", "150805+9016", "010101Y9030", "241271-9339"]


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    buffer = io.StringIO()
    configure_logging("invoice", "DEBUG", "json", stream=buffer)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line]

    try:
        yield lines
    finally:
        reset_logging()


def test_json_line_has_the_required_fields(log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    get_logger("ropo_invoice.importer").info("invoice_registered", invoice="invoices/1")
    (line,) = log_lines()
    assert line["event"] == "invoice_registered"
    assert line["level"] == "info"
    assert line["service"] == "invoice"
    assert line["logger"] == "ropo_invoice.importer"
    assert line["invoice"] == "invoices/1"
    assert line["timestamp"].endswith("Z")
    assert "trace_id" not in line and "request_id" not in line


def test_trace_and_request_ids_when_a_span_is_active(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span, request_id_scope("req-77"):
        get_logger("t").info("inside")
        logging.getLogger("sqlalchemy.engine").warning("stdlib inside")
    get_logger("t").info("outside")
    inside, stdlib_inside, outside = log_lines()
    context = span.get_span_context()
    for line in (inside, stdlib_inside):
        assert line["trace_id"] == format(context.trace_id, "032x")
        assert line["span_id"] == format(context.span_id, "016x")
        assert line["request_id"] == "req-77"
    assert stdlib_inside["logger"] == "sqlalchemy.engine"
    assert stdlib_inside["level"] == "warning"
    assert stdlib_inside["service"] == "invoice"
    assert "trace_id" not in outside and "request_id" not in outside


@pytest.mark.parametrize("hetu", HETUS)
def test_henkilotunnus_is_masked_everywhere(
    log_lines: Callable[[], list[dict[str, Any]]], hetu: str
) -> None:
    log = get_logger("t")
    log.info(f"lookup for {hetu}", person=hetu, nested={"ids": [hetu, "ok"]}, lower=hetu.lower())
    logging.getLogger("third.party").error("failed for %s", hetu)
    try:
        raise ValueError(f"bad id {hetu}")
    except ValueError:
        log.exception("parse_failed")
    raw = json.dumps(log_lines())
    assert hetu not in raw and hetu.lower() not in raw
    first, second, third = log_lines()
    assert first["event"] == f"lookup for {MASK}"
    assert first["person"] == MASK
    assert first["nested"] == {"ids": [MASK, "ok"]}
    assert second["event"] == f"failed for {MASK}"
    assert f"bad id {MASK}" in third["exception"]


def test_ids_that_only_resemble_a_henkilotunnus_are_kept(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    tracer = TracerProvider().get_tracer("test")
    keep = [
        "invoices/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "RF18000000000539007547034",
        "FI2112345600000785",
        "1234567-8",  # a Y-tunnus (business id) is not personal
        "a0f1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d",
    ]
    with tracer.start_as_current_span("work"):
        get_logger("t").info("ids", values=keep)
    (line,) = log_lines()
    assert line["values"] == keep
    assert len(line["trace_id"]) == 32


def test_console_format_is_readable_and_masked() -> None:
    buffer = io.StringIO()
    configure_logging("gateway", "INFO", "console", stream=buffer)
    try:
        get_logger("t").info("hello", person="010190-900X")
        get_logger("t").debug("hidden at info")
    finally:
        reset_logging()
    text = buffer.getvalue()
    assert "hello" in text and MASK in text
    assert "010190-900X" not in text
    assert "hidden at info" not in text


def test_reconfiguring_replaces_our_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("a", "INFO", "json", stream=first)
    configure_logging("b", "INFO", "json", stream=second)
    try:
        get_logger("t").info("once")
    finally:
        reset_logging()
    assert first.getvalue() == ""
    assert json.loads(second.getvalue())["service"] == "b"


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError):
        configure_logging("a", "LOUD", "json")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("010190-900X", True),
        ("id=010190-900X;", True),
        ("(311299a999e)", True),
        ("010190-900X1", False),  # part of a longer token
        ("x010190-900X", False),
        ("320190-900X", False),  # no 32nd day
        ("011390-900X", False),  # no 13th month
        ("010190G900X", False),  # G is not a century sign
        ("20240101-1234", False),
    ],
)
def test_redaction_pattern(text: str, masked: bool) -> None:
    assert contains_hetu(text) is masked
    assert (redact(text) != text) is masked


def test_handlers_outside_the_pipeline_get_masked_records_too() -> None:
    seen: list[str] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    collector = Collector()
    other = logging.getLogger("error.reporter")
    other.addHandler(collector)
    try:
        other.error("failed for %s in %s", "150385-9024", {"id": "021178-913R"})
        other.error("lookup %(person)s", {"person": "240790-9245"})
    finally:
        other.removeHandler(collector)
    assert seen == [
        f"failed for {MASK} in {{'id': '{MASK}'}}",
        f"lookup {MASK}",
    ]
