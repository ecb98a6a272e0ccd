"""Prometheus metrics shared by every service, and the ``/metrics`` HTTP server.

All metrics live in the process-wide default registry of ``prometheus_client``
so that one ``/metrics`` endpoint exposes everything (other modules, e.g.
``ropo_platform.messaging.metrics``, define theirs the same way). Names follow
``ropo_<area>_<what>_<unit>``.

RPC labels: ``service`` = full gRPC service name (``ropo.invoice.v1.InvoiceService``),
``method`` = method name (``GetInvoice``), ``code`` = gRPC status name (``OK``,
``NOT_FOUND``). Never put ids or other unbounded values into labels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import start_http_server as _start_http_server

# Buckets from 1 ms to 10 s: in-process calls are sub-millisecond, SQLite commits
# a few ms, slow paths (imports, PDF rendering) up to seconds.
RPC_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

RPC_SERVER_DURATION = Histogram(
    "ropo_rpc_server_duration_seconds",
    "Time to handle a gRPC call on the server, by final status code.",
    ["service", "method", "code"],
    buckets=RPC_LATENCY_BUCKETS,
)
RPC_SERVER_IN_FLIGHT = Gauge(
    "ropo_rpc_server_in_flight",
    "gRPC calls being handled right now.",
    ["service", "method"],
)
SERVICE_INFO = Gauge(
    "ropo_service_info",
    "Always 1; labels tell which service and version this process runs.",
    ["service", "version", "role"],
)
SERVICE_READY = Gauge(
    "ropo_service_ready",
    "1 once the readiness check passed and the service reports SERVING, else 0.",
    ["service"],
)
UNHANDLED_ERRORS = Counter(
    "ropo_rpc_server_unhandled_errors_total",
    "Unexpected exceptions turned into INTERNAL by the error interceptor.",
    ["service", "method"],
)


def split_method(full_method: str) -> tuple[str, str]:
    """Split ``/pkg.Service/Method`` into ``("pkg.Service", "Method")``."""
    _, _, rest = full_method.partition("/")
    service, _, method = rest.partition("/")
    return (service or "unknown", method or "unknown")


def observe_rpc_server(full_method: str, code: str, seconds: float) -> None:
    """Record one handled server call of ``full_method`` that ended with ``code``."""
    service, method = split_method(full_method)
    RPC_SERVER_DURATION.labels(service, method, code).observe(seconds)


def set_service_info(service: str, version: str, role: str = "serve") -> None:
    """Publish ``ropo_service_info{service, version, role} 1``."""
    SERVICE_INFO.labels(service, version, role).set(1)


@dataclass(frozen=True)
class MetricsServer:
    """A running ``/metrics`` HTTP server; ``port`` is the bound port (useful with port 0)."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_metrics_server(
    port: int,
    host: str = "127.0.0.1",
    registry: CollectorRegistry = REGISTRY,
) -> MetricsServer:
    """Serve ``registry`` on ``http://host:port/metrics`` in a daemon thread.

    Port 0 picks a free port. Raises ``OSError`` when the port is busy.
    """
    server, thread = _start_http_server(port, addr=host, registry=registry)
    return MetricsServer(server=server, thread=thread)


__all__ = [
    "RPC_LATENCY_BUCKETS",
    "RPC_SERVER_DURATION",
    "RPC_SERVER_IN_FLIGHT",
    "SERVICE_INFO",
    "SERVICE_READY",
    "UNHANDLED_ERRORS",
    "MetricsServer",
    "observe_rpc_server",
    "set_service_info",
    "split_method",
    "start_metrics_server",
]
