"""The access rule table and ``decide``: pure domain, no I/O.

Every relation × every action, plus the relations that must not exist (revoked,
expired, ended, someone else's, another creditor's).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from authorization_support import ALICE, BOB, CREDITOR, OTHER_CREDITOR, ownership, person
from ropo_authorization.domain.access import (
    ACTION_NOT_ALLOWED,
    ACTION_NOT_SPECIFIED,
    LOOKUP_GRANT_ACTION_NOT_ALLOWED,
    NO_RELATION,
    RULES,
    AccessDecision,
    AccessFacts,
    AccessReason,
    Action,
    Relation,
    decide,
)
from ropo_authorization.domain.authorizations import (
    Authorization,
    AuthorizationState,
    AuthorizationType,
)
from ropo_authorization.domain.lookup_grants import LookupGrant
from ropo_authorization.domain.subjects import Party, StaffRole, StaffUser

# 2026-09-15 12:00 in Helsinki (UTC+3).
NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
CAROL = person("c")
INVOICE = ownership("inv-1", debtor=ALICE)
KNOWN = AccessFacts(INVOICE.invoice, INVOICE, NOW)
UNKNOWN = AccessFacts("invoices/unknown", None, NOW)
AGENT = StaffUser("staffUsers/agent1", frozenset({StaffRole.AGENT}))
SUPERVISOR = StaffUser("staffUsers/super1", frozenset({StaffRole.SUPERVISOR}))
CREDITOR_USER = StaffUser("staffUsers/c1", frozenset(), frozenset({CREDITOR}))
OTHER_CREDITOR_USER = StaffUser("staffUsers/c2", frozenset(), frozenset({OTHER_CREDITOR}))

PER_INVOICE = Authorization(
    id="a" * 32,
    type=AuthorizationType.INVOICE,
    state=AuthorizationState.ACTIVE,
    grantor=ALICE,
    grantee=BOB,
    grantee_display_name="Bob",
    grantee_masked_identifier="010594-****",
    create_time=NOW - timedelta(days=1),
    creator=ALICE,
    invoice=INVOICE.invoice,
)
CONTINUOUS = replace(
    PER_INVOICE, id="b" * 32, type=AuthorizationType.CONTINUOUS, invoice="", creator=AGENT.name
)
LOOKUP = LookupGrant("c" * 32, BOB, INVOICE.invoice, NOW, NOW + timedelta(minutes=15))

AUTHORIZED_ACTIONS = {Action.VIEW, Action.PAY, Action.MANAGE_PAYMENT_TIME, Action.CHAT}
STAFF_ACTIONS = {Action.VIEW, Action.CHAT, Action.ADMINISTER, Action.AUTHORIZE}


def facts(**kwargs: object) -> AccessFacts:
    return replace(KNOWN, **kwargs)  # type: ignore[arg-type]


def test_rule_table_is_small_and_explicit() -> None:
    assert list(RULES) == [
        Relation.DEBTOR,
        Relation.AUTHORIZED,
        Relation.CONTINUOUS_AUTHORIZATION,
        Relation.LOOKUP,
        Relation.SUPERVISOR,
        Relation.AGENT,
        Relation.CREDITOR_USER,
    ]
    assert RULES[Relation.DEBTOR].actions == frozenset(Action) - {Action.ADMINISTER}
    assert RULES[Relation.AUTHORIZED].actions == AUTHORIZED_ACTIONS
    assert RULES[Relation.CONTINUOUS_AUTHORIZATION].actions == AUTHORIZED_ACTIONS
    assert RULES[Relation.LOOKUP].actions == {Action.VIEW, Action.PAY}
    assert RULES[Relation.AGENT].actions == STAFF_ACTIONS
    assert RULES[Relation.SUPERVISOR].actions == STAFF_ACTIONS
    assert RULES[Relation.CREDITOR_USER].actions == {Action.VIEW}


@pytest.mark.parametrize("action", sorted(Action))
def test_debtor(action: Action) -> None:
    expected = (
        AccessDecision(True, "OWN_INVOICE", AccessReason.OWN)
        if action is not Action.ADMINISTER
        else AccessDecision.deny(ACTION_NOT_ALLOWED)
    )
    assert decide(Party(ALICE), KNOWN, action) == expected


@pytest.mark.parametrize("action", sorted(Action))
def test_per_invoice_authorized_person(action: Action) -> None:
    decision = decide(Party(BOB), facts(authorizations=(PER_INVOICE,)), action)
    if action in AUTHORIZED_ACTIONS:
        assert decision == AccessDecision(
            True, "AUTHORIZED", AccessReason.AUTHORIZED, PER_INVOICE.name
        )
    else:
        assert decision == AccessDecision.deny(ACTION_NOT_ALLOWED)


@pytest.mark.parametrize("action", sorted(Action))
def test_continuous_authorization(action: Action) -> None:
    decision = decide(Party(BOB), facts(authorizations=(CONTINUOUS,)), action)
    if action in AUTHORIZED_ACTIONS:
        assert decision == AccessDecision(
            True,
            "CONTINUOUS_AUTHORIZATION",
            AccessReason.CONTINUOUS_AUTHORIZATION,
            CONTINUOUS.name,
        )
    else:
        assert decision == AccessDecision.deny(ACTION_NOT_ALLOWED)


@pytest.mark.parametrize("action", sorted(Action))
def test_lookup_grant(action: Action) -> None:
    decision = decide(Party(BOB), facts(lookup_grants=(LOOKUP,)), action)
    if action in {Action.VIEW, Action.PAY}:
        assert decision == AccessDecision(True, "LOOKUP_GRANT", AccessReason.LOOKUP, LOOKUP.name)
    else:
        assert decision == AccessDecision.deny(LOOKUP_GRANT_ACTION_NOT_ALLOWED)


@pytest.mark.parametrize(
    ("staff", "explanation"), [(AGENT, "STAFF_AGENT"), (SUPERVISOR, "STAFF_SUPERVISOR")]
)
@pytest.mark.parametrize("action", sorted(Action))
def test_staff(staff: StaffUser, explanation: str, action: Action) -> None:
    decision = decide(staff, KNOWN, action)
    if action in STAFF_ACTIONS:
        assert decision == AccessDecision(True, explanation, AccessReason.STAFF)
    else:
        assert decision == AccessDecision.deny(ACTION_NOT_ALLOWED)
    assert decide(staff, UNKNOWN, action) == AccessDecision.deny(NO_RELATION)


@pytest.mark.parametrize("action", sorted(Action))
def test_creditor_user_views_its_own_creditors_invoices_only(action: Action) -> None:
    decision = decide(CREDITOR_USER, KNOWN, action)
    if action is Action.VIEW:
        assert decision == AccessDecision(True, "CREDITOR_USER", AccessReason.CREDITOR)
    else:
        assert decision == AccessDecision.deny(ACTION_NOT_ALLOWED)
    assert decide(OTHER_CREDITOR_USER, KNOWN, action) == AccessDecision.deny(NO_RELATION)


@pytest.mark.parametrize("action", sorted(Action))
def test_someone_elses_invoice_looks_exactly_like_an_unknown_one(action: Action) -> None:
    others = decide(Party(CAROL), facts(authorizations=(PER_INVOICE,)), action)
    unknown = decide(Party(ALICE), UNKNOWN, action)
    assert others == unknown == AccessDecision.deny(NO_RELATION)


@pytest.mark.parametrize(
    "stopped",
    [
        replace(PER_INVOICE, state=AuthorizationState.REVOKED, revoker=ALICE),
        replace(PER_INVOICE, state=AuthorizationState.EXPIRED),
        replace(PER_INVOICE, state=AuthorizationState.ENDED),
        # Still ACTIVE in storage but its last day (Helsinki) is behind: not in force.
        replace(PER_INVOICE, expire_date=date(2026, 9, 14)),
        replace(CONTINUOUS, state=AuthorizationState.REVOKED),
        replace(CONTINUOUS, expire_date=date(2026, 9, 14)),
    ],
    ids=["revoked", "expired", "ended", "past-date", "continuous-revoked", "continuous-past"],
)
@pytest.mark.parametrize("action", sorted(Action))
def test_stopped_authorizations_give_no_relation(stopped: Authorization, action: Action) -> None:
    assert decide(Party(BOB), facts(authorizations=(stopped,)), action) == AccessDecision.deny(
        NO_RELATION
    )


def test_expire_date_is_the_last_day_in_force_in_helsinki() -> None:
    last_day = replace(PER_INVOICE, expire_date=date(2026, 9, 15))
    late_evening = datetime(2026, 9, 15, 20, 59, tzinfo=UTC)  # 23:59 in Helsinki
    midnight = datetime(2026, 9, 15, 21, 0, tzinfo=UTC)  # 00:00 on the 16th in Helsinki
    assert decide(
        Party(BOB), facts(authorizations=(last_day,), now=late_evening), Action.VIEW
    ).allowed
    assert not decide(
        Party(BOB), facts(authorizations=(last_day,), now=midnight), Action.VIEW
    ).allowed


def test_expired_lookup_grant_gives_no_relation() -> None:
    later = NOW + timedelta(minutes=15)
    assert decide(
        Party(BOB), facts(lookup_grants=(LOOKUP,), now=later), Action.VIEW
    ) == AccessDecision.deny(NO_RELATION)


def test_authorization_of_another_invoice_or_grantee_does_not_count() -> None:
    other_invoice = replace(PER_INVOICE, invoice="invoices/inv-2")
    assert not decide(Party(BOB), facts(authorizations=(other_invoice,)), Action.VIEW).allowed
    assert not decide(Party(CAROL), facts(authorizations=(PER_INVOICE,)), Action.VIEW).allowed
    other_grant = replace(LOOKUP, invoice="invoices/inv-2")
    assert not decide(Party(BOB), facts(lookup_grants=(other_grant,)), Action.VIEW).allowed


def test_continuous_authorization_scope_is_the_grantor_and_creditor() -> None:
    same_creditor = replace(CONTINUOUS, creditor=CREDITOR)
    other_creditor = replace(CONTINUOUS, creditor=OTHER_CREDITOR)
    other_grantor = replace(CONTINUOUS, grantor=CAROL)
    assert decide(Party(BOB), facts(authorizations=(same_creditor,)), Action.PAY).allowed
    assert not decide(Party(BOB), facts(authorizations=(other_creditor,)), Action.PAY).allowed
    assert not decide(Party(BOB), facts(authorizations=(other_grantor,)), Action.PAY).allowed


def test_closed_invoice_keeps_debtor_and_staff_but_not_a_per_invoice_authorization() -> None:
    closed = replace(INVOICE, closed=True, closed_time=NOW)
    closed_facts = facts(ownership=closed, authorizations=(PER_INVOICE,))
    assert decide(Party(ALICE), closed_facts, Action.VIEW).allowed
    assert decide(AGENT, closed_facts, Action.VIEW).allowed
    assert not decide(Party(BOB), closed_facts, Action.VIEW).allowed


def test_strongest_relation_explains_the_decision() -> None:
    both = facts(authorizations=(PER_INVOICE,), lookup_grants=(LOOKUP,))
    assert decide(Party(BOB), both, Action.VIEW).reason == "AUTHORIZED"
    # The lookup grant does not widen what the authorization allows, and vice versa.
    assert decide(Party(BOB), both, Action.MANAGE_PAYMENT_TIME).allowed
    assert decide(Party(BOB), both, Action.AUTHORIZE) == AccessDecision.deny(ACTION_NOT_ALLOWED)


def test_organization_debtor_owns_its_invoice() -> None:
    company = ownership("inv-2", debtor="organizations/1234567-8")
    company_facts = AccessFacts(company.invoice, company, NOW)
    assert decide(Party("organizations/1234567-8"), company_facts, Action.PAY).allowed
    assert not decide(Party(ALICE), company_facts, Action.VIEW).allowed


def test_unspecified_action_is_always_denied() -> None:
    assert decide(Party(ALICE), KNOWN, None) == AccessDecision.deny(ACTION_NOT_SPECIFIED)
