"""The demo invoice model: exact money with ``Decimal``, VAT per row and per rate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ropo_sandbox.persons import Language, PostalAddress

CENT = Decimal("0.01")
ReferenceKind = Literal["national", "rf"]
BuyerKind = Literal["person", "organization"]
# general 25.5 % (24 % before 9/2024), food 14 % (13.5 % from 2026), press 10 %.
VatClass = Literal["general", "food", "press"]


def cents(value: Decimal) -> Decimal:
    """Round half up to whole cents (the usual rule on Finnish invoices)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Article:
    """Something a creditor sells: names per language, net unit price, VAT class."""

    article_id: str
    names: Mapping[Language, str]
    unit_price: Decimal  # VAT excluded
    vat_class: VatClass
    delivery: bool = False  # a delivery fee, added once, not a product


@dataclass(frozen=True, slots=True)
class Creditor:
    """A creditor company of the demo data."""

    key: str
    name: str
    business_id: str
    vat_number: str
    iban: str
    bic: str
    address: PostalAddress
    phone: str
    email: str
    website: str
    first_invoice_number: int
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class Buyer:
    """The debtor: a test person (identified by hetu) or a company (by business id)."""

    kind: BuyerKind
    identifier: str
    name: str
    address: PostalAddress
    language: Language
    vat_number: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One invoice row with its VAT already settled (see ``settle_vat``)."""

    position: int
    article: Article
    name: str
    quantity: int
    vat_rate: Decimal
    vat_amount: Decimal

    @property
    def net_amount(self) -> Decimal:
        """Quantity × net unit price."""
        return cents(self.article.unit_price * self.quantity)

    @property
    def gross_amount(self) -> Decimal:
        """Net + VAT."""
        return self.net_amount + self.vat_amount


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """Base and VAT of one rate."""

    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class OriginalInvoice:
    """The invoice a credit note credits."""

    number: str
    invoice_date: date


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    """One generated invoice, or a credit note when ``credits`` names the original.

    Rows and totals are positive in the model; a credit note's document writes
    them negative (the Finvoice convention).
    """

    creditor: Creditor
    buyer: Buyer
    number: str
    invoice_date: date
    due_date: date
    reference: str
    reference_kind: ReferenceKind
    lines: tuple[InvoiceLine, ...]
    #: Paid in advance (ennakko); the payment instruction asks only for the rest.
    prepaid: Decimal = Decimal("0.00")
    credits: OriginalInvoice | None = None

    @property
    def is_credit_note(self) -> bool:
        """True for a credit note (INV02 / UN 381)."""
        return self.credits is not None

    @property
    def amount_due(self) -> Decimal:
        """What the payment instruction asks for: the total less what was prepaid."""
        return self.gross_total - self.prepaid

    @property
    def net_total(self) -> Decimal:
        """Sum of the rows' net amounts."""
        return sum((line.net_amount for line in self.lines), Decimal("0.00"))

    @property
    def vat_total(self) -> Decimal:
        """Sum of the VAT of every rate."""
        return sum((part.vat for part in self.vat_breakdown), Decimal("0.00"))

    @property
    def gross_total(self) -> Decimal:
        """The amount to pay."""
        return self.net_total + self.vat_total

    @property
    def vat_breakdown(self) -> tuple[VatBreakdown, ...]:
        """Per rate, highest first; equals the rows summed per rate."""
        rates = sorted({line.vat_rate for line in self.lines}, reverse=True)
        return tuple(
            VatBreakdown(
                rate,
                sum((ln.net_amount for ln in self.lines if ln.vat_rate == rate), Decimal("0.00")),
                sum((ln.vat_amount for ln in self.lines if ln.vat_rate == rate), Decimal("0.00")),
            )
            for rate in rates
        )

    @property
    def payment_term_days(self) -> int:
        """Days from the invoice date to the due date."""
        return (self.due_date - self.invoice_date).days


def settle_vat(
    items: list[tuple[Article, str, int, Decimal]],
) -> tuple[InvoiceLine, ...]:
    """Rows with VAT such that each rate's total is ``round(base × rate)``.

    Rounding per row can drift a cent from the per-rate figure (EN 16931 takes
    the per-rate one); the last row of each rate absorbs the difference so rows,
    breakdown and totals always agree.
    """
    lines: list[InvoiceLine] = []
    for position, (article, name, quantity, rate) in enumerate(items, start=1):
        net = cents(article.unit_price * quantity)
        lines.append(InvoiceLine(position, article, name, quantity, rate, cents(net * rate / 100)))
    for rate in {line.vat_rate for line in lines}:
        same = [i for i, line in enumerate(lines) if line.vat_rate == rate]
        base = sum((lines[i].net_amount for i in same), Decimal("0.00"))
        drift = cents(base * rate / 100) - sum((lines[i].vat_amount for i in same), Decimal(0))
        if drift:
            last = lines[same[-1]]
            lines[same[-1]] = InvoiceLine(
                last.position, last.article, last.name, last.quantity, rate, last.vat_amount + drift
            )
    return tuple(lines)
