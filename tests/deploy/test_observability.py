"""The observability component: alert rules on metrics the code really exports, one for each
condition the issue names, and every tracing process pointed at the collector, whose
pipeline limits memory before batching."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import ropo_gateway.web.metrics
import ropo_invoice.service_layer.email_dispatch
import ropo_platform.messaging.metrics
import ropo_platform.metrics
from k8s_manifests import Manifests, copy_of
from k8s_netpol import collector_config
from prometheus_client import REGISTRY

#: The modules whose metrics the alerts use (imported above, so they are registered).
METRIC_MODULES = (
    ropo_platform.metrics,
    ropo_platform.messaging.metrics,
    ropo_gateway.web.metrics,
    ropo_invoice.service_layer.email_dispatch,
)
_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum"),
}
#: What the issue asks an alert for, and the metric that measures it.
REQUIRED = {
    "outbox oldest age": "ropo_outbox_oldest_unpublished_age_seconds",
    "consumer lag": "ropo_consumer_pending_messages",
    "dead letters": "ropo_consumer_dead_lettered_total",
    "gRPC error rate": "ropo_rpc_server_duration_seconds_count",
    "gRPC latency p99": "ropo_rpc_server_duration_seconds_bucket",
    "e-mail outbox age": "ropo_invoice_email_outbox_oldest_age_seconds",
}


def exported_metric_names() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = _SUFFIXES.get(family.type, ("",))
        names.update(family.name + suffix for suffix in suffixes)
    return names


def alerts(manifests: Manifests) -> Iterator[dict[str, Any]]:
    for rule in manifests.of_kind("PrometheusRule"):
        for group in rule["spec"]["groups"]:
            yield from (item for item in group["rules"] if "alert" in item)


def unknown_metrics(manifests: Manifests) -> list[str]:
    known = exported_metric_names()
    return [
        f"{alert['alert']}: {name}"
        for alert in alerts(manifests)
        for name in sorted(set(re.findall(r"\bropo_[a-z0-9_]+", str(alert["expr"]))))
        if name not in known
    ]


def test_every_alert_uses_metrics_the_code_exports(prod: Manifests) -> None:
    assert len(list(alerts(prod))) >= len(REQUIRED)
    assert unknown_metrics(prod) == []


def test_a_misspelt_metric_in_an_alert_is_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    [rule] = broken.of_kind("PrometheusRule")
    first = rule["spec"]["groups"][0]["rules"][0]
    first["expr"] = str(first["expr"]).replace(
        "ropo_outbox_oldest_unpublished_age_seconds", "ropo_outbox_age"
    )
    assert unknown_metrics(broken) == ["MyRopoOutboxBacklogOld: ropo_outbox_age"]


@pytest.mark.parametrize("condition", sorted(REQUIRED))
def test_each_condition_of_the_issue_has_an_alert(prod: Manifests, condition: str) -> None:
    metric = REQUIRED[condition]
    assert any(re.search(rf"\b{metric}\b", str(alert["expr"])) for alert in alerts(prod)), condition


def test_alerts_are_named_once_and_say_how_bad_and_what(prod: Manifests) -> None:
    names = [alert["alert"] for alert in alerts(prod)]
    assert len(names) == len(set(names))
    for alert in alerts(prod):
        assert alert["labels"]["severity"] in ("warning", "critical"), alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], alert[
            "alert"
        ]


def test_every_tracing_process_exports_to_the_collector(prod: Manifests) -> None:
    service = prod.get("Service", "myropo-otel-collector")
    port = service["spec"]["ports"][0]["port"]
    endpoint = f"http://{service['metadata']['name']}:{port}"
    tracing = [
        config
        for config in prod.of_kind("ConfigMap")
        if any(key.endswith(("_GRPC_PORT", "_GATEWAY_PORT")) for key in config.get("data") or {})
    ]
    assert len(tracing) == 6
    for config in tracing:
        assert config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == endpoint, config["metadata"]["name"]


def test_the_collector_limits_memory_before_it_batches(prod: Manifests) -> None:
    deployment = prod.get("Deployment", "myropo-otel-collector")
    pod_spec = deployment["spec"]["template"]["spec"]
    config = collector_config(prod, pod_spec, pod_spec["containers"][0])
    [pipeline] = config["service"]["pipelines"].values()
    assert pipeline["receivers"] == ["otlp"]
    assert pipeline["processors"] == ["memory_limiter", "batch"]
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(":4317")
