"""Discovery document, JWKS and the stylesheet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ropo_sandbox.idp.assets import STYLESHEET
from ropo_sandbox.idp.authorize import SUPPORTED_SCOPES
from ropo_sandbox.idp.broker import get_broker
from ropo_sandbox.idp.clients import SUPPORTED_AUTH_METHODS
from ropo_sandbox.idp.tokens import ACR_STAFF_MFA, ACR_SUBSTANTIAL, CLAIMS_SUPPORTED

router = APIRouter()

# Metadata changes only on restart (a new key); let clients cache it briefly.
_CACHEABLE = {"Cache-Control": "public, max-age=60"}


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> JSONResponse:
    """OpenID Provider metadata (OIDC Discovery §3)."""
    broker = get_broker(request)
    document: dict[str, Any] = {
        "issuer": broker.issuer,
        "authorization_endpoint": broker.url("/authorize"),
        "token_endpoint": broker.url("/token"),
        "userinfo_endpoint": broker.url("/userinfo"),
        "jwks_uri": broker.url("/jwks"),
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [broker.signing_key.alg],
        "token_endpoint_auth_methods_supported": list(SUPPORTED_AUTH_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "acr_values_supported": [ACR_SUBSTANTIAL, ACR_STAFF_MFA],
        "ui_locales_supported": ["fi"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
    return JSONResponse(document, headers=_CACHEABLE)


@router.get("/jwks")
async def jwks(request: Request) -> JSONResponse:
    """The public signing key(s) (RFC 7517 JWK Set)."""
    broker = get_broker(request)
    return JSONResponse({"keys": [broker.signing_key.public_jwk()]}, headers=_CACHEABLE)


@router.get("/assets/sandbox.css")
async def stylesheet() -> Response:
    """The pages' stylesheet."""
    return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})
