"""The access rule table and ``decide``: pure domain, no I/O."""

from __future__ import annotations

import pytest
from authorization_support import ALICE, BOB, ownership
from ropo_authorization.domain.access import (
    ACTION_NOT_ALLOWED,
    ACTION_NOT_SPECIFIED,
    NO_RELATION,
    RULES,
    AccessDecision,
    AccessFacts,
    AccessReason,
    Action,
    Relation,
    decide,
)
from ropo_authorization.domain.subjects import Party, StaffRole, StaffUser

INVOICE = ownership("inv-1", debtor=ALICE)
KNOWN = AccessFacts(INVOICE.invoice, INVOICE)
UNKNOWN = AccessFacts("invoices/unknown", None)
AGENT = StaffUser("staffUsers/agent1", frozenset({StaffRole.AGENT}))
SUPERVISOR = StaffUser("staffUsers/super1", frozenset({StaffRole.SUPERVISOR}))


def test_rule_table_is_small_and_explicit() -> None:
    assert list(RULES) == [Relation.DEBTOR, Relation.SUPERVISOR, Relation.AGENT]
    assert RULES[Relation.DEBTOR].actions == frozenset(Action) - {Action.ADMINISTER}
    assert RULES[Relation.AGENT].actions == {Action.VIEW}
    assert RULES[Relation.SUPERVISOR].actions == {Action.VIEW}


@pytest.mark.parametrize("action", sorted(frozenset(Action) - {Action.ADMINISTER}))
def test_debtor_may_do_everything_a_customer_does(action: Action) -> None:
    assert decide(Party(ALICE), KNOWN, action) == AccessDecision(
        True, "OWN_INVOICE", AccessReason.OWN
    )


def test_debtor_may_not_administer() -> None:
    assert decide(Party(ALICE), KNOWN, Action.ADMINISTER) == AccessDecision.deny(ACTION_NOT_ALLOWED)


def test_someone_elses_invoice_looks_exactly_like_an_unknown_one() -> None:
    others = decide(Party(BOB), KNOWN, Action.VIEW)
    unknown = decide(Party(ALICE), UNKNOWN, Action.VIEW)
    assert others == unknown == AccessDecision.deny(NO_RELATION)


def test_organization_debtor_owns_its_invoice() -> None:
    company = ownership("inv-2", debtor="organizations/1234567-8")
    facts = AccessFacts(company.invoice, company)
    assert decide(Party("organizations/1234567-8"), facts, Action.PAY).allowed
    assert not decide(Party(ALICE), facts, Action.VIEW).allowed


@pytest.mark.parametrize(
    ("staff", "explanation"), [(AGENT, "STAFF_AGENT"), (SUPERVISOR, "STAFF_SUPERVISOR")]
)
def test_staff_may_view_known_invoices_only(staff: StaffUser, explanation: str) -> None:
    assert decide(staff, KNOWN, Action.VIEW) == AccessDecision(
        True, explanation, AccessReason.STAFF
    )
    assert decide(staff, KNOWN, Action.PAY) == AccessDecision.deny(ACTION_NOT_ALLOWED)
    assert decide(staff, UNKNOWN, Action.VIEW) == AccessDecision.deny(NO_RELATION)


def test_creditor_users_get_nothing_yet() -> None:
    # Creditor access comes with issue 4; until then such a user relates to nothing.
    creditor_user = StaffUser("staffUsers/c1", frozenset(), frozenset({INVOICE.creditor}))
    assert decide(creditor_user, KNOWN, Action.VIEW) == AccessDecision.deny(NO_RELATION)


def test_unspecified_action_is_always_denied() -> None:
    assert decide(Party(ALICE), KNOWN, None) == AccessDecision.deny(ACTION_NOT_SPECIFIED)
