"""The balance certificate's figures: every amount is the ledger's, totals add up exactly,
and the interest is explained by the charges as recorded (periods and rates)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from ropo_invoice.domain.balance import (
    BalanceCertificate,
    ChargedInterest,
    InterestRun,
    RatePeriod,
    build_balance_certificate,
    interest_runs,
)
from ropo_invoice.domain.costs import COMPANY_TABLE_2022, CONSUMER_TABLE_2013
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.events import InterestCharged
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.interest import ReferenceRateTable
from ropo_invoice.domain.ledger import COST_TYPES, AllocationOrder, ComponentType, Ledger
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import (
    Debtor,
    DebtorKind,
    Language,
    PostalAddress,
    ProtectedNationalId,
)
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.domain.stage import Stage
from ropo_platform.money import Money

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
#: Different rates each half-year, so that a split at 1 July shows.
RATES = ReferenceRateTable.from_mapping(
    {
        date(2025, 7, 1): Decimal("2.15"),
        date(2026, 1, 1): Decimal("2.00"),
        date(2026, 7, 1): Decimal("1.90"),
    }
)
PERSON = Debtor.person(
    "Matti Meikäläinen",
    ADDRESS,
    Language.FI,
    ProtectedNationalId("a" * 32, b"\x01sealed", "010190-****"),
)
COMPANY = Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
CREDITOR = Creditor.register(
    "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
)


def eur(amount: str) -> Money:
    return Money.eur(amount)


def make_invoice(
    number: str,
    capital: str,
    *,
    debtor: Debtor = PERSON,
    due: date = date(2025, 12, 15),
    currency: str = "EUR",
) -> Invoice:
    invoice = Invoice.register(
        creditor=CREDITOR,
        invoice_number=number,
        debtor=debtor,
        reference=PaymentReference.parse("1232"),
        issue_date=due - timedelta(days=14),
        due_date=due,
        capital=Money(capital, currency),
        payee_account=BankAccount("FI2112345600000785", "NDEAFIHH"),
        now=NOW,
    )
    invoice.pull_events()
    return invoice


def collect(invoice: Invoice, until: date, *, step_days: int = 7) -> list[ChargedInterest]:
    """Run interest and letters every ``step_days`` through ``until``, like the worker;
    returns the interest charges as recorded (the timeline's ``InterestCharged``)."""
    day = invoice.due_date + timedelta(days=1)
    recorded: list[ChargedInterest] = []
    while day <= until:
        invoice.accrue_interest(day - timedelta(days=1), RATES, NOW)
        invoice.progress_collection(day, CollectionPolicy(), NOW)
        recorded += [
            ChargedInterest(event.start, event.end, event.amount)
            for event in invoice.pull_events()
            if isinstance(event, InterestCharged)
        ]
        day += timedelta(days=step_days)
    return recorded


def certificate_of(
    invoices: Iterable[Invoice],
    recorded: dict[str, list[ChargedInterest]] | None = None,
    *,
    party: str = PERSON.party,
    issued_on: date = date(2026, 9, 1),
) -> BalanceCertificate:
    return build_balance_certificate(
        debtor_party=party,
        debtor_name="Matti Meikäläinen",
        issued_on=issued_on,
        invoices=invoices,
        recorded_interest=recorded or {},
        rates=RATES,
    )


def collected_cases() -> tuple[list[Invoice], dict[str, list[ChargedInterest]]]:
    """Three open consumer cases with reminders, demands, interest and part payments."""
    small = make_invoice("1001", "124.00")
    large = make_invoice("1002", "1500.00", due=date(2026, 2, 1))
    untouched = make_invoice("1003", "39.90", due=date(2026, 8, 20))
    recorded = {
        small.id: collect(small, date(2026, 8, 31)),
        large.id: collect(large, date(2026, 8, 31)),
        untouched.id: collect(untouched, date(2026, 8, 31)),
    }
    small.receive_payment("p-1", eur("50.00"), date(2026, 3, 1), NOW)
    large.receive_payment("p-2", eur("1499.99"), date(2026, 8, 1), NOW)
    return [small, large, untouched], recorded


# ----------------------------------------------------------------------------- figures


def test_every_figure_is_the_ledgers_open_amount_by_component_type() -> None:
    invoices, recorded = collected_cases()
    certificate = certificate_of(invoices, recorded)

    by_id = {invoice.id: invoice for invoice in invoices}
    assert {case.invoice_id for case in certificate.cases} == set(by_id)
    for case in certificate.cases:
        ledger = by_id[case.invoice_id].ledger
        costs_open = Money.sum((ledger.open_by_type(t) for t in COST_TYPES), "EUR")
        assert case.capital.open == ledger.open_by_type(ComponentType.CAPITAL)
        assert case.interest.open == ledger.open_by_type(ComponentType.PENALTY_INTEREST)
        assert case.costs.open == costs_open
        assert case.total_open == ledger.open_amount
        assert case.capital.charged == ledger.capital
        assert case.interest.charged == ledger.interest_charged
        assert case.costs.charged == ledger.costs_charged
        cost_components = [c for c in ledger.components if c.type in COST_TYPES]
        assert [(i.type, i.charge_date, i.amount, i.open_amount) for i in case.cost_items] == [
            (c.type, c.charge_date, c.amount, c.open_amount) for c in cost_components
        ]
        assert Money.sum((run.charged for run in case.interest_runs), "EUR") == (
            ledger.interest_charged
        )
        assert Money.sum((run.open_amount for run in case.interest_runs), "EUR") == (
            case.interest.open
        )
    # The collection did what the test is about: fees, interest and payments.
    small = next(c for c in certificate.cases if c.invoice_number == "1001")
    assert {i.type for i in small.cost_items} == {
        ComponentType.REMINDER_FEE,
        ComponentType.PAYMENT_DEMAND_FEE,
    }
    assert small.capital.paid == eur("50.00") and small.interest.open.is_positive()

    (total,) = certificate.totals
    assert total.case_count == 3
    assert total.capital_open == Money.sum((c.capital.open for c in certificate.cases), "EUR")
    assert total.interest_open == Money.sum((c.interest.open for c in certificate.cases), "EUR")
    assert total.costs_open == Money.sum((c.costs.open for c in certificate.cases), "EUR")
    assert total.total_open == Money.sum((i.ledger.open_amount for i in invoices), "EUR")


def test_paid_and_credited_invoices_are_not_on_the_certificate() -> None:
    paid = make_invoice("2001", "80.00")
    paid.receive_payment("p-1", eur("80.00"), date(2025, 12, 10), NOW)
    credited = make_invoice("2002", "60.00")
    credited.apply_credit_note("HL-1", eur("60.00"), NOW)
    open_one = make_invoice("2003", "10.00")
    assert (paid.stage, credited.stage) == (Stage.PAID, Stage.CREDITED)

    certificate = certificate_of([paid, credited, open_one])

    assert [case.invoice_number for case in certificate.cases] == ["2003"]
    assert certificate.totals[0].total_open == eur("10.00")


def test_a_credit_note_shows_as_credited_capital() -> None:
    invoice = make_invoice("2101", "100.00")
    invoice.apply_credit_note("HL-2", eur("30.00"), NOW)

    (case,) = certificate_of([invoice]).cases

    assert (case.capital.charged, case.capital.credited, case.capital.open) == (
        eur("100.00"),
        eur("30.00"),
        eur("70.00"),
    )


def test_an_invoice_of_another_debtor_is_refused() -> None:
    other = make_invoice("3001", "10.00", debtor=COMPANY)
    with pytest.raises(InvalidValue):
        certificate_of([other])


def test_no_open_cases_gives_an_empty_certificate() -> None:
    certificate = certificate_of([])
    assert (certificate.cases, certificate.totals, certificate.cost_tables) == ((), (), ())
    assert certificate.debtor_name == "Matti Meikäläinen"
    assert certificate.business_id == ""


def test_cases_run_oldest_first_and_currencies_are_totalled_apart() -> None:
    newer = make_invoice("4002", "20.00", due=date(2026, 3, 1))
    older = make_invoice("4001", "30.00", due=date(2026, 1, 1))
    crowns = make_invoice("4003", "100.00", currency="SEK")

    certificate = certificate_of([newer, crowns, older])

    assert [c.invoice_number for c in certificate.cases] == ["4001", "4002", "4003"]
    assert [(t.currency, t.case_count, t.total_open) for t in certificate.totals] == [
        ("EUR", 2, eur("50.00")),
        ("SEK", 1, Money("100.00", "SEK")),
    ]
    # The statutory caps exist only in euros.
    assert [c.cost_cap for c in certificate.cases] == [eur("60.00"), eur("60.00"), None]


def test_consumer_and_company_rules() -> None:
    person = certificate_of([make_invoice("5001", "500.00")])
    assert person.interest_margins == ((DebtorKind.PERSON, Decimal("7")),)
    assert person.cost_tables == (CONSUMER_TABLE_2013,)
    assert person.cases[0].cost_cap == eur("120.00")

    company = certificate_of([make_invoice("5002", "500.00", debtor=COMPANY)], party=COMPANY.party)
    assert company.interest_margins == ((DebtorKind.ORGANIZATION, Decimal("8")),)
    assert company.cost_tables == (COMPANY_TABLE_2022,)
    assert company.cases[0].cost_cap is None
    assert company.business_id == "0112038-9"


# ---------------------------------------------------------------------------- interest


def test_consecutive_charges_make_one_run_with_the_rate_of_each_half_year() -> None:
    invoice = make_invoice("6001", "1000.00", due=date(2026, 6, 20))
    recorded = collect(invoice, date(2026, 7, 20), step_days=1)
    assert len(recorded) > 20  # charged day by day, like a daily worker

    (case,) = certificate_of([invoice], {invoice.id: recorded}).cases

    (run,) = case.interest_runs
    assert (run.start, run.end) == (date(2026, 6, 21), date(2026, 7, 19))
    assert run.charged == invoice.ledger.interest_charged
    assert run.rates == (
        RatePeriod(date(2026, 6, 21), date(2026, 6, 30), Decimal("2.00"), Decimal("7")),
        RatePeriod(date(2026, 7, 1), date(2026, 7, 19), Decimal("1.90"), Decimal("7")),
    )
    assert [p.rate for p in run.rates] == [Decimal("9.00"), Decimal("8.90")]


def _interest_ledger(*charges: tuple[date, str]) -> Ledger:
    ledger = Ledger.open(eur("1000.00"), date(2026, 1, 1))
    for end, amount in charges:
        ledger.charge(ComponentType.PENALTY_INTEREST, eur(amount), end)
    return ledger


def _runs(ledger: Ledger, recorded: list[ChargedInterest]) -> tuple[InterestRun, ...]:
    interest = [c for c in ledger.components if c.type is ComponentType.PENALTY_INTEREST]
    return interest_runs(interest, recorded, DebtorKind.PERSON, RATES)


def test_days_without_interest_start_a_new_run() -> None:
    ledger = _interest_ledger((date(2026, 2, 10), "2.47"), (date(2026, 3, 31), "1.23"))
    recorded = [
        ChargedInterest(date(2026, 2, 1), date(2026, 2, 10), eur("2.47")),
        # 11.2.–14.3. passed without interest (a dispute, a payment plan).
        ChargedInterest(date(2026, 3, 15), date(2026, 3, 31), eur("1.23")),
    ]

    runs = _runs(ledger, recorded)

    assert [(r.start, r.end, r.charged) for r in runs] == [
        (date(2026, 2, 1), date(2026, 2, 10), eur("2.47")),
        (date(2026, 3, 15), date(2026, 3, 31), eur("1.23")),
    ]


def test_an_unrecorded_charge_shows_only_its_amount_and_last_day() -> None:
    ledger = _interest_ledger((date(2026, 2, 10), "2.47"), (date(2026, 2, 20), "3.00"))
    # Nothing recorded for the first; the second's record disagrees on the amount.
    recorded = [ChargedInterest(date(2026, 2, 11), date(2026, 2, 20), eur("2.99"))]

    runs = _runs(ledger, recorded)

    assert runs == (
        InterestRun(None, date(2026, 2, 10), eur("2.47"), eur("2.47"), ()),
        InterestRun(None, date(2026, 2, 20), eur("3.00"), eur("3.00"), ()),
    )


def test_a_half_year_missing_from_the_table_leaves_the_rate_unknown() -> None:
    ledger = _interest_ledger((date(2025, 6, 30), "5.00"))
    recorded = [ChargedInterest(date(2025, 6, 1), date(2025, 6, 30), eur("5.00"))]

    (run,) = _runs(ledger, recorded)

    assert run.rates == (RatePeriod(date(2025, 6, 1), date(2025, 6, 30), None, Decimal("7")),)
    assert run.rates[0].rate is None


def test_paid_interest_is_not_open() -> None:
    ledger = _interest_ledger((date(2026, 2, 10), "2.47"))
    ledger.allocate(eur("1001.00"), AllocationOrder.CONSUMER)  # capital first, then 1 € interest
    recorded = [ChargedInterest(date(2026, 2, 1), date(2026, 2, 10), eur("2.47"))]

    (run,) = _runs(ledger, recorded)

    assert (run.charged, run.open_amount) == (eur("2.47"), eur("1.47"))
