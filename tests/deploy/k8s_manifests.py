"""Rendering the kustomize overlays and reading the rendered objects.

``render`` runs ``kubectl kustomize`` (the same command the README and the runbook
give) and returns the objects as plain dicts; ``Manifests`` answers the questions the
tests ask of them (objects by kind, pod templates, a container's environment).
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

K8sObject = dict[str, Any]

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")

#: Kinds whose pods run from a template (Jobs run to completion: no probes, see the README).
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


class RenderError(Exception):
    """``kubectl kustomize`` failed; the message is its stderr."""


def kubectl() -> str | None:
    """Path of ``kubectl``, or ``None`` when it is not installed."""
    return shutil.which("kubectl")


def render(overlay: str | Path) -> list[K8sObject]:
    """The objects ``kubectl kustomize deploy/k8s/overlays/<overlay>`` prints."""
    binary = kubectl()
    if binary is None:
        raise RenderError("kubectl is not installed")
    folder = overlay if isinstance(overlay, Path) else K8S / "overlays" / overlay
    result = subprocess.run(
        [binary, "kustomize", str(folder)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RenderError(result.stderr.strip() or f"exit status {result.returncode}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def object_id(obj: Mapping[str, Any]) -> str:
    """``Kind/name`` (names are unique per kind within one overlay's namespace)."""
    return f"{obj['kind']}/{obj['metadata']['name']}"


def pod_template(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pod template of a workload, ``None`` for other kinds."""
    if obj["kind"] == "CronJob":
        template: dict[str, Any] = obj["spec"]["jobTemplate"]["spec"]["template"]
        return template
    if obj["kind"] in WORKLOAD_KINDS:
        template = obj["spec"]["template"]
        return template
    return None


def containers(pod_spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Init containers and containers of a pod spec."""
    return [*pod_spec.get("initContainers", []), *pod_spec.get("containers", [])]


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector (``matchLabels`` and ``matchExpressions``) against labels;
    the empty selector matches everything."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def annotation(obj: Mapping[str, Any], key: str, default: str = "") -> str:
    value = (obj.get("metadata", {}).get("annotations") or {}).get(key, default)
    return str(value)


@dataclass(frozen=True)
class Manifests:
    """One rendered overlay."""

    overlay: str
    objects: tuple[K8sObject, ...]

    @property
    def namespace(self) -> str:
        [namespace] = self.of_kind("Namespace")
        return str(namespace["metadata"]["name"])

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [obj for obj in self.objects if obj["kind"] in kinds]

    def get(self, kind: str, name: str) -> K8sObject:
        for obj in self.objects:
            if obj["kind"] == kind and obj["metadata"]["name"] == name:
                return obj
        raise KeyError(f"{kind}/{name} is not in the {self.overlay} overlay")

    def find(self, kind: str, name: str) -> K8sObject | None:
        try:
            return self.get(kind, name)
        except KeyError:
            return None

    def workloads(self) -> Iterator[tuple[K8sObject, dict[str, Any]]]:
        """Every workload with its pod template."""
        for obj in self.objects:
            template = pod_template(obj)
            if template is not None:
                yield obj, template

    def environment(self, container: Mapping[str, Any]) -> dict[str, str | None]:
        """A container's variables as the process sees them: ConfigMap ``envFrom`` first,
        then ``env`` (which wins). A variable read from a Secret maps to ``None``."""
        variables: dict[str, str | None] = {}
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef")
            if ref is not None:
                config = self.find("ConfigMap", ref["name"])
                data = (config or {}).get("data") or {}
                prefix = source.get("prefix", "")
                variables.update({f"{prefix}{key}": str(value) for key, value in data.items()})
        for item in container.get("env", []):
            variables[item["name"]] = str(item["value"]) if "value" in item else None
        return variables

    def secret_ref(self, container: Mapping[str, Any], variable: str) -> tuple[str, str] | None:
        """``(secret name, key)`` when ``variable`` is read from a Secret."""
        for item in container.get("env", []):
            if item["name"] == variable:
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                return (ref["name"], ref["key"]) if ref else None
        return None


def copy_of(manifests: Manifests) -> Manifests:
    """A deep copy whose objects a unit check may change."""
    return Manifests(manifests.overlay, copy.deepcopy(manifests.objects))
