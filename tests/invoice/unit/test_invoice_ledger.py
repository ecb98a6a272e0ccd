"""The ledger: allocation orders, credit notes and the derived amounts."""

from __future__ import annotations

from datetime import date

import pytest
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.ledger import (
    Allocation,
    AllocationOrder,
    ComponentGroup,
    ComponentType,
    CreditExceedsCapital,
    Ledger,
    LedgerComponent,
    allocation_order_for,
)
from ropo_invoice.domain.party import DebtorKind
from ropo_platform.money import Money

DAY = date(2026, 3, 1)


def eur(amount: str) -> Money:
    return Money.eur(amount)


def ledger_with_costs() -> Ledger:
    """Capital 100, interest 2 + 1, reminder 5, demand 24: 132 € open."""
    ledger = Ledger.open(eur("100.00"), date(2026, 1, 1), "capital")
    ledger.charge(ComponentType.REMINDER_FEE, eur("5.00"), date(2026, 2, 1), "reminder")
    ledger.charge(ComponentType.PENALTY_INTEREST, eur("2.00"), date(2026, 2, 20), "interest-2")
    ledger.charge(ComponentType.PAYMENT_DEMAND_FEE, eur("24.00"), date(2026, 2, 20), "demand")
    ledger.charge(ComponentType.PENALTY_INTEREST, eur("1.00"), date(2026, 2, 10), "interest-1")
    return ledger


def applied(allocation: Allocation) -> list[tuple[str, str]]:
    return [(part.component_id, str(part.amount.amount)) for part in allocation.applied]


# ------------------------------------------------------------------------ allocation


def test_allocation_order_follows_the_debtor_kind() -> None:
    assert allocation_order_for(DebtorKind.PERSON) is AllocationOrder.CONSUMER
    assert allocation_order_for(DebtorKind.ORGANIZATION) is AllocationOrder.COMPANY
    assert AllocationOrder.CONSUMER.groups == (
        ComponentGroup.CAPITAL,
        ComponentGroup.PENALTY_INTEREST,
        ComponentGroup.COSTS,
    )
    assert AllocationOrder.COMPANY.groups == tuple(reversed(AllocationOrder.CONSUMER.groups))


def test_consumer_payment_covers_capital_then_interest_oldest_first_then_costs() -> None:
    ledger = ledger_with_costs()
    allocation = ledger.allocate(eur("110.00"), AllocationOrder.CONSUMER)
    assert applied(allocation) == [
        ("capital", "100.00"),
        ("interest-1", "1.00"),
        ("interest-2", "2.00"),
        ("reminder", "5.00"),
        ("demand", "2.00"),
    ]
    assert allocation.excess == eur("0")
    assert allocation.applied_to(ComponentGroup.CAPITAL) == eur("100.00")
    assert allocation.applied_to(ComponentGroup.COSTS) == eur("7.00")
    assert ledger.open_amount == eur("22.00")
    assert ledger.open_by_type(ComponentType.PAYMENT_DEMAND_FEE) == eur("22.00")


def test_company_payment_covers_costs_then_interest_then_capital() -> None:
    ledger = ledger_with_costs()
    allocation = ledger.allocate(eur("40.00"), AllocationOrder.COMPANY)
    assert applied(allocation) == [
        ("reminder", "5.00"),
        ("demand", "24.00"),
        ("interest-1", "1.00"),
        ("interest-2", "2.00"),
        ("capital", "8.00"),
    ]
    assert ledger.open_capital == eur("92.00")
    assert ledger.open_by_group(ComponentGroup.COSTS) == eur("0")


def test_what_does_not_fit_is_the_excess() -> None:
    ledger = ledger_with_costs()
    allocation = ledger.allocate(eur("150.00"), AllocationOrder.CONSUMER)
    assert allocation.applied_total == eur("132.00")
    assert allocation.excess == eur("18.00")
    assert ledger.is_settled
    again = ledger.allocate(eur("3.00"), AllocationOrder.COMPANY)
    assert again.applied == ()
    assert again.excess == eur("3.00")


def test_partial_cover_continues_where_the_previous_payment_stopped() -> None:
    ledger = Ledger.open(eur("100.00"), DAY, "capital")
    ledger.allocate(eur("30.00"), AllocationOrder.CONSUMER)
    ledger.allocate(eur("30.00"), AllocationOrder.CONSUMER)
    assert ledger.paid_amount == eur("60.00")
    assert ledger.open_capital == eur("40.00")


@pytest.mark.parametrize("amount", [Money("1.00", "SEK"), eur("-1.00")])
def test_allocation_refuses_other_currencies_and_negative_amounts(amount: Money) -> None:
    ledger = Ledger.open(eur("10.00"), DAY)
    with pytest.raises(InvalidValue):
        ledger.allocate(amount, AllocationOrder.CONSUMER)
    assert ledger.paid_amount == eur("0")


def test_an_allocation_must_account_for_every_cent() -> None:
    with pytest.raises(InvalidValue):
        Allocation(eur("10.00"), (), eur("9.99"))


# --------------------------------------------------------------------------- credits


def test_credit_lowers_open_capital_first() -> None:
    ledger = Ledger.open(eur("100.00"), DAY)
    ledger.allocate(eur("30.00"), AllocationOrder.CONSUMER)
    result = ledger.credit(eur("50.00"))
    assert (result.reduced_open, result.refund_due) == (eur("50.00"), eur("0"))
    assert ledger.open_capital == eur("20.00")
    assert ledger.credited_amount == eur("50.00")
    assert ledger.net_capital == eur("50.00")
    assert ledger.capital == eur("100.00")


def test_credit_beyond_the_open_capital_turns_paid_capital_into_a_refund() -> None:
    ledger = Ledger.open(eur("100.00"), DAY)
    ledger.allocate(eur("70.00"), AllocationOrder.CONSUMER)
    result = ledger.credit(eur("50.00"))
    assert (result.reduced_open, result.refund_due) == (eur("30.00"), eur("20.00"))
    (capital,) = ledger.components
    assert capital.paid_amount == eur("50.00")
    assert capital.credited_amount == eur("50.00")
    assert capital.paid_amount + capital.credited_amount <= capital.amount
    assert ledger.is_settled


def test_credit_larger_than_the_capital_not_yet_credited_is_refused() -> None:
    ledger = Ledger.open(eur("100.00"), DAY)
    ledger.charge(ComponentType.REMINDER_FEE, eur("5.00"), DAY)
    ledger.credit(eur("60.00"))
    with pytest.raises(CreditExceedsCapital):
        ledger.credit(eur("40.01"))
    assert ledger.credited_amount == eur("60.00")
    ledger.credit(eur("40.00"))
    assert ledger.open_amount == eur("5.00")


# ------------------------------------------------------------------------------ views


def test_costs_interest_and_counts() -> None:
    ledger = ledger_with_costs()
    ledger.charge(ComponentType.FIXED_COMPENSATION, eur("40.00"), DAY)
    assert ledger.costs_charged == eur("69.00")
    assert ledger.interest_charged == eur("3.00")
    assert ledger.count_of(ComponentType.PENALTY_INTEREST) == 2
    assert ledger.count_of(ComponentType.PAYMENT_PLAN_FEE) == 0
    assert ledger.total_amount == eur("172.00")


def test_credited_costs_no_longer_count_as_charged() -> None:
    ledger = Ledger(
        "EUR",
        [
            LedgerComponent(
                "fee", ComponentType.REMINDER_FEE, eur("5.00"), DAY, eur("0"), eur("5.00")
            )
        ],
    )
    assert ledger.costs_charged == eur("0")
    assert ledger.credited_amount == eur("5.00")
