"""The relying party's conversation with the broker: discovery, JWKS cache and rotation,
authorization request, code exchange, and how broker failures are classified."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from gateway_support import ACR, CLIENT_ID, ISSUER, FakeClock, SigningKeys, id_claims, sign
from joserfc.jwk import KeySet, RSAKey
from ropo_gateway.auth.model import LoginFlow
from ropo_gateway.auth.oidc import OidcClient, OidcConfig, OidcError
from ropo_gateway.auth.tokens import pkce_challenge

SECRET = "s3cret:with/odd chars"
REDIRECT = "http://localhost:8080/auth/callback"


class FakeBroker:
    """Answers discovery, JWKS and token requests; records what it was asked."""

    def __init__(self, keys: SigningKeys, clock: FakeClock) -> None:
        self.keys = keys
        self.clock = clock
        self.jwks: dict[str, Any] = keys.public_jwks()
        self.hits: Counter[str] = Counter()
        self.token_requests: list[httpx.Request] = []
        self.token_status = 200
        self.issuer = ISSUER
        self.down = False
        self.signing_key: Any = keys.rsa

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        self.hits[path] += 1
        if path == "/idp/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "code_challenge_methods_supported": ["S256"],
                },
            )
        if path == "/idp/jwks":
            return httpx.Response(200, json=self.jwks)
        if path == "/idp/token":
            self.token_requests.append(request)
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_grant"})
            nonce = parse_qs(request.content.decode())["code"][0]  # tests use nonce as code
            claims = id_claims(nonce, self.clock().timestamp())
            return httpx.Response(
                200,
                json={
                    "id_token": sign(claims, self.signing_key),
                    "access_token": "at",
                    "token_type": "Bearer",
                },
            )
        return httpx.Response(404)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def keys() -> SigningKeys:
    return SigningKeys()


@pytest.fixture
def broker(keys: SigningKeys, clock: FakeClock) -> FakeBroker:
    return FakeBroker(keys, clock)


def client(broker: FakeBroker, clock: FakeClock, **config: Any) -> OidcClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(broker.handler))
    return OidcClient(
        http,
        OidcConfig(
            issuer=ISSUER,
            client_id=CLIENT_ID,
            client_secret=SECRET,
            redirect_uri=REDIRECT,
            acr_values=(ACR,),
            **config,
        ),
        clock,
    )


def flow(clock: FakeClock, nonce: str = "nonce-1") -> LoginFlow:
    return LoginFlow(
        state="state-1",
        nonce=nonce,
        code_verifier="v" * 64,
        created_at=clock(),
        expires_at=clock() + timedelta(minutes=10),
    )


async def test_authorization_url_carries_pkce_state_nonce(
    broker: FakeBroker, clock: FakeClock
) -> None:
    login = flow(clock)
    url = await client(broker, clock).authorization_url(login)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/authorize"
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": pkce_challenge(login.code_verifier),
        "code_challenge_method": "S256",
        "ui_locales": "fi",
        "acr_values": ACR,
    }
    assert login.code_verifier not in url


async def test_code_exchange_sends_verifier_and_basic_auth(
    broker: FakeBroker, clock: FakeClock
) -> None:
    oidc = client(broker, clock)
    login = flow(clock)
    claims = await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    assert claims["nonce"] == "nonce-1"
    request = broker.token_requests[0]
    form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "code": "nonce-1",
        "redirect_uri": REDIRECT,
        "code_verifier": login.code_verifier,
    }
    user, password = (
        base64.b64decode(request.headers["authorization"].removeprefix("Basic "))
        .decode()
        .split(":")
    )
    assert (user, password) == (CLIENT_ID, "s3cret%3Awith%2Fodd%20chars")


async def test_client_secret_post_puts_credentials_in_the_form(
    broker: FakeBroker, clock: FakeClock
) -> None:
    oidc = client(broker, clock, token_auth_method="client_secret_post")
    await oidc.exchange_code("nonce-1", flow(clock))
    request = broker.token_requests[0]
    assert "authorization" not in request.headers
    form = parse_qs(request.content.decode())
    assert form["client_id"] == [CLIENT_ID] and form["client_secret"] == [SECRET]


async def test_metadata_and_keys_are_cached_until_the_ttl(
    broker: FakeBroker, clock: FakeClock
) -> None:
    oidc = client(broker, clock)
    for _ in range(3):
        login = flow(clock)
        await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    assert broker.hits["/idp/.well-known/openid-configuration"] == 1
    assert broker.hits["/idp/jwks"] == 1
    clock.advance(hours=1, seconds=1)
    login = flow(clock)
    await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    assert broker.hits["/idp/.well-known/openid-configuration"] == 2
    assert broker.hits["/idp/jwks"] == 2


async def test_key_rotation_refreshes_the_jwks_once(
    broker: FakeBroker, clock: FakeClock, keys: SigningKeys
) -> None:
    oidc = client(broker, clock)
    login = flow(clock)
    await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    rotated = RSAKey.generate_key(2048, {"kid": "rsa-2", "use": "sig", "alg": "RS256"})
    broker.jwks = KeySet([rotated]).as_dict(private=False)  # type: ignore[assignment]
    broker.signing_key = rotated
    clock.advance(seconds=31)
    claims = await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    assert claims["sub"] and broker.hits["/idp/jwks"] == 2


async def test_unknown_kids_cannot_make_us_hammer_the_broker(
    broker: FakeBroker, clock: FakeClock
) -> None:
    oidc = client(broker, clock)
    login = flow(clock)
    await oidc.validate(await oidc.exchange_code("nonce-1", login), login)
    stranger = RSAKey.generate_key(2048, {"kid": "nobody"})
    forged = sign(id_claims("nonce-1", clock().timestamp()), stranger)
    for _ in range(5):
        with pytest.raises(Exception, match="unknown_kid"):
            await oidc.validate(forged, login)
    assert broker.hits["/idp/jwks"] == 1  # refreshed at most once per 30 s


async def test_discovery_naming_another_issuer_is_refused(
    broker: FakeBroker, clock: FakeClock
) -> None:
    broker.issuer = "https://evil.example/idp"
    with pytest.raises(OidcError, match="issuer_mismatch"):
        await client(broker, clock).authorization_url(flow(clock))


async def test_broker_down_is_unavailable_and_rejection_is_not(
    broker: FakeBroker, clock: FakeClock
) -> None:
    oidc = client(broker, clock)
    broker.token_status = 400
    with pytest.raises(OidcError) as rejected:
        await oidc.exchange_code("nonce-1", flow(clock))
    assert rejected.value.reason == "token_rejected:invalid_grant"
    assert not rejected.value.unavailable
    broker.token_status = 502
    with pytest.raises(OidcError) as failing:
        await oidc.exchange_code("nonce-1", flow(clock))
    assert failing.value.unavailable
    broker.down = True
    with pytest.raises(OidcError) as down:
        await client(broker, clock).metadata()
    assert down.value.unavailable and down.value.reason == "provider_unreachable"
