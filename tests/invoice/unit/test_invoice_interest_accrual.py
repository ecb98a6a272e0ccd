"""Accruing penalty interest on the invoice: from the day after the due date, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ropo_invoice.domain.events import InterestCharged
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.interest import ReferenceRateTable, UnknownReferenceRate
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, PostalAddress
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
# 2025 H1 3.15 % → 10.15 % consumer, 11.15 % company.
TABLE = ReferenceRateTable.from_mapping(
    {date(2025, 1, 1): Decimal("3.15"), date(2025, 7, 1): Decimal("2.15")}
)


def eur(amount: str) -> Money:
    return Money.eur(amount)


def make_invoice(capital: str = "1000.00", *, company: bool = False) -> Invoice:
    creditor = Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )
    debtor = (
        Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
        if company
        else Debtor.person("Matti Meikäläinen", ADDRESS)
    )
    invoice = Invoice.register(
        creditor=creditor,
        invoice_number="1001",
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=date(2025, 2, 15),
        due_date=date(2025, 3, 1),
        capital=eur(capital),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )
    invoice.pull_events()
    return invoice


def test_interest_starts_the_day_after_the_due_date() -> None:
    invoice = make_invoice()
    assert invoice.accrue_interest(date(2025, 3, 1), TABLE, NOW) is None
    # 2025-03-02..31 = 30 days: 1000 × 0.1015 × 30 / 365 = 8.3424… → 8.34.
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) == eur("8.34")
    (event,) = invoice.pull_events()
    assert isinstance(event, InterestCharged)
    assert (event.start, event.end, event.amount) == (
        date(2025, 3, 2),
        date(2025, 3, 31),
        eur("8.34"),
    )
    assert event.principal == eur("1000.00")
    assert invoice.ledger.open_by_type(ComponentType.PENALTY_INTEREST) == eur("8.34")
    assert invoice.interest_accrued_until == date(2025, 3, 31)


def test_a_day_is_never_charged_twice() -> None:
    invoice = make_invoice()
    invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW)
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) is None
    assert invoice.accrue_interest(date(2025, 3, 20), TABLE, NOW) is None
    # 2025-04-01..10 = 10 days: 1000 × 0.1015 × 10 / 365 = 2.7808… → 2.78.
    assert invoice.accrue_interest(date(2025, 4, 10), TABLE, NOW) == eur("2.78")
    assert invoice.ledger.count_of(ComponentType.PENALTY_INTEREST) == 2
    assert invoice.ledger.interest_charged == eur("11.12")


def test_a_company_pays_eight_points_over_the_reference_rate() -> None:
    invoice = make_invoice(company=True)
    # 30 days at 11.15 %: 1000 × 0.1115 × 30 / 365 = 9.1643… → 9.16.
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) == eur("9.16")


def test_interest_runs_on_the_open_capital_only() -> None:
    invoice = make_invoice()
    invoice.ledger.charge(ComponentType.REMINDER_FEE, eur("5.00"), date(2025, 3, 20))
    invoice.receive_payment("p-1", eur("600.00"), date(2025, 3, 1), NOW)
    # 400 × 0.1015 × 30 / 365 = 3.3369… → 3.34.
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) == eur("3.34")


def test_less_than_a_cent_waits_so_that_no_interest_is_lost() -> None:
    invoice = make_invoice("1.00")
    # One day: 1 × 0.1015 / 365 = 0.00028 → nothing yet, the day stays pending.
    assert invoice.accrue_interest(date(2025, 3, 2), TABLE, NOW) is None
    assert invoice.interest_accrued_until is None
    # 2025-03-02..04-30 = 60 days: 1 × 0.1015 × 60 / 365 = 0.0167 → 0.02.
    assert invoice.accrue_interest(date(2025, 4, 30), TABLE, NOW) == eur("0.02")
    (event,) = invoice.pull_events()
    assert isinstance(event, InterestCharged) and event.start == date(2025, 3, 2)


def test_no_interest_while_disputed() -> None:
    invoice = make_invoice()
    invoice.move_to(Stage.DISPUTED, NOW)
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) is None
    invoice.move_to(Stage.COLLECTION, NOW)
    # The disputed days stay uncharged: 2025-04-01..10 only.
    assert invoice.accrue_interest(date(2025, 4, 10), TABLE, NOW) == eur("2.78")


def test_a_confirmed_payment_holds_interest_until_it_settles() -> None:
    invoice = make_invoice()
    invoice.confirm_payment("p-1", eur("1000.00"), NOW)
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) is None
    invoice.receive_payment("p-1", eur("1000.00"), date(2025, 4, 2), NOW)
    assert invoice.accrue_interest(date(2025, 4, 10), TABLE, NOW) is None
    assert invoice.ledger.interest_charged == eur("0")


def test_an_ended_invoice_earns_nothing() -> None:
    invoice = make_invoice()
    invoice.move_to(Stage.CANCELLED, NOW)
    assert invoice.accrue_interest(date(2025, 3, 31), TABLE, NOW) is None


def test_an_unknown_half_year_fails_and_changes_nothing() -> None:
    invoice = make_invoice()
    with pytest.raises(UnknownReferenceRate):
        invoice.accrue_interest(date(2026, 1, 5), TABLE, NOW)
    assert invoice.interest_accrued_until is None
    assert invoice.ledger.interest_charged == eur("0")
    assert invoice.pull_events() == []
