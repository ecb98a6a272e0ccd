"""Entities of the invoice context: the creditor and the invoice aggregate.

The ``Invoice`` is the aggregate root: its ledger, lines and events change only
through it, and one unit of work stores it as a whole. Construction from stored
rows goes through the plain ``__init__``; new invoices come from ``register``,
which checks the business rules and records ``InvoiceRegistered``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ropo_platform.money import Money

from ropo_invoice.domain.errors import (
    FieldViolation,
    InvalidStageTransition,
    InvoiceValidationError,
)
from ropo_invoice.domain.events import Event, InvoiceRegistered
from ropo_invoice.domain.identifiers import (
    BankAccount,
    BusinessId,
    CaseNumber,
    MyRopoId,
    PaymentReference,
)
from ropo_invoice.domain.ledger import Ledger
from ropo_invoice.domain.party import Debtor, Language
from ropo_invoice.domain.stage import Stage, display_status

INVOICES_PREFIX = "invoices/"
CREDITORS_PREFIX = "creditors/"


def new_id() -> str:
    """A new entity id (UUID4 text): not guessable, not ordered, never a DB sequence."""
    return str(uuid.uuid4())


@dataclass(slots=True)
class Creditor:
    """A company on whose behalf Ropo invoices, known by its business ID."""

    id: str
    name: str
    business_id: BusinessId
    account: BankAccount | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def register(
        cls, name: str, business_id: BusinessId, account: BankAccount | None, now: datetime
    ) -> Creditor:
        """A creditor seen for the first time."""
        if not name.strip():
            raise InvoiceValidationError([FieldViolation("creditor.name", "is empty")])
        return cls(new_id(), name.strip(), business_id, account, now, now)

    @property
    def resource_name(self) -> str:
        """``creditors/{id}``."""
        return CREDITORS_PREFIX + self.id


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One row of the creditor's invoice, kept as sent for the invoice image.

    Amounts are plain decimals in ``currency`` rather than ``Money``: rows may carry
    more decimals than the currency's minor unit (unit prices such as 2,7937 €/kWh),
    and they are only shown, never booked — the ledger holds what is owed.
    """

    position: int
    description: str
    currency: str
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    vat_rate_percent: Decimal | None = None
    net_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    gross_amount: Decimal | None = None


@dataclass(slots=True, eq=False)
class Invoice:
    """An invoice a creditor handed over, with its ledger and its stage.

    An entity: two objects are the same invoice when their ids are equal.
    """

    id: str
    invoice_number: str
    creditor_id: str
    creditor_name: str
    debtor: Debtor
    reference: PaymentReference
    case_number: CaseNumber
    myropo_id: MyRopoId
    issue_date: date
    original_due_date: date
    due_date: date
    stage: Stage
    ledger: Ledger
    payee_account: BankAccount
    created_at: datetime
    updated_at: datetime
    lines: tuple[InvoiceLine, ...] = ()
    paid_in_myropo: bool = False
    due_date_extension_count: int = 0
    paid_at: datetime | None = None
    #: Optimistic-concurrency version; the repository bumps it on every update.
    version: int = 1
    #: Domain events recorded since the aggregate was loaded; the unit of work drains them.
    events: list[Event] = field(default_factory=list)

    @classmethod
    def register(
        cls,
        *,
        creditor: Creditor,
        invoice_number: str,
        debtor: Debtor,
        reference: PaymentReference,
        issue_date: date,
        due_date: date,
        capital: Money,
        payee_account: BankAccount,
        now: datetime,
        lines: Iterable[InvoiceLine] = (),
        invoice_id: str | None = None,
        case_number: CaseNumber | None = None,
        myropo_id: MyRopoId | None = None,
    ) -> Invoice:
        """A newly imported invoice in stage ``INVOICE`` with its capital in the ledger.

        Raises ``InvoiceValidationError`` (naming the domain field) when a rule fails.
        """
        violations: list[FieldViolation] = []
        if due_date < issue_date:
            violations.append(FieldViolation("due_date", "is before the issue date"))
        if not capital.is_positive():
            violations.append(FieldViolation("capital", "must be more than zero"))
        if violations:
            raise InvoiceValidationError(violations)
        invoice = cls(
            id=invoice_id or new_id(),
            invoice_number=invoice_number,
            creditor_id=creditor.id,
            creditor_name=creditor.name,
            debtor=debtor,
            reference=reference,
            case_number=case_number or CaseNumber.generate(),
            myropo_id=myropo_id or MyRopoId.generate(),
            issue_date=issue_date,
            original_due_date=due_date,
            due_date=due_date,
            stage=Stage.INVOICE,
            ledger=Ledger.open(capital, issue_date),
            payee_account=payee_account,
            created_at=now,
            updated_at=now,
            lines=tuple(lines),
        )
        invoice.events.append(
            InvoiceRegistered(
                invoice_id=invoice.id,
                occurred_at=now,
                creditor_id=creditor.id,
                debtor_party=debtor.party,
                debtor_kind=debtor.kind,
                invoice_number=invoice_number,
                reference=reference.value,
                case_number=invoice.case_number.value,
                due_date=due_date,
                total_amount=invoice.ledger.total_amount,
                stage=invoice.stage,
            )
        )
        return invoice

    @property
    def resource_name(self) -> str:
        """``invoices/{id}``."""
        return INVOICES_PREFIX + self.id

    @property
    def currency(self) -> str:
        """Currency of every amount of the invoice."""
        return self.ledger.currency

    @property
    def is_open(self) -> bool:
        """True while anything is open and the invoice has not ended."""
        return not self.stage.is_final and not self.ledger.is_settled

    def display_status(self, language: Language) -> str:
        """Localised status text (*Laskun tila*)."""
        return display_status(self.stage, self.paid_in_myropo, language)

    def move_to(self, target: Stage, now: datetime) -> None:
        """Change the stage along the stage machine (the stage event comes with its issue)."""
        if not self.stage.can_move_to(target):
            raise InvalidStageTransition(self.resource_name, self.stage.value, target.value)
        self.stage = target
        self.updated_at = now

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Invoice) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def pull_events(self) -> Sequence[Event]:
        """Remove and return the recorded events (the unit of work calls this on commit)."""
        events, self.events = self.events, []
        return events
