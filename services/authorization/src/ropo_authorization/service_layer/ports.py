"""Ports: what the use cases need from storage and crypto, as abstract interfaces.

``adapters`` implement them with SQLAlchemy and AES-GCM; unit tests with in-memory
fakes. Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ropo_platform.errors import FieldViolation, ValidationFailed
from ropo_platform.national_id import NationalId

from ropo_authorization.domain.access import AccessFacts, AccessibleInvoice, AccessReason
from ropo_authorization.domain.authorizations import Authorization, AuthorizationEvent
from ropo_authorization.domain.lookup_grants import LookupGrant
from ropo_authorization.domain.ownership import InvoiceOwnership


class Conflict(Exception):
    """A concurrent writer won (a unique key, or a row changed under us). The use case
    retries with a fresh unit of work, which sees the winner's rows."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    default_reason = "REQUEST_ID_REUSED"

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            reason="REQUEST_ID_REUSED",
            metadata={"method": method},
        )


class OwnershipRepository(abc.ABC):
    """The debtor ownership read model (write side and point reads)."""

    @abc.abstractmethod
    async def get(self, invoice: str) -> InvoiceOwnership | None:
        """The ownership entry of ``invoice`` (``invoices/{id}``), if registered."""

    @abc.abstractmethod
    async def add(self, ownership: InvoiceOwnership) -> bool:
        """Insert unless the invoice is already there; False when it was (a concurrent
        writer won — the caller re-reads and compares)."""

    @abc.abstractmethod
    async def mark_closed(self, invoice: str, at: datetime) -> bool:
        """Remember the invoice is closed; False when it was already (or is unknown)."""


@dataclass(frozen=True, slots=True)
class AuthorizationFilter:
    """ListAuthorizations: all given conditions hold (empty = not filtered).

    ``invoice_scope`` is the invoice's ownership when filtering by an invoice: the
    continuous authorizations of its debtor (and creditor) cover it too.
    """

    invoice: str = ""
    invoice_scope: InvoiceOwnership | None = None
    grantor: str = ""
    grantee: str = ""
    active_on: date | None = None  # only in force on this Helsinki day


@dataclass(frozen=True, slots=True)
class AuthorizationCursor:
    """Keyset position in the list order (create time descending, then id descending)."""

    create_time: datetime
    id: str


class AuthorizationRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, authorization: Authorization) -> None:
        """Insert; ``Conflict`` when a concurrent grant of the same scope won."""

    @abc.abstractmethod
    async def get(self, authorization_id: str) -> Authorization | None: ...

    @abc.abstractmethod
    async def save(self, authorization: Authorization, *, expected_state: str) -> None:
        """Store a transition; ``Conflict`` when the stored state is no longer
        ``expected_state`` (someone else changed it first)."""

    @abc.abstractmethod
    async def active_invoice_authorizations(
        self, invoice: str, grantee: str | None = None
    ) -> Sequence[Authorization]:
        """ACTIVE per-invoice authorizations of ``invoice`` (of ``grantee`` only, if given),
        whatever their dates."""

    @abc.abstractmethod
    async def active_continuous(
        self, grantor: str, grantee: str, creditor: str | None = None
    ) -> Sequence[Authorization]:
        """ACTIVE continuous authorizations from ``grantor`` to ``grantee`` (of exactly
        ``creditor`` when given; ``""`` is "all creditors")."""

    @abc.abstractmethod
    async def past_expiry(self, today: date, limit: int) -> Sequence[Authorization]:
        """ACTIVE authorizations whose last day is before ``today``."""

    @abc.abstractmethod
    async def list(
        self, query: AuthorizationFilter, *, after: AuthorizationCursor | None, limit: int
    ) -> Sequence[Authorization]:
        """Newest first (create time, then id, descending), after ``after``."""


class LookupGrantRepository(abc.ABC):
    @abc.abstractmethod
    async def in_force(self, subject: str, invoice: str, now: datetime) -> LookupGrant | None:
        """The latest-ending grant of ``subject`` for ``invoice`` still in force at ``now``."""

    @abc.abstractmethod
    async def save(self, grant: LookupGrant) -> None:
        """Insert a new grant or store a changed ``expire_time``."""


class AccessFactsReader(abc.ABC):
    """Everything ``decide`` needs about one invoice and one subject, read at once."""

    @abc.abstractmethod
    async def read(self, invoice: str, person: str | None, now: datetime) -> AccessFacts:
        """The invoice's ownership and, for a ``person`` other than its debtor, the
        authorizations and lookup grants that person holds for it (candidates: state and
        dates are judged by ``decide``). ``person`` is ``None`` for staff subjects."""


class AccessibleInvoiceView(abc.ABC):
    """Read side of "which invoices may this person see, and why".

    One entry per invoice, ordered by invoice name (the keyset order), with the
    strongest of the requested reasons (own > authorized > continuous > lookup).
    """

    @abc.abstractmethod
    async def list_for_person(
        self,
        person: str,
        reasons: frozenset[AccessReason],
        *,
        after: str | None,
        limit: int,
        now: datetime,
    ) -> Sequence[AccessibleInvoice]:
        """Up to ``limit`` entries of ``person`` with invoice name > ``after``, whose reason
        is in ``reasons``, ordered by invoice name; grants in force at ``now``."""


class RequestLog(abc.ABC):
    """Stored results of mutating requests by ``(method, request_id)`` for replay."""

    @abc.abstractmethod
    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored result, ``None`` on first use; ``RequestIdReused`` when the id was
        used with a different request."""

    @abc.abstractmethod
    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        """Store the result of a first call, in the current transaction (``Conflict`` when a
        concurrent first call stored one)."""


class EventOutbox(abc.ABC):
    """Integration events, written in the same transaction as the state they describe."""

    @abc.abstractmethod
    async def add(self, event: AuthorizationEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class ProtectedIdentity:
    """A grantee's code in the forms the service keeps (never the clear code)."""

    party: str  # persons/{key}
    masked: str  # DDMMYY-****
    sealed: bytes


class IdentityProtector(abc.ABC):
    """Pseudonym and encryption of a henkilötunnus (the shared person key secret and the
    service's AES-GCM key)."""

    @abc.abstractmethod
    def party(self, national_id: NationalId) -> str:
        """``persons/{key}``: how every service knows the person."""

    @abc.abstractmethod
    def protect(self, national_id: NationalId) -> ProtectedIdentity:
        """The party, masked form and a freshly sealed blob."""
