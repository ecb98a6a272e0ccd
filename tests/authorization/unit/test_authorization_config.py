"""Settings of the authorization service: the grantee-code key and the lookup grant."""

from __future__ import annotations

import base64

import pytest
from authorization_support import PERSON_KEY_SECRET
from pydantic import ValidationError
from ropo_authorization.config import DEV_HETU_ENCRYPTION_KEY, AuthorizationSettings

PRODUCTION_KEY = base64.b64encode(bytes(range(32))).decode()


def test_defaults() -> None:
    settings = AuthorizationSettings()
    assert len(settings.hetu_encryption_key_bytes) == 32
    assert settings.lookup_grant_minutes == 15
    assert settings.expiry_sweep_interval == 60.0


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValidationError) as raised:
        AuthorizationSettings.model_validate(
            {
                "environment": "production",
                "person_key_secret": "p" * 40,
                "hetu_encryption_key": DEV_HETU_ENCRYPTION_KEY,
            }
        )
    assert "hetu_encryption_key" in str(raised.value)
    settings = AuthorizationSettings.model_validate(
        {
            "environment": "production",
            "person_key_secret": "p" * 40,
            "hetu_encryption_key": PRODUCTION_KEY,
        }
    )
    assert settings.hetu_encryption_key_bytes == bytes(range(32))


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode()])
def test_key_must_be_base64_of_32_bytes(key: str) -> None:
    with pytest.raises(ValidationError):
        AuthorizationSettings.model_validate(
            {"person_key_secret": PERSON_KEY_SECRET, "hetu_encryption_key": key}
        )
