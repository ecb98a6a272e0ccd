"""``/idp/authorize``: validate the request, show *Tunnistaudu*, issue the code."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from ropo_sandbox.idp import pkce
from ropo_sandbox.idp.broker import BROWSER_COOKIE, Broker, get_broker
from ropo_sandbox.idp.clients import OidcClient, UserKind
from ropo_sandbox.idp.errors import InvalidRequestError, OAuthError, UntrustedRedirectError
from ropo_sandbox.idp.store import AuthorizationRequest, new_secret
from ropo_sandbox.idp.web import (
    DECISION_PATH,
    STYLESHEET_PATH,
    error_page,
    page_headers,
    redirect_to_client,
    single_params,
)
from ropo_sandbox.persons import PERSONS, STAFF_USERS, person_by_id, staff_user_by_id

router = APIRouter()

SUPPORTED_SCOPES = ("openid", "profile")
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
_MAX_STATE_LENGTH = 2048
#: Form field of the chosen user, per kind of client; the two lists never mix.
PERSON_FIELD = "person"
STAFF_USER_FIELD = "staff_user"
MISSING_CHOICE = {"persons": "Valitse testihenkilö.", "staff": "Valitse testikäyttäjä."}
EXPIRED_MESSAGE = (
    "Kirjautumispyyntö on vanhentunut tai virheellinen. "
    "Kirjautumissivu on voimassa rajoitetun ajan ja sitä voi käyttää vain kerran."
)


def _trusted_redirect(
    broker: Broker, params: Mapping[str, str], repeated: set[str]
) -> tuple[OidcClient, str]:
    """The client and its redirect URI, or ``UntrustedRedirectError``."""
    if {"client_id", "redirect_uri"} & repeated:
        raise UntrustedRedirectError("Pyynnössä on toistuvia parametreja.")
    client = broker.clients.get(params.get("client_id"))
    if client is None:
        raise UntrustedRedirectError("Tuntematon palvelu (client_id).")
    redirect_uri = params.get("redirect_uri")
    # Exact string match (OAuth 2.0 Security BCP): no prefix or pattern matching.
    if redirect_uri is None or redirect_uri not in client.redirect_uris:
        raise UntrustedRedirectError("Paluuosoitetta (redirect_uri) ei ole rekisteröity.")
    return client, redirect_uri


def _validate(
    params: Mapping[str, str], repeated: set[str], client: OidcClient, redirect_uri: str
) -> AuthorizationRequest:
    """Check everything after the redirect URI is trusted; errors go back to the client."""
    if repeated:
        raise InvalidRequestError("a parameter was repeated")
    if "request" in params:
        raise OAuthError("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        raise OAuthError("request_uri_not_supported", "request_uri is not supported")
    response_type = params.get("response_type")
    if not response_type:
        raise InvalidRequestError("response_type is required")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code is supported")
    if params.get("response_mode", "query") != "query":
        raise InvalidRequestError("only response_mode=query is supported")
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        raise OAuthError("invalid_scope", "scope must contain openid")
    state, nonce = params.get("state", ""), params.get("nonce", "")
    if not state:
        raise InvalidRequestError("state is required")
    if not nonce:
        raise InvalidRequestError("nonce is required")
    if len(state) > _MAX_STATE_LENGTH or len(nonce) > _MAX_STATE_LENGTH:
        raise InvalidRequestError("state or nonce is too long")
    challenge = params.get("code_challenge")
    if not challenge:
        raise InvalidRequestError("code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise InvalidRequestError("code_challenge_method must be S256")
    if not pkce.is_valid_s256_challenge(challenge):
        raise InvalidRequestError("code_challenge is malformed")
    if params.get("prompt") == "none":
        # No single sign-on session at the broker: a person must always pick.
        raise OAuthError("login_required", "the user must authenticate")
    granted = tuple(scope for scope in SUPPORTED_SCOPES if scope in scopes)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=granted,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
    )


def _login_page(
    broker: Broker, request: AuthorizationRequest, transaction: str, error: str | None = None
) -> HTMLResponse:
    client = broker.clients.get(request.client_id)
    staff = client is not None and client.users == "staff"
    html = broker.templates.get_template("idp/authorize.html").render(
        client_name=client.display_name if client else request.client_id,
        transaction=transaction,
        # A staff client lists staff users only, MyRopo test persons only.
        persons=() if staff else PERSONS,
        staff_users=STAFF_USERS if staff else (),
        languages=LANGUAGE_NAMES,
        decision_url=DECISION_PATH,
        asset_url=STYLESHEET_PATH,
        error=error,
    )
    return HTMLResponse(
        html, status_code=400 if error else 200, headers=page_headers(request.redirect_uri)
    )


async def _request_items(request: Request) -> list[tuple[str, str]]:
    """Parameters from the query (GET) or the form body (POST, OIDC Core §3.1.2.1)."""
    if request.method == "POST":
        form = await request.form()
        return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    return list(request.query_params.multi_items())


@router.api_route("/authorize", methods=["GET", "POST"])
async def authorize(request: Request) -> Response:
    """Authorization endpoint (OIDC Core §3.1.2)."""
    broker = get_broker(request)
    params, repeated = single_params(await _request_items(request))
    try:
        client, redirect_uri = _trusted_redirect(broker, params, repeated)
    except UntrustedRedirectError as exc:
        broker.log.info("authorize_rejected", error="untrusted_redirect")
        return error_page(broker, exc.message)
    try:
        auth_request = _validate(params, repeated, client, redirect_uri)
    except OAuthError as exc:
        broker.log.info("authorize_rejected", client_id=client.client_id, error=exc.error)
        state = None if "state" in repeated else params.get("state")
        return redirect_to_client(
            redirect_uri,
            {
                "error": exc.error,
                "error_description": exc.description,
                "state": state,
                "iss": broker.issuer,
            },
        )
    # The transaction is bound to a cookie of this browser: a form posted from
    # another site (SameSite=Lax keeps the cookie off it) cannot use it.
    binding = request.cookies.get(BROWSER_COOKIE) or new_secret()
    transaction = broker.store.start_transaction(
        auth_request, binding, broker.settings.transaction_ttl_seconds
    )
    response = _login_page(broker, auth_request, transaction)
    if request.cookies.get(BROWSER_COOKIE) != binding:
        response.set_cookie(
            BROWSER_COOKIE,
            binding,
            path="/idp",
            httponly=True,
            samesite="lax",
            secure=broker.settings.public_base_url.startswith("https://"),
        )
    return response


def _chosen_user(value: object, users: UserKind) -> str | None:
    """The id picked on the page when it is a user of the client's kind, else ``None``."""
    if not isinstance(value, str):
        return None
    if users == "staff":
        staff_user = staff_user_by_id(value)
        return staff_user.id if staff_user else None
    person = person_by_id(value)
    return person.id if person else None


@router.post("/authorize/decision")
async def decide(request: Request) -> Response:
    """The user picked a test person or staff user (or cancelled) on the *Tunnistaudu* page."""
    broker = get_broker(request)
    form = await request.form()
    transaction_id = form.get("transaction")
    binding = request.cookies.get(BROWSER_COOKIE)
    transaction = None
    if isinstance(transaction_id, str) and binding:
        transaction = broker.store.get_transaction(transaction_id, binding)
    if transaction is None or not isinstance(transaction_id, str):
        broker.log.info("decision_rejected", error="unknown_transaction")
        return error_page(broker, EXPIRED_MESSAGE)
    auth_request = transaction.request
    if form.get("action") == "cancel":
        broker.store.end_transaction(transaction_id)
        broker.log.info("login_cancelled", client_id=auth_request.client_id)
        return redirect_to_client(
            auth_request.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "the user cancelled the login",
                "state": auth_request.state,
                "iss": broker.issuer,
            },
        )
    client = broker.clients.get(auth_request.client_id)
    users = client.users if client is not None else "persons"
    user_id = _chosen_user(form.get(STAFF_USER_FIELD if users == "staff" else PERSON_FIELD), users)
    if user_id is None:
        return _login_page(broker, auth_request, transaction_id, MISSING_CHOICE[users])
    broker.store.end_transaction(transaction_id)
    code = broker.store.issue_code(auth_request, user_id, broker.settings.code_ttl_seconds)
    broker.log.info("login_succeeded", client_id=auth_request.client_id)
    return redirect_to_client(
        auth_request.redirect_uri,
        {"code": code, "state": auth_request.state, "iss": broker.issuer},
    )
