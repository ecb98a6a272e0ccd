"""Table rows for the invoices the benchmark writes straight to the database.

The rows are what the import would have written for the same Finvoice message
(``FillRowBuilder.rows(..., as_imported=True)``), then aged by a ``Lifecycle``: most old
invoices are paid, some overdue ones carry a reminder or payment-demand fee. Columns
are named after the tables in ``ropo_invoice.adapters.orm``; a column this module does
not know (the schema keeps growing) takes its value from an imported invoice's row, the
*template*. ``differences`` compares built rows with rows the real import wrote, so the
benchmark can refuse to fill when the two have drifted apart.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from invoice_data import BenchDebtor
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.adapters.orm import invoice_lines, invoice_timeline, invoices, ledger_components
from ropo_invoice.domain.identifiers import CaseNumber, MyRopoId, NationalId
from ropo_sandbox.demo.model import DemoInvoice

Row = dict[str, Any]
TABLES: tuple[sa.Table, ...] = (invoices, ledger_components, invoice_lines, invoice_timeline)

#: Columns that differ between two imports of the same message by design (random ids,
#: the fresh AES-GCM nonce, the clock); ``differences`` skips them.
RANDOM_COLUMNS: Mapping[str, frozenset[str]] = {
    invoices.name: frozenset(
        {
            "id",
            "case_number",
            "myropo_id",
            "debtor_national_id_ciphertext",
            "created_at",
            "updated_at",
        }
    ),
    ledger_components.name: frozenset({"id", "invoice_id"}),
    invoice_lines.name: frozenset({"invoice_id"}),
    invoice_timeline.name: frozenset({"invoice_id", "occurred_at"}),
}

# How the Finvoice writer names the unit of a row in each language.
_UNITS = {"fi": "kpl", "sv": "st", "en": "pcs"}
_REMINDER_FEE_MINOR = 500
_DEMAND_FEE_MINOR = 1_000


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Where an invoice stands when the benchmark writes it."""

    stage: str
    #: (ledger component type, amount in cents, charge date), charged after the capital.
    fees: tuple[tuple[str, int, date], ...] = ()
    paid_on: date | None = None

    @property
    def changed(self) -> bool:
        """False for an invoice exactly as imported."""
        return self.stage != "invoice" or bool(self.fees) or self.paid_on is not None


AS_IMPORTED = Lifecycle("invoice")


def lifecycle(slot: int, invoice: DemoInvoice, today: date, seed: int = 1) -> Lifecycle:
    """The deterministic state of ``slot``'s invoice on ``today``.

    Not yet due: open. Overdue up to two weeks: three in ten paid. Two weeks to two
    months: six in ten paid, the rest reminded (reminder fee). Older: 85 % paid, the
    rest in collection (reminder and payment-demand fees).
    """
    rng = random.Random(seed * 7_000_003 + slot)
    overdue = (today - invoice.due_date).days
    paid_on = min(today, invoice.due_date + timedelta(days=rng.randint(-10, 12)))
    draw = rng.random()
    if overdue <= 0:
        return AS_IMPORTED
    if overdue <= 14:
        return Lifecycle("paid", paid_on=paid_on) if draw < 0.3 else AS_IMPORTED
    reminded = invoice.due_date + timedelta(days=15)
    reminder = ("reminder_fee", _REMINDER_FEE_MINOR, reminded)
    if overdue <= 60:
        return (
            Lifecycle("paid", paid_on=paid_on) if draw < 0.6 else Lifecycle("reminder", (reminder,))
        )
    if draw < 0.85:
        return Lifecycle("paid", paid_on=paid_on)
    demand = ("payment_demand_fee", _DEMAND_FEE_MINOR, reminded + timedelta(days=15))
    return Lifecycle("collection", (reminder, demand))


@dataclass(slots=True)
class FillRows:
    """Rows of several invoices, per table name, ready for COPY."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t.name: [] for t in TABLES})

    def extend(self, other: FillRows) -> None:
        """Append ``other``'s rows."""
        for name, rows in other.rows.items():
            self.rows[name].extend(rows)

    def records(self, table: sa.Table) -> list[tuple[Any, ...]]:
        """``table``'s rows as tuples in the order of ``columns(table)``."""
        names = _names(table.name)
        return [tuple(row[name] for name in names) for row in self.rows[table.name]]

    def count(self, table: sa.Table) -> int:
        """Rows of ``table``."""
        return len(self.rows[table.name])


def columns(table: sa.Table) -> list[str]:
    """Column names of ``table`` as the service's ORM declares them."""
    return [column.name for column in table.columns]


class FillRowBuilder:
    """Builds the rows of one invoice as the import would, then ages them."""

    def __init__(
        self,
        protector: AesGcmNationalIdProtector,
        person_key_secret: bytes,
        creditor_ids: Mapping[str, str],
        templates: Mapping[str, Row],
        taken_case_numbers: Iterable[str] = (),
    ) -> None:
        """``creditor_ids`` maps business id → creditor id (the import created the
        creditors); ``templates`` holds one imported row per table name."""
        self._protector = protector
        self._secret = person_key_secret
        self._creditor_ids = dict(creditor_ids)
        self._templates = templates
        self._case_numbers = set(taken_case_numbers)
        self._parties: dict[int, str] = {}  # the keyed hash once per debtor
        missing = [t.name for t in TABLES if t.name not in templates]
        if missing:
            raise ValueError(f"no imported template row for {', '.join(missing)}")

    def template_columns(self) -> dict[str, list[str]]:
        """Per table, the columns this builder does not set (copied from the template)."""
        probe = self._known_columns()
        return {t.name: [name for name in columns(t) if name not in probe[t.name]] for t in TABLES}

    @staticmethod
    def _known_columns() -> dict[str, set[str]]:
        return {
            invoices.name: {
                "id", "creditor_id", "creditor_name", "invoice_number", "debtor_kind",
                "debtor_name", "debtor_party", "debtor_national_id_ciphertext",
                "debtor_national_id_masked", "debtor_business_id", "debtor_street",
                "debtor_postal_code", "debtor_town", "debtor_country_code", "language",
                "reference", "reference_kind", "case_number", "myropo_id", "issue_date",
                "original_due_date", "due_date", "stage", "paid_in_myropo",
                "due_date_extension_count", "currency", "open_amount_minor", "payee_iban",
                "payee_bic", "paid_at", "created_at", "updated_at", "version",
            },
            ledger_components.name: {
                "id", "invoice_id", "position", "type", "amount_minor", "paid_minor",
                "credited_minor", "charge_date",
            },
            invoice_lines.name: {
                "invoice_id", "position", "description", "quantity", "unit", "unit_price",
                "vat_rate_percent", "net_amount", "vat_amount", "gross_amount",
            },
            invoice_timeline.name: {
                "invoice_id", "position", "type", "occurred_at", "amount_minor", "currency",
                "letter_id", "details",
            },
        }  # fmt: skip

    def rows(self, invoice: DemoInvoice, debtor: BenchDebtor, state: Lifecycle) -> FillRows:
        """The rows of ``invoice`` owed by ``debtor``, aged to ``state``."""
        invoice_id = str(uuid.uuid4())
        created = _created_at(invoice)
        capital = _minor(invoice.amount_due)
        charges = [("capital", capital, invoice.invoice_date), *state.fees]
        total = sum(amount for _type, amount, _day in charges)
        paid_at = None
        if state.paid_on is not None:
            paid_at = datetime.combine(state.paid_on, time(12, 0), UTC)
        result = FillRows()
        result.rows[invoices.name].append(
            self._with_template(
                invoices.name,
                {
                    "id": invoice_id,
                    "creditor_id": self._creditor_ids[invoice.creditor.business_id],
                    "creditor_name": invoice.creditor.name,
                    "invoice_number": invoice.number,
                    **self._debtor_columns(debtor),
                    "language": invoice.buyer.language,
                    "reference": invoice.reference,
                    "reference_kind": invoice.reference_kind,
                    "case_number": self._new_case_number(),
                    "myropo_id": MyRopoId.generate().value,
                    "issue_date": invoice.invoice_date,
                    "original_due_date": invoice.due_date,
                    "due_date": invoice.due_date,
                    "stage": state.stage,
                    "paid_in_myropo": False,
                    "due_date_extension_count": 0,
                    "currency": "EUR",
                    "open_amount_minor": 0 if paid_at else total,
                    "payee_iban": invoice.creditor.iban,
                    "payee_bic": invoice.creditor.bic,
                    "paid_at": paid_at,
                    "created_at": created,
                    "updated_at": paid_at or created,
                    "version": int(self._templates[invoices.name]["version"])
                    + (1 if state.changed else 0),
                },
            )
        )
        for position, (type_, amount, day) in enumerate(charges, start=1):
            result.rows[ledger_components.name].append(
                self._with_template(
                    ledger_components.name,
                    {
                        "id": str(uuid.uuid4()),
                        "invoice_id": invoice_id,
                        "position": position,
                        "type": type_,
                        "amount_minor": amount,
                        "paid_minor": amount if paid_at else 0,
                        "credited_minor": 0,
                        "charge_date": day,
                    },
                )
            )
        unit = _UNITS[invoice.buyer.language]
        for line in invoice.lines:
            result.rows[invoice_lines.name].append(
                self._with_template(
                    invoice_lines.name,
                    {
                        "invoice_id": invoice_id,
                        "position": line.position,
                        "description": line.name,
                        "quantity": str(line.quantity),
                        "unit": unit,
                        "unit_price": f"{line.article.unit_price:.2f}",
                        "vat_rate_percent": f"{line.vat_rate.normalize():f}",
                        "net_amount": f"{line.net_amount:.2f}",
                        "vat_amount": f"{line.vat_amount:.2f}",
                        "gross_amount": f"{line.gross_amount:.2f}",
                    },
                )
            )
        result.rows[invoice_timeline.name].append(
            self._with_template(
                invoice_timeline.name,
                {
                    "invoice_id": invoice_id,
                    "position": 1,
                    "type": "imported",
                    "occurred_at": created,
                    "amount_minor": capital,
                    "currency": "EUR",
                    "letter_id": "",
                    "details": json.dumps(
                        {"due_date": invoice.due_date.isoformat()}, separators=(",", ":")
                    ),
                },
            )
        )
        return result

    def _debtor_columns(self, debtor: BenchDebtor) -> Row:
        buyer = debtor.buyer
        address = buyer.address
        person = debtor.national_id is not None
        protected = None
        if debtor.national_id is not None:
            protected = self._protector.protect(NationalId(debtor.national_id))
        party = self._parties.get(debtor.index)
        if party is None:
            party = self._parties[debtor.index] = debtor.party(self._secret)
        return {
            "debtor_kind": "person" if person else "organization",
            "debtor_name": buyer.name,
            "debtor_party": party,
            "debtor_national_id_ciphertext": protected.ciphertext if protected else None,
            "debtor_national_id_masked": protected.masked if protected else None,
            "debtor_business_id": None if person else buyer.identifier,
            "debtor_street": address.street,
            "debtor_postal_code": address.postal_code,
            "debtor_town": address.town,
            "debtor_country_code": address.country_code,
        }

    def _new_case_number(self) -> str:
        # Random like the service's, but never one already used: a duplicate would fail
        # a whole COPY batch (the service retries a single import instead).
        while True:
            candidate = CaseNumber.generate().value
            if candidate not in self._case_numbers:
                self._case_numbers.add(candidate)
                return candidate

    def _with_template(self, table: str, known: Row) -> Row:
        template = self._templates[table]
        return {name: known.get(name, template.get(name)) for name in _names(table)}


_COLUMN_NAMES = {table.name: columns(table) for table in TABLES}


def _names(table_name: str) -> list[str]:
    return _COLUMN_NAMES[table_name]


def _minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def _created_at(invoice: DemoInvoice) -> datetime:
    # Creditors send an invoice the day after it is dated, in office hours.
    minutes = int(invoice.number) % 600
    sent = datetime.combine(invoice.invoice_date + timedelta(days=1), time(8, 0), UTC)
    return min(sent + timedelta(minutes=minutes), datetime.now(UTC))


def differences(
    built: Sequence[Row], stored: Sequence[Row], table: str, *, label: str
) -> list[str]:
    """Column differences between rows built here and rows the import stored, ignoring
    ``RANDOM_COLUMNS``; one line per difference, values shown only for non-personal
    columns (never the debtor's identity code or name)."""
    if len(built) != len(stored):
        return [f"{label}: {table} has {len(stored)} rows imported, {len(built)} built"]
    ignored = RANDOM_COLUMNS.get(table, frozenset())
    lines = []
    for index, (ours, theirs) in enumerate(zip(built, stored, strict=True)):
        for name, value in ours.items():
            if name in ignored or _same(value, theirs.get(name)):
                continue
            shown = "" if name.startswith("debtor_") else f": {theirs.get(name)!r} vs {value!r}"
            lines.append(f"{label}: {table}[{index}].{name} differs{shown}")
    return lines


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, memoryview):
        theirs = bytes(theirs)
    return bool(ours == theirs)
