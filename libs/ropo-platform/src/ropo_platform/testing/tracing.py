"""An in-memory span exporter on the process's tracer provider, for trace assertions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
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


async def finished_spans(
    exporter: InMemorySpanExporter,
    until: Callable[[Sequence[ReadableSpan]], bool],
    *,
    within: float = 5.0,
) -> tuple[ReadableSpan, ...]:
    """The exporter's finished spans once ``until(spans)`` holds.

    A caller gets its answer a moment before the server has ended its span, so a
    test that asserts on the server side waits for it here instead of racing it.
    """
    from ropo_platform.testing.waiting import eventually

    async def probe() -> tuple[ReadableSpan, ...]:
        return exporter.get_finished_spans()

    return await eventually(probe, until, within=within, message="spans not finished")


__all__ = ["finished_spans", "install_in_memory_exporter"]
