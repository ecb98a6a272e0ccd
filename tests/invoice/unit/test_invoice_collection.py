"""Stage progression: reminder and payment demands by the §10 b timing, fees within the caps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from ropo_invoice.domain.collection import next_collection_step
from ropo_invoice.domain.costs import FeeLimit
from ropo_invoice.domain.events import CostAdded, InvoiceStageChanged, LetterIssued
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, Language, PostalAddress, ProtectedNationalId
from ropo_invoice.domain.policy import CollectionPolicy, CollectionPolicyInvalid
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
DUE = date(2026, 1, 1)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
POLICY = CollectionPolicy()


def eur(amount: str) -> Money:
    return Money.eur(amount)


def day(n: int) -> date:
    """``n`` days after the due date."""
    return DUE + timedelta(days=n)


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


def progress(invoice: Invoice, n: int, policy: CollectionPolicy = POLICY) -> Letter | None:
    return invoice.progress_collection(day(n), policy, NOW)


# --------------------------------------------------------------------------- timing


@pytest.mark.parametrize(("days_after_due", "sent"), [(1, False), (14, False), (15, True)])
def test_the_reminder_comes_only_after_more_than_14_days(days_after_due: int, sent: bool) -> None:
    invoice = make_invoice()
    assert (progress(invoice, days_after_due) is not None) is sent
    assert invoice.stage is (Stage.REMINDER if sent else Stage.INVOICE)


def test_the_reminder_letter_fee_stage_and_events() -> None:
    invoice = make_invoice()
    letter = progress(invoice, 15)
    assert letter is not None
    assert letter.type is LetterType.REMINDER
    assert letter.issued_on == day(15)
    assert letter.due_date == day(29)  # 14 days to pay by default
    assert letter.fee == eur("5.00")
    assert letter.sequence == 1
    assert letter.open_amount == eur("129.00")
    assert invoice.letters == (letter,)
    assert invoice.pay_by_date == day(29)
    assert invoice.due_date == DUE  # interest still runs from the invoice's due date
    events = invoice.pull_events()
    assert [type(e) for e in events] == [CostAdded, LetterIssued, InvoiceStageChanged]
    cost, issued, changed = events
    assert isinstance(cost, CostAdded) and isinstance(issued, LetterIssued)
    assert isinstance(changed, InvoiceStageChanged)
    assert cost.type is ComponentType.REMINDER_FEE
    assert cost.amount == eur("5.00")
    assert cost.letter_id == letter.id
    assert issued.letter == letter
    assert (changed.previous, changed.stage) == (Stage.INVOICE, Stage.REMINDER)
    assert changed.debtor_party == invoice.debtor.party


def test_a_demand_comes_more_than_14_days_after_the_reminder() -> None:
    invoice = make_invoice()
    progress(invoice, 15)
    assert progress(invoice, 29) is None  # 14 days after the reminder (and its pay-by day)
    demand = progress(invoice, 30)
    assert demand is not None
    assert demand.type is LetterType.PAYMENT_DEMAND
    assert demand.fee == eur("24.00")
    assert invoice.stage is Stage.COLLECTION


def test_the_next_letter_waits_for_the_previous_pay_by_date() -> None:
    invoice = make_invoice()
    slow = CollectionPolicy(days_to_pay=20)
    reminder = progress(invoice, 15, slow)
    assert reminder is not None and reminder.due_date == day(35)
    assert progress(invoice, 30, slow) is None  # spacing met, pay-by date not passed
    assert progress(invoice, 35, slow) is None  # the pay-by day itself
    assert progress(invoice, 36, slow) is not None


def test_a_later_due_date_postpones_collection() -> None:
    invoice = make_invoice()
    invoice.due_date = day(10)  # e.g. an extension
    assert progress(invoice, 15) is None
    assert progress(invoice, 24) is None
    assert progress(invoice, 25) is not None


def test_two_demands_then_voluntary_collection_ends() -> None:
    invoice = make_invoice()
    letters = [progress(invoice, n) for n in (15, 30, 45, 60, 120)]
    fees = [None if letter is None else letter.fee for letter in letters]
    assert fees == [eur("5.00"), eur("24.00"), eur("12.00"), None, None]
    second = letters[2]
    assert second is not None and second.sequence == 2
    assert invoice.ledger.costs_charged == eur("41.00")
    assert invoice.stage is Stage.COLLECTION


def test_every_letter_gives_at_least_ten_days_to_pay() -> None:
    invoice = make_invoice()
    policy = CollectionPolicy(days_to_pay=10)
    letters = [progress(invoice, n, policy) for n in (15, 30, 45)]
    assert all(letter is not None and letter.days_to_pay == 10 for letter in letters)


# ------------------------------------------------------------------------- fees, caps


def test_total_cap_limits_the_demand_fee() -> None:
    invoice = make_invoice("50.00")  # total cap 60 €
    invoice.ledger.charge(ComponentType.OTHER_COST, eur("50.00"), day(1))
    reminder = progress(invoice, 15)
    demand = progress(invoice, 30)
    assert reminder is not None and reminder.fee == eur("5.00")
    assert demand is not None and demand.fee == eur("5.00")  # 14 € asked, 5 € room
    third = invoice.next_collection_step(day(45), CollectionPolicy(max_payment_demands=3))
    assert third is not None and third.fee.limited_by is FeeLimit.TOTAL_CAP
    assert invoice.ledger.costs_charged == eur("60.00")


def test_the_asked_fee_is_capped() -> None:
    invoice = make_invoice()
    greedy = CollectionPolicy(reminder_fee=eur("15.00"), payment_demand_fee=eur("99.00"))
    reminder = progress(invoice, 15, greedy)
    demand = progress(invoice, 30, greedy)
    assert reminder is not None and reminder.fee == eur("5.00")
    assert demand is not None and demand.fee == eur("24.00")


def test_a_free_reminder_is_still_a_letter() -> None:
    invoice = make_invoice()
    letter = progress(invoice, 15, CollectionPolicy(reminder_fee=eur("0")))
    assert letter is not None and letter.fee == eur("0")
    assert invoice.ledger.costs_charged == eur("0")
    assert [type(e) for e in invoice.pull_events()] == [LetterIssued, InvoiceStageChanged]


def test_letters_without_a_fee_can_be_turned_off() -> None:
    invoice = make_invoice()
    policy = CollectionPolicy(max_payment_demands=3, send_letters_without_fee=False)
    for n in (15, 30, 45):
        assert progress(invoice, n, policy) is not None
    assert progress(invoice, 60, policy) is None  # a third demand may not carry a fee


def test_a_spacing_rule_counts_from_a_free_letter_too() -> None:
    invoice = make_invoice()
    progress(invoice, 15, CollectionPolicy(reminder_fee=eur("0")))
    assert progress(invoice, 29) is None


def test_no_fee_once_the_capital_is_paid() -> None:
    invoice = make_invoice()
    progress(invoice, 15)
    invoice.receive_payment("p-1", eur("124.00"), day(20), NOW)  # consumer: capital first
    assert invoice.ledger.open_amount == eur("5.00")
    demand = progress(invoice, 30)
    assert demand is not None and demand.fee == eur("0")


# ------------------------------------------------------------------------- companies


def test_a_company_may_skip_the_reminder_and_letters_are_ten_days_apart() -> None:
    invoice = make_invoice("2000.00", company=True)
    policy = CollectionPolicy(
        skip_reminder_for_companies=True, days_to_pay=10, charge_fixed_compensation=True
    )
    first = progress(invoice, 15, policy)
    assert first is not None and first.type is LetterType.PAYMENT_DEMAND
    assert first.fee == eur("70.00")
    assert invoice.stage is Stage.COLLECTION
    assert invoice.ledger.open_by_type(ComponentType.FIXED_COMPENSATION) == eur("40.00")
    assert first.open_amount == eur("2110.00")
    assert progress(invoice, 25, policy) is None  # 10 days, but the pay-by day itself
    second = progress(invoice, 26, policy)
    assert second is not None and second.fee == eur("35.00")
    assert invoice.ledger.count_of(ComponentType.FIXED_COMPENSATION) == 1


def test_a_company_reminder_costs_at_most_12_euros() -> None:
    invoice = make_invoice(company=True)
    letter = progress(invoice, 15)
    assert letter is not None and letter.fee == eur("12.00")


# ---------------------------------------------------------------------- nothing to do


def test_nothing_is_sent_on_hold_or_when_paid() -> None:
    disputed = make_invoice()
    disputed.move_to(Stage.DISPUTED, NOW)
    confirmed = make_invoice()
    confirmed.confirm_payment("p-1", eur("124.00"), NOW)
    paid = make_invoice()
    paid.receive_payment("p-1", eur("124.00"), DUE, NOW)
    monitoring = make_invoice()
    monitoring.move_to(Stage.COLLECTION, NOW)
    monitoring.move_to(Stage.PAYMENT_MONITORING, NOW)
    for invoice in (disputed, confirmed, paid, monitoring):
        assert next_collection_step(invoice, day(100), POLICY) is None
        assert progress(invoice, 100) is None


def test_an_invoice_moved_to_collection_gets_a_demand_not_a_reminder() -> None:
    invoice = make_invoice()
    invoice.move_to(Stage.COLLECTION, NOW)
    letter = progress(invoice, 15)
    assert letter is not None and letter.type is LetterType.PAYMENT_DEMAND


# --------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days_to_pay": 9}, "collection_policy.days_to_pay"),
        ({"reminder_after_days": 13}, "collection_policy.reminder_after_days"),
        ({"consumer_letter_spacing_days": 13}, "collection_policy.consumer_letter_spacing_days"),
        ({"company_letter_spacing_days": 9}, "collection_policy.company_letter_spacing_days"),
        ({"reminder_fee": Money.eur("-1")}, "collection_policy.reminder_fee"),
        ({"max_payment_demands": -1}, "collection_policy.max_payment_demands"),
    ],
)
def test_policy_values_below_the_statutory_minimums_are_refused(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(CollectionPolicyInvalid) as error:
        CollectionPolicy(**changes)  # type: ignore[arg-type]
    assert [v.field for v in error.value.violations] == [field]


def test_a_creditor_starts_with_the_statutory_default_policy() -> None:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    assert creditor.collection_policy == CollectionPolicy()
    assert creditor.collection_policy.days_to_pay == 14
    assert creditor.collection_policy.max_payment_demands == 2


def test_a_slower_policy_is_followed() -> None:
    invoice = make_invoice()
    policy = CollectionPolicy(reminder_after_days=21)
    assert progress(invoice, 21, policy) is None
    assert progress(invoice, 22, policy) is not None
