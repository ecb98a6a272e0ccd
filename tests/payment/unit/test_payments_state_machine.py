"""The Payment aggregate's state machine, table-driven: ok never goes back, a failed
payment stays failed, pending/delayed are noted, settle only from succeeded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ropo_payment.domain.payments import (
    OK_AFTER_FAIL,
    STATUS_REGRESSION,
    InvalidTransition,
    Payment,
    PaymentItem,
    PaymentState,
    StatusOutcome,
    psp_reference,
)
from ropo_payment.domain.psp import PspStatus

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)


def payment(state: PaymentState = PaymentState.PENDING, psp: PspStatus = PspStatus.NEW) -> Payment:
    return Payment(
        id="a" * 32,
        payer=f"persons/{'a' * 32}",
        items=(PaymentItem("inv-1", 1525, "1232"), PaymentItem("inv-2", 475, "1245")),
        language="fi",
        reference="a" * 32,
        create_time=T0,
        update_time=T0,
        state=state,
        psp_status=psp,
    )


P, S, X, F = (
    PaymentState.PENDING,
    PaymentState.SUCCEEDED,
    PaymentState.SETTLED,
    PaymentState.FAILED,
)

CASES = [
    # (state before, psp before, message, outcome, state after, reason)
    (P, PspStatus.NEW, PspStatus.OK, StatusOutcome.SUCCEEDED, S, ""),
    (P, PspStatus.PENDING, PspStatus.OK, StatusOutcome.SUCCEEDED, S, ""),
    (P, PspStatus.DELAYED, PspStatus.OK, StatusOutcome.SUCCEEDED, S, ""),
    (P, PspStatus.NEW, PspStatus.FAIL, StatusOutcome.FAILED, F, ""),
    (P, PspStatus.PENDING, PspStatus.FAIL, StatusOutcome.FAILED, F, ""),
    (P, PspStatus.NEW, PspStatus.PENDING, StatusOutcome.NOTED, P, ""),
    (P, PspStatus.NEW, PspStatus.DELAYED, StatusOutcome.NOTED, P, ""),
    (P, PspStatus.PENDING, PspStatus.DELAYED, StatusOutcome.NOTED, P, ""),
    (P, PspStatus.PENDING, PspStatus.NEW, StatusOutcome.IGNORED, P, STATUS_REGRESSION),
    (S, PspStatus.OK, PspStatus.OK, StatusOutcome.UNCHANGED, S, ""),
    (S, PspStatus.OK, PspStatus.FAIL, StatusOutcome.IGNORED, S, STATUS_REGRESSION),
    (S, PspStatus.OK, PspStatus.PENDING, StatusOutcome.IGNORED, S, STATUS_REGRESSION),
    (S, PspStatus.OK, PspStatus.NEW, StatusOutcome.IGNORED, S, STATUS_REGRESSION),
    (X, PspStatus.OK, PspStatus.OK, StatusOutcome.UNCHANGED, X, ""),
    (X, PspStatus.OK, PspStatus.FAIL, StatusOutcome.IGNORED, X, STATUS_REGRESSION),
    (F, PspStatus.FAIL, PspStatus.FAIL, StatusOutcome.UNCHANGED, F, ""),
    (F, PspStatus.FAIL, PspStatus.OK, StatusOutcome.IGNORED, F, OK_AFTER_FAIL),
    (F, PspStatus.FAIL, PspStatus.PENDING, StatusOutcome.IGNORED, F, STATUS_REGRESSION),
]


@pytest.mark.parametrize(("before", "psp", "status", "outcome", "after", "reason"), CASES)
def test_apply_psp_status(
    before: PaymentState,
    psp: PspStatus,
    status: PspStatus,
    outcome: StatusOutcome,
    after: PaymentState,
    reason: str,
) -> None:
    subject = payment(before, psp)
    change = subject.apply_psp_status(status, "nordea", T1)
    assert change.outcome is outcome
    assert change.reason == reason
    assert subject.state is after


def test_ok_then_fail_stays_ok() -> None:
    subject = payment()
    assert subject.apply_psp_status(PspStatus.OK, "nordea", T1).outcome is StatusOutcome.SUCCEEDED
    assert subject.apply_psp_status(PspStatus.FAIL, "", T1).outcome is StatusOutcome.IGNORED
    assert subject.state is PaymentState.SUCCEEDED
    assert subject.psp_status is PspStatus.OK
    assert subject.succeed_time == T1
    assert subject.provider_method == "nordea"


def test_pending_then_ok_pays() -> None:
    subject = payment()
    assert subject.apply_psp_status(PspStatus.PENDING, "op", T0).outcome is StatusOutcome.NOTED
    assert subject.apply_psp_status(PspStatus.PENDING, "op", T0).outcome is (
        StatusOutcome.UNCHANGED
    )
    assert subject.apply_psp_status(PspStatus.OK, "op", T1).outcome is StatusOutcome.SUCCEEDED
    assert subject.state is PaymentState.SUCCEEDED


def test_only_state_moves_publish() -> None:
    assert StatusOutcome.SUCCEEDED.changes_state and StatusOutcome.FAILED.changes_state
    assert not StatusOutcome.NOTED.changes_state
    assert not StatusOutcome.UNCHANGED.changes_state
    assert not StatusOutcome.IGNORED.changes_state


def test_settle_only_from_succeeded() -> None:
    subject = payment(PaymentState.SUCCEEDED, PspStatus.OK)
    subject.settle(T1)
    assert subject.state is PaymentState.SETTLED
    assert subject.settle_time == T1
    for state in (PaymentState.PENDING, PaymentState.FAILED, PaymentState.SETTLED):
        with pytest.raises(InvalidTransition):
            payment(state).settle(T1)


def test_amount_is_the_sum_of_items_in_cents() -> None:
    assert payment().amount_minor == 2000


def test_psp_reference_is_the_invoice_reference_only_for_one_invoice() -> None:
    one = (PaymentItem("inv-1", 100, "1232"),)
    assert psp_reference("p" * 32, one) == "1232"
    assert psp_reference("p" * 32, payment().items) == "p" * 32
