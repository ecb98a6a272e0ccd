"""The full OpenID Connect code flow with PKCE against a real HTTP server."""

from __future__ import annotations

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet
from ropo_sandbox.idp.tokens import ACR_SUBSTANTIAL, at_hash
from ropo_sandbox.persons import person_by_id
from sandbox_support import (
    CLIENT_ID,
    REDIRECT_URI,
    Login,
    RunningBroker,
    log_in,
    query_of,
    redeem,
    transaction_of,
)
from stdnum.fi import hetu as stdnum_hetu


def _verify(id_token: str, jwks: dict[str, object], login: Login, issuer: str) -> jwt.Token:
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])  # type: ignore[arg-type]
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": login.nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(token.claims)
    return token


def test_discovery_points_at_the_issuer(broker: RunningBroker, browser: httpx.Client) -> None:
    response = browser.get("/idp/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == broker.issuer
    assert document["authorization_endpoint"] == f"{broker.issuer}/authorize"
    assert document["token_endpoint"] == f"{broker.issuer}/token"
    assert document["userinfo_endpoint"] == f"{broker.issuer}/userinfo"
    assert document["jwks_uri"] == f"{broker.issuer}/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert "hetu" in document["claims_supported"]


def test_full_flow_issues_a_verifiable_id_token(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    discovery = browser.get("/idp/.well-known/openid-configuration").json()
    login = Login()
    login_started = int(broker.clock.now)

    page = browser.get(discovery["authorization_endpoint"], params=login.params())
    assert page.status_code == 200
    assert "Tunnistaudu" in page.text
    decision = browser.post(
        "/idp/authorize/decision",
        data={
            "transaction": transaction_of(page.text),
            "person": "maija-meikalainen",
            "action": "login",
        },
    )
    assert decision.status_code == 303
    location = decision.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = query_of(location)
    assert query["state"] == login.state
    assert query["iss"] == broker.issuer

    tokens = redeem(browser, query["code"], login)

    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    jwks = browser.get(discovery["jwks_uri"]).json()
    token = _verify(body["id_token"], jwks, login, broker.issuer)
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    assert token.header["alg"] == "RS256"
    maija = person_by_id("maija-meikalainen")
    assert maija is not None
    claims = token.claims
    assert claims["hetu"] == maija.hetu
    assert stdnum_hetu.validate(claims["hetu"], allow_temporary=True) == maija.hetu
    assert claims["name"] == "Maija Meikäläinen"
    assert claims["given_name"] == "Maija"
    assert claims["family_name"] == "Meikäläinen"
    assert claims["birthdate"] == "1985-03-15"
    assert claims["acr"] == ACR_SUBSTANTIAL
    assert claims["auth_time"] >= login_started
    assert claims["iat"] == int(broker.clock.now)
    assert claims["exp"] == claims["iat"] + broker.settings.token_ttl_seconds
    assert claims["at_hash"] == at_hash(body["access_token"])
    # sub is a pseudonym: nothing of the hetu in it.
    assert maija.hetu not in claims["sub"]
    assert maija.hetu[:6] not in claims["sub"]

    userinfo = browser.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == claims["sub"]
    assert userinfo.json()["hetu"] == maija.hetu


def test_authorization_request_may_be_posted(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()

    page = browser.post("/idp/authorize", data=login.params())

    assert page.status_code == 200
    decision = browser.post(
        "/idp/authorize/decision",
        data={"transaction": transaction_of(page.text), "person": "liisa-virtanen"},
    )
    code = query_of(decision.headers["location"])["code"]
    assert redeem(browser, code, login).status_code == 200


def test_client_secret_post_is_accepted(broker: RunningBroker, browser: httpx.Client) -> None:
    login = Login()
    code = log_in(browser, login, "anna-andersson")

    tokens = redeem(browser, code, login, method="post")

    assert tokens.status_code == 200, tokens.text
    jwks = browser.get("/idp/jwks").json()
    claims = _verify(tokens.json()["id_token"], jwks, login, broker.issuer).claims
    assert claims["name"] == "Anna Andersson"


def test_sub_is_stable_per_person_and_distinct_between_persons(
    broker: RunningBroker, browser: httpx.Client
) -> None:
    subjects = []
    for person in ("matti-meikalainen", "matti-meikalainen", "john-smith"):
        login = Login()
        tokens = redeem(browser, log_in(browser, login, person), login).json()
        userinfo = browser.get(
            "/idp/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        subjects.append(userinfo.json()["sub"])

    assert subjects[0] == subjects[1]
    assert subjects[0] != subjects[2]


def test_every_test_person_can_log_in(broker: RunningBroker, browser: httpx.Client) -> None:
    from ropo_sandbox.persons import PERSONS

    jwks = browser.get("/idp/jwks").json()
    for person in PERSONS:
        login = Login()
        tokens = redeem(browser, log_in(browser, login, person.id), login)
        claims = _verify(tokens.json()["id_token"], jwks, login, broker.issuer).claims
        assert claims["hetu"] == person.hetu
        assert claims["birthdate"] == person.birth_date.isoformat()


def test_redirect_uri_with_its_own_query_keeps_it() -> None:
    from ropo_sandbox.idp.web import with_query

    assert with_query("http://rp/cb?a=1", {"code": "x", "state": None}) == "http://rp/cb?a=1&code=x"
