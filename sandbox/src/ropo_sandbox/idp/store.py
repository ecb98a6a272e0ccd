"""In-memory state of the broker: pending logins, authorization codes, access tokens.

Everything lives in one process and disappears on restart, which suits a dev
stand-in. Codes and tokens are kept under their SHA-256 so the raw values
exist only in the responses. Expired entries are purged on every write, which
bounds memory under load tests.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request, remembered until the person decides."""

    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str


@dataclass(frozen=True)
class Transaction:
    """A login page in progress, bound to the browser that opened it."""

    request: AuthorizationRequest
    browser_binding: str
    expires_at: float


@dataclass
class CodeGrant:
    """What an authorization code stands for. Single use."""

    request: AuthorizationRequest
    #: The test person's or staff user's id, depending on the client's ``users``.
    user_id: str
    auth_time: int
    expires_at: float
    used: bool = False
    access_token_hashes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccessGrant:
    """What an access token allows: reading the user's claims at userinfo."""

    client_id: str
    user_id: str
    scope: tuple[str, ...]
    expires_at: float


def digest(value: str) -> str:
    """The key under which a secret value is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    """An unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class GrantStore:
    """Transactions, codes and access tokens with their expiry."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._transactions: dict[str, Transaction] = {}
        self._codes: dict[str, CodeGrant] = {}
        self._tokens: dict[str, AccessGrant] = {}

    def now(self) -> float:
        """The store's clock (tests inject a fake one)."""
        return self._clock()

    def _purge(self) -> None:
        now = self._clock()
        for table in (self._transactions, self._codes, self._tokens):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]

    def start_transaction(self, request: AuthorizationRequest, binding: str, ttl: int) -> str:
        """Remember a validated request; returns the transaction id for the form."""
        self._purge()
        transaction_id = new_secret()
        self._transactions[digest(transaction_id)] = Transaction(
            request, digest(binding), self._clock() + ttl
        )
        return transaction_id

    def get_transaction(self, transaction_id: str, binding: str) -> Transaction | None:
        """The live transaction opened by this browser, or ``None``."""
        transaction = self._transactions.get(digest(transaction_id))
        if transaction is None or transaction.expires_at <= self._clock():
            return None
        if not secrets.compare_digest(transaction.browser_binding, digest(binding)):
            return None
        return transaction

    def end_transaction(self, transaction_id: str) -> None:
        """Forget a transaction: a login page can be answered once."""
        self._transactions.pop(digest(transaction_id), None)

    def issue_code(self, request: AuthorizationRequest, user_id: str, ttl: int) -> str:
        """A new authorization code for the test person or staff user that was picked."""
        self._purge()
        code = new_secret()
        now = self._clock()
        self._codes[digest(code)] = CodeGrant(request, user_id, int(now), now + ttl)
        return code

    def redeem_code(self, code: str) -> tuple[CodeGrant | None, bool]:
        """Look up a code and mark it used. Returns ``(grant, first_use)``.

        A second redemption revokes the access tokens of the first, as RFC 6749
        §4.1.2 recommends: a replayed code suggests it leaked.
        """
        grant = self._codes.get(digest(code))
        if grant is None or grant.expires_at <= self._clock():
            return None, False
        if grant.used:
            for token_hash in grant.access_token_hashes:
                self._tokens.pop(token_hash, None)
            return grant, False
        grant.used = True
        return grant, True

    def issue_access_token(self, grant: CodeGrant, ttl: int) -> str:
        """An opaque access token for userinfo, linked to the code it came from."""
        token = new_secret()
        token_hash = digest(token)
        self._tokens[token_hash] = AccessGrant(
            grant.request.client_id, grant.user_id, grant.request.scope, self._clock() + ttl
        )
        grant.access_token_hashes.append(token_hash)
        return token

    def access_grant(self, token: str) -> AccessGrant | None:
        """The grant of a live access token, or ``None``."""
        grant = self._tokens.get(digest(token))
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant
