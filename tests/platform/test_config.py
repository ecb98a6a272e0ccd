"""ServiceSettings and load_settings: defaults, prefixes, standard OTel variables, fail fast."""

from __future__ import annotations

import io

import pytest
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import (
    DEV_PERSON_KEY_SECRET,
    Environment,
    ServiceSettings,
    load_settings,
)


class InvoiceLikeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROPO_CFGTEST_")
    service_name: str = "cfgtest"
    grpc_port: int = 50051
    metrics_port: int | None = 9101


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("ROPO_", "OTEL_")):
            monkeypatch.delenv(name)


def _fail(**env: str) -> list[str]:
    stderr = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with pytest.raises(SystemExit) as exit_info:
            load_settings(InvoiceLikeSettings, stderr=stderr)
    assert exit_info.value.code == 2
    return stderr.getvalue().splitlines()


def test_defaults() -> None:
    settings = load_settings(InvoiceLikeSettings)
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.grpc_address == "127.0.0.1:50051"
    assert settings.metrics_port == 9101
    assert settings.database_url == "sqlite+aiosqlite:///var/cfgtest.db"
    assert settings.nats_url == "nats://127.0.0.1:14222"
    assert (settings.log_level, settings.log_format) == ("INFO", "json")
    assert settings.otel_exporter_otlp_endpoint is None
    assert settings.tracing_service_name == "cfgtest"
    assert settings.shutdown_grace_seconds == 10.0
    assert settings.person_key_secret_bytes == DEV_PERSON_KEY_SECRET.encode()


def test_values_come_from_prefixed_and_standard_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROPO_ENV", "test")
    monkeypatch.setenv("ROPO_CFGTEST_GRPC_PORT", "50999")
    monkeypatch.setenv("ROPO_CFGTEST_METRICS_PORT", "")
    monkeypatch.setenv("ROPO_CFGTEST_LOG_LEVEL", "debug")
    monkeypatch.setenv("ROPO_CFGTEST_LOG_FORMAT", "CONSOLE")
    monkeypatch.setenv("ROPO_CFGTEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/x")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "invoice-canary")
    monkeypatch.setenv("ROPO_OTHER_GRPC_PORT", "1")  # another service's variable
    settings = load_settings(InvoiceLikeSettings)
    assert settings.environment is Environment.TEST
    assert settings.grpc_port == 50999
    assert settings.log_level == "DEBUG" and settings.log_format == "console"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.otel_exporter_otlp_endpoint == "http://127.0.0.1:4317"
    assert settings.tracing_service_name == "invoice-canary"
    assert InvoiceLikeSettings.env_var_name("grpc_port") == "ROPO_CFGTEST_GRPC_PORT"
    assert InvoiceLikeSettings.env_var_name("environment") == "ROPO_ENV"


def test_metrics_port_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(InvoiceLikeSettings, metrics_port=None).metrics_port is None
    for value in ("", "off", "none"):
        monkeypatch.setenv("ROPO_CFGTEST_METRICS_PORT", value)
        assert load_settings(InvoiceLikeSettings).metrics_port is None


def test_bad_values_give_one_line_per_variable_and_exit_2() -> None:
    lines = _fail(
        ROPO_CFGTEST_GRPC_PORT="70000",
        ROPO_CFGTEST_LOG_LEVEL="LOUD",
        ROPO_CFGTEST_DATABASE_URL="mysql://db",
        ROPO_CFGTEST_SHUTDOWN_GRACE_SECONDS="-1",
    )
    assert lines == [
        "configuration error: ROPO_CFGTEST_GRPC_PORT: must be a port number between 0 and 65535 "
        "(got '70000')",
        "configuration error: ROPO_CFGTEST_DATABASE_URL: must start with sqlite+aiosqlite:// "
        "or postgresql+asyncpg:// (got 'mysql://db')",
        "configuration error: ROPO_CFGTEST_LOG_LEVEL: Input should be 'DEBUG', 'INFO', "
        "'WARNING', 'ERROR' or 'CRITICAL' (got 'LOUD')",
        "configuration error: ROPO_CFGTEST_SHUTDOWN_GRACE_SECONDS: must be more than 0 and at "
        "most 300 seconds (got '-1')",
    ]


def test_unknown_environment_names_the_shared_variable() -> None:
    assert _fail(ROPO_ENV="staging") == [
        "configuration error: ROPO_ENV: Input should be 'development', 'test' or 'production' "
        "(got 'staging')"
    ]


def test_production_refuses_the_development_secret_without_printing_it() -> None:
    lines = _fail(ROPO_ENV="production")
    assert lines == [
        "configuration error: ROPO_CFGTEST_PERSON_KEY_SECRET: the development default is not "
        "allowed when ROPO_ENV=production"
    ]
    short = _fail(ROPO_ENV="production", ROPO_CFGTEST_PERSON_KEY_SECRET="tooshort")
    assert short == [
        "configuration error: ROPO_CFGTEST_PERSON_KEY_SECRET: must be at least 32 characters "
        "in production"
    ]
    assert "tooshort" not in "".join(short)


def test_production_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_ENV", "production")
    monkeypatch.setenv("ROPO_CFGTEST_PERSON_KEY_SECRET", "s" * 40)
    settings = load_settings(InvoiceLikeSettings)
    assert settings.environment is Environment.PRODUCTION
    assert settings.person_key_secret_bytes == b"s" * 40
    assert "sss" not in repr(settings)


def test_development_and_test_accept_the_documented_default() -> None:
    for environment in ("development", "test"):
        settings = load_settings(InvoiceLikeSettings, ROPO_ENV=environment)
        assert settings.person_key_secret.get_secret_value() == DEV_PERSON_KEY_SECRET
