"""Prometheus metrics of the HTTP side (exposed on ``/metrics`` with the platform's ones).

Labels use the route template (``/api/myropo/v1/invoices``), never the raw path,
so ids in URLs cannot blow up the number of series.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "ropo_http_server_requests_total",
    "HTTP requests answered by the gateway, by route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "ropo_http_server_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=HTTP_LATENCY_BUCKETS,
)
LOGINS = Counter(
    "ropo_gateway_logins_total",
    "Completed login attempts by outcome (ok, or the reason code of the failure).",
    ["outcome"],
)
