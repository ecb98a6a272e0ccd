"""Authorizations on a case (*Valtuutukset*): how they are shown, and the staff form that
makes a continuous one (DESIGN §4.6, §8).

- ``AuthorizationRow`` is what the case page and the API show of an authorization:
  the grantee's name and masked identifier (``DDMMYY-****``), never a full code.
- ``parse_continuous`` checks the form (name, henkilötunnus, "only this creditor's
  invoices", last day, conversation) before the service is asked. The typed
  henkilötunnus is validated here and travels on to the service only: a problem with
  it is reported by field and code, never by value, and the re-rendered form is
  never given it back.
- ``service_problems`` turns the service's refusals (field violations, failed
  preconditions) into the same problem codes, so the page can say in words what to
  fix, next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import grpc
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.national_id import InvalidNationalId, NationalId
from ropo_platform.redaction import contains_hetu

from ropo_gateway.auth.identity import MAX_NAME_LENGTH
from ropo_gateway.auth.staff_identity import STAFF_USERS_PREFIX
from ropo_gateway.clients.authorization import AuthorizationView, GranteeDetails
from ropo_gateway.errors import UpstreamError

CONVERSATIONS_PREFIX: Final = "conversations/"
#: Longest henkilötunnus input taken (a code is 11 characters; spaces around are forgiven).
MAX_NATIONAL_ID_LENGTH: Final = 20
_CONVERSATION_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
_BIRTH_DATE: Final = re.compile(r"^([0-9]{6})")
_FINNISH_DATE: Final = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")
_TRUE: Final = frozenset({"true", "on", "1", "yes"})

#: Form fields in the order the form shows them (and the error summary lists them).
FIELDS: Final = (
    "grantee_name",
    "grantee_national_id",
    "creditor_only",
    "expire_date",
    "conversation",
)
#: Problems that concern the whole form rather than one field.
FORM: Final = "form"

# The service's ErrorInfo reasons (FAILED_PRECONDITION) and field violation reasons.
_PRECONDITIONS: Final = {
    "AUTHORIZATION_ALREADY_ACTIVE": "already_active",
    "INVOICE_CLOSED": "invoice_closed",
    "DEBTOR_NOT_A_PERSON": "not_person",
}
_VIOLATION_REASONS: Final = {"SELF_AUTHORIZATION": "self"}
# Service field → form field (the rest of the request is the gateway's own doing).
_SERVICE_FIELDS: Final = {
    "grantee_name": "grantee_name",
    "grantee_national_id": "grantee_national_id",
    "expire_date": "expire_date",
    "conversation": "conversation",
    "creditor": "creditor_only",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one field (or, with ``field == FORM``, the whole form)."""

    field: str
    code: str


@dataclass(frozen=True, slots=True)
class AuthorizationRow:
    """One authorization as shown to staff."""

    id: str
    name: str
    type: str  # INVOICE or CONTINUOUS
    state: str  # ACTIVE, REVOKED, EXPIRED, ENDED
    grantee_name: str
    grantee_masked_identifier: str
    invoice: str
    creditor: str
    expire_date: date | None
    created_by_debtor: bool
    #: ``staffUsers/{id}`` of the staff user who made it; empty when the debtor did.
    creator: str
    create_time: datetime | None
    end_time: datetime | None
    #: ``staffUsers/{id}`` of a staff user who revoked it; empty otherwise.
    revoker: str

    @property
    def active(self) -> bool:
        return self.state == "ACTIVE"

    @property
    def creator_id(self) -> str:
        """The staff user's id without ``staffUsers/``."""
        return self.creator.removeprefix(STAFF_USERS_PREFIX)


def masked(identifier: str) -> str:
    """``DDMMYY-****`` whatever form the service sent: nothing beyond the birth date."""
    match = _BIRTH_DATE.match(identifier)
    return f"{match.group(1)}-****" if match else ""


def _staff(name: str) -> str:
    return name if name.startswith(STAFF_USERS_PREFIX) else ""


def authorization_row(view: AuthorizationView) -> AuthorizationRow:
    return AuthorizationRow(
        id=view.id,
        name=view.name,
        type=view.type,
        state=view.state,
        grantee_name=view.grantee_display_name,
        grantee_masked_identifier=masked(view.grantee_masked_identifier),
        invoice=view.invoice,
        creditor=view.creditor,
        expire_date=view.expire_date,
        created_by_debtor=bool(view.creator) and view.creator == view.grantor,
        creator=_staff(view.creator),
        create_time=view.create_time,
        end_time=view.end_time,
        revoker=_staff(view.revoker),
    )


def covers(view: AuthorizationView, invoice: invoice_pb2.Invoice) -> bool:
    """True when ``view`` is an authorization of ``invoice``: made for it, or continuous for
    its debtor (of all creditors or of the invoice's)."""
    if view.type == "INVOICE":
        return view.invoice == invoice.name
    return (
        view.type == "CONTINUOUS"
        and bool(invoice.debtor.party)
        and view.grantor == invoice.debtor.party
        and (not view.creditor or view.creditor == invoice.creditor)
    )


def may_get_continuous(invoice: invoice_pb2.Invoice) -> bool:
    """A continuous authorization is for a person's invoices (a company has no henkilötunnus
    to authorize with, and no pseudonym to authorize for)."""
    return invoice.debtor.kind == invoice_pb2.DEBTOR_KIND_PERSON and bool(invoice.debtor.party)


@dataclass(frozen=True, slots=True)
class ContinuousInput:
    """The form (or JSON body) as typed. ``national_id`` is never shown back."""

    grantee_name: str = ""
    national_id: str = ""
    creditor_only: bool = False
    expire_date: str = ""
    conversation: str = ""

    @property
    def safe_name(self) -> str:
        """The name to show back in the form: empty if it holds a henkilötunnus."""
        return "" if contains_hetu(self.grantee_name) else self.grantee_name

    @property
    def safe_conversation(self) -> str:
        return "" if contains_hetu(self.conversation) else self.conversation

    @property
    def safe_expire_date(self) -> str:
        return "" if contains_hetu(self.expire_date) else self.expire_date


def truthy(value: str | None) -> bool:
    """A checkbox's value: ticked or not."""
    return (value or "").strip().lower() in _TRUE


@dataclass(frozen=True, slots=True)
class ContinuousRequest:
    """A checked form: what ``CreateContinuousAuthorization`` gets (besides actor and
    grantor)."""

    grantee: GranteeDetails
    creditor_only: bool
    conversation: str


def _name(raw: str, problems: list[Problem]) -> str:
    name = " ".join(raw.split())
    if not name:
        problems.append(Problem("grantee_name", "required"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Problem("grantee_name", "too_long"))
    elif contains_hetu(name):
        problems.append(Problem("grantee_name", "identity_code"))
    return name


def _national_id(raw: str, problems: list[Problem]) -> str:
    if not raw.strip():
        problems.append(Problem("grantee_national_id", "required"))
        return ""
    if len(raw) > MAX_NATIONAL_ID_LENGTH:
        problems.append(Problem("grantee_national_id", "invalid"))
        return ""
    try:
        return NationalId.parse(raw).reveal()
    except InvalidNationalId:
        problems.append(Problem("grantee_national_id", "invalid"))
        return ""


def parse_date(raw: str) -> date | None:
    """``2025-12-31`` (a date input) or ``31.12.2025``; ``ValueError`` otherwise."""
    text = raw.strip()
    finnish = _FINNISH_DATE.match(text)
    if finnish:
        day, month, year = (int(part) for part in finnish.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


def _expire_date(raw: str, today: date, problems: list[Problem]) -> date | None:
    if not raw.strip():
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        problems.append(Problem("expire_date", "invalid"))
        return None
    if value is not None and value < today:
        problems.append(Problem("expire_date", "past"))
    return value


def _conversation(raw: str, problems: list[Problem]) -> str:
    text = raw.strip()
    if not text:
        return ""
    conversation_id = text.removeprefix(CONVERSATIONS_PREFIX)
    if not _CONVERSATION_ID.match(conversation_id) or contains_hetu(conversation_id):
        problems.append(Problem("conversation", "invalid"))
        return ""
    return CONVERSATIONS_PREFIX + conversation_id


def parse_continuous(
    typed: ContinuousInput, today: date
) -> tuple[ContinuousRequest | None, list[Problem]]:
    """The request to send, or the problems to show (every one at once)."""
    problems: list[Problem] = []
    name = _name(typed.grantee_name, problems)
    national_id = _national_id(typed.national_id, problems)
    expire_date = _expire_date(typed.expire_date, today, problems)
    conversation = _conversation(typed.conversation, problems)
    if problems:
        return None, problems
    grantee = GranteeDetails(name=name, national_id=national_id, expire_date=expire_date)
    return ContinuousRequest(grantee, typed.creditor_only, conversation), []


def service_problems(error: UpstreamError) -> list[Problem] | None:
    """The problems a refusal of the service means for the form; ``None`` when the error is
    not about the input (the service is down, or something unexpected)."""
    rpc = error.rpc_error
    if rpc.code == grpc.StatusCode.INVALID_ARGUMENT:
        problems = [
            Problem(
                _SERVICE_FIELDS.get(violation.field, FORM),
                _VIOLATION_REASONS.get(violation.reason, "invalid")
                if violation.field in _SERVICE_FIELDS
                else "rejected",
            )
            for violation in rpc.field_violations
        ]
        return _unique(problems) or [Problem(FORM, "rejected")]
    if rpc.code == grpc.StatusCode.FAILED_PRECONDITION:
        return [Problem(FORM, _PRECONDITIONS.get(rpc.reason or "", "rejected"))]
    return None


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
