"""Visitors of *Avaa Chat*: people who use the chat without logging in.

A visitor is ``visitors/{id}`` towards the chat service, where ``{id}`` is 192 random bits
(hex, so it fits the service's id grammar). The gateway keeps it in a **signed cookie**
(the *visitor pass*), not in a server-side record like a person's session:

- a visitor has nothing a server-side record would protect better. There is no login to
  end, no identity behind the id and no data in the pass; the conversation itself lives in
  the chat service and is reached only with an id the gateway minted;
- the pass costs no database write, so anonymous traffic cannot fill the gateway database
  with records and no migration, purge job or replica coordination is needed (every
  replica verifies the signature with the secret they already share);
- the signature (HMAC-SHA256 with a key derived from ``person_key_secret``) means only the
  gateway mints ids: a client cannot invent ``visitors/a``, ``visitors/b``… to get around
  the chat service's per-sender message limit, and starting conversations is limited per
  client address (``address_holder``, counted by the *Hae lasku* rate limiter's store);
- the pass carries its issue time and is refused after ``lifetime``, so an old copy of the
  cookie stops working even though nothing is stored.

The cookie follows the rules of the session cookie (``web/cookies.py``): HttpOnly,
SameSite=Lax, Path=/, no Max-Age (it ends with the browser), and with ``cookie_secure``
Secure and ``__Host-`` prefixed. Its CSRF token is derived from the visitor id with the
same key (the HMAC variant of the synchronizer token pattern: unforgeable without the key,
bound to this visitor, compared in constant time by ``auth.csrf.csrf_valid``).

A visitor who logs in becomes the person for the chat; the visitor's conversation is not
merged into the person's (it may be anyone's words, and a person's conversation gets the
person's facts) and the person's chat pages drop the pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from starlette.responses import Response

from ropo_gateway.auth.sessions import Clock, utc_now
from ropo_gateway.config import GatewaySettings

VISITORS_PREFIX: Final = "visitors/"
#: The actor in the audit log of a request that carried no (valid) visitor pass.
UNKNOWN_VISITOR: Final = "visitors/-"
VISITOR_ID_BYTES: Final = 24
_VISITOR_ID: Final = re.compile(rf"^[0-9a-f]{{{VISITOR_ID_BYTES * 2}}}$")
_KEY_LABEL: Final = b"ropo-gateway/chat-visitor/v1"
#: A pass issued a little "in the future" is accepted (replicas' clocks differ slightly).
_CLOCK_SKEW: Final = timedelta(seconds=60)


def visitor_cookie_name(settings: GatewaySettings) -> str:
    """``__Host-ropo_visitor`` (or ``ropo_visitor`` for plain-http tests)."""
    return "__Host-ropo_visitor" if settings.cookie_secure else "ropo_visitor"


def set_visitor_cookie(response: Response, settings: GatewaySettings, value: str) -> None:
    response.set_cookie(
        visitor_cookie_name(settings),
        value,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_visitor_cookie(response: Response, settings: GatewaySettings) -> None:
    response.delete_cookie(
        visitor_cookie_name(settings),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Visitor:
    """A visitor with a valid pass; ``csrf_token`` guards their forms."""

    id: str
    issued_at: datetime
    csrf_token: str

    @property
    def subject(self) -> str:
        """``visitors/{id}``: the customer towards the chat service and the audit actor."""
        return f"{VISITORS_PREFIX}{self.id}"


class VisitorPasses:
    """Mints and verifies visitor passes (``{id}.{issued unix seconds}.{signature}``)."""

    def __init__(self, secret: bytes, lifetime: timedelta, clock: Clock = utc_now) -> None:
        # A key of its own: a pass signature can never be mistaken for a person key.
        self._key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()
        self._lifetime = lifetime
        self._clock = clock

    def _sign(self, purpose: bytes, text: str) -> str:
        return _b64(hmac.new(self._key, purpose + b"\x00" + text.encode(), hashlib.sha256).digest())

    def _visitor(self, visitor_id: str, issued_at: datetime) -> Visitor:
        return Visitor(visitor_id, issued_at, self._sign(b"csrf", visitor_id))

    def issue(self) -> tuple[str, Visitor]:
        """A new visitor and the cookie value that carries them."""
        visitor_id = secrets.token_hex(VISITOR_ID_BYTES)
        issued = int(self._clock().timestamp())
        payload = f"{visitor_id}.{issued}"
        value = f"{payload}.{self._sign(b'pass', payload)}"
        return value, self._visitor(visitor_id, datetime.fromtimestamp(issued, UTC))

    def read(self, value: str | None) -> Visitor | None:
        """The visitor of a genuine, unexpired pass; ``None`` for anything else."""
        if not value or len(value) > 200:
            return None
        parts = value.split(".")
        if len(parts) != 3:
            return None
        visitor_id, issued, signature = parts
        if not _VISITOR_ID.match(visitor_id) or not issued.isdigit() or len(issued) > 12:
            return None
        expected = self._sign(b"pass", f"{visitor_id}.{issued}")
        if not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
            return None
        issued_at = datetime.fromtimestamp(int(issued), UTC)
        now = self._clock()
        if issued_at > now + _CLOCK_SKEW or now >= issued_at + self._lifetime:
            return None
        return self._visitor(visitor_id, issued_at)

    def address_holder(self, address: str) -> str:
        """The rate-limit holder of a client address: keyed and hashed, so the attempts
        table keeps no IP address (and cannot be mistaken for a person's ``persons/{key}``)."""
        return f"chat-start:{self._sign(b'address', address)}"
