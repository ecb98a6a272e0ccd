"""What the renderers print: plain immutable data, independent of the domain model.

The service layer builds these from the invoice aggregate (amounts from its ledger,
identifiers in their printed forms); the renderers only lay them out. Each class
checks its own consistency on construction, because a wrong document is worse than
none: a total that does not add up, a barcode that pays another amount or account,
a letter giving less than ten days to pay, or a henkilötunnus in clear text.

Errors are ``DocumentDataError`` (a ``ValueError``): they are programming errors of
the caller, not user input, and their messages name the field but never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from ropo_platform.money import Money
from stdnum.fi import ytunnus

from ropo_invoice.adapters.documents.texts import SUPPORTED_LANGUAGES

BARCODE_LENGTH = 54
MIN_DAYS_TO_PAY = 10
"""A letter gives at least this many days from its date to pay (DESIGN §5)."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_BUSINESS_ID = re.compile(r"^[0-9]{7}-[0-9]$")
_MASKED_PERSONAL_ID = re.compile(r"^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-\*{4}$")


class DocumentDataError(ValueError):
    """The data handed to a renderer is incomplete or inconsistent."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _require(condition: bool, field: str, reason: str) -> None:
    if not condition:
        raise DocumentDataError(field, reason)


def _require_text(value: object, field: str) -> None:
    _require(isinstance(value, str) and bool(value.strip()), field, "is empty")


def _require_language(language: object) -> None:
    _require(language in SUPPORTED_LANGUAGES, "language", "is not one of fi, sv, en")


def _require_decimal(value: object, field: str) -> None:
    # Floats would make printed amounts inexact; bool is an int, never an amount.
    _require(
        value is None or (isinstance(value, Decimal) and value.is_finite()),
        field,
        "must be a finite Decimal or None",
    )


def _require_money(value: object, field: str, currency: str | None = None) -> None:
    _require(isinstance(value, Money), field, "must be Money")
    if currency is not None:
        _require(
            isinstance(value, Money) and value.currency == currency,
            field,
            "is not in the document's currency",
        )


# --------------------------------------------------------------------------- parties


class IdentifierKind(StrEnum):
    """What a printed party identifier is; decides its label."""

    BUSINESS_ID = "business_id"
    MASKED_PERSONAL_ID = "masked_personal_id"


@dataclass(frozen=True, slots=True)
class PartyIdentifier:
    """The identifier printed for a party: a Finnish business ID (``1234567-8``) or a
    masked identity code (``DDMMYY-****``).

    There is deliberately no way to hold a full henkilötunnus here: the privacy rules
    forbid printing one unnecessarily, and an invoice image never needs it.
    """

    kind: IdentifierKind
    value: str

    def __post_init__(self) -> None:
        _require(isinstance(self.kind, IdentifierKind), "identifier.kind", "is unknown")
        _require(isinstance(self.value, str), "identifier.value", "must be text")
        if self.kind is IdentifierKind.BUSINESS_ID:
            _require(
                bool(_BUSINESS_ID.match(self.value)) and bool(ytunnus.is_valid(self.value)),
                "identifier.value",
                "is not a valid business ID in the form 1234567-8",
            )
        else:
            _require(
                bool(_MASKED_PERSONAL_ID.match(self.value)),
                "identifier.value",
                "must be a masked identity code DDMMYY-****",
            )

    @classmethod
    def business_id(cls, value: str) -> PartyIdentifier:
        """A company's business ID (Y-tunnus) in its canonical form ``1234567-8``."""
        return cls(IdentifierKind.BUSINESS_ID, value)

    @classmethod
    def masked_personal_id(cls, value: str) -> PartyIdentifier:
        """A person's identity code already masked to ``DDMMYY-****``."""
        return cls(IdentifierKind.MASKED_PERSONAL_ID, value)

    @classmethod
    def from_display(cls, text: str) -> PartyIdentifier | None:
        """From a display identifier such as the domain's ``Debtor.masked_identifier``:
        empty → ``None``; a masked code or a business ID → the identifier; anything
        else, a full henkilötunnus included, is refused."""
        if not text:
            return None
        if _MASKED_PERSONAL_ID.match(text):
            return cls.masked_personal_id(text)
        if _BUSINESS_ID.match(text):
            return cls.business_id(text)
        raise DocumentDataError(
            "identifier", "must be a business ID or a masked identity code DDMMYY-****"
        )


@dataclass(frozen=True, slots=True)
class PartyBlock:
    """A creditor or debtor as printed: name, postal address and identifier."""

    name: str
    address_lines: tuple[str, ...] = ()
    postal_code: str = ""
    town: str = ""
    country_code: str = "FI"
    identifier: PartyIdentifier | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "party.name")
        object.__setattr__(self, "address_lines", tuple(self.address_lines))
        _require(
            all(isinstance(line, str) for line in self.address_lines),
            "party.address_lines",
            "must be text",
        )
        _require(
            self.identifier is None or isinstance(self.identifier, PartyIdentifier),
            "party.identifier",
            "must be a PartyIdentifier (a business ID or a masked identity code)",
        )

    @property
    def postal_lines(self) -> tuple[str, ...]:
        """The address under the name: street lines, ``00100 Helsinki``, and the
        country only for mail abroad."""
        lines = [line for line in self.address_lines if line.strip()]
        town_line = " ".join(part for part in (self.postal_code, self.town) if part.strip())
        if town_line:
            lines.append(town_line)
        if self.country_code and self.country_code.upper() != "FI":
            lines.append(self.country_code.upper())
        return tuple(lines)


def _iban_checksum_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97 == 1


@dataclass(frozen=True, slots=True)
class PaymentAccount:
    """The payee's account: IBAN (any spacing) and optional BIC."""

    iban: str
    bic: str = ""

    def __post_init__(self) -> None:
        compact = "".join(self.iban.split()).upper()
        _require(
            bool(_IBAN.match(compact)) and _iban_checksum_ok(compact),
            "account.iban",
            "is not a valid IBAN",
        )
        object.__setattr__(self, "iban", compact)
        bic = self.bic.strip().upper()
        _require(not bic or bool(_BIC.match(bic)), "account.bic", "is not a valid BIC")
        object.__setattr__(self, "bic", bic)


# ----------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One invoice row as the creditor sent it. Amounts are exact decimals in
    ``currency`` and may carry more decimals than the currency (unit prices)."""

    description: str
    currency: str
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    vat_rate_percent: Decimal | None = None
    net_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    gross_amount: Decimal | None = None

    def __post_init__(self) -> None:
        _require(isinstance(self.description, str), "line.description", "must be text")
        _require(bool(_CURRENCY.match(self.currency)), "line.currency", "is not an ISO code")
        for name in (
            "quantity",
            "unit_price",
            "vat_rate_percent",
            "net_amount",
            "vat_amount",
            "gross_amount",
        ):
            _require_decimal(getattr(self, name), f"line.{name}")

    def vat_parts(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """``(net, vat, gross)`` when the row has a VAT rate and at least two of the
        three amounts (the third is their exact difference or sum), else ``None``."""
        if self.vat_rate_percent is None:
            return None
        net, vat, gross = self.net_amount, self.vat_amount, self.gross_amount
        if net is not None and vat is not None:
            return net, vat, net + vat if gross is None else gross
        if net is not None and gross is not None:
            return net, gross - net, gross
        if vat is not None and gross is not None:
            return gross - vat, vat, gross
        return None

    @property
    def shown_amount(self) -> Decimal | None:
        """The row's amount in the *Yhteensä* column: with VAT when known."""
        return self.gross_amount if self.gross_amount is not None else self.net_amount


@dataclass(frozen=True, slots=True)
class VatRateTotal:
    """One line of the VAT breakdown: the totals of all rows with one rate."""

    rate_percent: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


def vat_breakdown_from_lines(lines: Iterable[DocumentLine]) -> tuple[VatRateTotal, ...]:
    """Per-rate sums of the rows that carry VAT, highest rate first; exact decimals.

    Rows without a rate or with fewer than two of net, VAT and gross are left out.
    """
    sums: dict[Decimal, tuple[Decimal, Decimal, Decimal]] = {}
    for line in lines:
        parts = line.vat_parts()
        if parts is None or line.vat_rate_percent is None:
            continue
        net, vat, gross = sums.get(line.vat_rate_percent, (Decimal(0), Decimal(0), Decimal(0)))
        sums[line.vat_rate_percent] = (net + parts[0], vat + parts[1], gross + parts[2])
    return tuple(VatRateTotal(rate, *sums[rate]) for rate in sorted(sums, reverse=True))


@dataclass(frozen=True, slots=True)
class AmountRow:
    """A labelled amount: a letter's capital, interest or fee, or an invoice adjustment."""

    label: str
    amount: Money

    def __post_init__(self) -> None:
        _require_text(self.label, "amount_row.label")
        _require_money(self.amount, "amount_row.amount")


# --------------------------------------------------------------------------- barcode


def _check_barcode(
    barcode: str, account: PaymentAccount, amount: Money, due: date, reference: str
) -> None:
    """The barcode must pay what the page says: same account, amount, reference and
    due date (an amount or date of zeros means "not encoded", which the standard allows)."""
    if not barcode:
        return
    _require(
        len(barcode) == BARCODE_LENGTH and barcode.isascii() and barcode.isdigit(),
        "barcode",
        "must be empty or 54 digits",
    )
    version = barcode[0]
    _require(version in "45", "barcode", "must be version 4 or 5")
    _require(account.iban.startswith("FI"), "barcode", "exists only for Finnish accounts")
    _require(barcode[1:17] == account.iban[2:], "barcode", "encodes another account")
    # Both versions carry euros and cents in positions 18-25 (6 + 2 digits).
    encoded_cents = int(barcode[17:25])
    _require(encoded_cents in (0, amount.minor_units), "barcode", "encodes another amount")
    encoded_due = barcode[48:54]
    _require(
        encoded_due in ("000000", due.strftime("%y%m%d")), "barcode", "encodes another due date"
    )
    compact_reference = "".join(reference.split()).upper()
    if version == "4":
        encoded_reference = barcode[28:48].lstrip("0")
        matches = compact_reference.lstrip("0") == encoded_reference
    else:
        encoded_reference = "RF" + barcode[25:27] + barcode[27:48].lstrip("0")
        matches = compact_reference[:4] + compact_reference[4:].lstrip("0") == encoded_reference
    _require(matches, "barcode", "encodes another reference")


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """Everything printed on the invoice image (*Avaa lasku*).

    ``reference``, ``case_number`` and ``myropo_id`` are in their printed forms.
    ``vat_breakdown`` ``None`` means "compute it from the rows"; pass the creditor's
    own breakdown when it sent one. ``adjustments`` are signed rows between the total
    and the amount due (payments, credits, fees); when given they must add up.
    """

    language: str
    creditor: PartyBlock
    account: PaymentAccount
    debtor: PartyBlock
    invoice_number: str
    issue_date: date
    due_date: date
    reference: str
    case_number: str
    myropo_id: str
    total_including_vat: Money
    amount_due: Money
    status_text: str = ""
    lines: tuple[DocumentLine, ...] = ()
    vat_breakdown: tuple[VatRateTotal, ...] | None = None
    adjustments: tuple[AmountRow, ...] = ()
    barcode: str = ""

    def __post_init__(self) -> None:
        _require_language(self.language)
        object.__setattr__(self, "language", str(self.language))
        _require(isinstance(self.creditor, PartyBlock), "creditor", "must be a PartyBlock")
        _require(isinstance(self.debtor, PartyBlock), "debtor", "must be a PartyBlock")
        _require(isinstance(self.account, PaymentAccount), "account", "must be a PaymentAccount")
        _require_text(self.invoice_number, "invoice_number")
        _require_text(self.reference, "reference")
        _require_money(self.total_including_vat, "total_including_vat")
        currency = self.total_including_vat.currency
        _require_money(self.amount_due, "amount_due", currency)
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "adjustments", tuple(self.adjustments))
        if self.vat_breakdown is not None:
            object.__setattr__(self, "vat_breakdown", tuple(self.vat_breakdown))
        _require(
            all(line.currency == currency for line in self.lines),
            "lines",
            "are not in the document's currency",
        )
        for row in self.adjustments:
            _require_money(row.amount, "adjustments", currency)
        if self.adjustments:
            adjusted = self.total_including_vat + Money.sum(
                (row.amount for row in self.adjustments), currency
            )
            _require(
                adjusted == self.amount_due,
                "adjustments",
                "do not lead from the total to the amount due",
            )
        _check_barcode(self.barcode, self.account, self.amount_due, self.due_date, self.reference)

    @property
    def currency(self) -> str:
        """Currency of every amount on the document."""
        return self.total_including_vat.currency

    @property
    def vat_totals(self) -> tuple[VatRateTotal, ...]:
        """The VAT breakdown to print: the given one, else the one computed from the rows."""
        if self.vat_breakdown is not None:
            return self.vat_breakdown
        return vat_breakdown_from_lines(self.lines)


class LetterKind(StrEnum):
    """Which collection letter: each has its own title and texts."""

    REMINDER = "reminder"
    PAYMENT_DEMAND = "payment_demand"
    PAYMENT_MONITORING_LETTER = "payment_monitoring_letter"
    PAYMENT_TIME_CONFIRMATION = "payment_time_confirmation"
    PAYMENT_PLAN_REMINDER = "payment_plan_reminder"


#: Letters confirming an agreed date: the pay-by date is the one agreed (an extension
#: or an instalment), not a collection letter's statutory ten days.
AGREED_DATE_KINDS = frozenset(
    {LetterKind.PAYMENT_TIME_CONFIRMATION, LetterKind.PAYMENT_PLAN_REMINDER}
)


@dataclass(frozen=True, slots=True)
class LetterDocument:
    """Everything printed on a reminder, payment demand or payment-monitoring letter.

    ``items`` itemise what is asked (capital, penalty interest, each fee) and must add
    up to ``total_to_pay``; ``explanation`` says how interest and costs were computed.
    ``sender`` is who sends the letter on the creditor's behalf (the collector), when
    that is not the creditor itself. ``pay_by_date`` is at least ten days after
    ``letter_date``.
    """

    language: str
    kind: LetterKind
    letter_date: date
    pay_by_date: date
    sequence_number: int
    creditor: PartyBlock
    debtor: PartyBlock
    account: PaymentAccount
    invoice_number: str
    original_due_date: date
    reference: str
    case_number: str
    myropo_id: str
    items: tuple[AmountRow, ...]
    total_to_pay: Money
    explanation: str = ""
    barcode: str = ""
    sender: PartyBlock | None = None
    #: The opening paragraph when it is not the kind's standard one (payment-time
    #: letters name the new date, fee, schedule or missed instalment).
    intro: str = ""

    def __post_init__(self) -> None:
        _require_language(self.language)
        object.__setattr__(self, "language", str(self.language))
        try:
            object.__setattr__(self, "kind", LetterKind(self.kind))
        except ValueError:
            raise DocumentDataError("kind", "is not a known letter kind") from None
        min_days = 0 if self.kind in AGREED_DATE_KINDS else MIN_DAYS_TO_PAY
        _require(
            self.kind not in AGREED_DATE_KINDS or bool(self.intro.strip()),
            "intro",
            "is required for a payment-time letter",
        )
        _require(
            self.pay_by_date >= self.letter_date + timedelta(days=min_days),
            "pay_by_date",
            f"must be at least {MIN_DAYS_TO_PAY} days after the letter date",
        )
        _require(
            isinstance(self.sequence_number, int)
            and not isinstance(self.sequence_number, bool)
            and self.sequence_number >= 1,
            "sequence_number",
            "must be a positive integer",
        )
        for name in ("creditor", "debtor"):
            _require(isinstance(getattr(self, name), PartyBlock), name, "must be a PartyBlock")
        _require(
            self.sender is None or isinstance(self.sender, PartyBlock),
            "sender",
            "must be a PartyBlock or None",
        )
        _require(isinstance(self.account, PaymentAccount), "account", "must be a PaymentAccount")
        _require_text(self.invoice_number, "invoice_number")
        _require_text(self.reference, "reference")
        _require_money(self.total_to_pay, "total_to_pay")
        currency = self.total_to_pay.currency
        object.__setattr__(self, "items", tuple(self.items))
        _require(bool(self.items), "items", "are empty")
        for item in self.items:
            _require(isinstance(item, AmountRow), "items", "must be AmountRows")
            _require_money(item.amount, "items", currency)
        _require(
            Money.sum((item.amount for item in self.items), currency) == self.total_to_pay,
            "total_to_pay",
            "is not the sum of the items",
        )
        _check_barcode(
            self.barcode, self.account, self.total_to_pay, self.pay_by_date, self.reference
        )
