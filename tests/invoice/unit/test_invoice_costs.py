"""Collection cost caps (Debt Collection Act): tiers, repeat demands, counts and total caps."""

from __future__ import annotations

from datetime import date

import pytest
from ropo_invoice.domain.costs import (
    CollectionAction,
    FeeLimit,
    NoCostTable,
    allowed_fee,
    assess_fee,
    statutory_fee,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.ledger import ComponentType, Ledger
from ropo_invoice.domain.party import DebtorKind
from ropo_platform.money import Money

ON = date(2026, 6, 1)
PERSON = DebtorKind.PERSON
COMPANY = DebtorKind.ORGANIZATION
REMINDER = CollectionAction.REMINDER
DEMAND = CollectionAction.PAYMENT_DEMAND
PLAN = CollectionAction.PAYMENT_PLAN
EXTENSION = CollectionAction.DUE_DATE_EXTENSION
FIXED = CollectionAction.FIXED_COMPENSATION


def eur(amount: str) -> Money:
    return Money.eur(amount)


def ledger(capital: str, *fees: tuple[ComponentType, str]) -> Ledger:
    result = Ledger.open(eur(capital), date(2026, 1, 1))
    for type_, amount in fees:
        result.charge(type_, eur(amount), date(2026, 2, 1))
    return result


@pytest.mark.parametrize(
    ("kind", "action", "capital", "previous", "cap"),
    [
        # Consumer, §10 a.
        (PERSON, REMINDER, "5000.00", 0, "5.00"),
        (PERSON, EXTENSION, "5000.00", 0, "5.00"),
        (PERSON, DEMAND, "100.00", 0, "14.00"),
        (PERSON, DEMAND, "100.01", 0, "24.00"),
        (PERSON, DEMAND, "1000.00", 0, "24.00"),
        (PERSON, DEMAND, "1000.01", 0, "50.00"),
        (PERSON, DEMAND, "100.00", 1, "7.00"),
        (PERSON, DEMAND, "500.00", 1, "12.00"),
        (PERSON, DEMAND, "5000.00", 1, "25.00"),
        (PERSON, FIXED, "5000.00", 0, "0.00"),
        # Company receivables from 1.5.2022.
        (COMPANY, REMINDER, "10.00", 0, "12.00"),
        (COMPANY, DEMAND, "500.00", 0, "50.00"),
        (COMPANY, DEMAND, "500.01", 0, "70.00"),
        (COMPANY, DEMAND, "2500.00", 0, "70.00"),
        (COMPANY, DEMAND, "2500.01", 0, "90.00"),
        (COMPANY, DEMAND, "10000.00", 0, "90.00"),
        (COMPANY, DEMAND, "10000.01", 0, "110.00"),
        (COMPANY, DEMAND, "500.00", 1, "25.00"),
        (COMPANY, DEMAND, "2000.00", 2, "35.00"),
        (COMPANY, DEMAND, "9000.00", 1, "45.00"),
        (COMPANY, DEMAND, "20000.00", 1, "55.00"),
        (COMPANY, FIXED, "10.00", 0, "40.00"),
    ],
)
def test_action_caps(
    kind: DebtorKind, action: CollectionAction, capital: str, previous: int, cap: str
) -> None:
    assert statutory_fee(kind, action, eur(capital), on=ON, previous_actions=previous) == eur(cap)
    assessment = assess_fee(
        ledger(capital), kind, action, eur("999.00"), on=ON, previous_actions=previous
    )
    assert assessment.allowed == eur(cap)
    assert assessment.action_cap == eur(cap)


@pytest.mark.parametrize(
    ("capital", "instalments", "cap"),
    [
        ("100.00", 12, "20.00"),
        ("500.00", 4, "20.00"),
        ("500.00", 5, "30.00"),
        ("1000.00", 12, "30.00"),
        ("1000.01", 5, "50.00"),
        ("1000.01", 4, "20.00"),
    ],
)
def test_payment_plan_cap_by_capital_and_instalments(
    capital: str, instalments: int, cap: str
) -> None:
    fee = allowed_fee(ledger(capital), PERSON, PLAN, eur("99.00"), on=ON, instalments=instalments)
    assert fee == eur(cap)


def test_a_payment_plan_fee_needs_the_instalments() -> None:
    with pytest.raises(InvalidValue):
        allowed_fee(ledger("500.00"), PERSON, PLAN, eur("20.00"), on=ON)


def test_the_asked_fee_when_it_is_below_every_cap() -> None:
    assessment = assess_fee(ledger("500.00"), PERSON, DEMAND, eur("10.00"), on=ON)
    assert assessment.allowed == eur("10.00")
    assert assessment.limited_by is FeeLimit.ASKED


def test_a_repeat_demand_is_counted_from_the_ledger_by_default() -> None:
    one_demand = ledger("500.00", (ComponentType.PAYMENT_DEMAND_FEE, "24.00"))
    assert allowed_fee(one_demand, PERSON, DEMAND, eur("24.00"), on=ON) == eur("12.00")


@pytest.mark.parametrize(
    ("action", "fee_type", "kind"),
    [
        (DEMAND, ComponentType.PAYMENT_DEMAND_FEE, PERSON),
        (PLAN, ComponentType.PAYMENT_PLAN_FEE, PERSON),
        (FIXED, ComponentType.FIXED_COMPENSATION, COMPANY),
    ],
)
def test_count_limits(action: CollectionAction, fee_type: ComponentType, kind: DebtorKind) -> None:
    limit = 1 if action is FIXED else 2
    charged = ledger("5000.00", *[(fee_type, "1.00")] * limit)
    assessment = assess_fee(charged, kind, action, eur("5.00"), on=ON, instalments=12)
    assert assessment.allowed == eur("0")
    assert assessment.limited_by is FeeLimit.COUNT_LIMIT
    below = ledger("5000.00", *[(fee_type, "1.00")] * (limit - 1))
    assert allowed_fee(below, kind, action, eur("5.00"), on=ON, instalments=12) == eur("5.00")


def test_company_demands_have_no_count_limit_and_no_total_cap() -> None:
    many = ledger("100.00", *[(ComponentType.PAYMENT_DEMAND_FEE, "25.00")] * 6)
    assessment = assess_fee(many, COMPANY, DEMAND, eur("50.00"), on=ON)
    assert assessment.allowed == eur("25.00")
    assert assessment.total_cap_room is None


@pytest.mark.parametrize(
    ("capital", "costs_so_far", "asked", "allowed", "room"),
    [
        ("100.00", "55.00", "14.00", "5.00", "5.00"),
        ("100.00", "60.00", "14.00", "0.00", "0.00"),
        ("100.00", "70.00", "14.00", "0.00", "0.00"),
        ("100.01", "100.00", "24.00", "20.00", "20.00"),
        ("1000.00", "120.00", "24.00", "0.00", "0.00"),
        ("1000.01", "170.00", "50.00", "40.00", "40.00"),
        ("1000.01", "10.00", "50.00", "50.00", "200.00"),
    ],
)
def test_consumer_total_cap(
    capital: str, costs_so_far: str, asked: str, allowed: str, room: str
) -> None:
    charged = ledger(capital, (ComponentType.OTHER_COST, costs_so_far))
    assessment = assess_fee(charged, PERSON, DEMAND, eur(asked), on=ON)
    assert assessment.allowed == eur(allowed)
    assert assessment.total_cap_room == eur(room)
    if eur(allowed) < eur(asked):
        assert assessment.limited_by is FeeLimit.TOTAL_CAP


def test_every_kind_of_cost_counts_towards_the_total_cap() -> None:
    charged = ledger(
        "50.00",
        (ComponentType.REMINDER_FEE, "5.00"),
        (ComponentType.PAYMENT_DEMAND_FEE, "14.00"),
        (ComponentType.DUE_DATE_EXTENSION_FEE, "5.00"),
        (ComponentType.PAYMENT_PLAN_FEE, "20.00"),
        (ComponentType.OTHER_COST, "10.00"),
        (ComponentType.PENALTY_INTEREST, "30.00"),  # interest is not a cost
    )
    assert allowed_fee(charged, PERSON, DEMAND, eur("14.00"), on=ON) == eur("6.00")


def test_tiers_use_the_capital_after_credit_notes() -> None:
    credited = ledger("150.00")
    credited.credit(eur("60.00"))
    assert allowed_fee(credited, PERSON, DEMAND, eur("50.00"), on=ON) == eur("14.00")


def test_company_table_starts_on_1_may_2022() -> None:
    with pytest.raises(NoCostTable):
        allowed_fee(ledger("100.00"), COMPANY, REMINDER, eur("12.00"), on=date(2022, 4, 30))
    assert allowed_fee(
        ledger("100.00"), COMPANY, REMINDER, eur("12.00"), on=date(2022, 5, 1)
    ) == eur("12.00")


def test_a_ledger_in_another_currency_is_never_charged_a_fee() -> None:
    sek = Ledger.open(Money("500.00", "SEK"), date(2026, 1, 1))
    assessment = assess_fee(sek, PERSON, REMINDER, Money("5.00", "SEK"), on=ON)
    assert assessment.allowed == Money.zero("SEK")
    assert assessment.limited_by is FeeLimit.NOT_CHARGEABLE


@pytest.mark.parametrize("asked", [Money("5.00", "SEK"), eur("-1.00")])
def test_the_asked_fee_must_be_a_non_negative_amount_of_the_ledger(asked: Money) -> None:
    with pytest.raises(InvalidValue):
        allowed_fee(ledger("100.00"), PERSON, REMINDER, asked, on=ON)
