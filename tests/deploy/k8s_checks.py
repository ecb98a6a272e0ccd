"""Policy rules over a rendered overlay. Each rule returns its problems as readable lines
(empty = the rule holds), so a test can show both that the manifests pass and that a
broken copy fails."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from k8s_manifests import (
    LONG_RUNNING_KINDS,
    K8sObject,
    Manifests,
    annotation,
    containers,
    object_id,
    selector_matches,
)
from k8s_natsconf import parse as parse_nats_config

#: NATS releases before this one lose acknowledged writes in Jepsen's 2025 tests
#: (reliability-and-security.md §2.2: 2.10.23 stream loss on crash, 2.12.3 peer removal).
MIN_NATS_VERSION = (2, 12, 3)
SYNC_WAVE = "argocd.argoproj.io/sync-wave"

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
_FACTORS = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
}
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|_KEY$|_KEYS$)")


def quantity(text: Any) -> Decimal | None:
    match = _QUANTITY.match(str(text))
    if match is None:
        return None
    return Decimal(match.group(1)) * _FACTORS[match.group(2)]


def _containers_of(
    manifests: Manifests, kinds: tuple[str, ...] | None = None
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for obj, template in manifests.workloads():
        if kinds is None or obj["kind"] in kinds:
            for container in containers(template["spec"]):
                found.append((f"{object_id(obj)}/{container['name']}", container, template["spec"]))
    return found


# --- containers ---------------------------------------------------------------------------------


def missing_probes(manifests: Manifests) -> list[str]:
    """Long-running pods need readiness and liveness probes on every container. An init
    container can only carry probes as a sidecar (``restartPolicy: Always``); an ordinary
    one is reported. Jobs run to completion and have none."""
    problems = []
    for name, container, pod_spec in _containers_of(manifests, LONG_RUNNING_KINDS):
        if (
            container in pod_spec.get("initContainers", [])
            and container.get("restartPolicy") != "Always"
        ):
            problems.append(
                f"{name}: an init container cannot have probes; use a sidecar or the container"
            )
            continue
        problems += [
            f"{name}: no {probe}"
            for probe in ("readinessProbe", "livenessProbe")
            if probe not in container
        ]
    return problems


def missing_resources(manifests: Manifests) -> list[str]:
    """Every container of every workload requests and limits CPU and memory (request <= limit)."""
    problems = []
    for name, container, _ in _containers_of(manifests):
        resources = container.get("resources") or {}
        for resource in ("cpu", "memory"):
            request = quantity((resources.get("requests") or {}).get(resource))
            limit = quantity((resources.get("limits") or {}).get(resource))
            if request is None or limit is None:
                problems.append(f"{name}: no {resource} request and limit")
            elif request > limit:
                problems.append(f"{name}: {resource} request above its limit")
    return problems


def _effective(container: Mapping[str, Any], pod_spec: Mapping[str, Any], field: str) -> Any:
    value = (container.get("securityContext") or {}).get(field)
    return value if value is not None else (pod_spec.get("securityContext") or {}).get(field)


def insecure_containers(manifests: Manifests) -> list[str]:
    """Non-root, read-only root filesystem, no privilege escalation, every capability
    dropped, the runtime's seccomp profile, no service-account token, no host namespaces."""
    problems = []
    for name, container, pod_spec in _containers_of(manifests):
        context = container.get("securityContext") or {}
        if _effective(container, pod_spec, "runAsNonRoot") is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if _effective(container, pod_spec, "runAsUser") == 0:
            problems.append(f"{name}: runs as uid 0")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem is not true")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"{name}: capabilities not dropped (drop: [ALL])")
        if capabilities.get("add"):
            problems.append(f"{name}: adds capabilities {capabilities['add']}")
        seccomp = (_effective(container, pod_spec, "seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: no seccomp profile (RuntimeDefault)")
        if pod_spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: the pod mounts a service-account token")
        for host in ("hostNetwork", "hostPID", "hostIPC"):
            if pod_spec.get(host):
                problems.append(f"{name}: {host}")
    return problems


# --- disruption budgets ------------------------------------------------------------------------


def unprotected_workloads(manifests: Manifests) -> list[str]:
    """Every Deployment and StatefulSet has exactly one PodDisruptionBudget selecting its
    pods, and that budget lets a node drain evict at least one of them."""
    problems = []
    budgets = manifests.of_kind("PodDisruptionBudget")
    for obj in manifests.of_kind("Deployment", "StatefulSet"):
        labels = obj["spec"]["template"]["metadata"].get("labels") or {}
        covering = [
            pdb for pdb in budgets if selector_matches(pdb["spec"].get("selector") or {}, labels)
        ]
        if len(covering) != 1:
            problems.append(
                f"{object_id(obj)}: {len(covering)} PodDisruptionBudgets select it (want 1)"
            )
            continue
        spec = covering[0]["spec"]
        replicas = int(obj["spec"].get("replicas", 1))
        if "maxUnavailable" in spec:
            allows = str(spec["maxUnavailable"]) not in ("0", "0%")
        else:
            minimum = spec.get("minAvailable", 0)
            allows = isinstance(minimum, int) and minimum < replicas
        if not allows:
            problems.append(f"{object_id(obj)}: its PodDisruptionBudget blocks every eviction")
    return problems


# --- secrets ------------------------------------------------------------------------------------


def secrets_with_values(manifests: Manifests) -> list[str]:
    """No Secret is committed with a value (they are created out of band, referenced by name)."""
    return [
        f"{object_id(secret)}: holds {field}"
        for secret in manifests.of_kind("Secret")
        for field in ("data", "stringData")
        if secret.get(field)
    ]


def inline_secrets(manifests: Manifests) -> list[str]:
    """A variable named like a secret is read from a Secret, never written in a ConfigMap or env."""
    problems = [
        f"{object_id(config)}: {key} looks like a secret"
        for config in manifests.of_kind("ConfigMap")
        for key in (config.get("data") or {})
        if _SECRET_NAME.search(key.upper())
    ]
    for name, container, _ in _containers_of(manifests):
        for item in container.get("env", []):
            if "value" in item and _SECRET_NAME.search(item["name"].upper()):
                problems.append(f"{name}: {item['name']} has an inline value")
    return problems


# --- NATS ----------------------------------------------------------------------------------------


def nats_statefulset(manifests: Manifests) -> K8sObject | None:
    for obj in manifests.of_kind("StatefulSet"):
        for container in obj["spec"]["template"]["spec"]["containers"]:
            if "nats-server" in [*container.get("command", []), *container.get("args", [])]:
                return obj
    return None


def nats_config(manifests: Manifests, statefulset: K8sObject) -> dict[str, Any]:
    """The server configuration the StatefulSet mounts (includes resolved)."""
    pod_spec = statefulset["spec"]["template"]["spec"]
    [container] = pod_spec["containers"]
    path = container["args"][container["args"].index("--config") + 1]
    folder, _, filename = path.rpartition("/")
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == folder)
    volume = next(v for v in pod_spec["volumes"] if v["name"] == mount["name"])
    data = manifests.get("ConfigMap", volume["configMap"]["name"])["data"]
    return parse_nats_config(data[filename], lambda name: data[name.removeprefix("./")])


def image_version(image: str) -> tuple[int, ...] | None:
    tag = image.rpartition(":")[2]
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", tag)
    return tuple(int(part) for part in match.groups()) if match else None


def nats_problems(manifests: Manifests, replicas: int) -> list[str]:
    """A NATS StatefulSet of ``replicas`` servers, pinned to a version without the known
    data-loss bugs, JetStream on persistent volumes, ``sync_interval: always``, and (when
    clustered) a route to every server."""
    statefulset = nats_statefulset(manifests)
    if statefulset is None:
        return ["no NATS StatefulSet"]
    problems = []
    name = object_id(statefulset)
    if statefulset["spec"].get("replicas") != replicas:
        problems.append(f"{name}: {statefulset['spec'].get('replicas')} replicas (want {replicas})")
    [container] = statefulset["spec"]["template"]["spec"]["containers"]
    version = image_version(container["image"])
    if version is None or version < MIN_NATS_VERSION:
        problems.append(f"{name}: image {container['image']} is not pinned to >= 2.12.3")
    config = nats_config(manifests, statefulset)
    jetstream = config.get("jetstream") or {}
    if jetstream.get("sync_interval") != "always":
        problems.append(
            f"{name}: jetstream.sync_interval is {jetstream.get('sync_interval')!r} (want always)"
        )
    claims = {
        claim["metadata"]["name"] for claim in statefulset["spec"].get("volumeClaimTemplates", [])
    }
    store = str(jetstream.get("store_dir", ""))
    on_claim = [
        m
        for m in container.get("volumeMounts", [])
        if m["name"] in claims and store.startswith(m["mountPath"])
    ]
    if not store or not on_claim:
        problems.append(
            f"{name}: the JetStream store_dir {store!r} is not on a persistent volume claim"
        )
    routes = (config.get("cluster") or {}).get("routes", [])
    wanted = {
        f"{statefulset['metadata']['name']}-{i}.{statefulset['spec']['serviceName']}"
        for i in range(replicas)
    }
    hosts = {re.sub(r"^nats-route://|^nats://|:\d+$", "", route) for route in routes}
    if replicas > 1 and hosts != wanted:
        problems.append(f"{name}: cluster routes {sorted(hosts)} (want {sorted(wanted)})")
    if replicas == 1 and routes:
        problems.append(
            f"{name}: a single server with cluster routes waits for peers that never come"
        )
    return problems


def stream_replica_problems(manifests: Manifests, replicas: int) -> list[str]:
    """Every service that talks to NATS provisions its stream with ``replicas`` replicas."""
    problems = []
    for config in manifests.of_kind("ConfigMap"):
        data = config.get("data") or {}
        for key in data:
            if key.endswith("_NATS_URL"):
                setting = key.removesuffix("NATS_URL") + "STREAM_REPLICAS"
                value = data.get(setting, "1")  # the code's default
                if str(value) != str(replicas):
                    problems.append(f"{object_id(config)}: {setting} is {value} (want {replicas})")
    return problems


# --- rollout order -------------------------------------------------------------------------------


def wave(obj: Mapping[str, Any]) -> int:
    return int(annotation(obj, SYNC_WAVE, "0"))


def runs_the_suite(workload: Mapping[str, Any]) -> bool:
    """Whether the workload runs one of the suite's processes (``python -m ropo_<name> <role>``)."""
    template = workload["spec"]["template"]
    return any(
        str((container.get("args") or [""])[0]).startswith("ropo_")
        for container in template["spec"]["containers"]
    )


def migration_order_problems(manifests: Manifests) -> list[str]:
    """The migrate Jobs run after their configuration and the infrastructure (databases,
    NATS) and before the servers and workers; a new release can replace a Job."""
    problems = []
    jobs = manifests.of_kind("Job")
    deployments = manifests.of_kind("Deployment")
    runners = [obj for obj in deployments if runs_the_suite(obj)]
    infrastructure = manifests.of_kind("StatefulSet", "Cluster") + [
        obj for obj in deployments if not runs_the_suite(obj)
    ]
    for job in jobs:
        name = object_id(job)
        if "Force=true" not in annotation(job, "argocd.argoproj.io/sync-options"):
            problems.append(
                f"{name}: not replaced on a new release (sync-options Force=true,Replace=true)"
            )
        pod_spec = job["spec"]["template"]["spec"]
        needs = [("ServiceAccount", pod_spec["serviceAccountName"])] + [
            ("ConfigMap", source["configMapRef"]["name"])
            for container in pod_spec["containers"]
            for source in container.get("envFrom", [])
            if "configMapRef" in source
        ]
        for kind, needed in needs:
            dependency = manifests.find(kind, needed)
            if dependency is not None and wave(dependency) >= wave(job):
                problems.append(f"{name}: runs no later than {kind}/{needed}, which it needs")
        problems += [
            f"{name}: runs no later than {object_id(infra)}"
            for infra in infrastructure
            if wave(infra) >= wave(job)
        ]
        problems += [
            f"{name}: runs no earlier than {object_id(runner)}"
            for runner in runners
            if wave(runner) <= wave(job)
        ]
    return problems
