"""Every suite container's rendered environment (its ConfigMap and env; Secrets stand in
with well-formed values) is a configuration its process accepts — in prod with
``ROPO_ENV=production`` and its stricter checks — and names only settings that exist,
so a misspelt variable cannot be silently ignored."""

from __future__ import annotations

import base64
import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from k8s_manifests import Manifests, copy_of
from pydantic import AliasChoices, ValidationError
from pydantic_settings import BaseSettings

#: Stand-ins for values that come from Secrets (the names say what the value is).
SECRET_VALUES = {
    "_DATABASE_URL": "postgresql+asyncpg://user:password@db.example.invalid:5432/db",
    "_PERSON_KEY_SECRET": "p" * 40,
    "_HETU_ENCRYPTION_KEY": base64.b64encode(b"k" * 32).decode(),
    "_HETU_DECRYPTION_KEYS": base64.b64encode(b"o" * 32).decode(),
    "_PSP_ACCOUNT": "123456",
    "_PSP_SECRET": "s" * 40,
    "_CLIENT_SECRET": "c" * 40,
    "_SMTP_USERNAME": "myropo",
    "_SMTP_PASSWORD": "w" * 20,
    "PGUSER": "invoice",
    "PGPASSWORD": "w" * 20,
}
#: Variables that are not settings of the process (read by libraries).
NOT_SETTINGS = {
    "PGUSER",
    "PGPASSWORD",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "ROPO_ENV",
}


def settings_class(module: str) -> type[BaseSettings]:
    config = importlib.import_module(f"{module}.config")
    [found] = [
        value
        for value in vars(config).values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == config.__name__
    ]
    return found


def accepted_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = set()
    for name, info in cls.model_fields.items():
        names.add(f"{prefix}{name}".upper())
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias.upper())
    return names


def suite_containers(manifests: Manifests) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for obj, template in manifests.workloads():
        for container in template["spec"]["containers"]:
            args = [str(arg) for arg in container.get("args") or []]
            if args and args[0].startswith("ropo_"):
                yield f"{obj['kind']}/{obj['metadata']['name']}", args[0], container


def environment(manifests: Manifests, container: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, value in manifests.environment(container).items():
        if value is None:
            value = next((v for suffix, v in SECRET_VALUES.items() if name.endswith(suffix)), None)
            assert value is not None, f"{name} comes from a Secret: add a stand-in to SECRET_VALUES"
        values[name] = value
    return values


def configuration_problems(manifests: Manifests, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    problems = []
    for workload, module, container in suite_containers(manifests):
        cls = settings_class(module)
        env = environment(manifests, container)
        problems += [
            f"{workload}: {name} is not a setting of {module}"
            for name in sorted(env)
            if name not in NOT_SETTINGS and name not in accepted_names(cls)
        ]
        with monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(("ROPO_", "OTEL_", "PG")) and name != "ROPO_TEST_POSTGRES_URL":
                    patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            try:
                cls()
            except ValidationError as error:
                problems += [f"{workload}: {item['loc']}: {item['msg']}" for item in error.errors()]
    return problems


def test_every_process_accepts_its_rendered_configuration(
    overlay: Manifests, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(list(suite_containers(overlay))) >= 17
    assert configuration_problems(overlay, monkeypatch) == []


def test_a_misspelt_or_invalid_setting_is_reported(
    prod: Manifests, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = copy_of(prod)
    data = broken.get("ConfigMap", "myropo-invoice-config")["data"]
    data["ROPO_INVOICE_SMTP_STARTLS"] = "true"
    data["ROPO_INVOICE_STREAM_REPLICAS"] = "2"
    problems = configuration_problems(broken, monkeypatch)
    assert (
        "Deployment/myropo-invoice: ROPO_INVOICE_SMTP_STARTLS is not a setting of ropo_invoice"
        in problems
    )
    assert any(
        problem.startswith("Job/myropo-invoice-migrate: ('stream_replicas',)")
        for problem in problems
    )
