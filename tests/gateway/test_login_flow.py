"""Login, logout and their attacks against the real sandbox identity broker and a real gateway
process (no invoice/authorization: pages that need them answer 503, which also tests that)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from ropo_platform.redaction import HETU_PATTERN
from ropo_sandbox.persons import person_by_id
from ropo_stack import CLIENT_SECRET, Stack, authorize_form

pytestmark = pytest.mark.slow
PERSON = "maija-meikalainen"
SESSION_COOKIE = "ropo_session"
LOGIN_COOKIE = "ropo_login"


def set_cookie_headers(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def cookie_header(response: httpx.Response, name: str) -> str:
    found = [value for value in set_cookie_headers(response) if value.startswith(f"{name}=")]
    assert found, f"no Set-Cookie for {name}: {set_cookie_headers(response)}"
    return found[-1]


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no logout form on the page"
    return match.group(1)


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def through_broker(
    stack: Stack, client: httpx.Client, authorize_url: str, action: str = "login"
) -> httpx.Response:
    """Pick the person on the broker's page; returns the broker's redirect response."""
    page = client.get(authorize_url)
    assert page.status_code == 200, page.text
    form_action, transaction = authorize_form(page.text)
    return client.post(
        httpx.URL(authorize_url).join(form_action),
        data={"transaction": transaction, "person": PERSON, "action": action},
    )


def test_login_starts_a_pkce_code_flow_bound_to_the_browser(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{login_stack.issuer}/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{login_stack.gateway_url}/auth/callback"]
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert "code_verifier" not in query
    flow_cookie = cookie_header(start, LOGIN_COOKIE).lower()
    assert "httponly" in flow_cookie and "samesite=lax" in flow_cookie and "path=/" in flow_cookie


def test_login_rotates_the_session_and_logout_needs_the_csrf_token(login_stack: Stack) -> None:
    gateway = login_stack.gateway_url
    with login_stack.client() as client:
        client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="localhost.local")
        callback = login_stack.login(client, PERSON)
        assert callback.status_code == 303 and callback.headers["location"] == "/"
        session_cookie = cookie_header(callback, SESSION_COOKIE)
        assert "planted-by-an-attacker" not in session_cookie
        assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
        assert "max-age" not in session_cookie.lower()  # ends with the browser
        assert cookie_header(callback, LOGIN_COOKIE).startswith(f'{LOGIN_COOKIE}="";')

        # Logged in, but invoice/authorization are down: a readable 503, not a 401.
        page = client.get(f"{gateway}/")
        assert page.status_code == 503
        assert "Palvelu ei ole juuri nyt käytettävissä" in page.text
        api = client.get(f"{gateway}/api/myropo/v1/invoices")
        assert api.status_code == 503
        assert api.json()["error"]["status"] == "UNAVAILABLE"
        token = csrf_token(page.text)
        old_session = client.cookies.get(SESSION_COOKIE)

        forged = client.post(f"{gateway}/logout", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert client.get(f"{gateway}/api/myropo/v1/invoices").status_code == 503

        logout = client.post(f"{gateway}/logout", data={"csrf_token": token})
        assert logout.status_code == 303 and logout.headers["location"] == "/logged-out"
        assert "Olet kirjautunut ulos" in client.get(f"{gateway}/logged-out").text
        assert client.get(f"{gateway}/api/myropo/v1/invoices").status_code == 401

    # The old cookie is worthless after logout (server-side invalidation).
    with login_stack.client() as replay:
        replay.cookies.set(SESSION_COOKIE, str(old_session), domain="localhost.local")
        assert replay.get(f"{gateway}/api/myropo/v1/invoices").status_code == 401
        landing = replay.get(f"{gateway}/")
        assert landing.status_code == 200 and "Kirjaudu sisään" in landing.text


def test_tampered_state_is_rejected_and_the_flow_is_spent(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
        back = through_broker(login_stack, client, start.headers["location"])
        callback_url = back.headers["location"]
        tampered = client.get(with_query(callback_url, state="attacker-state"))
        assert tampered.status_code == 400
        assert "Kirjautuminen epäonnistui" in tampered.text
        assert SESSION_COOKIE not in tampered.headers.get("set-cookie", "")
        # The genuine response cannot be replayed afterwards: the pre-login record is gone.
        assert client.get(callback_url).status_code == 400


def test_tampered_nonce_is_rejected(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
        authorize = with_query(start.headers["location"], nonce="attacker-nonce")
        back = through_broker(login_stack, client, authorize)
        callback = client.get(back.headers["location"])
    assert callback.status_code == 400
    assert SESSION_COOKIE not in callback.headers.get("set-cookie", "")
    assert '"reason": "nonce_mismatch"' in login_stack.logs()["gateway"]


def test_callback_in_another_browser_is_rejected(login_stack: Stack) -> None:
    """Login CSRF: a victim's browser gets the attacker's callback URL (no matching flow)."""
    with login_stack.client() as attacker:
        start = attacker.get(f"{login_stack.gateway_url}/login")
        callback_url = through_broker(login_stack, attacker, start.headers["location"]).headers[
            "location"
        ]
    with login_stack.client() as victim:
        response = victim.get(callback_url)
    assert response.status_code == 400
    assert "Kirjautuminen vanhentui" in response.text


def test_missing_pkce_is_rejected_by_the_broker(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
        stripped = with_query(
            start.headers["location"], code_challenge=None, code_challenge_method=None
        )
        response = client.get(stripped)
        # Either an error page at the broker or an error redirect back to us: never a code.
        if response.status_code in (302, 303):
            back = parse_qs(urlsplit(response.headers["location"]).query)
            assert "code" not in back and "error" in back
            assert client.get(response.headers["location"]).status_code == 400
        else:
            assert response.status_code == 400


def test_stolen_code_without_the_verifier_cannot_be_redeemed(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
        back = through_broker(login_stack, client, start.headers["location"])
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        token = client.post(
            f"{login_stack.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{login_stack.gateway_url}/auth/callback",
                "code_verifier": "x" * 64,
            },
            auth=("myropo-gateway", CLIENT_SECRET),
        )
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


def test_cancelled_identification_shows_a_readable_page(login_stack: Stack) -> None:
    with login_stack.client() as client:
        start = client.get(f"{login_stack.gateway_url}/login")
        back = through_broker(login_stack, client, start.headers["location"], action="cancel")
        page = client.get(back.headers["location"])
    assert page.status_code == 400
    assert "Kirjautuminen keskeytyi" in page.text


def test_security_headers_body_limit_and_probes(login_stack: Stack) -> None:
    gateway = login_stack.gateway_url
    with login_stack.client() as client:
        landing = client.get(f"{gateway}/")
        csp = landing.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert landing.headers["x-content-type-options"] == "nosniff"
        assert landing.headers["referrer-policy"] == "no-referrer"
        assert landing.headers["cache-control"] == "no-store"
        assert '<html lang="fi">' in landing.text
        assert (
            client.get(f"{gateway}/static/style.css").headers["cache-control"].startswith("public")
        )
        huge = client.post(
            f"{gateway}/logout",
            content=b"x" * (1024 * 1024 + 1),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert huge.status_code == 413
        assert client.get(f"{gateway}/healthz").json() == {"status": "ok"}
        ready = client.get(f"{gateway}/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {
            "database": True,
            "invoice": False,
            "authorization": False,
        }
        metrics = client.get(f"{gateway}/metrics").text
        assert 'ropo_http_server_requests_total{method="GET",route="/",status="200"}' in metrics
        # Ropo One answers at its own prefix with its staff landing page (no customer session).
        assert "/ropo-one/kirjaudu" in client.get(f"{gateway}/ropo-one").text
        missing = client.get(f"{gateway}/api/myropo/v1/nothing")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == 404


def test_no_henkilotunnus_in_any_log_line(login_stack: Stack) -> None:
    with login_stack.client() as client:
        assert login_stack.login(client, PERSON).status_code == 303
    person = person_by_id(PERSON)
    assert person is not None
    lines = login_stack.log_lines()
    assert len(lines) > 20
    leaks = [
        (name, line) for name, line in lines if HETU_PATTERN.search(line) or person.hetu in line
    ]
    assert leaks == []
    # Nor the authorization code or state in an access-log line (no query strings).
    gateway_log = login_stack.logs()["gateway"]
    assert "/auth/callback" in gateway_log and "code=" not in gateway_log
