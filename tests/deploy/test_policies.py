"""Policy rules over the rendered prod overlay (and the ones that hold in dev too), each
followed by proof that it catches a broken copy."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from k8s_checks import (
    image_version,
    inline_secrets,
    insecure_containers,
    migration_order_problems,
    missing_probes,
    missing_resources,
    nats_config,
    nats_problems,
    nats_statefulset,
    secrets_with_values,
    stream_replica_problems,
    unprotected_workloads,
)
from k8s_manifests import Manifests, copy_of
from ropo_platform.messaging.backoff import Backoff
from ropo_platform.messaging.relay import OutboxRelay
from ropo_platform.messaging.streams import ensure_stream

SUITE = ("invoice", "payment", "authorization", "refund", "chat")


def first_container(manifests: Manifests, kind: str, name: str) -> Any:
    return manifests.get(kind, name)["spec"]["template"]["spec"]["containers"][0]


# --- the rules hold ------------------------------------------------------------------------------


def test_every_long_running_container_has_readiness_and_liveness_probes(prod: Manifests) -> None:
    assert missing_probes(prod) == []


def test_every_container_requests_and_limits_cpu_and_memory(overlay: Manifests) -> None:
    assert missing_resources(overlay) == []


def test_every_container_runs_locked_down(overlay: Manifests) -> None:
    assert insecure_containers(overlay) == []


def test_every_deployment_and_statefulset_has_a_disruption_budget(prod: Manifests) -> None:
    assert unprotected_workloads(prod) == []


def test_no_secret_value_is_committed(overlay: Manifests) -> None:
    assert overlay.of_kind("Secret") == []
    assert secrets_with_values(overlay) == []
    assert inline_secrets(overlay) == []


def test_prod_runs_nats_r3_with_sync_always_and_a_safe_version(prod: Manifests) -> None:
    assert nats_problems(prod, replicas=3) == []
    assert stream_replica_problems(prod, replicas=3) == []


def test_dev_runs_one_nats_server_and_r1_streams(dev: Manifests) -> None:
    assert nats_problems(dev, replicas=1) == []
    assert stream_replica_problems(dev, replicas=1) == []


def test_migrations_run_after_infrastructure_and_before_the_servers(overlay: Manifests) -> None:
    assert migration_order_problems(overlay) == []
    assert len(overlay.of_kind("Job")) == 6


def test_prod_runs_two_workers_per_service_with_rolling_updates(prod: Manifests) -> None:
    # Two workers of one service may run at once (README, "Workers"): consumers are durable
    # pull consumers, the relay claims rows with SKIP LOCKED and keeps per-subject order,
    # and every scheduled run changes an aggregate under its version check.
    for service in SUITE:
        worker = prod.get("Deployment", f"myropo-{service}-worker")
        assert worker["spec"]["replicas"] == 2
        assert worker["spec"]["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }


def test_the_duplicate_window_covers_the_relays_retry_horizon() -> None:
    # A publish whose PubAck was lost is repeated after the lease (a crash) or the
    # longest backoff (jitter included) plus the publish timeout: JetStream must still
    # recognise the Nats-Msg-Id then (reliability-and-security.md §2.3).
    relay = inspect.signature(OutboxRelay.__init__).parameters
    lease = relay["lease"].default.total_seconds()
    backoff = Backoff()
    horizon = max(lease, backoff.cap * (1 + backoff.jitter)) + relay["publish_timeout"].default
    window = inspect.signature(ensure_stream).parameters["duplicate_window"].default
    assert window >= horizon


def test_the_nats_image_and_config_are_read_as_written(prod: Manifests) -> None:
    statefulset = nats_statefulset(prod)
    assert statefulset is not None
    version = image_version(statefulset["spec"]["template"]["spec"]["containers"][0]["image"])
    assert version is not None
    assert version >= (2, 12, 3)
    config = nats_config(prod, statefulset)
    assert config["jetstream"]["sync_interval"] == "always"
    assert len(config["cluster"]["routes"]) == 3


# --- and fail when broken ------------------------------------------------------------------------


def test_a_container_without_probes_is_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    del first_container(broken, "Deployment", "myropo-payment-worker")["readinessProbe"]
    init = {"name": "wait", "image": "busybox"}
    broken.get("StatefulSet", "nats")["spec"]["template"]["spec"]["initContainers"] = [init]
    assert missing_probes(broken) == [
        "Deployment/myropo-payment-worker/worker: no readinessProbe",
        "StatefulSet/nats/wait: an init container cannot have probes; "
        "use a sidecar or the container",
    ]


def test_a_container_without_limits_is_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    del first_container(broken, "Job", "myropo-chat-migrate")["resources"]["limits"]
    first_container(broken, "Deployment", "myropo-gateway")["resources"]["requests"]["memory"] = (
        "2Gi"
    )
    assert missing_resources(broken) == [
        "Deployment/myropo-gateway/gateway: memory request above its limit",
        "Job/myropo-chat-migrate/migrate: no cpu request and limit",
        "Job/myropo-chat-migrate/migrate: no memory request and limit",
    ]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("runAsNonRoot", False, "runAsNonRoot is not true"),
        ("readOnlyRootFilesystem", False, "readOnlyRootFilesystem is not true"),
        ("allowPrivilegeEscalation", True, "allowPrivilegeEscalation is not false"),
        ("capabilities", {"drop": ["NET_RAW"]}, "capabilities not dropped (drop: [ALL])"),
    ],
)
def test_a_loosened_security_context_is_reported(
    prod: Manifests, field: str, value: object, problem: str
) -> None:
    broken = copy_of(prod)
    first_container(broken, "StatefulSet", "nats")["securityContext"][field] = value
    if field == "runAsNonRoot":
        broken.get("StatefulSet", "nats")["spec"]["template"]["spec"]["securityContext"][field] = (
            value
        )
    assert insecure_containers(broken) == [f"StatefulSet/nats/nats: {problem}"]


def test_a_workload_without_a_budget_is_reported(prod: Manifests) -> None:
    copy = copy_of(prod)
    broken = Manifests(
        copy.overlay,
        tuple(
            obj
            for obj in copy.objects
            if obj["metadata"]["name"] != "myropo-invoice-worker"
            or obj["kind"] != "PodDisruptionBudget"
        ),
    )
    blocking = broken.get("PodDisruptionBudget", "myropo-nats")
    blocking["spec"] = {"minAvailable": 3, "selector": blocking["spec"]["selector"]}
    assert unprotected_workloads(broken) == [
        "Deployment/myropo-invoice-worker: 0 PodDisruptionBudgets select it (want 1)",
        "StatefulSet/nats: its PodDisruptionBudget blocks every eviction",
    ]


def test_a_secret_with_a_value_is_reported(prod: Manifests) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "myropo-person-key"},
        "stringData": {"secret": "x"},
    }
    broken = Manifests(prod.overlay, (*copy_of(prod).objects, secret))
    first_container(broken, "Deployment", "myropo-invoice")["env"].append(
        {"name": "ROPO_INVOICE_PERSON_KEY_SECRET", "value": "inline"}
    )
    broken.get("ConfigMap", "myropo-payment-config")["data"]["ROPO_PAYMENT_PSP_SECRET"] = "inline"
    assert secrets_with_values(broken) == ["Secret/myropo-person-key: holds stringData"]
    assert inline_secrets(broken) == [
        "ConfigMap/myropo-payment-config: ROPO_PAYMENT_PSP_SECRET looks like a secret",
        "Deployment/myropo-invoice/server: ROPO_INVOICE_PERSON_KEY_SECRET has an inline value",
    ]


def test_unsafe_nats_settings_are_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    statefulset = broken.get("StatefulSet", "nats")
    statefulset["spec"]["replicas"] = 1
    statefulset["spec"]["template"]["spec"]["containers"][0]["image"] = "nats:2.10.22-alpine"
    config = broken.get("ConfigMap", "myropo-nats-config")["data"]
    config["nats.conf"] = config["nats.conf"].replace("sync_interval: always", "sync_interval: 2m")
    config["nats.conf"] = config["nats.conf"].replace("store_dir: /data/", "store_dir: /tmp/")
    broken.get("ConfigMap", "myropo-invoice-config")["data"]["ROPO_INVOICE_STREAM_REPLICAS"] = "1"
    del broken.get("ConfigMap", "myropo-chat-config")["data"]["ROPO_CHAT_STREAM_REPLICAS"]
    assert nats_problems(broken, replicas=3) == [
        "StatefulSet/nats: 1 replicas (want 3)",
        "StatefulSet/nats: image nats:2.10.22-alpine is not pinned to >= 2.12.3",
        "StatefulSet/nats: jetstream.sync_interval is '2m' (want always)",
        "StatefulSet/nats: the JetStream store_dir '/tmp/jetstream' "
        "is not on a persistent volume claim",
    ]
    assert stream_replica_problems(broken, replicas=3) == [
        "ConfigMap/myropo-chat-config: ROPO_CHAT_STREAM_REPLICAS is 1 (want 3)",
        "ConfigMap/myropo-invoice-config: ROPO_INVOICE_STREAM_REPLICAS is 1 (want 3)",
    ]


def test_missing_routes_are_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    config = broken.get("ConfigMap", "myropo-nats-config")["data"]
    config["cluster.conf"] = config["cluster.conf"].replace("nats://nats-2.nats-headless:6222", "")
    assert nats_problems(broken, replicas=3) == [
        "StatefulSet/nats: cluster routes ['nats-0.nats-headless', 'nats-1.nats-headless'] "
        "(want ['nats-0.nats-headless', 'nats-1.nats-headless', 'nats-2.nats-headless'])"
    ]


def test_a_migration_out_of_order_is_reported(prod: Manifests) -> None:
    broken = copy_of(prod)
    job = broken.get("Job", "myropo-refund-migrate")
    job["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] = "0"
    del job["metadata"]["annotations"]["argocd.argoproj.io/sync-options"]
    problems = migration_order_problems(broken)
    assert problems[0] == (
        "Job/myropo-refund-migrate: not replaced on a new release "
        "(sync-options Force=true,Replace=true)"
    )
    assert "Job/myropo-refund-migrate: runs no earlier than Deployment/myropo-refund" in problems
    assert all(problem.startswith("Job/myropo-refund-migrate:") for problem in problems)
