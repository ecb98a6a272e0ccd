"""SQLAlchemy repositories: explicit mapping between table rows and domain objects.

New aggregates are staged by ``add`` and inserted by ``flush`` (the unit of work
calls it before committing). Loaded aggregates are compared with a snapshot of
the rows they were read from; only changed ones are written, with an optimistic
version check, so two concurrent changes of one invoice cannot both win.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from ropo_platform.money import Money
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.adapters.dispute_repository import SqlDisputeRepository
from ropo_invoice.adapters.message_repository import (
    SqlEmailOutbox,
    SqlLetterConsents,
    SqlLetterDeliveries,
    SqlSentNotifications,
)
from ropo_invoice.adapters.orm import (
    creditors,
    invoice_documents,
    invoice_letters,
    invoice_lines,
    invoice_processed_items,
    invoice_timeline,
    invoices,
    ledger_components,
    payment_plan_instalments,
    payment_plans,
    payment_time_policies,
)
from ropo_invoice.domain.identifiers import (
    BankAccount,
    BusinessId,
    CaseNumber,
    MyRopoId,
    PaymentReference,
    ReferenceKind,
)
from ropo_invoice.domain.ledger import ComponentType, Ledger, LedgerComponent
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Creditor, Invoice, InvoiceLine
from ropo_invoice.domain.party import (
    Debtor,
    DebtorKind,
    Language,
    PostalAddress,
    ProtectedNationalId,
)
from ropo_invoice.domain.payment_plan import Instalment, PaymentPlan, PlanState
from ropo_invoice.domain.payment_time_policy import DEFAULT_PAYMENT_TIME_POLICY, PaymentTimePolicy
from ropo_invoice.domain.stage import ACTIVE_STAGES, FINAL_STAGES, Stage
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

    async def list(self, after: tuple[str, str] | None, limit: int) -> Sequence[Creditor]:
        query = sa.select(creditors)
        if after is not None:
            query = query.where(sa.tuple_(creditors.c.name, creditors.c.id) > after)
        query = query.order_by(creditors.c.name, creditors.c.id).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return [_creditor_from_row(row) for row in rows]

    async def _one(self, condition: sa.ColumnElement[bool]) -> Creditor | None:
        row = (
            (await self._session.execute(sa.select(creditors).where(condition))).mappings().first()
        )
        return None if row is None else _creditor_from_row(row)

    async def payment_time_policy(self, creditor_id: str) -> PaymentTimePolicy:
        query = sa.select(payment_time_policies).where(
            payment_time_policies.c.creditor_id == creditor_id
        )
        row = (await self._session.execute(query)).mappings().first()
        return DEFAULT_PAYMENT_TIME_POLICY if row is None else _policy_from_row(row)

    async def save_payment_time_policy(
        self, creditor_id: str, policy: PaymentTimePolicy, now: datetime
    ) -> None:
        await self._session.execute(
            sa.delete(payment_time_policies).where(
                payment_time_policies.c.creditor_id == creditor_id
            )
        )
        await self._session.execute(
            sa.insert(payment_time_policies), [_policy_row(creditor_id, policy, now)]
        )

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(sa.insert(creditors), [_creditor_row(c) for c in new])


def _stages_text(stages: frozenset[Stage]) -> str:
    return ",".join(sorted(stage.value for stage in stages))


def _stages(text: str) -> frozenset[Stage]:
    return frozenset(Stage(value) for value in text.split(",") if value)


def _minor(amount: Money | None) -> int | None:
    return None if amount is None else amount.minor_units


def _policy_row(creditor_id: str, policy: PaymentTimePolicy, now: datetime) -> dict[str, Any]:
    return {
        "creditor_id": creditor_id,
        "extension_allowed": policy.extension_allowed,
        "extension_stages": _stages_text(policy.extension_stages),
        "max_extensions": policy.max_extensions,
        "max_extension_days": policy.max_extension_days,
        "extension_fee_minor": _minor(policy.extension_fee),
        "plans_allowed": policy.plans_allowed,
        "plan_stages": _stages_text(policy.plan_stages),
        "min_instalments": policy.min_instalments,
        "max_instalments": policy.max_instalments,
        "min_instalment_minor": policy.min_instalment.minor_units,
        "min_open_amount_minor": policy.min_open_amount.minor_units,
        "plan_fee_minor": _minor(policy.plan_fee),
        "max_plans": policy.max_plans,
        "grace_days": policy.grace_days,
        "currency": policy.min_instalment.currency,
        "updated_at": now,
    }


def _policy_from_row(row: Row) -> PaymentTimePolicy:
    currency = row["currency"]

    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money.from_minor_units(minor, currency)

    return PaymentTimePolicy(
        extension_allowed=row["extension_allowed"],
        extension_stages=_stages(row["extension_stages"]),
        max_extensions=row["max_extensions"],
        max_extension_days=row["max_extension_days"],
        extension_fee=money(row["extension_fee_minor"]),
        plans_allowed=row["plans_allowed"],
        plan_stages=_stages(row["plan_stages"]),
        min_instalments=row["min_instalments"],
        max_instalments=row["max_instalments"],
        min_instalment=Money.from_minor_units(row["min_instalment_minor"], currency),
        min_open_amount=Money.from_minor_units(row["min_open_amount_minor"], currency),
        plan_fee=money(row["plan_fee_minor"]),
        max_plans=row["max_plans"],
        grace_days=row["grace_days"],
    )


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
        self._snapshots: dict[str, _Snapshot] = {}

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
        loaded = await self._assemble([row], include_lines=True, include_history=True)
        invoice = loaded[0]
        self._snapshots[invoice.id] = _Snapshot.of(invoice)
        return invoice

    async def exists(self, invoice_id: str) -> bool:
        query = sa.select(invoices.c.id).where(invoices.c.id == invoice_id)
        return (await self._session.execute(query)).first() is not None

    async def find_by_details(
        self, reference: str, invoice_number: str
    ) -> list[ports.LookupCandidate]:
        query = sa.select(invoices.c.id, invoices.c.debtor_postal_code).where(
            invoices.c.reference == reference, invoices.c.invoice_number == invoice_number
        )
        rows = (await self._session.execute(query)).all()
        return [ports.LookupCandidate(row.id, row.debtor_postal_code) for row in rows]

    async def ids_due_for_collection(self, today: date, after: str, limit: int) -> list[str]:
        query = (
            sa.select(invoices.c.id)
            .where(
                invoices.c.due_date < today,
                invoices.c.open_amount_minor > 0,
                invoices.c.stage.in_([stage.value for stage in ACTIVE_STAGES]),
                invoices.c.id > after,
            )
            .order_by(invoices.c.id)
            .limit(limit)
        )
        return list((await self._session.execute(query)).scalars())

    async def find_by_myropo_id(self, myropo_id: str) -> ports.LookupCandidate | None:
        query = sa.select(invoices.c.id, invoices.c.debtor_postal_code).where(
            invoices.c.myropo_id == myropo_id
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else ports.LookupCandidate(row.id, row.debtor_postal_code)

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

    async def _assemble(
        self, rows: Sequence[Row], *, include_lines: bool, include_history: bool = False
    ) -> Sequence[Invoice]:
        """Build aggregates from invoice rows with one query per child table.

        Lists leave out the history (letters, processed payments): they are read-only
        and never change an invoice, and every query saved keeps a page fast.
        """
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
        invoices_built = [
            _invoice_from_rows(row, components.get(row["id"], []), lines.get(row["id"], []))
            for row in rows
        ]
        if include_history:
            for invoice in invoices_built:
                await self._load_history(invoice)
        return invoices_built

    async def _load_history(self, invoice: Invoice) -> None:
        letter_rows = (
            (
                await self._session.execute(
                    sa.select(invoice_letters)
                    .where(invoice_letters.c.invoice_id == invoice.id)
                    .order_by(invoice_letters.c.issued_on, invoice_letters.c.sequence)
                )
            )
            .mappings()
            .all()
        )
        invoice.letters = tuple(_letter_from_row(row, invoice.currency) for row in letter_rows)
        item_rows = (
            await self._session.execute(
                sa.select(invoice_processed_items.c.kind, invoice_processed_items.c.item_id)
                .where(invoice_processed_items.c.invoice_id == invoice.id)
                .order_by(invoice_processed_items.c.kind, invoice_processed_items.c.item_id)
            )
        ).all()
        items: dict[str, list[str]] = {kind: [] for kind in _PROCESSED_KINDS}
        for kind, item_id in item_rows:
            items.setdefault(kind, []).append(item_id)
        invoice.applied_payment_ids = tuple(items[_APPLIED_PAYMENT])
        invoice.confirmed_payment_ids = tuple(items[_CONFIRMED_PAYMENT])
        invoice.applied_credit_note_numbers = tuple(items[_CREDIT_NOTE])
        invoice.payment_plans = await self._load_plans(invoice)

    async def _load_plans(self, invoice: Invoice) -> tuple[PaymentPlan, ...]:
        plan_rows = (
            (
                await self._session.execute(
                    sa.select(payment_plans)
                    .where(payment_plans.c.invoice_id == invoice.id)
                    .order_by(payment_plans.c.position)
                )
            )
            .mappings()
            .all()
        )
        if not plan_rows:
            return ()
        instalment_rows = (
            (
                await self._session.execute(
                    sa.select(payment_plan_instalments)
                    .where(payment_plan_instalments.c.plan_id.in_([r["id"] for r in plan_rows]))
                    .order_by(payment_plan_instalments.c.plan_id, payment_plan_instalments.c.number)
                )
            )
            .mappings()
            .all()
        )
        by_plan: dict[str, list[Row]] = {}
        for row in instalment_rows:
            by_plan.setdefault(row["plan_id"], []).append(row)
        return tuple(
            _plan_from_rows(row, by_plan.get(row["id"], []), invoice.currency) for row in plan_rows
        )

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
                await self._insert_history(invoice, _Snapshot.empty())
                self._snapshots[invoice.id] = _Snapshot.of(invoice)
        for invoice in self.seen:
            if invoice.id in self._snapshots:
                await self._update_if_changed(invoice)

    async def _update_if_changed(self, invoice: Invoice) -> None:
        old = self._snapshots[invoice.id]
        current = _Snapshot.of(invoice)
        if current == old:
            return
        row = dict(current.row)
        row["version"] = invoice.version + 1
        result = await self._session.execute(
            sa.update(invoices)
            .where(invoices.c.id == invoice.id, invoices.c.version == invoice.version)
            .values(row)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ports.Conflict(f"invoice {invoice.id} was changed concurrently")
        invoice.version += 1
        if current.components != old.components:
            # Components are few per invoice: replacing them keeps the mapping simple.
            await self._session.execute(
                sa.delete(ledger_components).where(ledger_components.c.invoice_id == invoice.id)
            )
            await self._session.execute(sa.insert(ledger_components), current.components)
        await self._insert_history(invoice, old)
        self._snapshots[invoice.id] = _Snapshot.of(invoice)

    async def _insert_history(self, invoice: Invoice, old: _Snapshot) -> None:
        """Letters and processed items are append-only: insert what ``old`` lacks."""
        letters = [
            _letter_row(invoice.id, letter)
            for letter in invoice.letters
            if letter.id not in old.letters
        ]
        if letters:
            await self._session.execute(sa.insert(invoice_letters), letters)
        items = [
            {"invoice_id": invoice.id, "kind": kind, "item_id": item_id}
            for kind, item_id in sorted(_processed_items(invoice) - old.items)
        ]
        if items:
            await self._session.execute(sa.insert(invoice_processed_items), items)
        await self._write_plans(invoice, old)

    async def _write_plans(self, invoice: Invoice, old: _Snapshot) -> None:
        """Insert new plans, rewrite changed ones (a plan has at most a dozen rows)."""
        for position, plan in enumerate(invoice.payment_plans, start=1):
            row = _plan_row(invoice.id, position, plan)
            instalments = _instalment_rows(plan)
            before = old.plans.get(plan.id)
            if before is None:
                await self._session.execute(sa.insert(payment_plans), [row])
            elif before != (row, instalments):
                await self._session.execute(
                    sa.update(payment_plans).where(payment_plans.c.id == plan.id).values(row)
                )
                await self._session.execute(
                    sa.delete(payment_plan_instalments).where(
                        payment_plan_instalments.c.plan_id == plan.id
                    )
                )
            else:
                continue
            await self._session.execute(sa.insert(payment_plan_instalments), instalments)


_APPLIED_PAYMENT = "payment_applied"
_CONFIRMED_PAYMENT = "payment_confirmed"
_CREDIT_NOTE = "credit_note"
_PROCESSED_KINDS = (_APPLIED_PAYMENT, _CONFIRMED_PAYMENT, _CREDIT_NOTE)


def _processed_items(invoice: Invoice) -> frozenset[tuple[str, str]]:
    return frozenset(
        [(_APPLIED_PAYMENT, item) for item in invoice.applied_payment_ids]
        + [(_CONFIRMED_PAYMENT, item) for item in invoice.confirmed_payment_ids]
        + [(_CREDIT_NOTE, item) for item in invoice.applied_credit_note_numbers]
    )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What an aggregate looked like when loaded or last written."""

    row: dict[str, Any]
    components: list[dict[str, Any]]
    letters: frozenset[str]
    items: frozenset[tuple[str, str]]
    #: Plan id → (plan row, instalment rows).
    plans: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]

    @classmethod
    def of(cls, invoice: Invoice) -> _Snapshot:
        return cls(
            _invoice_row(invoice),
            _component_rows(invoice),
            frozenset(letter.id for letter in invoice.letters),
            _processed_items(invoice),
            {
                plan.id: (_plan_row(invoice.id, position, plan), _instalment_rows(plan))
                for position, plan in enumerate(invoice.payment_plans, start=1)
            },
        )

    @classmethod
    def empty(cls) -> _Snapshot:
        return cls({}, [], frozenset(), frozenset(), {})


def _plan_row(invoice_id: str, position: int, plan: PaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "invoice_id": invoice_id,
        "position": position,
        "state": plan.state.value,
        "fee_minor": plan.fee.minor_units,
        "total_minor": plan.total_amount.minor_units,
        "original_stage": plan.original_stage.value,
        "created_at": plan.created_at,
        "cancelled_at": plan.cancelled_at,
        "missed_instalment": plan.missed_instalment,
        "cancel_reason": plan.cancel_reason,
    }


def _instalment_rows(plan: PaymentPlan) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": plan.id,
            "number": instalment.number,
            "due_date": instalment.due_date,
            "amount_minor": instalment.amount.minor_units,
            "paid_minor": instalment.paid_amount.minor_units,
            "overdue": instalment.overdue,
        }
        for instalment in plan.instalments
    ]


def _plan_from_rows(row: Row, instalments: Iterable[Row], currency: str) -> PaymentPlan:
    def money(minor: int) -> Money:
        return Money.from_minor_units(minor, currency)

    return PaymentPlan(
        id=row["id"],
        state=PlanState(row["state"]),
        instalments=tuple(
            Instalment(
                number=i["number"],
                due_date=i["due_date"],
                amount=money(i["amount_minor"]),
                paid_amount=money(i["paid_minor"]),
                overdue=i["overdue"],
            )
            for i in instalments
        ),
        fee=money(row["fee_minor"]),
        total_amount=money(row["total_minor"]),
        created_at=row["created_at"],
        original_stage=Stage(row["original_stage"]),
        cancelled_at=row["cancelled_at"],
        missed_instalment=row["missed_instalment"],
        cancel_reason=row["cancel_reason"],
    )


def _letter_row(invoice_id: str, letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "invoice_id": invoice_id,
        "type": letter.type.value,
        "sequence": letter.sequence,
        "issued_on": letter.issued_on,
        "due_date": letter.due_date,
        "fee_minor": letter.fee.minor_units if letter.fee is not None else None,
        "open_amount_minor": letter.open_amount.minor_units,
        "body": letter.body,
    }


def _letter_from_row(row: Row, currency: str) -> Letter:
    fee = row["fee_minor"]
    return Letter(
        id=row["id"],
        type=LetterType(row["type"]),
        issued_on=row["issued_on"],
        due_date=row["due_date"],
        fee=Money.from_minor_units(fee, currency) if fee is not None else None,
        open_amount=Money.from_minor_units(row["open_amount_minor"], currency),
        sequence=row["sequence"],
        body=row["body"],
    )


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
    if invoice_filter.case_number:
        conditions.append(invoices.c.case_number == invoice_filter.case_number)
    if invoice_filter.invoice_number:
        conditions.append(invoices.c.invoice_number == invoice_filter.invoice_number)
    if invoice_filter.reference:
        conditions.append(invoices.c.reference == invoice_filter.reference)
    if invoice_filter.stages:
        conditions.append(invoices.c.stage.in_([stage.value for stage in invoice_filter.stages]))
    if invoice_filter.debtor_name:
        conditions.append(_contains(invoices.c.debtor_name, invoice_filter.debtor_name))
    if invoice_filter.text:
        columns = [invoices.c.creditor_name, invoices.c.invoice_number, invoices.c.reference]
        if invoice_filter.text_scope is ports.TextScope.STAFF:
            columns += [invoices.c.case_number, invoices.c.debtor_name]
        conditions.append(sa.or_(*(_contains(column, invoice_filter.text) for column in columns)))
    return conditions


def _contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match with LIKE wildcards in ``text`` escaped."""
    return sa.func.lower(column).contains(text.lower(), autoescape=True)


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
        "interest_accrued_until": invoice.interest_accrued_until,
        "stage_before_dispute": (
            invoice.stage_before_dispute.value if invoice.stage_before_dispute else None
        ),
        "judgment_date": invoice.judgment_date,
        "judgment_reference": invoice.judgment_reference or None,
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
        interest_accrued_until=row["interest_accrued_until"],
        stage_before_dispute=(
            Stage(row["stage_before_dispute"]) if row["stage_before_dispute"] else None
        ),
        judgment_date=row["judgment_date"],
        judgment_reference=row["judgment_reference"] or "",
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


# ------------------------------------------------------------------------------ timeline


class SqlTimeline(ports.Timeline):
    """The ``invoice_timeline`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(
        self, entries: Sequence[ports.TimelineEntry], new_invoice_ids: Set[str] = frozenset()
    ) -> None:
        if not entries:
            return
        # A bulk import appends to a hundred new invoices at once: asking the database
        # for timelines that cannot exist yet was the import's most expensive query.
        known = {entry.invoice_id for entry in entries} - new_invoice_ids
        next_position = await self._last_positions(known) if known else {}
        rows = []
        for entry in entries:
            next_position[entry.invoice_id] = next_position.get(entry.invoice_id, 0) + 1
            rows.append(_timeline_row(entry, next_position[entry.invoice_id]))
        # Two writers of one invoice's timeline collide on the primary key: that is a
        # Conflict for the unit of work (the invoice row's version check catches it too).
        await self._session.execute(sa.insert(invoice_timeline), rows)

    async def _last_positions(self, invoice_ids: set[str]) -> dict[str, int]:
        """The last position of each invoice's timeline, one primary-key probe each
        (a GROUP BY over an IN list let the planner choose a full scan)."""
        positions: dict[str, int] = {}
        for invoice_id in sorted(invoice_ids):
            query = sa.select(sa.func.max(invoice_timeline.c.position)).where(
                invoice_timeline.c.invoice_id == invoice_id
            )
            last = (await self._session.execute(query)).scalar()
            if last is not None:
                positions[invoice_id] = int(last)
        return positions

    async def list(self, invoice_id: str, after: int, limit: int) -> Sequence[ports.TimelineEntry]:
        query = (
            sa.select(invoice_timeline)
            .where(invoice_timeline.c.invoice_id == invoice_id, invoice_timeline.c.position > after)
            .order_by(invoice_timeline.c.position)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [_timeline_entry(row) for row in rows]


def _timeline_row(entry: ports.TimelineEntry, position: int) -> dict[str, Any]:
    amount = entry.amount
    return {
        "invoice_id": entry.invoice_id,
        "position": position,
        "type": entry.type.value,
        "occurred_at": entry.occurred_at,
        "amount_minor": amount.minor_units if amount is not None else None,
        "currency": amount.currency if amount is not None else None,
        "letter_id": entry.letter_id,
        "details": json.dumps(entry.details, sort_keys=True, separators=(",", ":")),
    }


def _timeline_entry(row: Row) -> ports.TimelineEntry:
    amount = None
    if row["amount_minor"] is not None:
        amount = Money.from_minor_units(row["amount_minor"], row["currency"])
    return ports.TimelineEntry(
        invoice_id=row["invoice_id"],
        type=ports.TimelineType(row["type"]),
        occurred_at=row["occurred_at"],
        amount=amount,
        letter_id=row["letter_id"],
        details={str(k): str(v) for k, v in json.loads(row["details"]).items()},
        position=row["position"],
    )


# ----------------------------------------------------------------------------- documents


class SqlDocumentStore(ports.DocumentStore):
    """The ``invoice_documents`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: list[ports.StoredDocument] = []

    def add(self, document: ports.StoredDocument) -> None:
        self._new.append(document)

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(
                sa.insert(invoice_documents), [_document_row(d) for d in new]
            )

    async def get(
        self, invoice_id: str, kind: ports.DocumentKind, letter_id: str = ""
    ) -> ports.StoredDocument | None:
        query = sa.select(invoice_documents).where(
            invoice_documents.c.invoice_id == invoice_id,
            invoice_documents.c.kind == kind.value,
            invoice_documents.c.letter_id == letter_id,
        )
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        return ports.StoredDocument(
            invoice_id=row["invoice_id"],
            kind=ports.DocumentKind(row["kind"]),
            media_type=row["media_type"],
            content=bytes(row["content"]),
            created_at=row["created_at"],
            letter_id=row["letter_id"],
        )


def _document_row(document: ports.StoredDocument) -> dict[str, Any]:
    return {
        "invoice_id": document.invoice_id,
        "kind": document.kind.value,
        "letter_id": document.letter_id,
        "media_type": document.media_type,
        "content": document.content,
        "sha256": hashlib.sha256(document.content).hexdigest(),
        "created_at": document.created_at,
    }


@dataclass(frozen=True, slots=True)
class SqlRepositories:
    """The repositories of one unit of work, sharing its session."""

    invoices: SqlInvoiceRepository
    creditors: SqlCreditorRepository
    requests: SqlRequestLog
    timeline: SqlTimeline
    documents: SqlDocumentStore
    disputes: SqlDisputeRepository
    deliveries: SqlLetterDeliveries
    consents: SqlLetterConsents
    emails: SqlEmailOutbox
    notifications: SqlSentNotifications


def sql_repositories(session: AsyncSession) -> SqlRepositories:
    """The repositories of one unit of work, sharing its session."""
    return SqlRepositories(
        SqlInvoiceRepository(session),
        SqlCreditorRepository(session),
        SqlRequestLog(session),
        SqlTimeline(session),
        SqlDocumentStore(session),
        disputes=SqlDisputeRepository(session),
        deliveries=SqlLetterDeliveries(session),
        consents=SqlLetterConsents(session),
        emails=SqlEmailOutbox(session),
        notifications=SqlSentNotifications(session),
    )
