"""Payment-time rules against the reference numbers: extension and plan options,
fees within every statutory cap, and why an option is unavailable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ropo_invoice.domain.costs import CONSUMER_TABLE_2013, total_cap
from ropo_invoice.domain.errors import FeeChanged, PaymentTimeNotAllowed
from ropo_invoice.domain.events import DueDateExtended, PaymentPlanCreated
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, Language, PostalAddress, ProtectedNationalId
from ropo_invoice.domain.payment_plan import PlanState, add_months, instalment_amounts
from ropo_invoice.domain.payment_time import (
    UnavailableReason,
    extension_option,
    plan_option,
    unavailable_message,
)
from ropo_invoice.domain.payment_time_policy import (
    DEFAULT_PAYMENT_TIME_POLICY,
    PaymentTimePolicy,
    PaymentTimePolicyInvalid,
)
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
DUE = date(2026, 1, 1)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
POLICY = DEFAULT_PAYMENT_TIME_POLICY


def eur(amount: str) -> Money:
    return Money.eur(amount)


def make_invoice(capital: str = "124.00", *, company: bool = False) -> Invoice:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    if company:
        debtor = Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
    else:
        protected = ProtectedNationalId("a" * 32, b"\x01sealed", "010190-****")
        debtor = Debtor.person("Matti Meikäläinen", ADDRESS, Language.FI, protected)
    invoice = Invoice.register(
        creditor=creditor,
        invoice_number="1001",
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=date(2025, 12, 15),
        due_date=DUE,
        capital=eur(capital),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )
    invoice.pull_events()
    return invoice


def after_due(days: int) -> date:
    return DUE + timedelta(days=days)


# ------------------------------------------------------------------ fee table


@dataclass(frozen=True)
class FeeCase:
    capital: str
    company: bool
    count: int
    fee: str


@pytest.mark.parametrize(
    "case",
    [
        # Consumer: ≤ 4 instalments or capital ≤ 100 € → 20 €; 100–1000 € → 30 €; > 1000 € → 50 €.
        FeeCase("90.00", False, 2, "20.00"),
        FeeCase("100.00", False, 5, "20.00"),
        FeeCase("500.00", False, 4, "20.00"),
        FeeCase("500.00", False, 5, "30.00"),
        FeeCase("1000.00", False, 6, "30.00"),
        FeeCase("1000.01", False, 4, "20.00"),
        FeeCase("1000.01", False, 5, "50.00"),
        FeeCase("5000.00", False, 12, "50.00"),
        # Company table: the project applies the consumer plan caps (costs.py).
        FeeCase("5000.00", True, 12, "50.00"),
        FeeCase("500.00", True, 3, "20.00"),
    ],
)
def test_plan_fee_by_capital_and_instalments(case: FeeCase) -> None:
    invoice = make_invoice(case.capital, company=case.company)
    option = plan_option(invoice, POLICY, after_due(3))
    choice = option.choice(case.count)
    assert choice is not None
    assert choice.fee == eur(case.fee)
    assert choice.total_amount == invoice.ledger.open_amount + eur(case.fee)


@pytest.mark.parametrize(
    ("today", "company", "fee"),
    [
        (DUE - timedelta(days=3), False, "0.00"),  # before the original due date: free
        (DUE, False, "0.00"),  # on it, not late yet
        (after_due(1), False, "5.00"),  # consumer cap 5 €
        (after_due(20), True, "5.00"),  # company: consumer cap applied (costs.py)
    ],
)
def test_extension_fee_before_and_after_the_original_due_date(
    today: date, company: bool, fee: str
) -> None:
    invoice = make_invoice(company=company)
    option = extension_option(invoice, POLICY, today)
    assert option.available
    assert option.fee == eur(fee)


def test_a_creditor_fee_above_the_cap_is_clamped_and_a_lower_one_kept() -> None:
    invoice = make_invoice("500.00")
    dear = PaymentTimePolicy(extension_fee=eur("9.00"), plan_fee=eur("80.00"))
    assert extension_option(invoice, dear, after_due(1)).fee == eur("5.00")
    assert plan_option(invoice, dear, after_due(1)).choices[-1].fee == eur("30.00")
    cheap = PaymentTimePolicy(extension_fee=eur("2.50"), plan_fee=eur("10.00"))
    assert extension_option(invoice, cheap, after_due(1)).fee == eur("2.50")
    assert plan_option(invoice, cheap, after_due(1)).choices[0].fee == eur("10.00")


def test_extension_dates_count_from_the_due_date_or_today() -> None:
    invoice = make_invoice()
    early = extension_option(invoice, POLICY, DUE - timedelta(days=5))
    assert (early.earliest_due_date, early.latest_due_date) == (
        DUE + timedelta(days=1),
        DUE + timedelta(days=14),
    )
    late = extension_option(invoice, POLICY, after_due(3))
    assert late.latest_due_date == after_due(3) + timedelta(days=14)
    short = extension_option(invoice, PaymentTimePolicy(max_extension_days=7), DUE)
    assert short.latest_due_date == DUE + timedelta(days=7)


# ------------------------------------------------------------------ caps


def test_total_cap_reduces_the_fee_to_the_room_left() -> None:
    # Capital 90 €: consumer total cap 60 €. 55 € of costs leave 5 €, then 0 €.
    invoice = make_invoice("90.00")
    invoice.ledger.charge(ComponentType.OTHER_COST, eur("55.00"), DUE)
    assert plan_option(invoice, POLICY, after_due(1)).choices[0].fee == eur("5.00")
    invoice.ledger.charge(ComponentType.OTHER_COST, eur("3.00"), DUE)
    assert extension_option(invoice, POLICY, after_due(1)).fee == eur("2.00")
    invoice.ledger.charge(ComponentType.OTHER_COST, eur("2.00"), DUE)
    assert extension_option(invoice, POLICY, after_due(1)).fee == eur("0.00")


@pytest.mark.parametrize(("capital", "cap"), [("90", "60"), ("900", "120"), ("9000", "210")])
def test_total_caps_by_capital(capital: str, cap: str) -> None:
    invoice = make_invoice(capital)
    invoice.ledger.charge(ComponentType.OTHER_COST, eur(cap) - eur("1.00"), DUE)
    assert extension_option(invoice, POLICY, after_due(1)).fee == eur("1.00")


def test_only_two_plans_are_chargeable_and_a_third_is_refused_by_default() -> None:
    invoice = make_invoice("500.00")
    today = after_due(1)
    for _ in range(2):
        choice = plan_option(invoice, POLICY, today).choices[0]
        assert choice.fee == eur("20.00")
        plan = invoice.create_payment_plan(2, choice.fee, POLICY, today, NOW, "persons/x")
        invoice.cancel_payment_plan(plan.id, NOW, actor="staffUsers/u", reason="test")
    assert plan_option(invoice, POLICY, today).reason is UnavailableReason.PLAN_LIMIT_REACHED
    generous = PaymentTimePolicy(max_plans=3)
    third = plan_option(invoice, generous, today)
    assert third.available
    assert third.choices[0].fee == eur("0.00")  # the Act's count limit: no fee for a third


# ------------------------------------------------------------------ unavailable


def _disputed(invoice: Invoice) -> None:
    invoice.stage = Stage.DISPUTED


def _collection(invoice: Invoice) -> None:
    invoice.stage = Stage.COLLECTION


def _paid(invoice: Invoice) -> None:
    invoice.receive_payment("p1", invoice.ledger.open_amount, DUE, NOW)


def _pending(invoice: Invoice) -> None:
    invoice.confirm_payment("p1", invoice.ledger.open_amount, NOW)


def _extended(invoice: Invoice) -> None:
    invoice.extend_due_date(DUE + timedelta(days=5), eur("0"), POLICY, DUE, NOW, "persons/x")


def _planned(invoice: Invoice) -> None:
    invoice.create_payment_plan(2, eur("20.00"), POLICY, DUE, NOW, "persons/x")


@pytest.mark.parametrize(
    ("change", "capital", "extension", "plan"),
    [
        (_disputed, "124.00", UnavailableReason.IN_DISPUTE, UnavailableReason.IN_DISPUTE),
        (_paid, "124.00", UnavailableReason.INVOICE_CLOSED, UnavailableReason.INVOICE_CLOSED),
        (_pending, "124.00", UnavailableReason.PAYMENT_PENDING, UnavailableReason.PAYMENT_PENDING),
        (_extended, "124.00", UnavailableReason.ALREADY_EXTENDED, None),
        (
            _planned,
            "124.00",
            UnavailableReason.ACTIVE_PAYMENT_PLAN,
            UnavailableReason.ACTIVE_PAYMENT_PLAN,
        ),
        (_collection, "124.00", UnavailableReason.STAGE_NOT_ALLOWED, None),
        (None, "49.99", None, UnavailableReason.AMOUNT_TOO_SMALL),
        (None, "50.00", None, None),
    ],
)
def test_why_an_option_is_unavailable(
    change: object,
    capital: str,
    extension: UnavailableReason | None,
    plan: UnavailableReason | None,
) -> None:
    invoice = make_invoice(capital)
    if callable(change):
        change(invoice)
    assert extension_option(invoice, POLICY, DUE).reason is extension
    assert plan_option(invoice, POLICY, DUE).reason is plan


def test_a_creditor_may_forbid_either_option() -> None:
    invoice = make_invoice()
    policy = PaymentTimePolicy(extension_allowed=False, plans_allowed=False)
    assert extension_option(invoice, policy, DUE).reason is (
        UnavailableReason.NOT_ALLOWED_BY_CREDITOR
    )
    assert plan_option(invoice, policy, DUE).reason is UnavailableReason.NOT_ALLOWED_BY_CREDITOR


def test_counts_whose_instalment_is_below_the_minimum_are_not_offered() -> None:
    # 100 € + 20 € fee: 6 × 20 € is the most instalments of at least 20 €.
    invoice = make_invoice("100.00")
    counts = [c.instalment_count for c in plan_option(invoice, POLICY, DUE).choices]
    assert counts == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("language", list(Language))
def test_every_reason_has_a_sentence_in_every_language(language: Language) -> None:
    for reason in UnavailableReason:
        assert unavailable_message(reason, language).endswith(".")


def test_a_policy_can_only_tighten() -> None:
    with pytest.raises(PaymentTimePolicyInvalid) as raised:
        PaymentTimePolicy(
            max_extension_days=30,
            max_instalments=24,
            min_instalment=eur("5.00"),
            extension_stages=frozenset({Stage.COLLECTION}),
        )
    fields = {v.field for v in raised.value.violations}
    assert fields == {
        "payment_time_policy.max_extension_days",
        "payment_time_policy.max_instalments",
        "payment_time_policy.min_instalment",
        "payment_time_policy.extension_stages",
    }


# ------------------------------------------------------------------ carrying out


def test_extend_moves_the_due_date_charges_the_fee_and_records_the_event() -> None:
    invoice = make_invoice()
    today = after_due(2)
    fee = invoice.extend_due_date(today + timedelta(days=10), eur("5.00"), POLICY, today, NOW, "p")
    assert fee == eur("5.00")
    assert invoice.due_date == today + timedelta(days=10)
    assert invoice.due_date_extension_count == 1
    assert invoice.ledger.count_of(ComponentType.DUE_DATE_EXTENSION_FEE) == 1
    assert any(isinstance(e, DueDateExtended) for e in invoice.events)


def test_extend_refuses_a_changed_fee_and_a_date_not_offered() -> None:
    invoice = make_invoice()
    today = after_due(2)
    with pytest.raises(FeeChanged):
        invoice.extend_due_date(today + timedelta(days=5), eur("0"), POLICY, today, NOW, "p")
    with pytest.raises(PaymentTimeNotAllowed) as raised:
        invoice.extend_due_date(today + timedelta(days=15), eur("5"), POLICY, today, NOW, "p")
    assert raised.value.reason == "DUE_DATE_EXTENSION_NOT_ALLOWED"
    assert invoice.due_date == DUE and invoice.ledger.costs_charged.is_zero()


def test_plan_schedule_is_monthly_and_sums_exactly() -> None:
    invoice = make_invoice("100.00")
    today = date(2026, 1, 31)
    plan = invoice.create_payment_plan(3, eur("20.00"), POLICY, today, NOW, "persons/x")
    assert [i.due_date for i in plan.instalments] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert [i.amount for i in plan.instalments] == [eur("40.00")] * 3
    assert any(isinstance(e, PaymentPlanCreated) for e in invoice.events)


def test_payments_go_to_instalments_in_order_and_complete_the_plan() -> None:
    invoice = make_invoice("100.00")
    plan = invoice.create_payment_plan(3, eur("20.00"), POLICY, DUE, NOW, "persons/x")
    invoice.receive_payment("p1", eur("50.00"), DUE, NOW)
    assert [i.paid_amount for i in plan.instalments] == [eur("40.00"), eur("10.00"), eur("0")]
    invoice.receive_payment("p2", eur("70.00"), DUE, NOW)
    assert plan.state is PlanState.COMPLETED
    assert invoice.stage is Stage.PAID


def test_missed_instalment_reminds_then_cancels_after_grace() -> None:
    invoice = make_invoice("100.00")
    plan = invoice.create_payment_plan(3, eur("20.00"), POLICY, DUE, NOW, "persons/x")
    first_due = plan.instalments[0].due_date
    assert not invoice.follow_payment_plan(first_due, 14, NOW)
    assert invoice.follow_payment_plan(first_due + timedelta(days=1), 14, NOW)
    assert plan.instalments[0].overdue
    assert not invoice.follow_payment_plan(first_due + timedelta(days=14), 14, NOW)
    assert invoice.follow_payment_plan(first_due + timedelta(days=15), 14, NOW)
    assert plan.state is PlanState.CANCELLED and plan.missed_instalment
    # Collection continues from the plan's stage.
    assert invoice.next_collection_step(first_due + timedelta(days=15)) is not None


def test_no_letters_while_a_plan_is_active() -> None:
    invoice = make_invoice("500.00")
    invoice.create_payment_plan(2, eur("20.00"), POLICY, DUE, NOW, "persons/x")
    assert invoice.next_collection_step(after_due(40)) is None


# ------------------------------------------------------------------ properties


@given(
    st.integers(min_value=1, max_value=10_000_000),
    st.integers(min_value=1, max_value=12),
)
def test_instalments_always_sum_to_the_total(total_cents: int, count: int) -> None:
    total = Money.from_minor_units(total_cents, "EUR")
    amounts = instalment_amounts(total, count)
    assert Money.sum(amounts, "EUR") == total
    assert len({a for a in amounts[:-1]}) <= 1
    assert all(not a.is_negative() for a in amounts)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)), st.integers(1, 12))
def test_add_months_stays_in_the_target_month(start: date, months: int) -> None:
    moved = add_months(start, months)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    assert moved.day <= start.day


ACTIONS = st.lists(
    st.sampled_from(["extend", "plan", "cancel", "letter", "cost"]), min_size=1, max_size=12
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=5_000, max_value=500_000),
    st.booleans(),
    ACTIONS,
    st.integers(min_value=2, max_value=12),
)
def test_no_fee_exceeds_its_cap_after_any_sequence(
    capital_cents: int, company: bool, actions: list[str], count: int
) -> None:
    invoice = make_invoice(
        str(Money.from_minor_units(capital_cents, "EUR").amount), company=company
    )
    policy = PaymentTimePolicy(max_extensions=3, max_plans=5)
    today = DUE
    for action in actions:
        today += timedelta(days=16)
        if action == "extend":
            option = extension_option(invoice, policy, today)
            if option.available and option.fee is not None and option.earliest_due_date:
                invoice.extend_due_date(
                    option.earliest_due_date, option.fee, policy, today, NOW, "p"
                )
        elif action == "plan":
            plans = plan_option(invoice, policy, today)
            choice = plans.choice(count) or (plans.choices[0] if plans.choices else None)
            if choice is not None:
                plan = invoice.create_payment_plan(
                    choice.instalment_count, choice.fee, policy, today, NOW, "p"
                )
                total = Money.sum((i.amount for i in plan.instalments), "EUR")
                assert total == plan.total_amount == choice.total_amount
        elif action == "cancel" and invoice.active_plan is not None:
            invoice.cancel_payment_plan(invoice.active_plan.id, NOW, actor="s", reason="r")
        elif action == "letter":
            invoice.progress_collection(today, CollectionPolicy(), NOW)
        elif invoice.active_plan is None:
            # Other costs, but never above the cap themselves (they are not ours to cap).
            room = eur("7.00") if company else min(eur("7.00"), _cap(invoice) - _costs(invoice))
            if room.is_positive():
                invoice.ledger.charge(ComponentType.OTHER_COST, room, today)
    ledger = invoice.ledger
    for component in ledger.components:
        if component.type is ComponentType.DUE_DATE_EXTENSION_FEE:
            assert not eur("5.00") < component.amount
        if component.type is ComponentType.PAYMENT_PLAN_FEE:
            assert not eur("50.00") < component.amount
    if not company:
        assert ledger.count_of(ComponentType.PAYMENT_PLAN_FEE) <= 2
        assert not _cap(invoice) < _costs(invoice)


def _costs(invoice: Invoice) -> Money:
    return invoice.ledger.costs_charged


def _cap(invoice: Invoice) -> Money:
    cap = total_cap(CONSUMER_TABLE_2013, invoice.ledger.net_capital)
    assert cap is not None
    return cap
