"""Staff users of Ropo One at the sandbox identity broker: a second client (``ropo-one``) whose
page lists staff users only and whose ID tokens carry a staff id and ``roles``, never a
henkilötunnus."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import lxml.html
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from pydantic import SecretStr
from ropo_platform.redaction import contains_hetu
from ropo_sandbox.config import DEV_STAFF_CLIENT_SECRET, STAFF_CLIENT_ID, SandboxSettings
from ropo_sandbox.demo.creditors import TESTI_YRITYS, YRITYS_X
from ropo_sandbox.idp.clients import ClientRegistry, OidcClient
from ropo_sandbox.idp.pkce import s256_challenge
from ropo_sandbox.idp.tokens import ACR_STAFF_MFA
from ropo_sandbox.persons import PERSONS, STAFF_USERS, staff_user_by_id
from sandbox_support import (
    CLIENT_ID,
    REDIRECT_URI,
    Login,
    RunningBroker,
    log_in,
    query_of,
    transaction_of,
)

STAFF_REDIRECT_URI = "http://localhost:8080/ropo-one/auth/callback"


@dataclass
class StaffLogin:
    """One authorization request of the Ropo One client."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    redirect_uri: str = STAFF_REDIRECT_URI

    def params(self, **overrides: str) -> dict[str, str]:
        params = {
            "client_id": STAFF_CLIENT_ID,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": s256_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return params


def staff_page(browser: httpx.Client, login: StaffLogin) -> httpx.Response:
    page = browser.get("/idp/authorize", params=login.params())
    assert page.status_code == 200, page.text
    return page


def pick(browser: httpx.Client, page: httpx.Response, **form: str) -> httpx.Response:
    data = {"transaction": transaction_of(page.text), "action": "login", **form}
    return browser.post("/idp/authorize/decision", data=data)


def staff_code(browser: httpx.Client, login: StaffLogin, user_id: str) -> str:
    decision = pick(browser, staff_page(browser, login), staff_user=user_id)
    assert decision.status_code == 303, decision.text
    assert decision.headers["location"].startswith(STAFF_REDIRECT_URI + "?")
    query = query_of(decision.headers["location"])
    assert query["state"] == login.state
    return query["code"]


def redeem_staff(
    browser: httpx.Client,
    code: str,
    login: StaffLogin,
    client: tuple[str, str] = (STAFF_CLIENT_ID, DEV_STAFF_CLIENT_SECRET),
) -> httpx.Response:
    return browser.post(
        "/idp/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": login.redirect_uri,
            "code_verifier": login.verifier,
        },
        auth=client,
    )


def verified_claims(browser: httpx.Client, id_token: str, issuer: str) -> dict[str, Any]:
    jwks = browser.get("/idp/jwks").json()
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": STAFF_CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(token.claims)
    return dict(token.claims)


@pytest.mark.parametrize("user", STAFF_USERS, ids=lambda user: user.id)
def test_staff_flow_issues_a_signed_token_with_roles_and_no_identity_code(
    broker: RunningBroker, browser: httpx.Client, user: Any
) -> None:
    login = StaffLogin()
    tokens = redeem_staff(browser, staff_code(browser, login, user.id), login)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()

    claims = verified_claims(browser, body["id_token"], broker.issuer)
    assert claims["sub"] == user.id
    assert claims["nonce"] == login.nonce
    assert claims["roles"] == list(user.roles)
    assert claims["acr"] == ACR_STAFF_MFA
    assert claims["name"] == user.name
    assert not {"hetu", "nin", "ftn_hetu", "birthdate"} & set(claims)
    assert not contains_hetu(json.dumps(claims))

    userinfo = browser.get(
        "/idp/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == user.id
    assert userinfo.json()["roles"] == list(user.roles)
    assert "hetu" not in userinfo.json()


def test_roles_cover_agent_supervisor_and_a_creditor_bound_by_business_id() -> None:
    roles = {user.id: user.roles for user in STAFF_USERS}
    assert roles["aino-asiakaspalvelija"] == ("agent",)
    assert "supervisor" in roles["eero-esihenkilo"]
    # Creditor ids are minted at import; the broker knows the demo creditors' business ids.
    assert roles["kaisa-kirjanpitaja"] == (f"creditor:{TESTI_YRITYS.business_id}",)
    assert roles["yrjo-yrittaja"] == (f"creditor:{YRITYS_X.business_id}",)
    assert staff_user_by_id("aino-asiakaspalvelija") is not None
    assert staff_user_by_id("maija-meikalainen") is None


def test_the_staff_page_lists_staff_users_only(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    page = staff_page(browser, StaffLogin()).text
    document = lxml.html.fromstring(page)

    assert document.find(".//fieldset/legend").text == "Valitse henkilökunnan testikäyttäjä"
    radios = [i for i in document.iter("input") if i.get("type") == "radio"]
    assert {radio.get("value") for radio in radios} == {user.id for user in STAFF_USERS}
    assert {radio.get("name") for radio in radios} == {"staff_user"}
    for radio in radios:
        label = document.xpath(f"//label[@for='{radio.get('id')}']")[0].text_content()
        user = staff_user_by_id(str(radio.get("value")))
        assert user is not None and user.name in label
    for person in PERSONS:
        assert person.name not in page and person.masked_hetu not in page
    assert "Ropo One" in page


def test_the_myropo_page_lists_no_staff_users(broker: RunningBroker, browser: httpx.Client) -> None:
    page = browser.get("/idp/authorize", params=Login().params()).text
    for user in STAFF_USERS:
        assert user.name not in page
    assert 'name="staff_user"' not in page


def test_a_person_cannot_be_picked_for_the_staff_client(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    login = StaffLogin()
    page = staff_page(browser, login)
    for form in ({"staff_user": PERSONS[0].id}, {"person": PERSONS[0].id}, {}):
        refused = pick(browser, page, **form)
        assert refused.status_code == 400
        assert "Valitse testikäyttäjä." in refused.text


def test_a_staff_user_cannot_be_picked_for_the_myropo_client(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    page = browser.get("/idp/authorize", params=Login().params())
    for form in ({"person": "aino-asiakaspalvelija"}, {"staff_user": "aino-asiakaspalvelija"}):
        refused = pick(browser, page, **form)
        assert refused.status_code == 400
        assert "Valitse testihenkilö." in refused.text


def test_the_staff_client_cannot_use_the_customer_callback(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    page = browser.get("/idp/authorize", params=StaffLogin(redirect_uri=REDIRECT_URI).params())
    assert page.status_code == 400
    assert "redirect_uri" in page.text
    assert "location" not in page.headers


def test_codes_do_not_cross_between_the_two_clients(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    login = StaffLogin()
    code = staff_code(browser, login, "aino-asiakaspalvelija")
    crossed = redeem_staff(browser, code, login, client=(CLIENT_ID, broker_secret(broker)))
    assert crossed.status_code == 400
    assert crossed.json()["error"] == "invalid_grant"

    person_login = Login()
    person_code = log_in(browser, person_login)
    as_staff = browser.post(
        "/idp/token",
        data={
            "grant_type": "authorization_code",
            "code": person_code,
            "redirect_uri": person_login.redirect_uri,
            "code_verifier": person_login.verifier,
        },
        auth=(STAFF_CLIENT_ID, DEV_STAFF_CLIENT_SECRET),
    )
    assert as_staff.status_code == 400
    assert as_staff.json()["error"] == "invalid_grant"


def broker_secret(broker: RunningBroker) -> str:
    return broker.settings.gateway_client_secret.get_secret_value()


def test_discovery_announces_roles_and_the_staff_level(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    document = browser.get("/idp/.well-known/openid-configuration").json()
    assert "roles" in document["claims_supported"]
    assert ACR_STAFF_MFA in document["acr_values_supported"]


def test_staff_redirect_uris_follow_the_gateway_ones() -> None:
    derived = SandboxSettings(
        gateway_redirect_uris=("http://localhost:8181/auth/callback", "http://other/elsewhere")
    )
    assert derived.staff_client_redirect_uris == ("http://localhost:8181/ropo-one/auth/callback",)

    from_gateway_url = SandboxSettings(gateway_public_url="http://localhost:9999")
    assert from_gateway_url.staff_client_redirect_uris == (
        "http://localhost:9999/ropo-one/auth/callback",
    )

    explicit = SandboxSettings(
        staff_redirect_uris="https://one.example/cb, https://two.example/cb",  # type: ignore[arg-type]
        staff_client_secret=SecretStr("s"),
    )
    assert explicit.staff_client_redirect_uris == (
        "https://one.example/cb",
        "https://two.example/cb",
    )


def test_bad_staff_redirect_uris_and_duplicate_clients_fail_fast() -> None:
    with pytest.raises(ValueError, match="redirect URI"):
        SandboxSettings(staff_redirect_uris=("one.example/cb",))
    twice = OidcClient("same", "secret", ("http://a/cb",), "A")
    with pytest.raises(ValueError, match="registered twice"):
        ClientRegistry([twice, OidcClient("same", "other", ("http://b/cb",), "B", users="staff")])
