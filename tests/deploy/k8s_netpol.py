"""The call graph, twice: what the configuration says each process connects to, and what the
NetworkPolicies allow. ``derived_edges`` and ``allowed_edges`` return the same kind of set,
so a test can demand that they are equal.

Nodes are groups of identical pods named ``Kind/name`` (a Deployment, a StatefulSet, a Job,
or a CloudNativePG ``Cluster``, whose pods the operator creates), the well-known peers
outside the namespace below (placeholders the README lists), and ``external:<host>`` for a
destination outside the cluster (``external:secret/<name>`` when the host is in a Secret).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml
from k8s_checks import nats_config, nats_statefulset
from k8s_manifests import K8sObject, Manifests, annotation, object_id, selector_matches

#: A port no container declares: only a rule without ``ports`` reaches it.
UNLISTED = 0
#: Names the destination of an ``ipBlock`` rule (the configured host, or ``secret/<name>``).
EGRESS_TO = "myropo.io/egress-to"


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        port = "any port" if self.port == UNLISTED else f"{self.port}/{self.protocol}"
        return f"{self.source} -> {self.target} {port}"


@dataclass(frozen=True)
class Port:
    number: int
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True)
class Peer:
    id: str
    namespace: str
    labels: Mapping[str, str] = field(hash=False)
    ports: tuple[Port, ...] = ()


#: Peers in other namespaces the policies name. The labels are the placeholders of
#: components/network-policies (README, "Network policies").
OUTSIDE = (
    Peer("ingress-controller", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
    Peer("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}),
    Peer(
        "kube-dns",
        "kube-system",
        {"k8s-app": "kube-dns"},
        (Port(53, "UDP", "dns"), Port(53, "TCP", "dns-tcp")),
    ),
    Peer("cnpg-operator", "cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"}),
    # Any other pod of the cluster: no rule may let it in, or a pod out to it.
    Peer("stranger", "elsewhere", {"app": "stranger"}),
)

#: The ports of a CloudNativePG instance pod.
CNPG_PORTS = (Port(5432, name="postgresql"), Port(8000, name="status"), Port(9187, name="metrics"))

#: Which settings each role of a suite process (``python -m ropo_<name> <role>``) connects to.
#: From the code: ``migrate`` runs Alembic only (service_main.migrate); ``serve`` and
#: ``worker`` share the bootstrap, but only the worker relays and consumes (NATS) and sends
#: e-mail, and only the server takes the gRPC peers (chat's bot asks invoice and
#: authorization while serving a message).
DIALS: Mapping[str, frozenset[str]] = {
    "migrate": frozenset({"database"}),
    "serve": frozenset({"database", "grpc", "otel", "psp", "oidc"}),
    "worker": frozenset({"database", "nats", "otel", "psp", "smtp"}),
}
#: chat's ``serve`` listens on NATS for the live delivery of WatchConversation.
SERVERS_ON_NATS = frozenset({"ropo_chat"})
#: The gateway serves ``/metrics`` on its HTTP port; the services on ``…_METRICS_PORT``.
METRICS_ON = {
    ("ropo_gateway", "serve"): "PORT",
    ("*", "serve"): "METRICS_PORT",
    ("*", "worker"): "WORKER_METRICS_PORT",
}

#: Every setting that names an address, and what it is. ``None``: the process does not
#: connect to it (it listens there, prints it on a letter, or a browser or the PSP uses it).
SETTINGS: tuple[tuple[str, str | None], ...] = (
    (r"_DATABASE_URL$", "database"),
    (r"_ADDR$", "grpc"),
    (r"_NATS_URL$", "nats"),
    (r"^OTEL_EXPORTER_OTLP_ENDPOINT$", "otel"),
    (r"_PSP_BASE_URL$", "psp"),
    (r"_OIDC_ISSUER$", "oidc"),
    (r"_SMTP_HOST$", "smtp"),
    (r"_GRPC_HOST$|^ROPO_GATEWAY_HOST$|^ROPO_SANDBOX_HOST$|^ROPO_SANDBOX_SMTP_HOST$", None),
    (r"_PUBLIC_URL$|_PORTAL_URL$|_PSP_PAGE_ORIGIN$", None),
    (r"_PSP_CALLBACK_URL$", None),  # the PSP calls it back (psp_callbacks)
)
_ADDRESS_LIKE = re.compile(r"(_URL|_ADDR|_HOST|_ENDPOINT|_ISSUER|_ORIGIN)$")
_DEFAULT_PORTS = {"database": 5432, "nats": 4222, "otel": 4317, "smtp": 25}


class ConfigurationError(AssertionError):
    """The configuration names something the manifests cannot deliver (or nobody classified)."""


def classify(variable: str) -> str | None:
    for pattern, kind in SETTINGS:
        if re.search(pattern, variable):
            return kind
    if _ADDRESS_LIKE.search(variable):
        raise ConfigurationError(f"{variable}: an address nobody classified (k8s_netpol.SETTINGS)")
    return None


# --- the cluster as the policies see it ---------------------------------------------------------


@dataclass
class Cluster:
    namespace: str
    namespace_labels: dict[str, dict[str, str]]
    peers: dict[str, Peer]
    services: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]
    policies: list[K8sObject]
    outside: tuple[Peer, ...] = OUTSIDE

    @property
    def everyone(self) -> list[Peer]:
        return [*self.peers.values(), *self.outside]


def cluster_of(manifests: Manifests) -> Cluster:
    namespace = manifests.namespace
    labels = {peer.namespace: {"kubernetes.io/metadata.name": peer.namespace} for peer in OUTSIDE}
    namespace_object = manifests.get("Namespace", namespace)
    labels[namespace] = {
        **(namespace_object["metadata"].get("labels") or {}),
        "kubernetes.io/metadata.name": namespace,
    }
    peers: dict[str, Peer] = {}
    for obj, template in manifests.workloads():
        ports = tuple(
            Port(int(port["containerPort"]), port.get("protocol", "TCP"), port.get("name", ""))
            for container in template["spec"]["containers"]
            for port in container.get("ports", [])
        )
        peers[object_id(obj)] = Peer(
            object_id(obj), namespace, template["metadata"].get("labels") or {}, ports
        )
    services = {
        svc["metadata"]["name"]: (svc["spec"].get("selector") or {}, svc["spec"].get("ports") or [])
        for svc in manifests.of_kind("Service")
    }
    for db in manifests.of_kind("Cluster"):
        name = db["metadata"]["name"]
        peers[object_id(db)] = Peer(
            object_id(db),
            namespace,
            {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"},
            CNPG_PORTS,
        )
        for suffix in ("rw", "ro", "r"):  # the Services the operator creates
            services[f"{name}-{suffix}"] = (
                {"cnpg.io/cluster": name},
                [{"port": 5432, "targetPort": 5432}],
            )
    # The stranger listens wherever anyone does: a rule that lets a pod out to it on any port shows.
    everywhere = {Port(p.number, p.protocol) for peer in peers.values() for p in peer.ports}
    stranger = Peer(
        "stranger", "elsewhere", {"app": "stranger"}, (*sorted(everywhere, key=str), Port(UNLISTED))
    )
    outside = tuple(stranger if peer.id == "stranger" else peer for peer in OUTSIDE)
    return Cluster(namespace, labels, peers, services, manifests.of_kind("NetworkPolicy"), outside)


def resolve(cluster: Cluster, host: str, port: int) -> list[tuple[str, Port]]:
    """``(node, port)`` behind ``host:port``: the pods of a Service of the namespace (a
    StatefulSet pod's own name included), else the external host."""
    name = host
    for suffix in (".svc.cluster.local", ".svc", f".{cluster.namespace}"):
        name = name.removesuffix(suffix)
    pod, _, service = name.rpartition(".")
    if service not in cluster.services or "." in pod:
        return [(f"external:{host}", Port(port))]
    selector, ports = cluster.services[service]
    entry = next((item for item in ports if int(item["port"]) == port), None)
    if entry is None:
        raise ConfigurationError(f"{host}:{port}: Service {service} has no port {port}")
    found = []
    for peer in cluster.peers.values():
        if not selector or not selector_matches({"matchLabels": selector}, peer.labels):
            continue
        if pod and not (
            peer.id.startswith("StatefulSet/")
            and pod.rpartition("-")[0] == peer.id.partition("/")[2]
        ):
            continue
        target = entry.get("targetPort", port)
        number = (
            next((p.number for p in peer.ports if p.name == target), None)
            if isinstance(target, str)
            else int(target)
        )
        if number is None:
            raise ConfigurationError(f"{host}:{port}: {peer.id} has no port named {target}")
        found.append((peer.id, Port(number, entry.get("protocol", "TCP"))))
    if not found:
        raise ConfigurationError(f"{host}:{port}: no pods behind Service {service}")
    return found


# --- what the configuration says ----------------------------------------------------------------


def _url_target(
    cluster: Cluster, url: str, default_port: int | None = None
) -> list[tuple[str, Port]]:
    parts = urlsplit(url if "://" in url else f"//{url}")
    scheme_port = {"https": 443, "http": 80}.get(parts.scheme, default_port)
    port = parts.port or default_port or scheme_port
    if parts.hostname is None or port is None:
        raise ConfigurationError(f"{url}: no host or port")
    return resolve(cluster, parts.hostname, port)


def _dial(
    cluster: Cluster,
    manifests: Manifests,
    container: Mapping[str, Any],
    env: Mapping[str, str | None],
    variable: str,
    kind: str,
) -> list[tuple[str, Port]]:
    value = env[variable]
    if value is None:
        secret = manifests.secret_ref(container, variable)
        if secret is None:
            raise ConfigurationError(f"{variable}: neither a value nor a Secret")
        return [(f"external:secret/{secret[0]}", Port(_DEFAULT_PORTS[kind]))]
    if kind == "smtp":
        if not value:
            return []  # no mail server: e-mails wait in the outbox
        port = env.get(variable.removesuffix("HOST") + "PORT") or _DEFAULT_PORTS["smtp"]
        return resolve(cluster, value, int(port))
    if kind in ("psp", "oidc"):
        return _url_target(cluster, value)
    return _url_target(cluster, value, _DEFAULT_PORTS.get(kind))


def _suite_role(container: Mapping[str, Any]) -> tuple[str, str] | None:
    args = [str(arg) for arg in container.get("args") or []]
    if len(args) >= 2 and args[0].startswith("ropo_"):
        return args[0], args[1]
    return None


def _metrics_port(module: str, role: str, env: Mapping[str, str | None]) -> int | None:
    setting = METRICS_ON.get((module, role)) or METRICS_ON.get(("*", role))
    if setting is None:
        return None
    value = env.get(f"ROPO_{module.removeprefix('ropo_').upper()}_{setting}")
    return int(value) if value and value.strip().lower() not in ("off", "none") else None


def derived_edges(manifests: Manifests) -> set[Edge]:
    """The connections the configuration asks for."""
    cluster = cluster_of(manifests)
    edges: set[Edge] = set()

    def add(source: str, targets: Iterable[tuple[str, Port]]) -> None:
        edges.update(Edge(source, target, port.number, port.protocol) for target, port in targets)

    for obj, template in manifests.workloads():
        source = object_id(obj)
        for container in template["spec"]["containers"]:
            suite = _suite_role(container)
            if suite is None:
                continue
            module, role = suite
            env = manifests.environment(container)
            dials = DIALS[role] | (
                {"nats"} if role == "serve" and module in SERVERS_ON_NATS else frozenset()
            )
            for variable in env:
                kind = classify(variable)
                if kind in dials:
                    targets = _dial(cluster, manifests, container, env, variable, kind)
                    add(source, targets)
                    if kind == "psp":
                        edges.update(psp_callbacks(cluster, env, variable, targets))
            port = _metrics_port(module, role, env)
            if port is not None:
                edges.add(Edge("prometheus", source, port))
    edges |= infrastructure_edges(manifests, cluster)
    edges |= {
        Edge(peer.id, "kube-dns", 53, protocol)
        for peer in cluster.peers.values()
        for protocol in ("UDP", "TCP")
    }
    edges |= ingress_edges(manifests, cluster)
    return edges


def psp_callbacks(
    cluster: Cluster, env: Mapping[str, str | None], variable: str, psp: list[tuple[str, Port]]
) -> set[Edge]:
    """A PSP in the cluster (the sandbox) calls ``…_PSP_CALLBACK_URL`` back itself; an external
    one comes in through the public URL, i.e. the ingress."""
    callback = env.get(variable.replace("PSP_BASE_URL", "PSP_CALLBACK_URL"))
    if not callback:
        return set()
    inside = [node for node, _ in psp if not node.startswith("external:")]
    return {
        Edge(source, target, port.number, port.protocol)
        for source in inside
        for target, port in _url_target(cluster, callback)
        if not target.startswith("external:")
    }


def infrastructure_edges(manifests: Manifests, cluster: Cluster) -> set[Edge]:
    """NATS routes (from the server configuration), the collector's exporters (from its
    configuration), and what the CloudNativePG operator documents for its instances."""
    edges: set[Edge] = set()
    statefulset = nats_statefulset(manifests)
    if statefulset is not None:
        for route in (nats_config(manifests, statefulset).get("cluster") or {}).get("routes", []):
            edges.update(
                Edge(object_id(statefulset), target, port.number)
                for target, port in _url_target(cluster, str(route), 6222)
            )
    for obj, template in manifests.workloads():
        for container in template["spec"]["containers"]:
            if "opentelemetry-collector" in container.get("image", ""):
                for exporter in (
                    collector_config(manifests, template["spec"], container)
                    .get("exporters", {})
                    .values()
                ):
                    endpoint = str((exporter or {}).get("endpoint", ""))
                    edges.update(
                        Edge(object_id(obj), target, port.number)
                        for target, port in _url_target(cluster, endpoint, 4317)
                    )
    for db in manifests.of_kind("Cluster"):
        node = object_id(db)
        for port in (5432, 8000):
            edges.add(Edge("cnpg-operator", node, port))  # status checks, switchovers
            edges.add(Edge(node, node, port))  # streaming replication, the instance manager
        for port in (443, 6443):  # the instance manager reports to the API server
            edges.add(Edge(node, "external:kubernetes.default.svc", port))
        edges.add(Edge("prometheus", node, 9187))
    return edges


def collector_config(
    manifests: Manifests, pod_spec: Mapping[str, Any], container: Mapping[str, Any]
) -> dict[str, Any]:
    [path] = [
        arg.removeprefix("--config=")
        for arg in container.get("args", [])
        if arg.startswith("--config=")
    ]
    folder, _, filename = path.rpartition("/")
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == folder)
    volume = next(v for v in pod_spec["volumes"] if v["name"] == mount["name"])
    config: dict[str, Any] = yaml.safe_load(
        manifests.get("ConfigMap", volume["configMap"]["name"])["data"][filename]
    )
    return config


def ingress_edges(manifests: Manifests, cluster: Cluster) -> set[Edge]:
    edges: set[Edge] = set()
    for ingress in manifests.of_kind("Ingress"):
        backends = [ingress["spec"].get("defaultBackend")] + [
            path["backend"]
            for rule in ingress["spec"].get("rules", [])
            for path in rule.get("http", {}).get("paths", [])
        ]
        for backend in filter(None, backends):
            service = backend["service"]
            _, ports = cluster.services[service["name"]]
            wanted = service["port"]
            entry = next(
                p
                for p in ports
                if p.get("name") == wanted.get("name") or p["port"] == wanted.get("number")
            )
            edges.update(
                Edge("ingress-controller", target, port.number)
                for target, port in resolve(cluster, service["name"], int(entry["port"]))
            )
    return edges


# --- what the policies allow --------------------------------------------------------------------


def _types(policy: K8sObject) -> set[str]:
    spec = policy["spec"]
    if "policyTypes" in spec:
        return set(spec["policyTypes"])
    return {"Ingress"} | ({"Egress"} if "egress" in spec else set())


def _selecting(cluster: Cluster, peer: Peer, direction: str) -> list[K8sObject]:
    return [
        policy
        for policy in cluster.policies
        if direction in _types(policy)
        and policy["metadata"].get("namespace", cluster.namespace) == peer.namespace
        and selector_matches(policy["spec"].get("podSelector") or {}, peer.labels)
    ]


def _peer_matches(
    cluster: Cluster, rule_peer: Mapping[str, Any], policy_namespace: str, other: Peer
) -> bool:
    if "ipBlock" in rule_peer:
        return False  # pod addresses are not modelled: an ipBlock is an external destination
    namespaces = rule_peer.get("namespaceSelector")
    if namespaces is None:
        in_namespace = other.namespace == policy_namespace
    else:
        in_namespace = selector_matches(
            namespaces, cluster.namespace_labels.get(other.namespace, {})
        )
    pods = rule_peer.get("podSelector")
    return in_namespace and (pods is None or selector_matches(pods, other.labels))


def _port_matches(
    rule_ports: list[Mapping[str, Any]] | None, destination: Peer, port: Port
) -> bool:
    if not rule_ports:
        return True
    for item in rule_ports:
        if item.get("protocol", "TCP") != port.protocol:
            continue
        if "port" not in item:
            return True
        value = item["port"]
        if isinstance(value, str):
            if any(
                p.name == value and p.number == port.number and p.protocol == port.protocol
                for p in destination.ports
            ):
                return True
        elif int(value) <= port.number <= int(item.get("endPort", value)):
            return True
    return False


def _allows(
    cluster: Cluster, direction: str, selected: Peer, other: Peer, destination: Peer, port: Port
) -> bool:
    if selected.namespace != cluster.namespace:
        return True  # other namespaces' policies are not ours to check
    policies = _selecting(cluster, selected, direction)
    if not policies:
        return True  # not isolated
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in policies:
        namespace = policy["metadata"].get("namespace", cluster.namespace)
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            if (
                not peers or any(_peer_matches(cluster, p, namespace, other) for p in peers)
            ) and _port_matches(rule.get("ports"), destination, port):
                return True
    return False


def _rule_ports(rule: Mapping[str, Any]) -> list[Port]:
    ports = []
    for item in rule.get("ports") or [{}]:
        value = item.get("port")
        number = value if isinstance(value, int) and "endPort" not in item else UNLISTED
        ports.append(Port(number, item.get("protocol", "TCP")))
    return ports


def _ports_of(cluster: Cluster, destination: Peer) -> tuple[Port, ...]:
    if destination.namespace == cluster.namespace:
        return (*destination.ports, Port(UNLISTED))
    return destination.ports


def egress_side(manifests: Manifests) -> set[Edge]:
    """What the pods of the namespace may open, judged by their own (egress) policies alone."""
    cluster = cluster_of(manifests)
    edges: set[Edge] = set()
    for source in cluster.peers.values():
        for destination in cluster.everyone:
            for port in _ports_of(cluster, destination):
                if _allows(cluster, "Egress", source, destination, destination, port):
                    edges.add(Edge(source.id, destination.id, port.number, port.protocol))
        egress = _selecting(cluster, source, "Egress")
        if not egress:
            edges.add(Edge(source.id, "anywhere", UNLISTED))
        for policy in egress:
            name = annotation(policy, EGRESS_TO)
            for rule in policy["spec"].get("egress") or []:
                to = rule.get("to")
                destinations = (
                    [
                        f"external:{name}" if name else f"ipblock:{p['ipBlock']['cidr']}"
                        for p in to
                        if "ipBlock" in p
                    ]
                    if to
                    else ["anywhere"]
                )
                edges.update(
                    Edge(source.id, d, port.number, port.protocol)
                    for d in destinations
                    for port in _rule_ports(rule)
                )
    return edges


def ingress_side(manifests: Manifests) -> set[Edge]:
    """What the pods of the namespace may accept, judged by their own (ingress) policies alone."""
    cluster = cluster_of(manifests)
    edges: set[Edge] = set()
    for destination in cluster.peers.values():
        for source in cluster.everyone:
            for port in _ports_of(cluster, destination):
                if _allows(cluster, "Ingress", destination, source, destination, port):
                    edges.add(Edge(source.id, destination.id, port.number, port.protocol))
        for policy in _selecting(cluster, destination, "Ingress"):
            for rule in policy["spec"].get("ingress") or []:
                for source_block in rule.get("from") or []:
                    if "ipBlock" in source_block:
                        edges.update(
                            Edge(
                                f"ipblock:{source_block['ipBlock']['cidr']}",
                                destination.id,
                                port.number,
                                port.protocol,
                            )
                            for port in _rule_ports(rule)
                        )
    return edges


def allowed_edges(manifests: Manifests) -> set[Edge]:
    """The connections the NetworkPolicies let through: inside the namespace both ends'
    policies must agree; to or from elsewhere, ours decide."""
    inside = set(cluster_of(manifests).peers)
    egress, ingress = egress_side(manifests), ingress_side(manifests)
    return (
        (egress & ingress)
        | {edge for edge in egress if edge.target not in inside}
        | {edge for edge in ingress if edge.source not in inside}
    )


def namespace_nodes(manifests: Manifests) -> set[str]:
    return set(cluster_of(manifests).peers)


def ip_blocks(manifests: Manifests) -> list[str]:
    return [
        peer["ipBlock"]["cidr"]
        for policy in manifests.of_kind("NetworkPolicy")
        for rules, key in (
            (policy["spec"].get("egress"), "to"),
            (policy["spec"].get("ingress"), "from"),
        )
        for rule in rules or []
        for peer in rule.get(key) or []
        if "ipBlock" in peer
    ]


# --- what Prometheus scrapes ----------------------------------------------------------------------


def scrape_edges(manifests: Manifests) -> set[Edge]:
    """The targets the ServiceMonitors and PodMonitors select, as edges from Prometheus."""
    cluster = cluster_of(manifests)
    edges: set[Edge] = set()
    for monitor in manifests.of_kind("ServiceMonitor"):
        for svc in manifests.of_kind("Service"):
            if not selector_matches(
                monitor["spec"]["selector"], svc["metadata"].get("labels") or {}
            ):
                continue
            for endpoint in monitor["spec"].get("endpoints", []):
                entry = next(
                    (p for p in svc["spec"]["ports"] if p.get("name") == endpoint.get("port")), None
                )
                if entry is not None:
                    edges.update(
                        Edge("prometheus", target, port.number)
                        for target, port in resolve(
                            cluster, svc["metadata"]["name"], int(entry["port"])
                        )
                    )
    for monitor in manifests.of_kind("PodMonitor"):
        for peer in cluster.peers.values():
            if selector_matches(monitor["spec"]["selector"], peer.labels):
                for endpoint in monitor["spec"].get("podMetricsEndpoints", []):
                    edges.update(
                        Edge("prometheus", peer.id, p.number)
                        for p in peer.ports
                        if p.name == endpoint.get("port")
                    )
    return edges
