"""Access rules: which relation to an invoice allows which action.

The rule table is deliberately explicit and small. A subject relates to an
invoice as its debtor, as a person authorized for it (per invoice or
continuously), as the holder of a lookup grant, through a customer-service role,
or as a user of the invoice's creditor. ``decide`` takes the first relation in
table order that allows the action.

A denial for someone else's invoice and for an unknown invoice look the same
(``NO_RELATION``): the answer must not reveal whether an invoice exists.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from ropo_authorization.domain.authorizations import (
    Authorization,
    AuthorizationType,
    helsinki_date,
)
from ropo_authorization.domain.lookup_grants import LookupGrant
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
    AUTHORIZED = "authorized"
    CONTINUOUS_AUTHORIZATION = "continuous_authorization"
    LOOKUP = "lookup"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    CREDITOR_USER = "creditor_user"


NO_RELATION = "NO_RELATION"
ACTION_NOT_ALLOWED = "ACTION_NOT_ALLOWED"
ACTION_NOT_SPECIFIED = "ACTION_NOT_SPECIFIED"
LOOKUP_GRANT_ACTION_NOT_ALLOWED = "LOOKUP_GRANT_ACTION_NOT_ALLOWED"


@dataclass(frozen=True, slots=True)
class Rule:
    """What one relation allows, and how a decision is explained."""

    access_reason: AccessReason
    actions: frozenset[Action]
    explanation: str  # UPPER_SNAKE, goes to CheckAccessResponse.reason and the audit log
    # Why an action outside ``actions`` is denied (the subject knows the invoice already).
    denial: str = ACTION_NOT_ALLOWED


# Everything a debtor does with their own invoice; ADMINISTER is for staff only.
DEBTOR_ACTIONS = frozenset(Action) - {Action.ADMINISTER}
# An authorized person handles the invoice but cannot pass the authorization on, and
# money back or a dispute stay with the debtor.
AUTHORIZED_ACTIONS = frozenset({Action.VIEW, Action.PAY, Action.MANAGE_PAYMENT_TIME, Action.CHAT})
# A lookup (Hae lasku) proves knowledge of the invoice, not identity: view and pay only.
LOOKUP_ACTIONS = frozenset({Action.VIEW, Action.PAY})
STAFF_ACTIONS = frozenset({Action.VIEW, Action.CHAT, Action.ADMINISTER, Action.AUTHORIZE})

# Order matters: the first relation that allows the action explains the decision, and
# the first relation found explains a denial.
RULES: Mapping[Relation, Rule] = MappingProxyType(
    {
        Relation.DEBTOR: Rule(AccessReason.OWN, DEBTOR_ACTIONS, "OWN_INVOICE"),
        Relation.AUTHORIZED: Rule(AccessReason.AUTHORIZED, AUTHORIZED_ACTIONS, "AUTHORIZED"),
        Relation.CONTINUOUS_AUTHORIZATION: Rule(
            AccessReason.CONTINUOUS_AUTHORIZATION, AUTHORIZED_ACTIONS, "CONTINUOUS_AUTHORIZATION"
        ),
        Relation.LOOKUP: Rule(
            AccessReason.LOOKUP,
            LOOKUP_ACTIONS,
            "LOOKUP_GRANT",
            denial=LOOKUP_GRANT_ACTION_NOT_ALLOWED,
        ),
        Relation.SUPERVISOR: Rule(AccessReason.STAFF, STAFF_ACTIONS, "STAFF_SUPERVISOR"),
        Relation.AGENT: Rule(AccessReason.STAFF, STAFF_ACTIONS, "STAFF_AGENT"),
        Relation.CREDITOR_USER: Rule(
            AccessReason.CREDITOR, frozenset({Action.VIEW}), "CREDITOR_USER"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class AccessFacts:
    """What this service knows about one invoice that matters for access.

    ``ownership`` is ``None`` when the invoice is unknown (not registered, or not
    yet: the event may still be on its way). ``authorizations`` and ``lookup_grants``
    are the candidates the subject may hold (state and dates are checked here, at
    ``now``): a revoked, expired or ended one gives no relation at all.
    """

    invoice: str
    ownership: InvoiceOwnership | None
    now: datetime
    authorizations: tuple[Authorization, ...] = ()
    lookup_grants: tuple[LookupGrant, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """Allow or deny, with a machine-readable explanation."""

    allowed: bool
    reason: str
    access_reason: AccessReason | None = None
    grant: str = ""  # authorization or lookup grant that allowed it

    @classmethod
    def deny(cls, reason: str) -> AccessDecision:
        return cls(False, reason)


@dataclass(frozen=True, slots=True)
class Match:
    """One relation that holds, with the grant that makes it hold (if any)."""

    relation: Relation
    grant: str = ""


def relations(subject: Subject, facts: AccessFacts) -> Iterator[Match]:
    """Every relation ``subject`` has to the invoice, in rule-table order."""
    ownership = facts.ownership
    if ownership is None:
        return  # nobody relates to an unknown invoice, staff included
    for relation in RULES:
        yield from _matches(relation, subject, ownership, facts)


def _matches(
    relation: Relation, subject: Subject, ownership: InvoiceOwnership, facts: AccessFacts
) -> Iterator[Match]:
    today = helsinki_date(facts.now)
    match relation, subject:
        case Relation.DEBTOR, Party(name=name) if name == ownership.debtor:
            yield Match(relation)
        case Relation.AUTHORIZED, Party(name=name) if not ownership.closed:
            for authorization in facts.authorizations:
                if (
                    authorization.type is AuthorizationType.INVOICE
                    and authorization.grantee == name
                    and authorization.covers(ownership)
                    and authorization.in_force(today)
                ):
                    yield Match(relation, authorization.name)
                    return
        case Relation.CONTINUOUS_AUTHORIZATION, Party(name=name):
            for authorization in facts.authorizations:
                if (
                    authorization.type is AuthorizationType.CONTINUOUS
                    and authorization.grantee == name
                    and authorization.covers(ownership)
                    and authorization.in_force(today)
                ):
                    yield Match(relation, authorization.name)
                    return
        case Relation.LOOKUP, Party(name=name):
            for grant in facts.lookup_grants:
                if (
                    grant.subject == name
                    and grant.invoice == ownership.invoice
                    and grant.in_force(facts.now)
                ):
                    yield Match(relation, grant.name)
                    return
        case Relation.SUPERVISOR, StaffUser(roles=roles) if StaffRole.SUPERVISOR in roles:
            yield Match(relation)
        case Relation.AGENT, StaffUser(roles=roles) if StaffRole.AGENT in roles:
            yield Match(relation)
        case Relation.CREDITOR_USER, StaffUser(creditors=creditors) if (
            ownership.creditor in creditors
        ):
            yield Match(relation)


def decide(subject: Subject, facts: AccessFacts, action: Action | None) -> AccessDecision:
    """May ``subject`` perform ``action`` on the invoice described by ``facts``?"""
    if action is None:
        return AccessDecision.deny(ACTION_NOT_SPECIFIED)
    related = list(relations(subject, facts))
    if not related:
        return AccessDecision.deny(NO_RELATION)
    for found in related:
        rule = RULES[found.relation]
        if action in rule.actions:
            return AccessDecision(True, rule.explanation, rule.access_reason, found.grant)
    # The subject knows the invoice (it relates to it), so saying why is no leak.
    return AccessDecision.deny(RULES[related[0].relation].denial)


@dataclass(frozen=True, slots=True)
class AccessibleInvoice:
    """One entry of a person's invoice list: the invoice and why it is visible."""

    invoice: str
    reason: AccessReason
    grant: str = ""  # authorization or lookup grant name (AUTHORIZED, CONTINUOUS, LOOKUP)
    expire_time: datetime | None = None  # when the access ends by time, if it does


# Strongest first: one entry per invoice carries the first of these that applies.
LIST_REASON_ORDER: tuple[AccessReason, ...] = (
    AccessReason.OWN,
    AccessReason.AUTHORIZED,
    AccessReason.CONTINUOUS_AUTHORIZATION,
    AccessReason.LOOKUP,
)
