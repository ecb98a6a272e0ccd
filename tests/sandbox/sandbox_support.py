"""Helpers of the sandbox tests (a plain module: conftest names collide across folders)."""

from __future__ import annotations

import io
import os
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from ropo_sandbox.config import DEV_GATEWAY_CLIENT_SECRET, GATEWAY_CLIENT_ID, SandboxSettings
from ropo_sandbox.idp.pkce import s256_challenge

REDIRECT_URI = "http://localhost:8080/auth/callback"
OTHER_REDIRECT_URI = "http://127.0.0.1:8080/auth/callback"
CLIENT_ID = GATEWAY_CLIENT_ID
CLIENT_SECRET = DEV_GATEWAY_CLIENT_SECRET
REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """An ephemeral port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def samples_dir() -> Path | None:
    """``$ROPO_SAMPLES_DIR`` or ``../shared/data`` next to the repository, if present."""
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def require_sample(relative: str) -> Path:
    """A file of the shared samples, or skip the test with the reason."""
    base = samples_dir()
    if base is None:
        pytest.skip("shared samples absent (set ROPO_SAMPLES_DIR or provide ../shared/data)")
    path = base / relative
    if not path.exists():
        pytest.skip(f"sample {relative} absent from {base}")
    return path


class FakeClock:
    """A settable clock for the broker (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RunningBroker:
    """A broker served over real HTTP."""

    base_url: str
    clock: FakeClock
    logs: io.StringIO
    settings: SandboxSettings

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/idp"


@dataclass
class Login:
    """One authorization request in progress, as a relying party would keep it."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    redirect_uri: str = REDIRECT_URI

    def params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "client_id": CLIENT_ID,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": s256_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {key: value for key, value in params.items() if value is not None}


def transaction_of(page: str) -> str:
    """The hidden transaction id of the *Tunnistaudu* form."""
    match = re.search(r'name="transaction" value="([^"]+)"', page)
    assert match, "no transaction field on the page"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    """Single-valued query parameters of a redirect."""
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def log_in(
    browser: httpx.Client, login: Login, person: str = "maija-meikalainen", **overrides: str | None
) -> str:
    """Authorize and pick ``person``; returns the authorization code."""
    page = browser.get("/idp/authorize", params=login.params(**overrides))
    assert page.status_code == 200, page.text
    decision = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction_of(page.text), "person": person, "action": "login"},
    )
    assert decision.status_code == 303, decision.text
    query = query_of(decision.headers["location"])
    assert query["state"] == login.state
    return query["code"]


def redeem(
    browser: httpx.Client,
    code: str,
    login: Login,
    *,
    secret: str = CLIENT_SECRET,
    method: str = "basic",
    **overrides: str | None,
) -> httpx.Response:
    """Exchange a code at the token endpoint."""
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": login.redirect_uri,
        "code_verifier": login.verifier,
    }
    form.update(overrides)
    data: dict[str, Any] = {key: value for key, value in form.items() if value is not None}
    if method == "basic":
        return browser.post("/idp/token", data=data, auth=(CLIENT_ID, secret))
    data.update(client_id=CLIENT_ID, client_secret=secret)
    return browser.post("/idp/token", data=data)


def identity_code_forms() -> list[str]:
    """Every test person's hetu as it could leak: as is, lower case, without the sign."""
    from ropo_sandbox.persons import PERSONS

    forms: list[str] = []
    for person in PERSONS:
        code = person.hetu
        forms += [code, code.lower(), code[:6] + code[7:]]
    return forms


def assert_clean_log(text: str, secrets_seen: list[str]) -> list[dict[str, Any]]:
    """Every line is a JSON object; no hetu and none of ``secrets_seen`` appear anywhere."""
    import json

    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    for form in identity_code_forms():
        assert form not in text, "a henkilötunnus reached the log"
    for value in secrets_seen:
        assert value not in text, "a code, token, state or nonce reached the log"
    return lines


def reference_is_valid(reference: str) -> bool:
    """An independent 7-3-1 check (python-stdnum 2.2 has no Finnish reference module)."""
    if not reference.isdigit() or not 4 <= len(reference) <= 20:
        return False
    body, check = reference[:-1], int(reference[-1])
    weights = ((7, 3, 1) * 7)[: len(body)]
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=True))
    return (10 - total % 10) % 10 == check
