"""The refund case state machine: every transition from every state, allowed or
refused, and the rules around approval (bound to an account, four eyes, etag)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta

import pytest
from refund_support import AGENT, AGENT_2, ALICE, OPENED, SUPERVISOR, account, eur, new_case
from ropo_platform.errors import Aborted, DomainError, FailedPrecondition, PermissionDenied
from ropo_refund.domain.events import RefundAccountReported, RefundCaseOpened, RefundPaid
from ropo_refund.domain.refund_case import NewCase, RefundCase, RefundOrigin, RefundState

S = RefundState
AT = OPENED + timedelta(hours=1)
BATCH = "00000000-0000-4000-8000-00000000b001"


def case_in(state: RefundState) -> RefundCase:
    """A case brought to ``state`` through the allowed transitions."""
    case = new_case()
    if state is S.AWAITING_ACCOUNT:
        return case
    if state is S.REJECTED:
        case.reject(AGENT, "duplicate", AT)
        return case
    holder = "Someone Else" if state is S.MANUAL_REVIEW else "Matti Meikäläinen"
    case.submit_account("acc-1", account(holder=holder), ALICE, AT)
    if state is S.ACCOUNT_SUBMITTED:
        return case
    case.confirm_account(case.etag, AT)
    if state in (S.MANUAL_REVIEW, S.AWAITING_APPROVAL):
        return case
    case.approve(AGENT, case.etag, AT)
    if state is S.APPROVED:
        return case
    case.put_in_payout(BATCH, AT)
    if state is S.IN_PAYOUT:
        return case
    case.mark_paid(AT)
    return case


Operation = Callable[[RefundCase], object]
OPERATIONS: dict[str, Operation] = {
    "submit": lambda c: c.submit_account("acc-2", account(), ALICE, AT),
    "confirm": lambda c: c.confirm_account(c.etag, AT),
    "approve": lambda c: c.approve(AGENT_2, c.etag, AT),
    "reject": lambda c: c.reject(AGENT, "not owed", AT),
    "change_account": lambda c: c.change_account("acc-3", account(), SUPERVISOR, "called", AT),
    "put_in_payout": lambda c: c.put_in_payout(BATCH, AT),
    "mark_paid": lambda c: c.mark_paid(AT),
    "mark_payout_failed": lambda c: c.mark_payout_failed("AC04", AT),
}

CONFIRMED = "REFUND_ACCOUNT_ALREADY_CONFIRMED"
NOT_SUBMITTED = "REFUND_ACCOUNT_NOT_SUBMITTED"
CLOSED = "REFUND_CASE_CLOSED"
NOT_AWAITING = "REFUND_NOT_AWAITING_APPROVAL"
IN_PAYOUT = "REFUND_IN_PAYOUT"
NOT_APPROVED = "REFUND_NOT_APPROVED"
OPEN = (S.AWAITING_ACCOUNT, S.ACCOUNT_SUBMITTED, S.MANUAL_REVIEW, S.AWAITING_APPROVAL, S.APPROVED)

# operation -> {state: resulting state, or the refusal's reason}
EXPECTED: dict[str, dict[RefundState, RefundState | str]] = {
    "submit": {
        S.AWAITING_ACCOUNT: S.ACCOUNT_SUBMITTED,
        S.ACCOUNT_SUBMITTED: S.ACCOUNT_SUBMITTED,
        S.MANUAL_REVIEW: CONFIRMED,
        S.AWAITING_APPROVAL: CONFIRMED,
        S.APPROVED: CONFIRMED,
        S.IN_PAYOUT: CONFIRMED,
        S.PAID: CONFIRMED,
        S.REJECTED: CLOSED,
    },
    "confirm": {
        S.AWAITING_ACCOUNT: NOT_SUBMITTED,
        S.ACCOUNT_SUBMITTED: S.AWAITING_APPROVAL,
        S.MANUAL_REVIEW: CONFIRMED,
        S.AWAITING_APPROVAL: CONFIRMED,
        S.APPROVED: CONFIRMED,
        S.IN_PAYOUT: CONFIRMED,
        S.PAID: CONFIRMED,
        S.REJECTED: NOT_SUBMITTED,
    },
    "approve": {
        **dict.fromkeys(S, NOT_AWAITING),
        S.MANUAL_REVIEW: S.APPROVED,
        S.AWAITING_APPROVAL: S.APPROVED,
    },
    "reject": {
        **dict.fromkeys(OPEN, S.REJECTED),
        S.IN_PAYOUT: IN_PAYOUT,
        S.PAID: CLOSED,
        S.REJECTED: CLOSED,
    },
    "change_account": {
        **dict.fromkeys(OPEN, S.AWAITING_APPROVAL),
        S.IN_PAYOUT: IN_PAYOUT,
        S.PAID: CLOSED,
        S.REJECTED: CLOSED,
    },
    "put_in_payout": {**dict.fromkeys(S, NOT_APPROVED), S.APPROVED: S.IN_PAYOUT},
    "mark_paid": {**dict.fromkeys(S, NOT_APPROVED), S.IN_PAYOUT: S.PAID},
    "mark_payout_failed": {**dict.fromkeys(S, NOT_APPROVED), S.IN_PAYOUT: S.AWAITING_ACCOUNT},
}
CASES = [
    pytest.param(operation, state, outcome, id=f"{operation}-{state.value}")
    for operation, outcomes in EXPECTED.items()
    for state, outcome in outcomes.items()
]


@pytest.mark.parametrize(("operation", "state", "outcome"), CASES)
def test_transition(operation: str, state: RefundState, outcome: RefundState | str) -> None:
    case = case_in(state)
    assert case.state is state
    before = copy.deepcopy(case)
    if isinstance(outcome, RefundState):
        OPERATIONS[operation](case)
        assert case.state is outcome
        assert case.version == before.version + 1
        assert case.etag != before.etag
        assert case.update_time == AT
    else:
        with pytest.raises(FailedPrecondition) as raised:
            OPERATIONS[operation](case)
        assert raised.value.reason == outcome
        assert case == before  # a refused transition changes nothing


def test_opening_records_the_event_and_the_amounts() -> None:
    case = RefundCase.open(
        NewCase(
            RefundOrigin.CREDIT_NOTE,
            "credit_note:invoices/i:CN-1",
            "invoices/i",
            "",
            ALICE,
            "Matti",
            "sv",
            eur("12.00"),
        ),
        case_id="c1",
        case_number="9000000017",
        myropo_id="4KQ79XMP2D3H",
        handling_fee=eur("0.00"),
        at=OPENED,
    )
    [event] = case.pull_events()
    assert isinstance(event, RefundCaseOpened)
    assert (event.origin, event.refundable_amount) == ("credit_note", eur("12.00"))
    assert case.payout_amount == eur("12.00")
    assert case.pull_events() == []
    with pytest.raises(ValueError):
        RefundCase.open(
            NewCase(RefundOrigin.OVERPAYMENT, "k", "", "", "", "", "fi", eur("0.00")),
            case_id="c2",
            case_number="9000000025",
            myropo_id="4KQ79XMP2D3H",
            handling_fee=eur("0.00"),
            at=OPENED,
        )


def test_resubmitting_keeps_the_first_account_in_the_history() -> None:
    case = case_in(S.ACCOUNT_SUBMITTED)
    case.submit_account("acc-2", account(holder="Matti Meikäläinen"), ALICE, AT)
    assert case.account is not None and case.account.id == "acc-2"
    [previous] = case.previous_accounts
    assert (previous.id, previous.replaced_by, previous.replace_time) == ("acc-1", ALICE, AT)


@pytest.mark.parametrize(
    ("holder", "state", "manual_review"),
    [
        ("Matti Meikäläinen", S.AWAITING_APPROVAL, False),
        ("Someone Else", S.MANUAL_REVIEW, True),
    ],
)
def test_confirming_matches_the_holder_to_the_debtor(
    holder: str, state: RefundState, manual_review: bool
) -> None:
    case = new_case()
    case.submit_account("acc-1", account(holder=holder), ALICE, AT)
    case.confirm_account(case.etag, AT)
    assert case.state is state
    assert case.account is not None and case.account.confirmed
    [event] = case.pull_events()
    assert isinstance(event, RefundAccountReported)
    assert (event.reporter, event.manual_review) == (ALICE, manual_review)


def test_no_debtor_name_means_manual_review() -> None:
    case = new_case(debtor_name="")
    case.submit_account("acc-1", account(), ALICE, AT)
    case.confirm_account(case.etag, AT)
    assert case.state is S.MANUAL_REVIEW


@pytest.mark.parametrize("operation", ["confirm", "approve"])
def test_a_stale_etag_is_aborted_and_changes_nothing(operation: str) -> None:
    case = case_in(S.ACCOUNT_SUBMITTED if operation == "confirm" else S.AWAITING_APPROVAL)
    stale = case.etag[::-1]
    before = copy.deepcopy(case)
    with pytest.raises(Aborted) as raised:
        if operation == "confirm":
            case.confirm_account(stale, AT)
        else:
            case.approve(AGENT, stale, AT)
    assert raised.value.reason == "REFUND_CASE_CHANGED"
    assert case == before


def test_approval_is_of_the_current_account_and_a_change_clears_it() -> None:
    case = case_in(S.APPROVED)
    assert case.payable and case.approver == AGENT
    case.pull_events()
    case.change_account("acc-9", account(iban="FI1410093000123458"), SUPERVISOR, "called", AT)
    assert case.state is S.AWAITING_APPROVAL
    assert not case.payable
    assert (case.approved_account_id, case.approver, case.approve_time) == ("", "", None)
    assert case.account is not None and case.account.confirmed
    assert case.account.reporter == SUPERVISOR
    [previous] = case.previous_accounts
    assert (previous.replaced_by, previous.replace_reason) == (SUPERVISOR, "called")
    [event] = case.pull_events()
    assert isinstance(event, RefundAccountReported) and event.reporter == SUPERVISOR


def test_four_eyes_the_staff_user_who_changed_the_account_cannot_approve_it() -> None:
    case = case_in(S.AWAITING_APPROVAL)
    case.change_account("acc-9", account(), SUPERVISOR, "called", AT)
    before = copy.deepcopy(case)
    with pytest.raises(PermissionDenied) as raised:
        case.approve(SUPERVISOR, case.etag, AT)
    assert raised.value.reason == "REFUND_FOUR_EYES_REQUIRED"
    assert case == before
    case.approve(AGENT, case.etag, AT)
    assert case.state is S.APPROVED and case.approved_account_id == "acc-9"


def test_paid_records_the_event_with_the_payout_amount() -> None:
    case = case_in(S.IN_PAYOUT)
    case.pull_events()
    case.mark_paid(AT)
    [event] = case.pull_events()
    assert isinstance(event, RefundPaid)
    assert (event.amount, event.payout_batch_id) == (eur("45.00"), BATCH)
    assert case.paid_time == AT and case.is_final


def test_a_failed_payout_asks_for_an_account_again() -> None:
    case = case_in(S.IN_PAYOUT)
    case.mark_payout_failed("The bank rejected the payout (AC04).", AT)
    assert case.state is S.AWAITING_ACCOUNT
    assert case.account is None
    assert (case.payout_batch_id, case.approved_account_id) == ("", "")
    assert case.failed_payout_count == 1
    assert case.status_message == "The bank rejected the payout (AC04)."
    [previous] = case.previous_accounts
    assert previous.replace_reason == "The bank rejected the payout (AC04)."
    case.submit_account("acc-2", account(), ALICE, AT)
    assert case.account is not None and case.account.id == "acc-2"


def test_in_payout_of_names_the_batch_and_attempt() -> None:
    case = case_in(S.IN_PAYOUT)
    assert case.in_payout_of(BATCH, 0)
    assert not case.in_payout_of(BATCH, 1)
    assert not case.in_payout_of("other", 0)


def test_errors_are_domain_errors_without_account_numbers() -> None:
    case = case_in(S.PAID)
    with pytest.raises(DomainError) as raised:
        case.submit_account("x", account(), ALICE, AT)
    assert "FI42" not in raised.value.message
