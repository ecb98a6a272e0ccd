"""Authorizations (*valtuutus*): a person (the grantee) may see and handle invoices of
another (the grantor) — one invoice, or, made by customer-service staff, all of them
(optionally of one creditor only).

The aggregate is a frozen value; every transition returns a new one and the service
layer stores it with its event in one transaction. Rules that need storage (is the
invoice known, is there an active one already) arrive as facts.

Existence never leaks: whoever may not see an invoice or an authorization gets the
same ``NOT_FOUND`` as for a missing one (``INVOICE_NOT_FOUND`` /
``AUTHORIZATION_NOT_FOUND``). The proto allows ``PERMISSION_DENIED`` for a grantor who
is not the debtor; we deliberately answer ``NOT_FOUND`` instead, because a
``PERMISSION_DENIED`` would confirm that the invoice exists.

Dates: ``expire_date`` is the last day in force in Europe/Helsinki; the authorization
stops at the following Helsinki midnight.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ropo_platform.errors import (
    FailedPrecondition,
    FieldViolation,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.domain.subjects import Party, StaffRole, StaffUser, Subject

HELSINKI = ZoneInfo("Europe/Helsinki")
AUTHORIZATIONS = "authorizations/"
MAX_DISPLAY_NAME = 200

INVOICE_NOT_FOUND = "INVOICE_NOT_FOUND"
AUTHORIZATION_NOT_FOUND = "AUTHORIZATION_NOT_FOUND"
SELF_AUTHORIZATION = "SELF_AUTHORIZATION"
EXPIRE_DATE_IN_PAST = "EXPIRE_DATE_IN_PAST"
INVOICE_CLOSED = "INVOICE_CLOSED"
AUTHORIZATION_ALREADY_ACTIVE = "AUTHORIZATION_ALREADY_ACTIVE"
AUTHORIZATION_NOT_ACTIVE = "AUTHORIZATION_NOT_ACTIVE"
STAFF_ROLE_REQUIRED = "STAFF_ROLE_REQUIRED"


def helsinki_date(now: datetime) -> date:
    """The calendar day in Finland at the instant ``now`` (timezone-aware)."""
    return now.astimezone(HELSINKI).date()


def end_of_day(day: date) -> datetime:
    """The instant ``day`` ends in Finland (the next Helsinki midnight, aware)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=HELSINKI)


class InvalidDisplayName(ValueError):
    """A grantee name is empty, too long or has control characters (message names no value)."""


def display_name(raw: str) -> str:
    """The name as stored: trimmed, 1..200 characters, no control or format characters."""
    name = raw.strip()
    if not name:
        raise InvalidDisplayName("is required")
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidDisplayName(f"must be at most {MAX_DISPLAY_NAME} characters")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InvalidDisplayName("must not contain control characters")
    return name


class AuthorizationType(StrEnum):
    INVOICE = "invoice"
    CONTINUOUS = "continuous"


class AuthorizationState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Grantee:
    """Who is authorized, in the forms the service keeps: the pseudonymous party, the
    name as typed, the masked code, and the code sealed (never in clear)."""

    party: str  # persons/{key}
    display_name: str
    masked_identifier: str  # DDMMYY-****
    sealed_national_id: bytes


@dataclass(frozen=True, slots=True)
class Authorization:
    """One authorization. Empty strings mean "not set" (as on the wire)."""

    id: str
    type: AuthorizationType
    state: AuthorizationState
    grantor: str
    grantee: str
    grantee_display_name: str
    grantee_masked_identifier: str
    create_time: datetime
    creator: str
    invoice: str = ""
    creditor: str = ""
    expire_date: date | None = None
    conversation: str = ""
    end_time: datetime | None = None
    revoker: str = ""
    # AES-GCM blob of the grantee's code; empty in replayed responses (never returned).
    grantee_national_id_sealed: bytes = b""

    @property
    def name(self) -> str:
        return f"{AUTHORIZATIONS}{self.id}"

    @property
    def is_active(self) -> bool:
        return self.state is AuthorizationState.ACTIVE

    def is_past(self, today: date) -> bool:
        """Its last day is behind ``today`` (Helsinki)."""
        return self.expire_date is not None and today > self.expire_date

    def in_force(self, today: date) -> bool:
        """Active and not past its last day: what access decisions look at."""
        return self.is_active and not self.is_past(today)

    @property
    def expire_time(self) -> datetime | None:
        """When it stops by time (end of ``expire_date`` in Helsinki); ``None`` if never."""
        return end_of_day(self.expire_date) if self.expire_date is not None else None

    def covers(self, ownership: InvoiceOwnership) -> bool:
        """Is ``ownership``'s invoice within this authorization's scope (state aside)?"""
        if self.type is AuthorizationType.INVOICE:
            return self.invoice == ownership.invoice
        return self.grantor == ownership.debtor and self.creditor in ("", ownership.creditor)

    def revoke(self, actor: Subject, now: datetime) -> Authorization:
        """The grantor or customer-service staff stop it; anyone else gets ``NOT_FOUND``."""
        if not may_revoke(self, actor):
            raise NotFound(AUTHORIZATION_NOT_FOUND, "authorization not found")
        if not self.in_force(helsinki_date(now)):
            raise FailedPrecondition(AUTHORIZATION_NOT_ACTIVE, "the authorization is not in force")
        return replace(self, state=AuthorizationState.REVOKED, end_time=now, revoker=actor.name)

    def end(self, at: datetime) -> Authorization:
        """The invoice was paid or closed."""
        return self._stop(AuthorizationState.ENDED, at)

    def expire(self, at: datetime) -> Authorization:
        """Its last day passed."""
        return self._stop(AuthorizationState.EXPIRED, at)

    def _stop(self, state: AuthorizationState, at: datetime) -> Authorization:
        if not self.is_active:
            raise FailedPrecondition(AUTHORIZATION_NOT_ACTIVE, "the authorization is not active")
        return replace(self, state=state, end_time=at)


def is_staff(subject: Subject) -> bool:
    """Customer-service staff (``agent`` or ``supervisor``); creditor users are not."""
    return isinstance(subject, StaffUser) and bool(
        subject.roles & {StaffRole.AGENT, StaffRole.SUPERVISOR}
    )


def may_revoke(authorization: Authorization, actor: Subject) -> bool:
    if isinstance(actor, Party):
        return actor.name == authorization.grantor
    return is_staff(actor)


def _check_grantee(grantor: str, grantee: Grantee, expire_date: date | None, today: date) -> None:
    violations: list[FieldViolation] = []
    reason: str | None = None
    if grantee.party == grantor:
        violations.append(
            FieldViolation(
                "grantee_national_id", "must not be the grantor's own", SELF_AUTHORIZATION
            )
        )
        reason = SELF_AUTHORIZATION
    if expire_date is not None and expire_date < today:
        violations.append(
            FieldViolation("expire_date", "must not be before today", EXPIRE_DATE_IN_PAST)
        )
        reason = reason or EXPIRE_DATE_IN_PAST
    if violations:
        raise ValidationFailed(violations, reason=reason)


def grant_invoice_authorization(
    *,
    authorization_id: str,
    ownership: InvoiceOwnership | None,
    grantor: Party,
    grantee: Grantee,
    expire_date: date | None,
    now: datetime,
    already_active: bool,
) -> Authorization:
    """The debtor authorizes ``grantee`` for one invoice.

    Order of the checks: an invoice the grantor does not owe is ``NOT_FOUND`` (known or
    not, it must look the same); then the request itself (not to oneself, last day not
    before today); then the state (closed invoice, an active one already).
    """
    if ownership is None or ownership.debtor != grantor.name or not grantor.is_person:
        raise NotFound(INVOICE_NOT_FOUND, "invoice not found")
    _check_grantee(grantor.name, grantee, expire_date, helsinki_date(now))
    if ownership.closed:
        raise FailedPrecondition(INVOICE_CLOSED, "the invoice is paid or closed")
    if already_active:
        raise FailedPrecondition(
            AUTHORIZATION_ALREADY_ACTIVE, "the person is already authorized for this invoice"
        )
    return Authorization(
        id=authorization_id,
        type=AuthorizationType.INVOICE,
        state=AuthorizationState.ACTIVE,
        grantor=grantor.name,
        grantee=grantee.party,
        grantee_display_name=grantee.display_name,
        grantee_masked_identifier=grantee.masked_identifier,
        grantee_national_id_sealed=grantee.sealed_national_id,
        invoice=ownership.invoice,
        expire_date=expire_date,
        creator=grantor.name,
        create_time=now,
    )


def create_continuous_authorization(
    *,
    authorization_id: str,
    actor: Subject,
    grantor: Party,
    grantee: Grantee,
    creditor: str,
    expire_date: date | None,
    conversation: str,
    now: datetime,
    already_active: bool,
) -> Authorization:
    """Staff (agent or supervisor) authorize ``grantee`` for all of ``grantor``'s invoices
    (of ``creditor`` only, when given), typically after a chat."""
    if not is_staff(actor):
        raise PermissionDenied(
            STAFF_ROLE_REQUIRED, "only customer-service staff make continuous authorizations"
        )
    _check_grantee(grantor.name, grantee, expire_date, helsinki_date(now))
    if already_active:
        raise FailedPrecondition(
            AUTHORIZATION_ALREADY_ACTIVE,
            "the person already holds an active continuous authorization of this scope",
        )
    return Authorization(
        id=authorization_id,
        type=AuthorizationType.CONTINUOUS,
        state=AuthorizationState.ACTIVE,
        grantor=grantor.name,
        grantee=grantee.party,
        grantee_display_name=grantee.display_name,
        grantee_masked_identifier=grantee.masked_identifier,
        grantee_national_id_sealed=grantee.sealed_national_id,
        creditor=creditor,
        expire_date=expire_date,
        creator=actor.name,
        conversation=conversation,
        create_time=now,
    )


@dataclass(frozen=True, slots=True)
class AuthorizationGranted:
    """Event: an authorization came into force."""

    authorization: Authorization


@dataclass(frozen=True, slots=True)
class AuthorizationRevoked:
    """Event: an authorization stopped (revoked, expired or ended; see its state)."""

    authorization: Authorization


AuthorizationEvent = AuthorizationGranted | AuthorizationRevoked
