"""Payment settings: the PSP defaults are the public test merchant, refused in
production; the CreatePayment lease must outlive a PSP call; the page origin."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from ropo_payment.config import DEV_PSP_SECRET, PaymentSettings
from ropo_platform.config import Environment


def test_defaults_point_at_the_sandbox() -> None:
    settings = PaymentSettings(environment=Environment.TEST)
    assert settings.psp_base_url == "http://localhost:8090/psp"
    assert settings.psp_origin == "http://localhost:8090"
    assert settings.psp_account == "375917"
    assert settings.psp_secret.get_secret_value() == DEV_PSP_SECRET
    assert settings.psp_callback_url == "http://localhost:8080/maksu/callback"
    assert settings.create_lease_seconds > settings.psp_timeout_seconds


def test_production_refuses_the_test_merchant() -> None:
    with pytest.raises(ValidationError) as raised:
        PaymentSettings(environment=Environment.PRODUCTION)
    fields = {error["loc"][0] for error in raised.value.errors() if error["loc"]}
    assert {"psp_account", "psp_secret"} <= fields
    assert DEV_PSP_SECRET not in str(raised.value)


def test_the_lease_must_exceed_the_psp_timeout() -> None:
    with pytest.raises(ValidationError, match="create_lease_seconds"):
        PaymentSettings(
            environment=Environment.TEST, psp_timeout_seconds=10, create_lease_seconds=10
        )


@pytest.mark.parametrize("url", ["ftp://psp.example/x", "/psp", "localhost:8090"])
def test_psp_urls_must_be_absolute_http(url: str) -> None:
    with pytest.raises(ValidationError):
        PaymentSettings(environment=Environment.TEST, psp_base_url=url)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPO_PAYMENT_PSP_ALGORITHM", "sha512")
    monkeypatch.setenv("ROPO_PAYMENT_RECONCILE_AFTER_SECONDS", "5")
    settings = PaymentSettings(environment=Environment.TEST)
    assert settings.psp_algorithm == "sha512"
    assert settings.reconcile_after_seconds == 5
