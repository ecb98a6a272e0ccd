"""``python -m ropo_sandbox serve`` as a real process, configured by environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from sandbox_support import (
    CLIENT_ID,
    OTHER_REDIRECT_URI,
    Login,
    assert_clean_log,
    free_port,
    log_in,
    redeem,
)

SECRET = "a-secret-from-the-environment"


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ropo_sandbox", "serve", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def ec_key_file(tmp_path: Path) -> Path:
    key = ECKey.generate_key("P-256", private=True)
    path = tmp_path / "signing.jwk"
    path.write_text(json.dumps({**key.as_dict(private=True), "kid": "sandbox-test-ec"}))
    return path


@pytest.fixture
def served(ec_key_file: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = _start(
        {
            "ROPO_SANDBOX_PUBLIC_BASE_URL": base_url,
            "ROPO_SANDBOX_GATEWAY_CLIENT_SECRET": SECRET,
            "ROPO_SANDBOX_GATEWAY_REDIRECT_URIS": f" {OTHER_REDIRECT_URI} ,http://x.example/cb",
            "ROPO_SANDBOX_SIGNING_KEY_FILE": str(ec_key_file),
        },
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    )
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"sandbox exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("sandbox did not become healthy")
        time.sleep(0.1)
    try:
        yield base_url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def test_serve_runs_the_flow_with_environment_configuration(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base_url, process = served
    login = Login(redirect_uri=OTHER_REDIRECT_URI)
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=10) as browser:
        discovery = browser.get("/idp/.well-known/openid-configuration").json()
        code = log_in(browser, login, "john-smith")
        # The documented dev default no longer works once a secret is configured.
        assert redeem(browser, code, login).status_code == 401
        tokens = redeem(browser, code, login, secret=SECRET)
        assert tokens.status_code == 200, tokens.text
        jwks = browser.get("/idp/jwks").json()

    assert discovery["issuer"] == f"{base_url}/idp"
    assert discovery["id_token_signing_alg_values_supported"] == ["ES256"]
    assert jwks["keys"][0]["kid"] == "sandbox-test-ec"
    assert "d" not in jwks["keys"][0]
    token = jwt.decode(tokens.json()["id_token"], KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert token.header["kid"] == "sandbox-test-ec"
    assert token.claims["aud"] == CLIENT_ID
    assert token.claims["name"] == "John Smith"

    process.terminate()
    output, _ = process.communicate(timeout=10)
    body = tokens.json()
    lines = assert_clean_log(
        output, [code, body["access_token"], body["id_token"], login.state, login.nonce, SECRET]
    )
    paths = [line["path"] for line in lines if line.get("event") == "http_request"]
    assert "/idp/token" in paths
    assert "/idp/authorize" in paths


def test_serve_refuses_production() -> None:
    process = _start({"ROPO_ENV": "production"}, "--port", str(free_port()))

    output, _ = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "production" in output


def test_serve_reports_a_bad_redirect_uri() -> None:
    process = _start(
        {"ROPO_SANDBOX_GATEWAY_REDIRECT_URIS": "not-a-url"}, "--port", str(free_port())
    )

    output, _ = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "gateway_redirect_uris" in output


def test_persons_lists_masked_codes_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    from ropo_sandbox.__main__ import main
    from ropo_sandbox.persons import PERSONS

    assert main(["persons"]) == 0
    masked = capsys.readouterr().out
    assert main(["persons", "--show-hetu"]) == 0
    full = capsys.readouterr().out

    for person in PERSONS:
        assert person.hetu not in masked
        assert f"{person.name}  " in masked
        assert person.masked_hetu in masked
        assert person.hetu in full
    assert "Liisa Virtanen     050595-****  suomi    no demo invoices" in masked
    assert "4 demo invoices" in masked
