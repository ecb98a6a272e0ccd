"""Tracing: gRPC client→server spans, log correlation, header propagation, SQL spans, redaction."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from ropo_platform.logging import configure_logging, reset_logging
from ropo_platform.redaction import MASK
from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.server import RpcServer
from ropo_platform.telemetry import (
    configure_tracing,
    current_traceparent,
    extract_context,
    get_tracer,
    inject_headers,
    instrument_sqlalchemy,
)
from ropo_platform.testing import finished_spans
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_rpc_support import SECRET_HETU, method, register


@pytest.fixture
async def channel() -> AsyncIterator[Any]:
    server = RpcServer(service_name="rpctest", port=0)
    await server.start(register)
    await server.set_ready()
    channel = create_channel(f"127.0.0.1:{server.port}")
    yield channel
    await channel.close()
    await server.stop(grace=0.2)


def _by_kind(spans: Sequence[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in spans if span.kind == kind]


def _everything(span: ReadableSpan) -> str:
    parts = [span.name, repr(dict(span.attributes or {})), str(span.status.description)]
    for event in span.events:
        parts += [event.name, repr(dict(event.attributes or {}))]
    return " ".join(parts)


def test_configure_tracing_keeps_one_provider(in_memory_spans: InMemorySpanExporter) -> None:
    extra = InMemorySpanExporter()
    provider = configure_tracing("other-name", span_exporter=extra)
    assert configure_tracing("again") is provider
    assert trace.get_tracer_provider() is provider
    with get_tracer("t").start_as_current_span("both"):
        pass
    assert [s.name for s in extra.get_finished_spans()] == ["both"]
    assert [s.name for s in in_memory_spans.get_finished_spans()] == ["both"]
    extra.shutdown()


async def test_grpc_call_is_one_trace_from_client_to_server_with_log_correlation(
    in_memory_spans: InMemorySpanExporter, channel: Any
) -> None:
    buffer = io.StringIO()
    configure_logging("rpctest", "INFO", "json", stream=buffer)
    try:
        with get_tracer("test").start_as_current_span("gateway_request") as root:
            await channel.unary_unary(method("Echo"))(b"hi")
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    finally:
        reset_logging()
    spans = await finished_spans(in_memory_spans, lambda s: bool(_by_kind(s, SpanKind.SERVER)))
    (server_span,) = _by_kind(spans, SpanKind.SERVER)  # health checks are not traced
    client_spans = _by_kind(spans, SpanKind.CLIENT)
    trace_id = root.get_span_context().trace_id
    assert server_span.name == method("Echo")
    assert server_span.context.trace_id == trace_id
    echo_client = next(s for s in client_spans if s.name == method("Echo"))
    assert server_span.parent is not None
    assert server_span.parent.span_id == echo_client.context.span_id

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    access = next(line for line in lines if line["event"] == "rpc")
    assert access["method"] == method("Echo")
    assert access["code"] == "OK"
    assert access["trace_id"] == format(trace_id, "032x")
    assert access["span_id"] == format(server_span.context.span_id, "016x")
    assert len(access["request_id"]) == 32
    handler_line = next(line for line in lines if line["event"] == "echo_called")
    assert handler_line["request_id"] == access["request_id"]


async def test_no_henkilotunnus_in_spans_of_a_failing_call(
    in_memory_spans: InMemorySpanExporter, channel: Any
) -> None:
    with pytest.raises(grpc.aio.AioRpcError):
        await channel.unary_unary(method("Echo"))(b"boom")
    spans = await finished_spans(in_memory_spans, lambda s: bool(_by_kind(s, SpanKind.SERVER)))
    server_span = _by_kind(spans, SpanKind.SERVER)[0]
    assert server_span.status.status_code == StatusCode.ERROR
    for span in spans:
        assert SECRET_HETU not in _everything(span)
    # The exception was recorded (masked), so the trace still explains the failure.
    assert any(MASK in _everything(span) for span in spans)


def test_redacting_exporter_masks_names_attributes_events_and_status(
    in_memory_spans: InMemorySpanExporter,
) -> None:
    tracer = get_tracer("test")
    with tracer.start_as_current_span(f"lookup {SECRET_HETU}") as span:
        span.set_attribute("person", SECRET_HETU)
        span.set_attribute("ids", ["x", SECRET_HETU])
        span.set_attribute("count", 3)
        span.add_event("checked", {"input": f"id={SECRET_HETU}"})
        span.set_status(StatusCode.ERROR, f"no match for {SECRET_HETU}")
    (exported,) = in_memory_spans.get_finished_spans()
    assert SECRET_HETU not in _everything(exported)
    assert exported.name == f"lookup {MASK}"
    assert exported.attributes is not None
    assert exported.attributes["person"] == MASK
    assert tuple(exported.attributes["ids"]) == ("x", MASK)  # type: ignore[arg-type]
    assert exported.attributes["count"] == 3
    assert exported.status.description == f"no match for {MASK}"
    assert exported.context == span.get_span_context()


def test_message_headers_carry_the_trace(in_memory_spans: InMemorySpanExporter) -> None:
    tracer = get_tracer("test")
    assert inject_headers({"ce-id": "1"}) == {"ce-id": "1"}  # no span: nothing added
    assert current_traceparent() is None
    with tracer.start_as_current_span("publish") as producer:
        headers = inject_headers({"ce-id": "1"})
        assert headers["traceparent"] == current_traceparent()
    assert headers["ce-id"] == "1"
    with tracer.start_as_current_span("consume", context=extract_context(headers)) as consumer:
        pass
    assert consumer.get_span_context().trace_id == producer.get_span_context().trace_id
    (_, consumed) = in_memory_spans.get_finished_spans()
    assert consumed.parent is not None
    assert consumed.parent.span_id == producer.get_span_context().span_id
    assert not trace.get_current_span(extract_context({})).get_span_context().is_valid
    assert not trace.get_current_span(extract_context(None)).get_span_context().is_valid


async def test_sqlalchemy_statements_are_child_spans_without_values(
    in_memory_spans: InMemorySpanExporter,
) -> None:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    instrument_sqlalchemy(engine)
    instrument_sqlalchemy(engine)  # idempotent: no duplicate spans
    try:
        with get_tracer("test").start_as_current_span("use_case") as parent:
            async with engine.connect() as connection:
                await connection.execute(text("CREATE TABLE person (hetu TEXT)"))
                await connection.execute(
                    text("INSERT INTO person (hetu) VALUES (:hetu)"), {"hetu": SECRET_HETU}
                )
    finally:
        await engine.dispose()
    spans = [s for s in in_memory_spans.get_finished_spans() if s.name != "use_case"]
    statements = [str((s.attributes or {}).get("db.statement", "")) for s in spans]
    assert any(st.startswith("INSERT INTO person") for st in statements)
    assert len([st for st in statements if st.startswith("INSERT")]) == 1
    for span in spans:
        assert span.parent is not None
        assert span.parent.span_id == parent.get_span_context().span_id
        assert SECRET_HETU not in _everything(span)


def test_tracer_provider_resource_has_service_name() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        pytest.skip("no SDK provider installed in this process")
    assert provider.resource.attributes.get("service.name")
