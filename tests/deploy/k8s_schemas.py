"""Schema validation of rendered objects.

Built-in kinds: the OpenAPI schemas that ``kubernetes-validate`` ships, strict (an
unknown field is an error, as with ``kubectl apply --validate=strict``), for the
pinned Kubernetes version. Custom resources: the ``openAPIV3Schema`` of the CRDs in
``crds/`` (subsets of the operators' own schemas), made strict the same way.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from importlib_resources import files
from referencing import Registry, Resource

#: The oldest Kubernetes release the manifests must run on (field names and APIs).
KUBERNETES_VERSION = "1.32"
CRD_FOLDER = Path(__file__).resolve().parent / "crds"

_SCHEMAS = files("kubernetes_validate").joinpath("kubernetes-json-schema")


class NoSchema(Exception):
    """Neither Kubernetes nor one of the CRDs defines this kind."""


@functools.cache
def _schema_file(version: str, name: str) -> Any:
    path = _SCHEMAS.joinpath(f"v{version}.0-local-strict", name)
    if not path.is_file():
        raise FileNotFoundError(name)
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _builtin_validator(version: str, kind: str, api_version: str) -> jsonschema.Validator:
    # Same file naming as kubernetes-validate: rbac.authorization.k8s.io/v1 -> rbac-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = _schema_file(version, f"{kind.lower()}-{group_version}.json")
    except FileNotFoundError:
        raise NoSchema(f"{api_version} {kind}") from None
    registry: Registry[Any] = (
        Registry()
        .with_resources(
            [
                ("", Resource.from_contents(schema)),
                (
                    "_definitions.json",
                    Resource.from_contents(_schema_file(version, "_definitions.json")),
                ),
            ]
        )
        .crawl()
    )  # once, not on every lookup
    validator_class = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    return validator_class(schema, registry=registry)


def strict_schema(openapi: Mapping[str, Any]) -> dict[str, Any]:
    """A CRD's ``openAPIV3Schema`` as JSON Schema that refuses unknown fields.

    ``x-kubernetes-preserve-unknown-fields`` keeps an object open, and
    ``x-kubernetes-int-or-string`` becomes ``integer`` or ``string``.
    """
    schema = copy.deepcopy(dict(openapi))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("x-kubernetes-int-or-string") and "type" not in node:
                node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
            if (
                node.get("type") == "object"
                and "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return schema


class CustomResourceSchemas:
    """Validators for the custom resources whose CRDs are in ``folder``."""

    def __init__(self, folder: Path = CRD_FOLDER) -> None:
        self.definitions: list[dict[str, Any]] = []
        self._validators: dict[tuple[str, str], jsonschema.Validator] = {}
        for path in sorted(folder.glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if crd:
                    self._add(crd)

    def _add(self, crd: dict[str, Any]) -> None:
        self.definitions.append(crd)
        spec = crd["spec"]
        for version in spec["versions"]:
            api_version = f"{spec['group']}/{version['name']}"
            schema = strict_schema(version["schema"]["openAPIV3Schema"])
            self._validators[(api_version, spec["names"]["kind"])] = jsonschema.Draft7Validator(
                schema
            )

    def kinds(self) -> set[tuple[str, str]]:
        return set(self._validators)

    def validator(self, api_version: str, kind: str) -> jsonschema.Validator:
        try:
            return self._validators[(api_version, kind)]
        except KeyError:
            raise NoSchema(f"{api_version} {kind}") from None


def _describe(errors: Iterable[jsonschema.ValidationError]) -> list[str]:
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(errors, key=lambda error: list(map(str, error.absolute_path)))
    ]


def validate(
    obj: Mapping[str, Any],
    custom: CustomResourceSchemas,
    version: str = KUBERNETES_VERSION,
) -> list[str]:
    """Problems of ``obj`` against its schema (empty = valid); ``NoSchema`` when unknown."""
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    try:
        validator = _builtin_validator(version, kind, api_version)
    except NoSchema:
        validator = custom.validator(api_version, kind)
    return _describe(validator.iter_errors(dict(obj)))
