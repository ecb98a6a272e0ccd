"""Settings from ``ROPO_SANDBOX_*`` variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from ropo_sandbox.config import DEV_GATEWAY_CLIENT_SECRET, SandboxSettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ROPO_SANDBOX_") or name == "ROPO_ENV":
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = SandboxSettings()

    assert settings.host == "127.0.0.1"
    assert settings.port == 8090
    assert settings.issuer == "http://localhost:8090/idp"
    assert settings.gateway_client_id == "myropo-gateway"
    assert settings.gateway_client_secret.get_secret_value() == DEV_GATEWAY_CLIENT_SECRET
    assert settings.gateway_redirect_uris == ("http://localhost:8080/auth/callback",)
    assert settings.code_ttl_seconds == 60
    assert settings.signing_key_file is None


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_SANDBOX_PUBLIC_BASE_URL", "https://idp.example:8443/")
    monkeypatch.setenv("ROPO_SANDBOX_GATEWAY_REDIRECT_URIS", "http://a/cb, http://b/cb")
    monkeypatch.setenv("ROPO_SANDBOX_GATEWAY_CLIENT_ID", "other-client")

    settings = SandboxSettings()

    assert settings.issuer == "https://idp.example:8443/idp"
    assert settings.gateway_redirect_uris == ("http://a/cb", "http://b/cb")
    assert settings.gateway_client_id == "other-client"


def test_public_url_alias_and_redirect_from_the_gateway_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROPO_SANDBOX_PUBLIC_URL", "http://localhost:9090")
    monkeypatch.setenv("ROPO_SANDBOX_GATEWAY_PUBLIC_URL", "http://localhost:8181/")

    settings = SandboxSettings()

    assert settings.issuer == "http://localhost:9090/idp"
    assert settings.gateway_redirect_uris == ("http://localhost:8181/auth/callback",)


def test_explicit_redirect_uris_win_over_the_gateway_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_SANDBOX_GATEWAY_PUBLIC_URL", "http://localhost:8181")
    monkeypatch.setenv("ROPO_SANDBOX_GATEWAY_REDIRECT_URIS", "http://a/cb")

    assert SandboxSettings().gateway_redirect_uris == ("http://a/cb",)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROPO_ENV", "production"),
        ("ROPO_SANDBOX_GATEWAY_REDIRECT_URIS", "http://a/cb#fragment"),
        ("ROPO_SANDBOX_GATEWAY_REDIRECT_URIS", " , "),
        ("ROPO_SANDBOX_PUBLIC_BASE_URL", "localhost:8090"),
        ("ROPO_SANDBOX_CODE_TTL_SECONDS", "0"),
    ],
)
def test_bad_configuration_fails_fast(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError):
        SandboxSettings()
