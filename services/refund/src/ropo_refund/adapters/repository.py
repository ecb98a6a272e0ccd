"""SQLAlchemy Core implementation of the refund case repository.

Cases are mapped by hand to the domain dataclasses (no ORM state in the aggregate).
Every update is guarded by the case's version; its accounts are written alongside
(new ones inserted, known ones updated: confirmation and replacement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from ropo_platform.money import Money
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.orm import refund_accounts, refund_cases
from ropo_refund.domain.refund_case import RefundAccount, RefundCase, RefundOrigin, RefundState
from ropo_refund.service_layer.ports import (
    CaseCursor,
    CaseFilter,
    Conflict,
    RefundCaseRepository,
)


def _case_values(case: RefundCase) -> dict[str, Any]:
    return {
        "case_number": case.case_number,
        "myropo_id": case.myropo_id,
        "origin": case.origin.value,
        "source_key": case.source_key,
        "invoice": case.invoice,
        "payment": case.payment,
        "debtor_party": case.debtor_party,
        "debtor_display_name": case.debtor_display_name[:300],
        "language": case.language,
        "currency": case.refundable_amount.currency,
        "refundable_minor": case.refundable_amount.minor_units,
        "handling_fee_minor": case.handling_fee.minor_units,
        "state": case.state.value,
        "current_account_id": case.account.id if case.account else None,
        "approved_account_id": case.approved_account_id or None,
        "approver": case.approver,
        "approve_time": case.approve_time,
        "payout_batch_id": case.payout_batch_id or None,
        "status_message": case.status_message,
        "failed_payout_count": case.failed_payout_count,
        "create_time": case.create_time,
        "update_time": case.update_time,
        "paid_time": case.paid_time,
        "version": case.version,
    }


def _account_values(account: RefundAccount) -> dict[str, Any]:
    return {
        "iban": account.iban,
        "bic": account.bic,
        "holder_name": account.holder_name,
        "reporter": account.reporter,
        "report_time": account.report_time,
        "confirm_time": account.confirm_time,
        "replaced_by": account.replaced_by,
        "replace_reason": account.replace_reason[:300],
        "replace_time": account.replace_time,
    }


def _account(row: sa.RowMapping) -> RefundAccount:
    return RefundAccount(
        id=row["id"],
        iban=row["iban"],
        bic=row["bic"],
        holder_name=row["holder_name"],
        reporter=row["reporter"],
        report_time=row["report_time"],
        confirm_time=row["confirm_time"],
        replaced_by=row["replaced_by"],
        replace_reason=row["replace_reason"],
        replace_time=row["replace_time"],
    )


def _case(row: sa.RowMapping, accounts: Sequence[RefundAccount]) -> RefundCase:
    currency = row["currency"]
    current_id = row["current_account_id"]
    current = next((account for account in accounts if account.id == current_id), None)
    previous = [account for account in accounts if account.id != current_id]
    previous.sort(key=lambda account: (account.replace_time or account.report_time, account.id))
    return RefundCase(
        id=row["id"],
        case_number=row["case_number"],
        myropo_id=row["myropo_id"],
        origin=RefundOrigin(row["origin"]),
        source_key=row["source_key"],
        invoice=row["invoice"],
        payment=row["payment"],
        debtor_party=row["debtor_party"],
        debtor_display_name=row["debtor_display_name"],
        language=row["language"],
        refundable_amount=Money.from_minor_units(row["refundable_minor"], currency),
        handling_fee=Money.from_minor_units(row["handling_fee_minor"], currency),
        create_time=row["create_time"],
        update_time=row["update_time"],
        state=RefundState(row["state"]),
        account=current,
        previous_accounts=previous,
        approved_account_id=row["approved_account_id"] or "",
        approver=row["approver"],
        approve_time=row["approve_time"],
        payout_batch_id=row["payout_batch_id"] or "",
        status_message=row["status_message"],
        failed_payout_count=row["failed_payout_count"],
        paid_time=row["paid_time"],
        version=row["version"],
    )


class SqlRefundCaseRepository(RefundCaseRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _load(self, query: sa.Select[Any]) -> list[RefundCase]:
        rows = (await self._session.execute(query)).mappings().all()
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        account_rows = (
            await self._session.execute(
                sa.select(refund_accounts)
                .where(refund_accounts.c.refund_case_id.in_(ids))
                .order_by(refund_accounts.c.report_time, refund_accounts.c.id)
            )
        ).mappings()
        accounts: dict[str, list[RefundAccount]] = {case_id: [] for case_id in ids}
        for account in account_rows:
            accounts[account["refund_case_id"]].append(_account(account))
        return [_case(row, accounts[row["id"]]) for row in rows]

    async def _one(self, where: sa.ColumnElement[bool]) -> RefundCase | None:
        found = await self._load(sa.select(refund_cases).where(where))
        return found[0] if found else None

    async def get(self, case_id: str) -> RefundCase | None:
        return await self._one(refund_cases.c.id == case_id)

    async def get_by_case_number(self, case_number: str) -> RefundCase | None:
        return await self._one(refund_cases.c.case_number == case_number)

    async def get_by_source(self, source_key: str) -> RefundCase | None:
        return await self._one(refund_cases.c.source_key == source_key)

    async def add(self, case: RefundCase) -> None:
        try:
            # A savepoint keeps the caller's transaction usable after a taken key.
            async with self._session.begin_nested():
                await self._session.execute(
                    sa.insert(refund_cases).values(id=case.id, **_case_values(case))
                )
        except IntegrityError as error:
            raise Conflict("case number or source taken") from error
        await self._save_accounts(case, known=set())

    async def update(self, case: RefundCase, expected_version: int) -> bool:
        result = await self._session.execute(
            sa.update(refund_cases)
            .where(refund_cases.c.id == case.id, refund_cases.c.version == expected_version)
            .values(**_case_values(case))
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        known = set(
            (
                await self._session.execute(
                    sa.select(refund_accounts.c.id).where(
                        refund_accounts.c.refund_case_id == case.id
                    )
                )
            ).scalars()
        )
        await self._save_accounts(case, known)
        return True

    async def _save_accounts(self, case: RefundCase, known: set[str]) -> None:
        accounts = [*case.previous_accounts, *([case.account] if case.account else [])]
        for account in accounts:
            if account.id in known:
                await self._session.execute(
                    sa.update(refund_accounts)
                    .where(refund_accounts.c.id == account.id)
                    .values(**_account_values(account))
                )
            else:
                await self._session.execute(
                    sa.insert(refund_accounts).values(
                        id=account.id, refund_case_id=case.id, **_account_values(account)
                    )
                )

    async def list(
        self, where: CaseFilter, after: CaseCursor | None, limit: int
    ) -> Sequence[RefundCase]:
        query = sa.select(refund_cases)
        if where.states:
            query = query.where(refund_cases.c.state.in_(sorted(s.value for s in where.states)))
        if where.debtor_party:
            query = query.where(refund_cases.c.debtor_party == where.debtor_party)
        if where.invoice:
            query = query.where(refund_cases.c.invoice == where.invoice)
        if after is not None:
            query = query.where(
                sa.or_(
                    refund_cases.c.create_time > after.create_time,
                    sa.and_(
                        refund_cases.c.create_time == after.create_time,
                        refund_cases.c.id > after.case_id,
                    ),
                )
            )
        query = query.order_by(refund_cases.c.create_time, refund_cases.c.id).limit(limit)
        return await self._load(query)

    async def payable(self) -> Sequence[RefundCase]:
        query = (
            sa.select(refund_cases)
            .where(
                refund_cases.c.state == RefundState.APPROVED.value,
                refund_cases.c.payout_batch_id.is_(None),
                refund_cases.c.approved_account_id == refund_cases.c.current_account_id,
            )
            .order_by(refund_cases.c.create_time, refund_cases.c.id)
        )
        return [case for case in await self._load(query) if case.payable]
