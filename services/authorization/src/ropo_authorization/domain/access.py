"""Access rules: which relation to an invoice allows which action.

The rule table is deliberately explicit and small. Today a subject relates to
an invoice as its debtor or through a customer-service role; issue 4 adds
authorized persons, lookup-grant holders, continuous authorizations and
creditor users as new ``Relation`` members, new rows in ``RULES`` and new facts
in ``AccessFacts`` — ``decide`` itself does not change.

A denial for someone else's invoice and for an unknown invoice look the same
(``NO_RELATION``): the answer must not reveal whether an invoice exists.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.domain.subjects import Party, StaffRole, StaffUser, Subject


class Action(StrEnum):
    """What a subject wants to do with an invoice (``ropo.authorization.v1.Action``)."""

    VIEW = "view"
    PAY = "pay"
    MANAGE_PAYMENT_TIME = "manage_payment_time"
    AUTHORIZE = "authorize"
    CHAT = "chat"
    REFUND = "refund"
    DISPUTE = "dispute"
    ADMINISTER = "administer"


class AccessReason(StrEnum):
    """Why access is given (``ropo.authorization.v1.AccessReason``)."""

    OWN = "own"
    AUTHORIZED = "authorized"
    LOOKUP = "lookup"
    CONTINUOUS_AUTHORIZATION = "continuous_authorization"
    STAFF = "staff"
    CREDITOR = "creditor"


class Relation(enum.Enum):
    """How a subject is related to one invoice."""

    DEBTOR = "debtor"
    AGENT = "agent"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True, slots=True)
class Rule:
    """What one relation allows, and how an allowed decision is explained."""

    access_reason: AccessReason
    actions: frozenset[Action]
    explanation: str  # UPPER_SNAKE, goes to CheckAccessResponse.reason and the audit log


# Everything a debtor does with their own invoice; ADMINISTER is for staff only.
DEBTOR_ACTIONS = frozenset(Action) - {Action.ADMINISTER}

# Order matters: the first relation that allows the action explains the decision.
RULES: Mapping[Relation, Rule] = MappingProxyType(
    {
        Relation.DEBTOR: Rule(AccessReason.OWN, DEBTOR_ACTIONS, "OWN_INVOICE"),
        Relation.SUPERVISOR: Rule(AccessReason.STAFF, frozenset({Action.VIEW}), "STAFF_SUPERVISOR"),
        Relation.AGENT: Rule(AccessReason.STAFF, frozenset({Action.VIEW}), "STAFF_AGENT"),
    }
)

NO_RELATION = "NO_RELATION"
ACTION_NOT_ALLOWED = "ACTION_NOT_ALLOWED"
ACTION_NOT_SPECIFIED = "ACTION_NOT_SPECIFIED"


@dataclass(frozen=True, slots=True)
class AccessFacts:
    """What this service knows about one invoice that matters for access.

    ``ownership`` is ``None`` when the invoice is unknown (not registered, or not
    yet: the event may still be on its way).
    """

    invoice: str
    ownership: InvoiceOwnership | None


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """Allow or deny, with a machine-readable explanation."""

    allowed: bool
    reason: str
    access_reason: AccessReason | None = None
    grant: str = ""  # authorization or lookup grant that allowed it (issue 4)

    @classmethod
    def deny(cls, reason: str) -> AccessDecision:
        return cls(False, reason)


def relations(subject: Subject, facts: AccessFacts) -> Iterator[Relation]:
    """Every relation ``subject`` has to the invoice, in rule-table order."""
    ownership = facts.ownership
    if ownership is None:
        return  # nobody relates to an unknown invoice, staff included
    for relation in RULES:
        if _holds(relation, subject, ownership):
            yield relation


def _holds(relation: Relation, subject: Subject, ownership: InvoiceOwnership) -> bool:
    match relation, subject:
        case Relation.DEBTOR, Party(name=name):
            return name == ownership.debtor
        case Relation.SUPERVISOR, StaffUser(roles=roles):
            return StaffRole.SUPERVISOR in roles
        case Relation.AGENT, StaffUser(roles=roles):
            return StaffRole.AGENT in roles
    return False


def decide(subject: Subject, facts: AccessFacts, action: Action | None) -> AccessDecision:
    """May ``subject`` perform ``action`` on the invoice described by ``facts``?"""
    if action is None:
        return AccessDecision.deny(ACTION_NOT_SPECIFIED)
    related = list(relations(subject, facts))
    if not related:
        return AccessDecision.deny(NO_RELATION)
    for relation in related:
        rule = RULES[relation]
        if action in rule.actions:
            return AccessDecision(True, rule.explanation, rule.access_reason)
    # The subject knows the invoice (it relates to it), so saying why is no leak.
    return AccessDecision.deny(ACTION_NOT_ALLOWED)


@dataclass(frozen=True, slots=True)
class AccessibleInvoice:
    """One entry of a person's invoice list: the invoice and why it is visible."""

    invoice: str
    reason: AccessReason
    grant: str = ""
