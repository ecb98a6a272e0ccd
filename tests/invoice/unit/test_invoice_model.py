"""The invoice aggregate: registration, ledger amounts, stages and status texts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from ropo_invoice.domain.errors import InvalidStageTransition, InvalidValue, InvoiceValidationError
from ropo_invoice.domain.events import InvoiceRegistered, InvoiceStageChanged
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, PaymentReference
from ropo_invoice.domain.ledger import ComponentType, Ledger, LedgerComponent
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import (
    Debtor,
    DebtorKind,
    Language,
    PostalAddress,
    ProtectedNationalId,
)
from ropo_invoice.domain.stage import Stage, display_status
from ropo_platform.money import Money

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
ADDRESS = PostalAddress(("Testikatu 1",), "00100", "Helsinki")
PERSON_KEY = "a" * 32


def eur(amount: str) -> Money:
    return Money.eur(amount)


def creditor() -> Creditor:
    return Creditor.register(
        "Testi-yritys Oy", BusinessId.parse("2345678-0"), BankAccount("FI2112345600000785"), NOW
    )


def person() -> Debtor:
    protected = ProtectedNationalId(PERSON_KEY, b"\x01sealed", "010190-****")
    return Debtor.person("Matti Meikäläinen", ADDRESS, Language.FI, protected)


def register(**changes: object) -> Invoice:
    arguments: dict[str, object] = {
        "creditor": creditor(),
        "invoice_number": "1001",
        "debtor": person(),
        "reference": PaymentReference.parse("1232"),
        "issue_date": date(2026, 9, 1),
        "due_date": date(2026, 9, 15),
        "capital": eur("124.00"),
        "payee_account": BankAccount("FI2112345600000785", "NDEAFIHH"),
        "now": NOW,
    }
    arguments.update(changes)
    return Invoice.register(**arguments)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ ledger


def test_new_ledger_holds_only_the_capital() -> None:
    ledger = Ledger.open(eur("124.00"), date(2026, 9, 1))
    assert [c.type for c in ledger.components] == [ComponentType.CAPITAL]
    assert ledger.capital == ledger.open_capital == ledger.open_amount == eur("124.00")
    assert ledger.total_amount == eur("124.00")
    assert ledger.paid_amount == eur("0")
    assert not ledger.is_settled


def test_open_amounts_are_derived_per_component_and_in_total() -> None:
    ledger = Ledger(
        "EUR",
        [
            LedgerComponent(
                "c1", ComponentType.CAPITAL, eur("100.00"), date(2026, 9, 1), eur("60.00"), eur("0")
            ),
            LedgerComponent(
                "c2",
                ComponentType.REMINDER_FEE,
                eur("5.00"),
                date(2026, 10, 1),
                eur("0"),
                eur("5.00"),
            ),
        ],
    )
    ledger.charge(ComponentType.PENALTY_INTEREST, eur("1.23"), date(2026, 10, 15))
    assert ledger.capital == eur("100.00")
    assert ledger.open_capital == eur("40.00")
    assert ledger.total_amount == eur("106.23")
    assert ledger.paid_amount == eur("60.00")
    assert ledger.open_amount == eur("41.23")


def test_a_component_cannot_be_covered_more_than_its_amount() -> None:
    with pytest.raises(InvalidValue):
        LedgerComponent(
            "c1", ComponentType.CAPITAL, eur("10.00"), date(2026, 9, 1), eur("8.00"), eur("2.01")
        )


def test_ledger_components_share_the_ledgers_currency() -> None:
    ledger = Ledger.open(eur("10.00"), date(2026, 9, 1))
    with pytest.raises(InvalidValue):
        ledger.charge(ComponentType.REMINDER_FEE, Money("5.00", "SEK"), date(2026, 9, 2))


# --------------------------------------------------------------------------- register


def test_registering_an_invoice_records_invoice_registered() -> None:
    invoice = register()
    assert invoice.stage is Stage.INVOICE
    assert invoice.original_due_date == invoice.due_date == date(2026, 9, 15)
    assert invoice.ledger.open_amount == eur("124.00")
    assert invoice.is_open
    (event,) = invoice.pull_events()
    assert isinstance(event, InvoiceRegistered)
    assert event.debtor_party == f"persons/{PERSON_KEY}"
    assert event.debtor_kind is DebtorKind.PERSON
    assert event.total_amount == eur("124.00")
    assert event.case_number == invoice.case_number.value
    assert invoice.pull_events() == []


def test_registration_rules_name_the_domain_field() -> None:
    with pytest.raises(InvoiceValidationError) as error:
        register(due_date=date(2026, 8, 1), capital=eur("0"))
    assert {v.field for v in error.value.violations} == {"due_date", "capital"}


def test_every_invoice_gets_its_own_random_identifiers() -> None:
    first, second = register(), register()
    assert first.id != second.id
    assert first.myropo_id != second.myropo_id
    assert first.case_number != second.case_number


def test_debtor_party_names() -> None:
    company = Debtor.organization("Ostaja Oy", ADDRESS, BusinessId.parse("0112038-9"))
    assert company.party == "organizations/0112038-9"
    assert company.masked_identifier == "0112038-9"
    assert person().masked_identifier == "010190-****"
    assert Debtor.person("Onni", ADDRESS).party == ""


def test_a_person_debtor_cannot_have_a_business_id() -> None:
    with pytest.raises(InvalidValue):
        Debtor(DebtorKind.PERSON, "X", ADDRESS, business_id=BusinessId.parse("0112038-9"))


# ------------------------------------------------------------------------------ stages


def test_stage_machine_moves_forward_and_ends() -> None:
    invoice = register()
    invoice.move_to(Stage.REMINDER, NOW)
    invoice.move_to(Stage.COLLECTION, NOW)
    invoice.move_to(Stage.PAID, NOW)
    assert invoice.stage.is_final
    with pytest.raises(InvalidStageTransition):
        invoice.move_to(Stage.REMINDER, NOW)


def test_every_stage_change_records_an_event() -> None:
    invoice = register()
    invoice.pull_events()
    invoice.move_to(Stage.DISPUTED, NOW)
    invoice.move_to(Stage.REMINDER, NOW)
    events = invoice.pull_events()
    assert all(isinstance(e, InvoiceStageChanged) for e in events)
    assert [(e.previous, e.stage) for e in events if isinstance(e, InvoiceStageChanged)] == [
        (Stage.INVOICE, Stage.DISPUTED),
        (Stage.DISPUTED, Stage.REMINDER),
    ]


def test_a_refused_stage_change_records_nothing() -> None:
    invoice = register()
    invoice.pull_events()
    invoice.move_to(Stage.PAID, NOW)
    invoice.pull_events()
    with pytest.raises(InvalidStageTransition):
        invoice.move_to(Stage.REMINDER, NOW)
    assert invoice.pull_events() == []


def test_stage_cannot_go_backwards() -> None:
    invoice = register()
    invoice.move_to(Stage.COLLECTION, NOW)
    with pytest.raises(InvalidStageTransition):
        invoice.move_to(Stage.REMINDER, NOW)


@pytest.mark.parametrize(
    ("stage", "paid_in_myropo", "language", "text"),
    [
        (Stage.INVOICE, False, Language.FI, "Lasku"),
        (Stage.REMINDER, False, Language.FI, "Maksumuistutus"),
        (Stage.COLLECTION, False, Language.FI, "Perintä"),
        (Stage.PAYMENT_MONITORING, False, Language.FI, "Maksuvalvonta"),
        (Stage.PAID, False, Language.FI, "Maksettu"),
        (Stage.INVOICE, True, Language.FI, "Maksettu MyRopossa"),
        (Stage.PAID, True, Language.FI, "Maksettu"),
        (Stage.REMINDER, False, Language.SV, "Betalningspåminnelse"),
        (Stage.INVOICE, False, Language.EN, "Invoice"),
    ],
)
def test_display_status(stage: Stage, paid_in_myropo: bool, language: Language, text: str) -> None:
    assert display_status(stage, paid_in_myropo, language) == text
