"""Property tests of the ledger and of collection.

- Allocation never creates or loses a cent: every payment is applied or excess,
  and the ledger's totals reconcile after any sequence of charges, payments and
  credit notes.
- No component and no total is ever negative, and a payment never covers a later
  group while an earlier one is open.
- Any run of daily collection (random dates, capitals, debtor kinds, policies and
  payments) keeps every fee within its cap, a consumer's costs within the total
  cap, and the letters within the timing rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ropo_invoice.domain.costs import (
    DEFAULT_COST_RULES,
    CollectionAction,
    action_cap,
    allowed_fee,
    total_cap,
)
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.interest import ReferenceRateTable
from ropo_invoice.domain.ledger import (
    AllocationOrder,
    ComponentType,
    CreditExceedsCapital,
    Ledger,
    component_group,
)
from ropo_invoice.domain.letters import COLLECTION_LETTER_TYPES
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, DebtorKind, PostalAddress
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

PROPERTY_SETTINGS = settings(
    deadline=None,  # a shared 2-core machine: timing says nothing about correctness
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
START = date(2023, 1, 1)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
# Made-up rates: the properties do not depend on their values, only on coverage.
TABLE = ReferenceRateTable.from_mapping(
    {
        date(year, month, 1): Decimal(rate)
        for year in range(2023, 2029)
        for month, rate in ((1, "2.50"), (7, "4.00"))
    }
)

cents = st.integers(min_value=1, max_value=5_000_000)
fee_types = st.sampled_from([t for t in ComponentType if t is not ComponentType.CAPITAL])
orders = st.sampled_from(list(AllocationOrder))
days = st.integers(min_value=0, max_value=400)


def eur_cents(minor: int) -> Money:
    return Money.from_minor_units(minor, "EUR")


def zero() -> Money:
    return Money.zero("EUR")


# ----------------------------------------------------------------- ledger operations


@dataclass(frozen=True)
class Charge:
    type: ComponentType
    minor: int
    day: int


@dataclass(frozen=True)
class Pay:
    minor: int
    order: AllocationOrder


@dataclass(frozen=True)
class Credit:
    minor: int


operations = st.lists(
    st.one_of(
        st.builds(Charge, fee_types, cents, days),
        st.builds(Pay, cents, orders),
        st.builds(Credit, cents),
    ),
    max_size=25,
)


def assert_reconciles(ledger: Ledger) -> None:
    for component in ledger.components:
        assert not component.paid_amount.is_negative()
        assert not component.credited_amount.is_negative()
        assert not component.open_amount.is_negative()
        assert component.paid_amount + component.credited_amount + component.open_amount == (
            component.amount
        )
    assert not ledger.open_amount.is_negative()
    assert ledger.paid_amount + ledger.credited_amount + ledger.open_amount == (ledger.total_amount)


@PROPERTY_SETTINGS
@given(capital=cents, steps=operations)
def test_ledger_operations_never_create_or_lose_a_cent(capital: int, steps: list[object]) -> None:
    ledger = Ledger.open(eur_cents(capital), START)
    charged, paid_in, excess_out, refunded = eur_cents(capital), zero(), zero(), zero()
    for step in steps:
        if isinstance(step, Charge):
            ledger.charge(step.type, eur_cents(step.minor), START + timedelta(days=step.day))
            charged = charged + eur_cents(step.minor)
        elif isinstance(step, Pay):
            open_before = {c.id: c.open_amount for c in ledger.components}
            allocation = ledger.allocate(eur_cents(step.minor), step.order)
            assert allocation.applied_total + allocation.excess == eur_cents(step.minor)
            for part in allocation.applied:
                assert zero() < part.amount <= open_before[part.component_id]
            if allocation.excess.is_positive():
                assert ledger.is_settled
            # No group is covered while a group before it in the order is still open.
            groups = step.order.groups
            for part in allocation.applied:
                rank = groups.index(component_group(part.type))
                for earlier in groups[:rank]:
                    assert ledger.open_by_group(earlier).is_zero()
            paid_in = paid_in + eur_cents(step.minor)
            excess_out = excess_out + allocation.excess
        else:
            assert isinstance(step, Credit)
            creditable = ledger.net_capital
            try:
                result = ledger.credit(eur_cents(step.minor))
            except CreditExceedsCapital:
                assert eur_cents(step.minor) > creditable
                continue
            assert result.reduced_open + result.refund_due == eur_cents(step.minor)
            refunded = refunded + result.refund_due
        assert_reconciles(ledger)
        assert ledger.total_amount == charged
        # Every cent paid in is on the ledger, was excess, or is due back after a credit.
        assert paid_in == ledger.paid_amount + excess_out + refunded


# ------------------------------------------------------------------ on the invoice


def new_invoice(capital: int, kind: DebtorKind, due: date) -> Invoice:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    debtor = (
        Debtor.person("Matti Meikäläinen", ADDRESS)
        if kind is DebtorKind.PERSON
        else Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
    )
    return Invoice.register(
        creditor=creditor,
        invoice_number="1001",
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=due - timedelta(days=14),
        due_date=due,
        capital=eur_cents(capital),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )


kinds = st.sampled_from(list(DebtorKind))
due_dates = st.dates(min_value=date(2023, 1, 15), max_value=date(2026, 12, 31))
payments = st.lists(
    st.tuples(st.sampled_from(["p-1", "p-2", "p-3", "p-4", "p-5"]), cents), max_size=10
)


@PROPERTY_SETTINGS
@given(capital=cents, kind=kinds, due=due_dates, fee=st.integers(1, 5000), paid=payments)
def test_payments_on_the_invoice_are_counted_once_and_fully(
    capital: int, kind: DebtorKind, due: date, fee: int, paid: list[tuple[str, int]]
) -> None:
    invoice = new_invoice(capital, kind, due)
    invoice.ledger.charge(ComponentType.REMINDER_FEE, eur_cents(fee), due)
    first_amounts: dict[str, Money] = {}
    excess = zero()
    for payment, minor in paid:
        allocation = invoice.receive_payment(payment, eur_cents(minor), due, NOW)
        if payment in first_amounts:
            assert allocation.amount.is_zero()  # a redelivery does nothing
        else:
            first_amounts[payment] = eur_cents(minor)
        excess = excess + allocation.excess
        assert_reconciles(invoice.ledger)
        assert (invoice.stage is Stage.PAID) == invoice.ledger.is_settled
    received = Money.sum(first_amounts.values(), "EUR")
    assert received == invoice.ledger.paid_amount + excess
    assert set(invoice.applied_payment_ids) == set(first_amounts)


# ---------------------------------------------------------------- collection runs


policies = st.builds(
    CollectionPolicy,
    reminder_enabled=st.booleans(),
    reminder_fee=st.one_of(st.none(), st.none(), st.integers(0, 3000).map(eur_cents)),
    payment_demand_fee=st.one_of(st.none(), st.none(), st.integers(0, 20000).map(eur_cents)),
    max_payment_demands=st.integers(0, 5),
    skip_reminder_for_companies=st.booleans(),
    days_to_pay=st.integers(10, 30),
    send_letters_without_fee=st.booleans(),
    charge_fixed_compensation=st.booleans(),
    consumer_letter_spacing_days=st.integers(14, 30),
    company_letter_spacing_days=st.integers(10, 30),
)
#: Other features (extensions, payment plans) charge through the same cost rules.
other_costs = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from([CollectionAction.DUE_DATE_EXTENSION, CollectionAction.PAYMENT_PLAN]),
        st.integers(0, 10_000),
        st.integers(1, 12),
    ),
)
#: What happens on some days of a run besides the daily collection step: a payment
#: (usually partial; a large one now and then ends the run) and other fees.
day_events = st.tuples(
    st.one_of(st.none(), st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 5_000_000)),
    other_costs,
)
#: Capitals from every cost tier, with the tier boundaries themselves likely.
capitals = st.one_of(
    st.integers(1, 10_000),
    st.integers(10_001, 100_000),
    st.integers(100_001, 2_000_000),
    st.sampled_from([10_000, 10_001, 50_000, 50_001, 100_000, 100_001, 250_001, 1_000_001]),
)


def cap_for(kind: DebtorKind, action: CollectionAction, capital: Money, on: date) -> Money:
    table = DEFAULT_COST_RULES.table_for(kind, on)
    return action_cap(table, action, capital, previous_actions=0)


@PROPERTY_SETTINGS
@given(
    capital=capitals,
    kind=kinds,
    due=st.dates(min_value=date(2023, 1, 15), max_value=date(2026, 6, 30)),
    policy=policies,
    horizon=st.integers(15, 200),
    events=st.dictionaries(st.integers(1, 200), day_events, max_size=8),
    earlier_share=st.integers(0, 100),
)
def test_collection_runs_stay_within_the_caps_and_the_timing_rules(
    capital: int,
    kind: DebtorKind,
    due: date,
    policy: CollectionPolicy,
    horizon: int,
    events: dict[int, tuple[int | None, tuple[CollectionAction, int, int] | None]],
    earlier_share: int,
) -> None:
    invoice = new_invoice(capital, kind, due)
    # Costs charged before the run: up to the whole total cap, so that it matters.
    room = total_cap(DEFAULT_COST_RULES.table_for(DebtorKind.PERSON, due), eur_cents(capital))
    assert room is not None
    earlier = room.multiply(Decimal(earlier_share) / 100)
    if earlier.is_positive():
        invoice.ledger.charge(ComponentType.OTHER_COST, earlier, due)
    today = due
    for number in range(1, horizon + 1):
        # The worker's daily run: interest weekly, then the collection step.
        today = due + timedelta(days=number)
        if number % 7 == 0:
            invoice.accrue_interest(today, TABLE, NOW)
        payment, other = events.get(number, (None, None))
        if other is not None:
            action, asked, instalments = other
            fee = allowed_fee(
                invoice.ledger, kind, action, eur_cents(asked), on=today, instalments=instalments
            )
            if fee.is_positive():
                invoice.ledger.charge(action.component_type, fee, today)
        if payment is not None:
            invoice.receive_payment(f"p-{number}", eur_cents(payment), today, NOW)
        invoice.progress_collection(today, policy, NOW)
    assert_reconciles(invoice.ledger)

    ledger = invoice.ledger
    net_capital = ledger.net_capital
    for component in ledger.components:
        if component.type is ComponentType.REMINDER_FEE:
            cap = cap_for(kind, CollectionAction.REMINDER, net_capital, component.charge_date)
            assert component.amount <= cap
        elif component.type is ComponentType.PAYMENT_DEMAND_FEE:
            cap = cap_for(kind, CollectionAction.PAYMENT_DEMAND, net_capital, today)
            assert component.amount <= cap
    if kind is DebtorKind.PERSON:
        table = DEFAULT_COST_RULES.table_for(kind, today)
        cap_total = total_cap(table, net_capital)
        assert cap_total is not None and ledger.costs_charged <= cap_total
        assert ledger.count_of(ComponentType.PAYMENT_DEMAND_FEE) <= 2
        assert ledger.count_of(ComponentType.FIXED_COMPENSATION) == 0
    else:
        assert ledger.count_of(ComponentType.FIXED_COMPENSATION) <= 1

    letters = [letter for letter in invoice.letters if letter.type in COLLECTION_LETTER_TYPES]
    demands = [letter for letter in letters if letter.type.value == "payment_demand"]
    assert len(demands) <= policy.max_payment_demands
    if letters:
        waited = (letters[0].issued_on - due).days
        assert waited > policy.reminder_wait_days(kind)
    for letter in letters:
        assert letter.days_to_pay == policy.days_to_pay >= 10
    for previous, letter in pairwise(letters):
        assert letter.issued_on > previous.due_date
        spacing = (letter.issued_on - previous.issued_on).days
        if kind is DebtorKind.PERSON:
            assert spacing > policy.consumer_letter_spacing_days >= 14
        else:
            assert spacing >= policy.company_letter_spacing_days >= 10
