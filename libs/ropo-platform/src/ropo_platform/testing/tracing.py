"""An in-memory span exporter on the process's tracer provider, for trace assertions."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_exporter: InMemorySpanExporter | None = None


def install_in_memory_exporter(service_name: str = "ropo-tests") -> InMemorySpanExporter:
    """Attach (once per process) an ``InMemorySpanExporter``; returns it.

    OpenTelemetry allows one global provider per process, so this goes through
    ``ropo_platform.telemetry.configure_tracing`` (which adds exporters to an
    existing provider) and only installs a bare provider when that is missing.
    """
    global _exporter
    if _exporter is not None:
        return _exporter
    exporter = InMemorySpanExporter()
    try:
        from ropo_platform.telemetry import configure_tracing
    except ImportError:  # pragma: no cover - telemetry is part of the package
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider()
            trace.set_tracer_provider(provider)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        configure_tracing(service_name, span_exporter=exporter)
    _exporter = exporter
    return exporter


__all__ = ["install_in_memory_exporter"]
