"""Every overlay renders, and every rendered object validates: built-in kinds against the
Kubernetes schemas of the pinned version (strict: unknown fields are errors), custom
resources (CloudNativePG Cluster, ServiceMonitor, PodMonitor, PrometheusRule) against the
CRD schemas in ``crds/``. No object is skipped: a kind with no schema fails."""

from __future__ import annotations

import kubernetes_validate
import pytest
from k8s_manifests import Manifests, copy_of, object_id
from k8s_schemas import KUBERNETES_VERSION, CustomResourceSchemas, NoSchema, validate


@pytest.fixture(scope="module")
def custom() -> CustomResourceSchemas:
    return CustomResourceSchemas()


def schema_problems(manifests: Manifests, custom: CustomResourceSchemas) -> list[str]:
    problems: list[str] = []
    for obj in manifests.objects:
        try:
            problems += [f"{object_id(obj)}: {line}" for line in validate(obj, custom)]
        except NoSchema as missing:
            problems.append(f"{object_id(obj)}: no schema for {missing}")
    return problems


def test_every_rendered_object_validates(overlay: Manifests, custom: CustomResourceSchemas) -> None:
    assert schema_problems(overlay, custom) == []


def test_the_overlays_use_custom_resources_only_from_the_known_crds(
    prod: Manifests, custom: CustomResourceSchemas
) -> None:
    used = {
        (obj["apiVersion"], obj["kind"])
        for obj in prod.objects
        if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].endswith("k8s.io/v1")
    }
    assert used == {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PodMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
    }
    assert used <= custom.kinds()


def test_the_crd_files_are_valid_custom_resource_definitions(
    custom: CustomResourceSchemas,
) -> None:
    assert len(custom.definitions) == 4
    for crd in custom.definitions:
        assert validate(crd, custom) == [], crd["metadata"]["name"]


def test_the_cached_validation_is_kubernetes_validates(
    prod: Manifests, custom: CustomResourceSchemas
) -> None:
    # k8s_schemas loads kubernetes-validate's schema files once (its own validate() reloads
    # them for every object); both must judge alike.
    good = prod.get("StatefulSet", "nats")
    bad = copy_of(prod).get("StatefulSet", "nats")
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "4222"
    kubernetes_validate.validate(good, KUBERNETES_VERSION, strict=True)
    assert validate(good, custom) == []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)
    assert validate(bad, custom) == [
        "spec/template/spec/containers/0/ports/0/containerPort: '4222' is not of type 'integer'"
    ]


# --- the validation catches what it should --------------------------------------------------


def test_a_misspelt_field_of_a_built_in_kind_is_an_error(
    prod: Manifests, custom: CustomResourceSchemas
) -> None:
    broken = copy_of(prod)
    broken.get("Deployment", "myropo-invoice")["spec"]["replica"] = 3
    assert schema_problems(broken, custom) == [
        "Deployment/myropo-invoice: spec: Additional properties are not allowed "
        "('replica' was unexpected)"
    ]


def test_a_wrong_type_in_a_custom_resource_is_an_error(
    prod: Manifests, custom: CustomResourceSchemas
) -> None:
    broken = copy_of(prod)
    broken.get("Cluster", "myropo-payment-db")["spec"]["instances"] = "3"
    broken.get("PrometheusRule", "myropo-alerts")["spec"]["groups"][0]["rules"][0]["for"] = "5 min"
    broken.get("ServiceMonitor", "myropo-servers")["spec"]["endpoint"] = []
    problems = sorted(schema_problems(broken, custom))
    assert len(problems) == 3
    assert problems[0].startswith("Cluster/myropo-payment-db: spec/instances:")
    assert problems[1].startswith("PrometheusRule/myropo-alerts: spec/groups/0/rules/0/for:")
    assert problems[2].startswith("ServiceMonitor/myropo-servers: spec:")
    assert "'endpoint' was unexpected" in problems[2]


def test_an_unknown_kind_is_not_skipped(prod: Manifests, custom: CustomResourceSchemas) -> None:
    broken = copy_of(prod)
    unknown = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    broken = Manifests(broken.overlay, (*broken.objects, unknown))
    assert schema_problems(broken, custom) == ["Gadget/g: no schema for example.com/v1 Gadget"]
