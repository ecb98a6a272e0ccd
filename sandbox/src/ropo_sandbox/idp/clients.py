"""Registered relying parties and client authentication at the token endpoint."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from ropo_sandbox.idp.errors import InvalidClientError, InvalidRequestError

# Names of authentication methods (RFC 8414 registry), not secrets.
CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105
CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105
SUPPORTED_AUTH_METHODS = (CLIENT_SECRET_BASIC, CLIENT_SECRET_POST)

#: Who logs in through a client: test persons (MyRopo) or staff users (Ropo One).
UserKind = Literal["persons", "staff"]


@dataclass(frozen=True)
class OidcClient:
    """A relying party: exact-match redirect URIs and the auth methods it may use."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    display_name: str
    auth_methods: frozenset[str] = frozenset(SUPPORTED_AUTH_METHODS)
    users: UserKind = "persons"

    def secret_matches(self, presented: str) -> bool:
        """Constant-time comparison of the client secret."""
        return hmac.compare_digest(presented.encode(), self.client_secret.encode())


class ClientRegistry:
    """The clients the broker knows, by ``client_id``."""

    def __init__(self, clients: Iterable[OidcClient]) -> None:
        self._clients: dict[str, OidcClient] = {}
        for client in clients:
            # Two clients under one id would silently let one use the other's redirect URIs.
            if client.client_id in self._clients:
                raise ValueError(f"client_id registered twice: {client.client_id}")
            self._clients[client.client_id] = client

    def get(self, client_id: str | None) -> OidcClient | None:
        """The client, or ``None`` for an unknown or missing id."""
        if client_id is None:
            return None
        return self._clients.get(client_id)


def _basic_credentials(authorization: str) -> tuple[str, str]:
    """Decode ``Basic base64(urlencode(id):urlencode(secret))`` (RFC 6749 §2.3.1)."""
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClientError("malformed basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClientError("malformed basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate_client(
    registry: ClientRegistry, headers: Mapping[str, str], form: Mapping[str, str]
) -> OidcClient:
    """Authenticate the caller of the token endpoint with exactly one method.

    Further methods (FTN's ``private_key_jwt`` with ``client_assertion``) are
    added here as another branch.
    """
    authorization = headers.get("authorization", "")
    uses_basic = authorization[:6].lower() == "basic "
    uses_post = "client_secret" in form
    if uses_basic and uses_post:
        raise InvalidRequestError("use only one client authentication method")
    if uses_basic:
        client_id, secret = _basic_credentials(authorization)
        method = CLIENT_SECRET_BASIC
        if form.get("client_id", client_id) != client_id:
            raise InvalidRequestError("client_id does not match the credentials")
    elif uses_post:
        client_id, secret = form.get("client_id", ""), form["client_secret"]
        method = CLIENT_SECRET_POST
    else:
        raise InvalidClientError("client authentication required")
    client = registry.get(client_id)
    # Compare even for an unknown client so timing does not reveal which ids exist.
    expected = client or OidcClient("", "\x00unknown-client", (), "")
    if not expected.secret_matches(secret) or client is None:
        raise InvalidClientError()
    if method not in client.auth_methods:
        raise InvalidClientError("authentication method not allowed for this client")
    return client
