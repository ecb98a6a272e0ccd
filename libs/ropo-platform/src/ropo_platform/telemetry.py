"""OpenTelemetry tracing: provider, exporters, instrumentation and header propagation.

One process, one tracer provider: ``configure_tracing`` installs it globally
with ``service.name`` as resource. Spans are exported with OTLP/gRPC (batched)
only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or an explicit endpoint) is set;
tests pass an ``InMemorySpanExporter`` which is attached synchronously so that
spans are visible as soon as they end.

Every exporter is wrapped in ``RedactingSpanExporter``: span names, attributes,
event attributes (``exception.message``/``stacktrace``) and status descriptions
are scrubbed of anything that looks like a henkilötunnus before leaving the
process. The gRPC instrumentation does not record message bodies and the
SQLAlchemy one records statements with placeholders, not bound values; the
wrapper is the last line of defence for error texts and hand-made attributes.

Message headers (NATS) carry W3C ``traceparent``/``tracestate``/``baggage``:
``inject_headers`` when publishing, ``extract_context`` when consuming.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.instrumentation import grpc as _otel_grpc
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Status
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from ropo_platform.redaction import contains_hetu, redact

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

OTLP_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
OTLP_TRACES_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
DEPLOYMENT_ENVIRONMENT = "deployment.environment"

# The instrumentation package is untyped; one Any-typed handle keeps mypy strict
# everywhere else.
_otel_grpc_api: Any = _otel_grpc

_provider: TracerProvider | None = None
_instrumented_engines: weakref.WeakSet[Any] = weakref.WeakSet()


# --------------------------------------------------------------------------- redaction


def _needs_redaction(value: object) -> bool:
    if isinstance(value, str):
        return contains_hetu(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return any(isinstance(item, str) and contains_hetu(item) for item in value)
    return False


def _redact_attribute(value: AttributeValue) -> AttributeValue:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Sequence) and value and isinstance(value[0], str):
        return [redact(item) if isinstance(item, str) else item for item in value]
    return value


def _redact_attributes(
    attributes: Mapping[str, AttributeValue] | None,
) -> dict[str, AttributeValue] | None:
    if attributes is None:
        return None
    return {key: _redact_attribute(value) for key, value in attributes.items()}


def _span_needs_redaction(span: ReadableSpan) -> bool:
    if contains_hetu(span.name):
        return True
    if span.status.description and contains_hetu(span.status.description):
        return True
    if span.attributes and any(_needs_redaction(v) for v in span.attributes.values()):
        return True
    for event in span.events:
        if contains_hetu(event.name):
            return True
        if event.attributes and any(_needs_redaction(v) for v in event.attributes.values()):
            return True
    return False


def redact_span(span: ReadableSpan) -> ReadableSpan:
    """Return ``span`` unchanged, or a copy with every henkilötunnus-looking string masked."""
    if not _span_needs_redaction(span):
        return span
    description = span.status.description
    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_redact_attributes(span.attributes),
        events=[
            Event(
                name=redact(event.name),
                attributes=_redact_attributes(event.attributes),
                timestamp=event.timestamp,
            )
            for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code, redact(description) if description else None),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Wraps an exporter; masks henkilötunnus-looking strings in every span it exports."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([redact_span(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


# --------------------------------------------------------------------------- provider


def otlp_endpoint_from_env() -> str | None:
    """The OTLP endpoint from the standard environment variables, or ``None`` when unset."""
    endpoint = os.environ.get(OTLP_TRACES_ENDPOINT_ENV) or os.environ.get(OTLP_ENDPOINT_ENV)
    return endpoint or None


def configure_propagators() -> None:
    """Use W3C TraceContext + Baggage for every inject/extract (gRPC metadata, NATS headers)."""
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )


def configure_tracing(
    service_name: str,
    *,
    service_version: str | None = None,
    environment: str | None = None,
    otlp_endpoint: str | None = None,
    span_exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Install the process's tracer provider (idempotent) and return it.

    - ``service_name`` becomes the resource's ``service.name``;
    - ``otlp_endpoint`` (default: ``OTEL_EXPORTER_OTLP_ENDPOINT``) enables the
      batched OTLP/gRPC exporter; without one no spans leave the process;
    - ``span_exporter`` (tests: ``InMemorySpanExporter``) is attached with a
      synchronous processor.

    OpenTelemetry allows one global provider per process: a second call keeps the
    first provider (and its resource) and only attaches the new exporters. That
    lets several test modules each add their own in-memory exporter.
    """
    global _provider
    configure_propagators()
    provider = _provider
    existing = trace.get_tracer_provider()
    if provider is None and isinstance(existing, TracerProvider):
        # Someone (a test fixture) installed an SDK provider first: use it.
        provider = _provider = existing
    if provider is None:
        attributes: dict[str, str] = {SERVICE_NAME: service_name}
        if service_version:
            attributes[SERVICE_VERSION] = service_version
        if environment:
            attributes[DEPLOYMENT_ENVIRONMENT] = environment
        provider = TracerProvider(resource=Resource.create(attributes))
        trace.set_tracer_provider(provider)
        _provider = provider
        endpoint = otlp_endpoint or otlp_endpoint_from_env()
        if endpoint:
            # Imported lazily: the exporter pulls in its own gRPC channel setup.
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter,
            )

            provider.add_span_processor(
                BatchSpanProcessor(RedactingSpanExporter(OTLPSpanExporter(endpoint=endpoint)))
            )
    if span_exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(span_exporter)))
    return provider


def shutdown_tracing() -> None:
    """Flush and stop the exporters (call once on process exit)."""
    if _provider is not None:
        _provider.force_flush()
        _provider.shutdown()


def get_tracer(name: str) -> trace.Tracer:
    """A tracer for hand-made spans (``with get_tracer(__name__).start_as_current_span(...)``)."""
    return trace.get_tracer(name)


# --------------------------------------------------------------------------- propagation


def inject_headers(
    headers: MutableMapping[str, str] | None = None,
    *,
    context: otel_context.Context | None = None,
) -> dict[str, str]:
    """Return ``headers`` plus ``traceparent``/``tracestate``/``baggage`` of ``context``.

    ``context`` defaults to the current one. Nothing is added when no span is active.
    """
    carrier: dict[str, str] = dict(headers or {})
    propagate.inject(carrier, context=context)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The OpenTelemetry context carried by ``headers`` (empty context when none).

    Use as ``tracer.start_as_current_span(name, context=extract_context(msg.headers))``.
    """
    return propagate.extract(dict(headers or {}))


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the active span, e.g. to store beside an outbox row."""
    return inject_headers().get("traceparent")


# --------------------------------------------------------------------------- instrumentation


def untraced() -> AbstractContextManager[None]:
    """Silence automatic instrumentation (SQLAlchemy, gRPC client) inside the block.

    For background polling such as the outbox relay's claim query: one root span
    per poll and service would bury the traces people look for. Spans started
    explicitly (the relay's ``publish`` span) are still recorded.
    """
    return suppress_instrumentation()


# Probes and tooling: a span per Kubernetes health probe is noise.
UNTRACED_GRPC_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)


def _not_untraced(details: Any) -> bool:
    method = getattr(details, "method", None)
    if isinstance(method, bytes):
        method = method.decode("ascii", "replace")
    if not isinstance(method, str):
        return True
    service = method.lstrip("/").partition("/")[0]
    return service not in UNTRACED_GRPC_SERVICES


def grpc_server_interceptor() -> grpc.aio.ServerInterceptor:
    """The OpenTelemetry grpc.aio server interceptor (``RpcServer`` adds it first).

    Health checks and reflection are not traced.
    """
    interceptor: grpc.aio.ServerInterceptor = _otel_grpc_api.aio_server_interceptor(
        filter_=_not_untraced
    )
    return interceptor


def grpc_client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """The OpenTelemetry grpc.aio client interceptors (``create_channel`` adds them)."""
    interceptors: list[grpc.aio.ClientInterceptor] = _otel_grpc_api.aio_client_interceptors()
    return interceptors


def instrument_grpc_server() -> None:
    """Instrument every ``grpc.aio.server()`` created from now on (global patch).

    ``ropo_platform.rpc.server.RpcServer`` already adds the interceptor
    explicitly and skips it when this global instrumentation is active; call this
    only for servers built without ``RpcServer``.
    """
    instrumentor = _otel_grpc_api.GrpcAioInstrumentorServer()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def instrument_grpc_client() -> None:
    """Instrument every ``grpc.aio.*_channel()`` created from now on (global patch).

    ``ropo_platform.rpc.client.create_channel`` already adds the interceptors
    and skips them when this global instrumentation is active.
    """
    instrumentor = _otel_grpc_api.GrpcAioInstrumentorClient()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def grpc_server_globally_instrumented() -> bool:
    """True when ``instrument_grpc_server`` patched ``grpc.aio.server``."""
    return bool(_otel_grpc_api.GrpcAioInstrumentorServer().is_instrumented_by_opentelemetry)


def grpc_client_globally_instrumented() -> bool:
    """True when ``instrument_grpc_client`` patched ``grpc.aio.insecure_channel``."""
    return bool(_otel_grpc_api.GrpcAioInstrumentorClient().is_instrumented_by_opentelemetry)


def instrument_sqlalchemy(engine: AsyncEngine | Engine) -> None:
    """Trace every statement of ``engine`` (async or sync) as a child span (idempotent).

    Statements are recorded with their placeholders; bound values never are.
    """
    from opentelemetry.instrumentation.sqlalchemy import engine as otel_sqlalchemy_engine
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import get_meter

    sync_engine = getattr(engine, "sync_engine", engine)
    if sync_engine in _instrumented_engines:
        return
    # EngineTracer directly rather than SQLAlchemyInstrumentor().instrument():
    # the instrumentor is a process-wide singleton that only honours its first
    # call, and each service/test creates its own engines.
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
    meter = get_meter("opentelemetry.instrumentation.sqlalchemy", __version__)
    connections_usage = meter.create_up_down_counter(
        name="db.client.connections.usage",
        unit="connections",
        description="Connections that are currently in the state given by the state attribute.",
    )
    engine_tracer: Any = otel_sqlalchemy_engine.EngineTracer
    engine_tracer(tracer, sync_engine, connections_usage)
    _instrumented_engines.add(sync_engine)


__all__ = [
    "UNTRACED_GRPC_SERVICES",
    "RedactingSpanExporter",
    "configure_propagators",
    "configure_tracing",
    "current_traceparent",
    "extract_context",
    "get_tracer",
    "grpc_client_globally_instrumented",
    "grpc_client_interceptors",
    "grpc_server_globally_instrumented",
    "grpc_server_interceptor",
    "inject_headers",
    "instrument_grpc_client",
    "instrument_grpc_server",
    "instrument_sqlalchemy",
    "otlp_endpoint_from_env",
    "redact_span",
    "shutdown_tracing",
    "untraced",
]
