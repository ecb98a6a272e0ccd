"""OpenID Connect relying party: discovery, JWKS, authorization request, code exchange.

Treats everything from the identity broker as untrusted input (OWASP API10):
the discovery document must name exactly the configured issuer, keys come only
from its ``jwks_uri``, and ID tokens are validated by ``id_token.py``.
Discovery and JWKS are cached for ``metadata_ttl``; a token signed with an
unknown ``kid`` triggers one JWKS refresh (key rotation), at most once per
``jwks_refresh_interval`` so forged tokens cannot make us hammer the broker.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ropo_gateway.auth.id_token import (
    IdTokenExpectations,
    UnknownKeyError,
    validate_id_token,
)
from ropo_gateway.auth.model import LoginFlow
from ropo_gateway.auth.sessions import Clock, utc_now
from ropo_gateway.auth.tokens import pkce_challenge

_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")


class OidcError(Exception):
    """The login cannot be completed; ``reason`` is a short code safe to log and show."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: True when the broker could not be reached (a 503 rather than a 400 for the user).
        self.unavailable = unavailable


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """The relying party's registration with the broker and its validation rules."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str = "openid profile"
    acr_values: Collection[str] = ()
    algorithms: Collection[str] = ("RS256", "ES256", "PS256")
    token_auth_method: str = "client_secret_basic"  # noqa: S105 - a method name, not a secret
    leeway_seconds: int = 60
    max_token_age_seconds: int = 600
    metadata_ttl: timedelta = timedelta(hours=1)
    jwks_refresh_interval: timedelta = timedelta(seconds=30)
    ui_locales: str = "fi"


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of the discovery document the relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None


@dataclass(slots=True)
class _Cached:
    metadata: ProviderMetadata | None = None
    metadata_at: datetime | None = None
    keys: KeySet | None = None
    keys_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _absolute_url(document: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise OidcError("invalid_provider_metadata")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OidcError("invalid_provider_metadata")
    return value


def parse_metadata(document: Any, issuer: str) -> ProviderMetadata:
    """Check a discovery document (issuer exact match, absolute endpoint URLs)."""
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise OidcError("issuer_mismatch")
    if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
        raise OidcError("pkce_not_supported")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=str(_absolute_url(document, "authorization_endpoint")),
        token_endpoint=str(_absolute_url(document, "token_endpoint")),
        jwks_uri=str(_absolute_url(document, "jwks_uri")),
        end_session_endpoint=_absolute_url(document, "end_session_endpoint", required=False),
    )


class OidcClient:
    """One relying party talking to one issuer over a shared ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient, config: OidcConfig, clock: Clock = utc_now):
        self._http = http
        self._config = config
        self._clock = clock
        self._cache = _Cached()

    @property
    def config(self) -> OidcConfig:
        return self._config

    async def _get_json(self, url: str) -> Any:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError:
            raise OidcError("provider_unreachable", unavailable=True) from None
        if response.status_code != 200:
            raise OidcError("provider_error", unavailable=response.status_code >= 500)
        try:
            return response.json()
        except ValueError:
            raise OidcError("provider_error") from None

    def _fresh(self, at: datetime | None) -> bool:
        return at is not None and self._clock() - at < self._config.metadata_ttl

    async def metadata(self) -> ProviderMetadata:
        """The issuer's discovery document (cached)."""
        cache = self._cache
        if cache.metadata is not None and self._fresh(cache.metadata_at):
            return cache.metadata
        async with cache.lock:
            if cache.metadata is not None and self._fresh(cache.metadata_at):
                return cache.metadata
            return await self._metadata_unlocked()

    async def _load_keys(self, *, force: bool) -> KeySet:
        cache = self._cache
        async with cache.lock:
            now = self._clock()
            interval = self._config.jwks_refresh_interval
            recently = cache.keys_at is not None and now - cache.keys_at < interval
            stale = not self._fresh(cache.keys_at)
            if cache.keys is None or stale or (force and not recently):
                metadata = cache.metadata
                if metadata is None or not self._fresh(cache.metadata_at):
                    metadata = await self._metadata_unlocked()
                document = await self._get_json(metadata.jwks_uri)
                try:
                    cache.keys = KeySet.import_key_set(document)
                except (JoseError, KeyError, TypeError, ValueError):
                    raise OidcError("invalid_jwks") from None
                cache.keys_at = now
            return cache.keys

    async def _metadata_unlocked(self) -> ProviderMetadata:
        # Caller holds the cache lock.
        url = f"{self._config.issuer}/.well-known/openid-configuration"
        self._cache.metadata = parse_metadata(await self._get_json(url), self._config.issuer)
        self._cache.metadata_at = self._clock()
        return self._cache.metadata

    async def authorization_url(self, flow: LoginFlow) -> str:
        """Where to send the browser: code flow with PKCE S256, state and nonce."""
        metadata = await self.metadata()
        params = {
            "response_type": "code",
            "client_id": self._config.client_id,
            "redirect_uri": self._config.redirect_uri,
            "scope": self._config.scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": pkce_challenge(flow.code_verifier),
            "code_challenge_method": "S256",
            "ui_locales": self._config.ui_locales,
        }
        if self._config.acr_values:
            params["acr_values"] = " ".join(self._config.acr_values)
        separator = "&" if urlsplit(metadata.authorization_endpoint).query else "?"
        return f"{metadata.authorization_endpoint}{separator}{urlencode(params)}"

    def _client_auth(self, form: dict[str, str]) -> dict[str, str]:
        if self._config.token_auth_method == "client_secret_post":  # noqa: S105 - method name
            form["client_id"] = self._config.client_id
            form["client_secret"] = self._config.client_secret
            return {}
        # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
        user = quote(self._config.client_id, safe="")
        password = quote(self._config.client_secret, safe="")
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {encoded}"}

    async def exchange_code(self, code: str, flow: LoginFlow) -> str:
        """Redeem the authorization code (with the PKCE verifier); returns the raw ID token."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._config.redirect_uri,
            "code_verifier": flow.code_verifier,
        }
        headers = {"Accept": "application/json", **self._client_auth(form)}
        try:
            response = await self._http.post(metadata.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError:
            raise OidcError("provider_unreachable", unavailable=True) from None
        if response.status_code >= 500:
            raise OidcError("provider_error", unavailable=True)
        try:
            body = response.json()
        except ValueError:
            raise OidcError("token_response_invalid") from None
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            code_text = error if isinstance(error, str) and _ERROR_CODE.match(error) else "unknown"
            raise OidcError(f"token_rejected:{code_text}")
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("token_response_invalid")
        return id_token

    def _expectations(self, nonce: str) -> IdTokenExpectations:
        return IdTokenExpectations(
            issuer=self._config.issuer,
            client_id=self._config.client_id,
            nonce=nonce,
            algorithms=tuple(self._config.algorithms),
            acr_values=tuple(self._config.acr_values),
            leeway_seconds=self._config.leeway_seconds,
            max_age_seconds=self._config.max_token_age_seconds,
        )

    async def validate(self, id_token: str, flow: LoginFlow) -> dict[str, Any]:
        """Validated claims of ``id_token`` for this login (``IdTokenError`` when invalid)."""
        expected = self._expectations(flow.nonce)
        keys = await self._load_keys(force=False)
        try:
            return validate_id_token(id_token, keys, expected, self._clock())
        except UnknownKeyError:
            keys = await self._load_keys(force=True)
            return validate_id_token(id_token, keys, expected, self._clock())

    async def ready(self) -> bool:
        """True when the discovery document can be read (for diagnostics, not /readyz)."""
        try:
            await self.metadata()
        except OidcError:
            return False
        return True
