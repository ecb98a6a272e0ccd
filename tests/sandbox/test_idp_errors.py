"""Rejections with the right OAuth 2.0 errors (RFC 6749 §4.1.2.1, §5.2; RFC 7636)."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    Login,
    RunningBroker,
    log_in,
    query_of,
    redeem,
    transaction_of,
)


def _error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


# --- token endpoint ----------------------------------------------------------


def test_wrong_verifier_is_invalid_grant_and_burns_the_code(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    login = Login()
    code = log_in(browser, login)

    _error(redeem(browser, code, login, code_verifier="x" * 43), 400, "invalid_grant")
    # One attempt per code: the right verifier no longer helps.
    _error(redeem(browser, code, login), 400, "invalid_grant")


def test_malformed_verifier_is_invalid_grant(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    code = log_in(browser, login)

    _error(redeem(browser, code, login, code_verifier="short"), 400, "invalid_grant")


def test_reused_code_is_rejected_and_revokes_the_first_tokens(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    login = Login()
    code = log_in(browser, login)
    first = redeem(browser, code, login)
    assert first.status_code == 200
    access_token = first.json()["access_token"]

    _error(redeem(browser, code, login), 400, "invalid_grant")

    userinfo = browser.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 401


def test_code_expires_after_sixty_seconds(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    code = log_in(browser, login)
    broker.clock.advance(60)

    _error(redeem(browser, code, login), 400, "invalid_grant")


def test_code_still_works_just_before_expiry(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    code = log_in(browser, login)
    broker.clock.advance(59)

    assert redeem(browser, code, login).status_code == 200


def test_redirect_uri_must_match_the_authorization_request(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    login = Login()
    code = log_in(browser, login)

    # Registered for the client, but not the one this code was issued for.
    _error(redeem(browser, code, login, redirect_uri=OTHER_REDIRECT_URI), 400, "invalid_grant")


@pytest.mark.parametrize("method", ["basic", "post"])
def test_wrong_client_secret_is_invalid_client(
    broker: RunningBroker, browser: httpx.Client, method: str
) -> None:
    login = Login()
    code = log_in(browser, login)

    response = redeem(browser, code, login, secret=CLIENT_SECRET + "x", method=method)

    _error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")
    # A failed client authentication does not consume the code.
    assert redeem(browser, code, login).status_code == 200


def test_unknown_client_is_invalid_client(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.post(
        "/idp/token",
        data={"grant_type": "authorization_code", "code": "c", "redirect_uri": REDIRECT_URI,
              "code_verifier": "v" * 43},
        auth=("someone-else", CLIENT_SECRET),
    )  # fmt: skip

    _error(response, 401, "invalid_client")


def test_missing_client_authentication_is_invalid_client(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    response = browser.post("/idp/token", data={"grant_type": "authorization_code", "code": "c"})

    _error(response, 401, "invalid_client")


def test_two_authentication_methods_at_once_are_invalid_request(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    response = browser.post(
        "/idp/token",
        data={"grant_type": "authorization_code", "client_id": CLIENT_ID,
              "client_secret": CLIENT_SECRET},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )  # fmt: skip

    _error(response, 400, "invalid_request")


def test_other_grant_types_are_unsupported(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.post(
        "/idp/token", data={"grant_type": "password"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )

    _error(response, 400, "unsupported_grant_type")


def test_missing_verifier_is_invalid_request(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    code = log_in(browser, login)

    _error(redeem(browser, code, login, code_verifier=None), 400, "invalid_request")


def test_token_request_must_be_form_encoded(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.post(
        "/idp/token", json={"grant_type": "authorization_code"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )

    _error(response, 400, "invalid_request")


def test_userinfo_requires_a_bearer_token(broker: RunningBroker, browser: httpx.Client) -> None:
    missing = browser.get("/idp/userinfo")
    invalid = browser.get("/idp/userinfo", headers={"Authorization": "Bearer nope"})

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert invalid.status_code == 401
    assert 'error="invalid_token"' in invalid.headers["www-authenticate"]


def test_access_token_expires(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    access_token = redeem(browser, log_in(browser, login), login).json()["access_token"]
    broker.clock.advance(broker.settings.token_ttl_seconds)

    userinfo = browser.get("/idp/userinfo", headers={"Authorization": f"Bearer {access_token}"})

    assert userinfo.status_code == 401


# --- authorize endpoint: errors sent back to the client -------------------------


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
        ({"request": "eyJhbGciOi.x.y"}, "request_not_supported"),
    ],
)
def test_invalid_authorization_request_redirects_with_error(
    broker: RunningBroker,
    browser: httpx.Client,
    overrides: dict[str, str | None],
    error: str,
) -> None:
    login = Login()

    response = browser.get("/idp/authorize", params=login.params(**overrides))

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = query_of(location)
    assert query["error"] == error
    assert query["state"] == login.state
    assert query["iss"] == broker.issuer
    assert "code" not in query


def test_missing_state_is_invalid_request(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.get("/idp/authorize", params=Login().params(state=None))

    assert response.status_code == 303
    query = query_of(response.headers["location"])
    assert query["error"] == "invalid_request"
    assert "state" not in query


def test_repeated_parameter_is_invalid_request(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    params: list[tuple[str, str | int | float | bool | None]] = [
        *Login().params().items(),
        ("scope", "openid"),
    ]

    response = browser.get("/idp/authorize", params=params)

    assert response.status_code == 303
    assert query_of(response.headers["location"])["error"] == "invalid_request"


# --- authorize endpoint: errors shown to the user (never redirected) -------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://localhost:8080/auth/callback/evil"},
        {"redirect_uri": "http://evil.example/auth/callback"},
        {"redirect_uri": None},
        {"client_id": "unknown-client"},
        {"client_id": None},
    ],
)
def test_untrusted_client_or_redirect_uri_shows_an_error_page(
    broker: RunningBroker, browser: httpx.Client, overrides: dict[str, str | None]
) -> None:
    response = browser.get("/idp/authorize", params=Login().params(**overrides))

    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "Tunnistautuminen epäonnistui" in response.text
    assert 'role="alert"' in response.text


# --- the decision form ---------------------------------------------------------------


def test_cancel_returns_access_denied(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    page = browser.get("/idp/authorize", params=login.params())

    response = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction_of(page.text), "action": "cancel"},
    )

    assert response.status_code == 303
    query = query_of(response.headers["location"])
    assert query == {
        "error": "access_denied",
        "error_description": "the user cancelled the login",
        "state": login.state,
        "iss": broker.issuer,
    }


def test_decision_from_another_browser_is_refused(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    page = browser.get("/idp/authorize", params=Login().params())
    transaction = transaction_of(page.text)

    # A cross-site form post carries no SameSite=Lax cookie: same as another browser.
    with httpx.Client(base_url=broker.base_url, follow_redirects=False) as other:
        response = other.post(
            "/idp/authorize/decision",
            data={"transaction": transaction, "person": "maija-meikalainen", "action": "login"},
        )

    assert response.status_code == 400
    assert "location" not in response.headers


def test_decision_can_be_made_once(broker: RunningBroker, browser: httpx.Client) -> None:
    page = browser.get("/idp/authorize", params=Login().params())
    form = {
        "transaction": transaction_of(page.text),
        "person": "maija-meikalainen",
        "action": "login",
    }

    assert browser.post("/idp/authorize/decision", data=form).status_code == 303
    again = browser.post("/idp/authorize/decision", data=form)

    assert again.status_code == 400
    assert "location" not in again.headers


def test_login_page_expires(broker: RunningBroker, browser: httpx.Client) -> None:
    page = browser.get("/idp/authorize", params=Login().params())
    broker.clock.advance(broker.settings.transaction_ttl_seconds)

    response = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction_of(page.text), "person": "maija-meikalainen"},
    )

    assert response.status_code == 400


def test_unknown_person_shows_the_form_again(broker: RunningBroker, browser: httpx.Client) -> None:
    page = browser.get("/idp/authorize", params=Login().params())
    transaction = transaction_of(page.text)

    response = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction, "person": "nobody", "action": "login"},
    )

    assert response.status_code == 400
    assert "Valitse testihenkilö." in response.text
    assert transaction_of(response.text) == transaction
