"""SQLAlchemy repositories: explicit mapping between table rows and domain objects.

New aggregates are staged by ``add`` and inserted by ``flush`` (the unit of work
calls it before committing). Loaded aggregates are compared with a snapshot of
the rows they were read from; only changed ones are written, with an optimistic
version check, so two concurrent changes of one invoice cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from ropo_platform.money import Money
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.adapters.orm import creditors, invoice_lines, invoices, ledger_components
from ropo_invoice.domain.identifiers import (
    BankAccount,
    BusinessId,
    CaseNumber,
    MyRopoId,
    PaymentReference,
    ReferenceKind,
)
from ropo_invoice.domain.ledger import ComponentType, Ledger, LedgerComponent
from ropo_invoice.domain.model import Creditor, Invoice, InvoiceLine
from ropo_invoice.domain.party import (
    Debtor,
    DebtorKind,
    Language,
    PostalAddress,
    ProtectedNationalId,
)
from ropo_invoice.domain.stage import FINAL_STAGES, Stage
from ropo_invoice.service_layer import ports

Row = RowMapping
_FINAL = [stage.value for stage in FINAL_STAGES]
_PERSONS = "persons/"


# ----------------------------------------------------------------------------- creditors


class SqlCreditorRepository(ports.CreditorRepository):
    """Creditors in the ``creditors`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: list[Creditor] = []

    def add(self, creditor: Creditor) -> None:
        self._new.append(creditor)

    async def get(self, creditor_id: str) -> Creditor | None:
        return await self._one(creditors.c.id == creditor_id)

    async def get_by_business_id(self, business_id: BusinessId) -> Creditor | None:
        for creditor in self._new:  # staged in this unit of work, not yet inserted
            if creditor.business_id == business_id:
                return creditor
        return await self._one(creditors.c.business_id == business_id.value)

    async def _one(self, condition: sa.ColumnElement[bool]) -> Creditor | None:
        row = (
            (await self._session.execute(sa.select(creditors).where(condition))).mappings().first()
        )
        return None if row is None else _creditor_from_row(row)

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(sa.insert(creditors), [_creditor_row(c) for c in new])


def _creditor_row(creditor: Creditor) -> dict[str, Any]:
    account = creditor.account
    return {
        "id": creditor.id,
        "name": creditor.name,
        "business_id": creditor.business_id.value,
        "iban": account.iban if account else None,
        "bic": (account.bic or None) if account else None,
        "created_at": creditor.created_at,
        "updated_at": creditor.updated_at,
    }


def _creditor_from_row(row: Row) -> Creditor:
    account = BankAccount(row["iban"], row["bic"] or "") if row["iban"] else None
    return Creditor(
        id=row["id"],
        name=row["name"],
        business_id=BusinessId(row["business_id"]),
        account=account,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# ------------------------------------------------------------------------------ invoices


class SqlInvoiceRepository(ports.InvoiceRepository):
    """Invoice aggregates in ``invoices``, ``ledger_components`` and ``invoice_lines``."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self._session = session
        self._new: list[Invoice] = []
        # Rows each loaded aggregate was built from, to write only what changed.
        self._snapshots: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    def _add(self, invoice: Invoice) -> None:
        self._new.append(invoice)

    async def _get(self, invoice_id: str) -> Invoice | None:
        return await self._load_one(invoices.c.id == invoice_id)

    async def _get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None:
        for invoice in self._new:
            if invoice.creditor_id == creditor_id and invoice.invoice_number == invoice_number:
                return invoice
        return await self._load_one(
            (invoices.c.creditor_id == creditor_id) & (invoices.c.invoice_number == invoice_number)
        )

    async def _load_one(self, condition: sa.ColumnElement[bool]) -> Invoice | None:
        row = (await self._session.execute(sa.select(invoices).where(condition))).mappings().first()
        if row is None:
            return None
        loaded = await self._assemble([row], include_lines=True)
        invoice = loaded[0]
        self._snapshots[invoice.id] = (_invoice_row(invoice), _component_rows(invoice))
        return invoice

    async def list(
        self,
        invoice_filter: ports.InvoiceFilter,
        after: ports.InvoiceCursor | None,
        limit: int,
        *,
        include_lines: bool = False,
    ) -> Sequence[Invoice]:
        query = sa.select(invoices).where(*_conditions(invoice_filter))
        if after is not None:
            query = query.where(
                sa.tuple_(invoices.c.due_date, invoices.c.id) < (after.due_date, after.invoice_id)
            )
        query = query.order_by(invoices.c.due_date.desc(), invoices.c.id.desc()).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return await self._assemble(rows, include_lines=include_lines)

    async def _assemble(self, rows: Sequence[Row], *, include_lines: bool) -> Sequence[Invoice]:
        """Build aggregates from invoice rows with one query per child table."""
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        component_rows = (
            (
                await self._session.execute(
                    sa.select(ledger_components)
                    .where(ledger_components.c.invoice_id.in_(ids))
                    .order_by(ledger_components.c.invoice_id, ledger_components.c.position)
                )
            )
            .mappings()
            .all()
        )
        components: dict[str, list[Row]] = {}
        for component in component_rows:
            components.setdefault(component["invoice_id"], []).append(component)
        lines: dict[str, list[Row]] = {}
        if include_lines:
            line_rows = (
                (
                    await self._session.execute(
                        sa.select(invoice_lines)
                        .where(invoice_lines.c.invoice_id.in_(ids))
                        .order_by(invoice_lines.c.invoice_id, invoice_lines.c.position)
                    )
                )
                .mappings()
                .all()
            )
            for line in line_rows:
                lines.setdefault(line["invoice_id"], []).append(line)
        return [
            _invoice_from_rows(row, components.get(row["id"], []), lines.get(row["id"], []))
            for row in rows
        ]

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(sa.insert(invoices), [_invoice_row(i) for i in new])
            components = [row for invoice in new for row in _component_rows(invoice)]
            await self._session.execute(sa.insert(ledger_components), components)
            lines = [row for invoice in new for row in _line_rows(invoice)]
            if lines:
                await self._session.execute(sa.insert(invoice_lines), lines)
            for invoice in new:
                self._snapshots[invoice.id] = (_invoice_row(invoice), _component_rows(invoice))
        for invoice in self.seen:
            if invoice.id in self._snapshots:
                await self._update_if_changed(invoice)

    async def _update_if_changed(self, invoice: Invoice) -> None:
        old_row, old_components = self._snapshots[invoice.id]
        row, components = _invoice_row(invoice), _component_rows(invoice)
        if row == old_row and components == old_components:
            return
        row["version"] = invoice.version + 1
        result = await self._session.execute(
            sa.update(invoices)
            .where(invoices.c.id == invoice.id, invoices.c.version == invoice.version)
            .values(row)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ports.Conflict(f"invoice {invoice.id} was changed concurrently")
        invoice.version += 1
        # Components are few per invoice: replacing them keeps the mapping simple.
        await self._session.execute(
            sa.delete(ledger_components).where(ledger_components.c.invoice_id == invoice.id)
        )
        await self._session.execute(sa.insert(ledger_components), components)
        self._snapshots[invoice.id] = (_invoice_row(invoice), components)


def _conditions(invoice_filter: ports.InvoiceFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if invoice_filter.invoice_ids is not None:
        conditions.append(invoices.c.id.in_(invoice_filter.invoice_ids))
    if invoice_filter.debtor_party:
        conditions.append(invoices.c.debtor_party == invoice_filter.debtor_party)
    if invoice_filter.creditor_id:
        conditions.append(invoices.c.creditor_id == invoice_filter.creditor_id)
    is_open = sa.and_(invoices.c.open_amount_minor > 0, invoices.c.stage.not_in(_FINAL))
    if invoice_filter.open_only:
        conditions.append(is_open)
    if invoice_filter.closed_only:
        conditions.append(sa.not_(is_open))
    if invoice_filter.text:
        needle = invoice_filter.text.lower()
        conditions.append(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        invoices.c.creditor_name,
                        invoices.c.invoice_number,
                        invoices.c.reference,
                    )
                )
            )
        )
    return conditions


def _invoice_row(invoice: Invoice) -> dict[str, Any]:
    debtor = invoice.debtor
    protected = debtor.national_id
    return {
        "id": invoice.id,
        "creditor_id": invoice.creditor_id,
        "creditor_name": invoice.creditor_name,
        "invoice_number": invoice.invoice_number,
        "debtor_kind": debtor.kind.value,
        "debtor_name": debtor.name,
        "debtor_party": debtor.party or None,
        "debtor_national_id_ciphertext": protected.ciphertext if protected else None,
        "debtor_national_id_masked": protected.masked if protected else None,
        "debtor_business_id": debtor.business_id.value if debtor.business_id else None,
        "debtor_street": "\n".join(debtor.address.street_lines),
        "debtor_postal_code": debtor.address.postal_code,
        "debtor_town": debtor.address.town,
        "debtor_country_code": debtor.address.country_code,
        "language": debtor.language.value,
        "reference": invoice.reference.value,
        "reference_kind": invoice.reference.kind.value,
        "case_number": invoice.case_number.value,
        "myropo_id": invoice.myropo_id.value,
        "issue_date": invoice.issue_date,
        "original_due_date": invoice.original_due_date,
        "due_date": invoice.due_date,
        "stage": invoice.stage.value,
        "paid_in_myropo": invoice.paid_in_myropo,
        "due_date_extension_count": invoice.due_date_extension_count,
        "currency": invoice.currency,
        "open_amount_minor": invoice.ledger.open_amount.minor_units,
        "payee_iban": invoice.payee_account.iban,
        "payee_bic": invoice.payee_account.bic,
        "paid_at": invoice.paid_at,
        "created_at": invoice.created_at,
        "updated_at": invoice.updated_at,
        "version": invoice.version,
    }


def _component_rows(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {
            "id": component.id,
            "invoice_id": invoice.id,
            "position": position,
            "type": component.type.value,
            "amount_minor": component.amount.minor_units,
            "paid_minor": component.paid_amount.minor_units,
            "credited_minor": component.credited_amount.minor_units,
            "charge_date": component.charge_date,
        }
        for position, component in enumerate(invoice.ledger.components, start=1)
    ]


def _line_rows(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {
            "invoice_id": invoice.id,
            "position": line.position,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "vat_rate_percent": line.vat_rate_percent,
            "net_amount": line.net_amount,
            "vat_amount": line.vat_amount,
            "gross_amount": line.gross_amount,
        }
        for line in invoice.lines
    ]


def _invoice_from_rows(row: Row, components: Iterable[Row], lines: Iterable[Row]) -> Invoice:
    currency = row["currency"]
    return Invoice(
        id=row["id"],
        invoice_number=row["invoice_number"],
        creditor_id=row["creditor_id"],
        creditor_name=row["creditor_name"],
        debtor=_debtor_from_row(row),
        reference=PaymentReference(row["reference"], ReferenceKind(row["reference_kind"])),
        case_number=CaseNumber(row["case_number"]),
        myropo_id=MyRopoId(row["myropo_id"]),
        issue_date=row["issue_date"],
        original_due_date=row["original_due_date"],
        due_date=row["due_date"],
        stage=Stage(row["stage"]),
        ledger=Ledger(currency, (_component_from_row(c, currency) for c in components)),
        payee_account=BankAccount(row["payee_iban"], row["payee_bic"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        lines=tuple(_line_from_row(line, currency) for line in lines),
        paid_in_myropo=row["paid_in_myropo"],
        due_date_extension_count=row["due_date_extension_count"],
        paid_at=row["paid_at"],
        version=row["version"],
    )


def _debtor_from_row(row: Row) -> Debtor:
    party: str | None = row["debtor_party"]
    protected = None
    if row["debtor_national_id_ciphertext"] is not None and party and party.startswith(_PERSONS):
        protected = ProtectedNationalId(
            person_key=party.removeprefix(_PERSONS),
            ciphertext=bytes(row["debtor_national_id_ciphertext"]),
            masked=row["debtor_national_id_masked"] or "",
        )
    street = row["debtor_street"]
    return Debtor(
        kind=DebtorKind(row["debtor_kind"]),
        name=row["debtor_name"],
        address=PostalAddress(
            street_lines=tuple(street.split("\n")) if street else (),
            postal_code=row["debtor_postal_code"],
            town=row["debtor_town"],
            country_code=row["debtor_country_code"],
        ),
        language=Language(row["language"]),
        national_id=protected,
        business_id=BusinessId(row["debtor_business_id"]) if row["debtor_business_id"] else None,
    )


def _component_from_row(row: Row, currency: str) -> LedgerComponent:
    return LedgerComponent(
        id=row["id"],
        type=ComponentType(row["type"]),
        amount=Money.from_minor_units(row["amount_minor"], currency),
        charge_date=row["charge_date"],
        paid_amount=Money.from_minor_units(row["paid_minor"], currency),
        credited_amount=Money.from_minor_units(row["credited_minor"], currency),
    )


def _line_from_row(row: Row, currency: str) -> InvoiceLine:
    return InvoiceLine(
        position=row["position"],
        description=row["description"],
        currency=currency,
        quantity=row["quantity"],
        unit=row["unit"],
        unit_price=row["unit_price"],
        vat_rate_percent=row["vat_rate_percent"],
        net_amount=row["net_amount"],
        vat_amount=row["vat_amount"],
        gross_amount=row["gross_amount"],
    )


# --------------------------------------------------------------------------- request log


class SqlRequestLog(ports.RequestLog):
    """The platform's ``request_log`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        try:
            return await find_response(self._session, method, request_id, fingerprint)
        except PlatformRequestIdReused:
            raise ports.RequestIdReused(method) from None

    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        await record_response(self._session, method, request_id, fingerprint, result)


def sql_repositories(
    session: AsyncSession,
) -> tuple[SqlInvoiceRepository, SqlCreditorRepository, SqlRequestLog]:
    """The repositories of one unit of work, sharing its session."""
    return SqlInvoiceRepository(session), SqlCreditorRepository(session), SqlRequestLog(session)
