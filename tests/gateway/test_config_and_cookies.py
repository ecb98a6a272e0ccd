"""Configuration guards and the cookie attributes of a production (https) deployment."""

from __future__ import annotations

from typing import TypedDict

import pytest
from pydantic import SecretStr, ValidationError
from ropo_gateway.config import GatewaySettings
from ropo_gateway.web.cookies import clear_session_cookie, set_login_cookie, set_session_cookie
from ropo_platform.config import Environment
from starlette.responses import Response

STRONG = "x" * 40


class _ProductionOverrides(TypedDict, total=False):
    """Settings a production deployment might set, of which the parameters below pick some."""

    person_key_secret: SecretStr
    oidc_client_secret: SecretStr
    staff_oidc_client_secret: SecretStr
    cookie_secure: bool


def test_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ROPO_ENV", "ROPO_GATEWAY_PORT", "ROPO_GATEWAY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = GatewaySettings()
    assert settings.port == 8080 and settings.cookie_secure
    assert settings.database_url == "sqlite+aiosqlite:///var/gateway.db"
    assert settings.session_idle_timeout_seconds == 900
    assert settings.session_absolute_timeout_seconds == 8 * 3600
    assert settings.redirect_uri == "http://localhost:8080/auth/callback"
    assert settings.session_cookie_name == "__Host-ropo_session"


def test_environment_variables_use_the_gateway_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_GATEWAY_INVOICE_ADDR", "invoice:50051")
    monkeypatch.setenv("ROPO_GATEWAY_PUBLIC_URL", "https://myropo.example/")
    settings = GatewaySettings()
    assert settings.invoice_addr == "invoice:50051"
    assert settings.redirect_uri == "https://myropo.example/auth/callback"


@pytest.mark.parametrize(
    "overrides",
    [
        # dev OIDC client secret left in place
        {"person_key_secret": SecretStr(STRONG), "staff_oidc_client_secret": SecretStr(STRONG)},
        # dev person key secret left in place
        {"oidc_client_secret": SecretStr(STRONG), "staff_oidc_client_secret": SecretStr(STRONG)},
        {
            "person_key_secret": SecretStr(STRONG),
            "oidc_client_secret": SecretStr(STRONG),
            "staff_oidc_client_secret": SecretStr(STRONG),
            "cookie_secure": False,
        },
    ],
)
def test_production_refuses_development_defaults(overrides: _ProductionOverrides) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(environment=Environment.PRODUCTION, **overrides)


def test_production_with_real_secrets_is_accepted() -> None:
    settings = GatewaySettings(
        environment=Environment.PRODUCTION,
        person_key_secret=SecretStr(STRONG),
        oidc_client_secret=SecretStr(STRONG),
        staff_oidc_client_secret=SecretStr(STRONG),
    )
    assert settings.cookie_secure


def test_hmac_algorithms_cannot_be_configured() -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(oidc_signing_algorithms=["RS256", "HS256"])
    with pytest.raises(ValidationError):
        GatewaySettings(oidc_signing_algorithms=["none"])


def test_secure_cookies_are_host_prefixed_secure_httponly_lax() -> None:
    settings = GatewaySettings(cookie_secure=True)
    response = Response()
    set_session_cookie(response, settings, "token-value")
    set_login_cookie(response, settings, "flow-value")
    clear_session_cookie(response, settings)
    session, login, cleared = response.headers.getlist("set-cookie")
    assert session.startswith("__Host-ropo_session=token-value;")
    assert login.startswith("__Host-ropo_login=flow-value;")
    for header in (session, login, cleared):
        parts = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert {"secure", "httponly", "path", "samesite"} <= parts
        assert "domain" not in parts
        assert "samesite=lax" in header.lower() and "path=/" in header.lower()
    assert "max-age" not in session.lower()
    assert "max-age=600" in login.lower()
