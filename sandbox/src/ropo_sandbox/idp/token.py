"""``/idp/token`` (code → ID token + access token) and ``/idp/userinfo``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ropo_sandbox.idp import pkce
from ropo_sandbox.idp.broker import Broker, get_broker
from ropo_sandbox.idp.clients import OidcClient, authenticate_client
from ropo_sandbox.idp.errors import (
    InvalidGrantError,
    InvalidRequestError,
    OAuthError,
)
from ropo_sandbox.idp.tokens import (
    ACR_STAFF_MFA,
    ACR_SUBSTANTIAL,
    person_claims,
    staff_claims,
    subject_for,
)
from ropo_sandbox.idp.web import NO_STORE, single_params
from ropo_sandbox.persons import person_by_id, staff_user_by_id

router = APIRouter()


def _error_response(broker: Broker, exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{broker.issuer}"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status_code,
        headers=headers,
    )


def user_claims(broker: Broker, client: OidcClient, user_id: str) -> tuple[dict[str, Any], str]:
    """The identity claims and ``acr`` of ``user_id`` as the client's kind of user.

    A staff client only ever gets staff claims and a MyRopo client only a person's:
    an id of the other kind is unknown here (``KeyError``).
    """
    if client.users == "staff":
        staff_user = staff_user_by_id(user_id)
        if staff_user is None:
            raise KeyError(user_id)
        return staff_claims(staff_user), ACR_STAFF_MFA
    person = person_by_id(user_id)
    if person is None:
        raise KeyError(user_id)
    return person_claims(person, subject_for(person, broker.subject_secret)), ACR_SUBSTANTIAL


def _exchange_code(broker: Broker, client: OidcClient, params: dict[str, str]) -> JSONResponse:
    grant_type = params.get("grant_type")
    if not grant_type:
        raise InvalidRequestError("grant_type is required")
    if grant_type != "authorization_code":
        raise OAuthError("unsupported_grant_type", "only authorization_code is supported")
    code, redirect_uri = params.get("code"), params.get("redirect_uri")
    verifier = params.get("code_verifier")
    if not code or not redirect_uri or not verifier:
        raise InvalidRequestError("code, redirect_uri and code_verifier are required")
    # Redeeming marks the code used even if a check below fails: a code gets
    # one attempt, so a PKCE verifier cannot be guessed by retrying.
    grant, first_use = broker.store.redeem_code(code)
    if grant is None:
        raise InvalidGrantError("the code is invalid or expired")
    if not first_use:
        broker.log.warning("code_replayed", client_id=client.client_id)
        raise InvalidGrantError("the code was already used")
    if grant.request.client_id != client.client_id:
        raise InvalidGrantError("the code was issued to another client")
    if grant.request.redirect_uri != redirect_uri:
        raise InvalidGrantError("redirect_uri does not match the authorization request")
    if not pkce.verify(verifier, grant.request.code_challenge):
        raise InvalidGrantError("PKCE verification failed")
    try:
        identity, acr = user_claims(broker, client, grant.user_id)
    except KeyError:  # pragma: no cover - users are static and checked when picked
        raise InvalidGrantError("unknown user") from None
    ttl = broker.settings.token_ttl_seconds
    access_token = broker.store.issue_access_token(grant, ttl)
    claims = broker.id_tokens.claims(
        client_id=client.client_id,
        user_claims=identity,
        acr=acr,
        nonce=grant.request.nonce,
        auth_time=grant.auth_time,
        now=int(broker.store.now()),
        access_token=access_token,
    )
    broker.log.info("tokens_issued", client_id=client.client_id)
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "id_token": broker.id_tokens.sign(claims),
            "scope": " ".join(grant.request.scope),
        },
        headers=NO_STORE,
    )


@router.post("/token")
async def token(request: Request) -> Response:
    """Token endpoint (RFC 6749 §4.1.3, OIDC Core §3.1.3)."""
    broker = get_broker(request)
    try:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise InvalidRequestError("use application/x-www-form-urlencoded")
        form = await request.form()
        params, repeated = single_params(
            (name, value) for name, value in form.multi_items() if isinstance(value, str)
        )
        if repeated:
            raise InvalidRequestError("a parameter was repeated")
        client = authenticate_client(broker.clients, request.headers, params)
        return _exchange_code(broker, client, params)
    except OAuthError as exc:
        broker.log.info("token_rejected", error=exc.error)
        return _error_response(broker, exc)


@router.api_route("/userinfo", methods=["GET", "POST"])
async def userinfo(request: Request) -> Response:
    """UserInfo endpoint (OIDC Core §5.3) with a bearer access token (RFC 6750)."""
    broker = get_broker(request)
    authorization = request.headers.get("authorization", "")
    realm = f'Bearer realm="{broker.issuer}"'
    if authorization[:7].lower() != "bearer ":
        return Response(status_code=401, headers={**NO_STORE, "WWW-Authenticate": realm})
    grant = broker.store.access_grant(authorization[7:].strip())
    client = broker.clients.get(grant.client_id) if grant else None
    identity: dict[str, Any] | None = None
    if grant is not None and client is not None:
        try:
            identity, _ = user_claims(broker, client, grant.user_id)
        except KeyError:
            identity = None
    if identity is None:
        challenge = f'{realm}, error="invalid_token", error_description="invalid or expired"'
        body = {"error": "invalid_token", "error_description": "the access token is invalid"}
        return JSONResponse(
            body,
            status_code=401,
            headers={**NO_STORE, "WWW-Authenticate": challenge},
        )
    return JSONResponse(identity, headers=NO_STORE)
