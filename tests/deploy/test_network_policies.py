"""The NetworkPolicies allow exactly the call graph: the edges derived from the services'
configured clients (rendered ConfigMaps and env: ``*_ADDR``, database, NATS, OTLP, PSP,
identity broker and SMTP addresses, mapped through the Services to pods), the metrics
ports, DNS, the ingress, NATS routes and the database operator — and nothing else, in
both directions. See ``k8s_netpol`` for both halves."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from k8s_manifests import Manifests, copy_of
from k8s_netpol import (
    EGRESS_TO,
    ConfigurationError,
    Edge,
    allowed_edges,
    derived_edges,
    egress_side,
    ingress_side,
    ip_blocks,
    namespace_nodes,
    scrape_edges,
)


def differences(manifests: Manifests) -> tuple[list[str], list[str]]:
    """(derived but not allowed, allowed but not derived)."""
    derived, allowed = derived_edges(manifests), allowed_edges(manifests)
    return sorted(map(str, derived - allowed)), sorted(map(str, allowed - derived))


def loose_sides(manifests: Manifests) -> list[str]:
    """Edges one side's policies allow beyond the graph, even where the other side still
    refuses them (a latent hole that opens when that side is loosened)."""
    derived, inside = derived_edges(manifests), namespace_nodes(manifests)
    egress = egress_side(manifests) - {edge for edge in derived if edge.source in inside}
    ingress = ingress_side(manifests) - {edge for edge in derived if edge.target in inside}
    return sorted([f"egress {edge}" for edge in egress] + [f"ingress {edge}" for edge in ingress])


def policy(manifests: Manifests, name: str) -> Any:
    return manifests.get("NetworkPolicy", name)["spec"]


def test_the_policies_allow_exactly_the_configured_call_graph(overlay: Manifests) -> None:
    missing, extra = differences(overlay)
    assert missing == [], "configured connections the policies block"
    assert extra == [], "connections the policies allow that nothing is configured to make"
    assert loose_sides(overlay) == [], "one side allows more than the graph"


def test_the_graph_has_the_edges_the_issue_names(prod: Manifests) -> None:
    edges = derived_edges(prod)
    grpc = {
        50051: "invoice",
        50052: "payment",
        50053: "authorization",
        50054: "refund",
        50055: "chat",
    }
    for port, service in grpc.items():
        assert Edge("Deployment/myropo-gateway", f"Deployment/myropo-{service}", port) in edges
    assert Edge("Deployment/myropo-chat", "Deployment/myropo-invoice", 50051) in edges
    assert Edge("Deployment/myropo-chat", "Deployment/myropo-authorization", 50053) in edges
    assert Edge("ingress-controller", "Deployment/myropo-gateway", 8080) in edges
    for service in grpc.values():
        for node in (
            f"Deployment/myropo-{service}",
            f"Deployment/myropo-{service}-worker",
            f"Job/myropo-{service}-migrate",
        ):
            assert Edge(node, f"Cluster/myropo-{service}-db", 5432) in edges
            assert Edge(node, "kube-dns", 53, "UDP") in edges
        assert Edge(f"Deployment/myropo-{service}-worker", "StatefulSet/nats", 4222) in edges
        assert (
            Edge(f"Deployment/myropo-{service}-worker", "Deployment/myropo-otel-collector", 4317)
            in edges
        )
    assert Edge("Deployment/myropo-payment", "external:psp.example.invalid", 443) in edges
    assert Edge("Deployment/myropo-invoice-worker", "external:smtp.example.invalid", 587) in edges
    assert Edge("StatefulSet/nats", "StatefulSet/nats", 6222) in edges
    # A migration Job dials its database only.
    assert {e.target for e in edges if e.source == "Job/myropo-invoice-migrate"} == {
        "Cluster/myropo-invoice-db",
        "kube-dns",
    }


def test_every_address_block_is_named_and_narrow(overlay: Manifests) -> None:
    for cidr in ip_blocks(overlay):
        assert ipaddress.ip_network(cidr).prefixlen >= 16, cidr
    for item in overlay.of_kind("NetworkPolicy"):
        rules = item["spec"].get("egress") or []
        if any("ipBlock" in peer for rule in rules for peer in rule.get("to") or []):
            assert item["metadata"]["annotations"].get(EGRESS_TO), item["metadata"]["name"]


def test_prometheus_scrapes_exactly_what_serves_metrics(prod: Manifests) -> None:
    served = {edge for edge in derived_edges(prod) if edge.source == "prometheus"}
    assert scrape_edges(prod) == served
    assert served <= allowed_edges(prod)


# --- the comparison catches a broken policy or configuration -------------------------------------


def test_a_blocked_configured_call_is_missing(prod: Manifests) -> None:
    broken = copy_of(prod)
    egress = policy(broken, "myropo-gateway")["egress"]
    egress[0]["to"][0]["podSelector"]["matchExpressions"][0]["values"].remove(
        "myropo-payment-server"
    )
    assert differences(broken) == (
        ["Deployment/myropo-gateway -> Deployment/myropo-payment 50052/TCP"],
        [],
    )


def test_an_allow_all_rule_shows_as_extra_edges(prod: Manifests) -> None:
    broken = copy_of(prod)
    policy(broken, "myropo-invoice-server")["ingress"].append({})
    missing, extra = differences(broken)
    assert missing == []
    assert "stranger -> Deployment/myropo-invoice 50051/TCP" in extra
    assert (
        "Deployment/myropo-refund -> Deployment/myropo-invoice any port" not in extra
    )  # refund egress is closed
    assert "stranger -> Deployment/myropo-invoice any port" in extra


def test_without_the_default_deny_a_job_is_open_to_anyone(prod: Manifests) -> None:
    broken = Manifests(
        prod.overlay,
        tuple(
            obj for obj in copy_of(prod).objects if obj["metadata"]["name"] != "myropo-default-deny"
        ),
    )
    _, extra = differences(broken)
    assert "stranger -> Job/myropo-chat-migrate any port" in extra


def test_a_port_less_rule_and_an_unnamed_address_block_are_extra(prod: Manifests) -> None:
    broken = copy_of(prod)
    egress = policy(broken, "myropo-refund-worker")["egress"]
    egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]})
    del egress[1]["ports"]
    _, extra = differences(broken)
    assert extra == ["Deployment/myropo-refund-worker -> ipblock:0.0.0.0/0 443/TCP"]
    # NATS's own policy still refuses the other ports: a hole only on the worker's side.
    assert loose_sides(broken) == [
        "egress Deployment/myropo-refund-worker -> StatefulSet/nats 6222/TCP",
        "egress Deployment/myropo-refund-worker -> StatefulSet/nats 8222/TCP",
        "egress Deployment/myropo-refund-worker -> StatefulSet/nats any port",
        "egress Deployment/myropo-refund-worker -> ipblock:0.0.0.0/0 443/TCP",
    ]


def test_a_changed_peer_address_needs_a_changed_policy(prod: Manifests) -> None:
    broken = copy_of(prod)
    broken.get("ConfigMap", "myropo-chat-config")["data"]["ROPO_CHAT_INVOICE_ADDR"] = (
        "myropo-refund:50054"
    )
    broken.get("ConfigMap", "myropo-payment-config")["data"]["ROPO_PAYMENT_PSP_BASE_URL"] = (
        "https://pay.example.invalid"
    )
    missing, extra = differences(broken)
    assert missing == [
        "Deployment/myropo-chat -> Deployment/myropo-refund 50054/TCP",
        "Deployment/myropo-payment -> external:pay.example.invalid 443/TCP",
        "Deployment/myropo-payment-worker -> external:pay.example.invalid 443/TCP",
    ]
    assert extra == [
        "Deployment/myropo-chat -> Deployment/myropo-invoice 50051/TCP",
        "Deployment/myropo-payment -> external:psp.example.invalid 443/TCP",
        "Deployment/myropo-payment-worker -> external:psp.example.invalid 443/TCP",
    ]


def test_an_address_nobody_classified_stops_the_derivation(prod: Manifests) -> None:
    broken = copy_of(prod)
    broken.get("ConfigMap", "myropo-refund-config")["data"]["ROPO_REFUND_BANK_URL"] = (
        "https://bank.example"
    )
    with pytest.raises(
        ConfigurationError, match="ROPO_REFUND_BANK_URL: an address nobody classified"
    ):
        derived_edges(broken)


def test_an_address_no_service_answers_on_is_an_error(prod: Manifests) -> None:
    broken = copy_of(prod)
    broken.get("ConfigMap", "myropo-gateway-config")["data"]["ROPO_GATEWAY_CHAT_ADDR"] = (
        "myropo-chat:50099"
    )
    with pytest.raises(ConfigurationError, match="Service myropo-chat has no port 50099"):
        derived_edges(broken)


def test_a_target_nobody_scrapes_is_reported(prod: Manifests) -> None:
    broken = Manifests(
        prod.overlay,
        tuple(obj for obj in copy_of(prod).objects if obj["metadata"]["name"] != "myropo-workers"),
    )
    served = {edge for edge in derived_edges(broken) if edge.source == "prometheus"}
    unscraped = sorted(map(str, served - scrape_edges(broken)))
    assert len(unscraped) == 5
    assert unscraped[0] == "prometheus -> Deployment/myropo-authorization-worker 9113/TCP"
