"""Payouts: approved refunds into a pain.001 file, the bank's pain.002 back.

Export, in one transaction: every payable case (approved, in no batch, the approval of
its current account), the file built and schema-checked before anything is stored, the
batch with one item per case, and each case moved to IN_PAYOUT by a version-guarded
update. Two exports at once cannot share a case: the loser's guarded update finds the
case changed (or the unique payout attempt taken) and its transaction starts over on
what the winner left, usually nothing (``NO_APPROVED_REFUNDS``).

Import: the report names our message id and each transfer's end-to-end id. A paid
transfer makes the case PAID (``refund_paid``); a rejected one sends it back to waiting
for an account. A case that is no longer waiting for that transfer is left alone, so
importing the same report twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ropo_platform.errors import FailedPrecondition, FieldViolation, NotFound, ValidationFailed
from ropo_platform.logging import get_logger
from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_refund.domain.accounts import mask_iban
from ropo_refund.domain.payouts import (
    ItemOutcome,
    PayoutBatch,
    PayoutItem,
    end_to_end_id,
    message_id_of,
    remittance_of,
)
from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.service_layer.common import (
    SUPERVISOR,
    Dependencies,
    Mutation,
    require_role,
    run_idempotent,
    save_case,
)
from ropo_refund.service_layer.ports import (
    BankingCalendar,
    BatchCursor,
    PayoutDebtor,
    PayoutFile,
    PayoutFileBuilder,
    PayoutFileRejected,
    StatusOutcome,
    StatusReport,
    StatusReportInvalid,
    StatusReportParser,
    TransactionStatus,
)
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)

EXPORT = "ExportPayoutBatch"
IMPORT = "ImportPayoutStatus"
NO_APPROVED_REFUNDS = "NO_APPROVED_REFUNDS"
BATCH_NOT_FOUND = "PAYOUT_BATCH_NOT_FOUND"
STATUS_REPORT_INVALID = "PAYOUT_STATUS_INVALID"
#: Banking days are Finnish ones: "today" is today in Helsinki.
HELSINKI = ZoneInfo("Europe/Helsinki")
_KEY_SEPARATOR = "|"
_MAX_STATUS_MESSAGE = 300
# Anything shaped like an IBAN in a bank's free text is masked before it is stored.
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}\b")


@dataclass(frozen=True, slots=True)
class ExportBatch:
    mutation: Mutation
    actor: str
    roles: tuple[str, ...]
    execution_date: date | None = None


@dataclass(frozen=True, slots=True)
class ImportStatus:
    mutation: Mutation
    actor: str
    roles: tuple[str, ...]
    content: bytes


@dataclass(frozen=True, slots=True)
class BatchPage:
    batches: tuple[PayoutBatch, ...]
    next_page_token: str


class PayoutDesk:
    """Export and import of payout files, and the batches' history."""

    def __init__(
        self,
        deps: Dependencies,
        *,
        debtor: PayoutDebtor,
        files: PayoutFileBuilder,
        reports: StatusReportParser,
        calendar: BankingCalendar,
    ) -> None:
        self._deps = deps
        self._debtor = debtor
        self._files = files
        self._reports = reports
        self._calendar = calendar

    # ------------------------------------------------------------------ export

    async def export(self, command: ExportBatch) -> bytes:
        require_role(command.roles, (SUPERVISOR,))

        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            cases = await uow.cases.payable()
            if not cases:
                raise FailedPrecondition(NO_APPROVED_REFUNDS, "No approved refunds to pay out.")
            batch = self._new_batch(command, cases, now)
            for case in cases:
                expected = case.version
                case.put_in_payout(batch.id, now)
                await save_case(uow, case, expected)
            await uow.batches.add(batch)
            return self._deps.responses.payout_export(batch)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("payout_batch_exported")
        return response

    def _new_batch(
        self, command: ExportBatch, cases: Sequence[RefundCase], now: datetime
    ) -> PayoutBatch:
        batch_id = self._deps.random.new_id()
        message_id = message_id_of(batch_id)
        today = now.astimezone(HELSINKI).date()
        execution_date = command.execution_date or self._calendar.next_banking_day(today)
        if execution_date < today:
            raise ValidationFailed(
                [FieldViolation("execution_date", "must not be in the past")],
                message="The execution date is in the past.",
            )
        items = [_item(case) for case in cases]
        try:
            content = self._files.build(
                PayoutFile(message_id, now, execution_date, self._debtor, items)
            )
        except PayoutFileRejected as error:
            # Never the caller's fault: a bug or a bad debtor account in the configuration.
            _log.error("payout_file_rejected", error=str(error)[:200])
            raise RuntimeError("the payout file failed its schema check") from None
        return PayoutBatch(
            id=batch_id,
            message_id=message_id,
            execution_date=execution_date,
            create_time=now,
            exporter=command.actor,
            content=content,
            items=items,
        )

    # ------------------------------------------------------------------ import

    async def import_status(self, command: ImportStatus) -> bytes:
        require_role(command.roles, (SUPERVISOR,))
        try:
            report = self._reports.parse(command.content)
        except StatusReportInvalid as error:
            raise ValidationFailed(
                [FieldViolation("content", str(error) or "is not a pain.002 status report")],
                message="The status report cannot be read.",
                reason=STATUS_REPORT_INVALID,
            ) from None

        async def work(uow: AbstractUnitOfWork) -> bytes:
            return await self._apply(uow, report)

        return await run_idempotent(self._deps.uow, command.mutation, work)

    async def _apply(self, uow: AbstractUnitOfWork, report: StatusReport) -> bytes:
        now = self._deps.clock()
        batch = await uow.batches.get_by_message_id(report.original_message_id)
        if batch is None:
            raise NotFound(
                BATCH_NOT_FOUND,
                "No payout batch has the report's original message id.",
                resource_type="ropo.refund.v1.PayoutBatch",
            )
        paid = failed = 0
        for item in batch.items:
            status = report.outcome_for(item.end_to_end_id)
            if item.outcome is not None or status is None:
                continue
            if status.outcome is StatusOutcome.PENDING:
                continue
            case = await uow.cases.get(item.refund_case_id)
            if case is None or not case.in_payout_of(batch.id, item.payout_attempt):
                continue
            expected = case.version
            if status.outcome is StatusOutcome.PAID:
                case.mark_paid(now)
                item.outcome = ItemOutcome.PAID
                paid += 1
            else:
                message = rejection_message(status)
                case.mark_payout_failed(message, now)
                item.outcome = ItemOutcome.REJECTED
                item.reason = message
                failed += 1
            await save_case(uow, case, expected)
        batch.record_status(now)
        await uow.batches.update(batch)
        _log.info("payout_status_imported", payout_batch=batch.name, paid=paid, failed=failed)
        return self._deps.responses.payout_status(batch, paid, failed)

    # ------------------------------------------------------------------ reads

    async def get_batch(self, batch_id: str) -> PayoutBatch:
        async with self._deps.uow(read_only=True) as uow:
            batch = await uow.batches.get(batch_id)
        if batch is None:
            raise NotFound(
                BATCH_NOT_FOUND,
                "The payout batch does not exist.",
                resource_type="ropo.refund.v1.PayoutBatch",
                resource_name=f"payoutBatches/{batch_id}",
            )
        return batch

    async def list_batches(self, page_size: int, page_token: str) -> BatchPage:
        limit = effective_page_size(page_size)
        digest = query_digest(["payoutBatches"])
        last_key = decode_page_token(page_token, digest)
        after = _cursor(last_key) if last_key is not None else None
        async with self._deps.uow(read_only=True) as uow:
            found = await uow.batches.list(after, limit + 1)
        page = tuple(found[:limit])
        next_token = ""
        if len(found) > limit:
            last = page[-1]
            next_token = encode_page_token(
                f"{last.create_time.isoformat()}{_KEY_SEPARATOR}{last.id}", digest
            )
        return BatchPage(page, next_token)


def _item(case: RefundCase) -> PayoutItem:
    account = case.account
    assert account is not None, "a payable case has an account"
    attempt = case.failed_payout_count
    return PayoutItem(
        refund_case_id=case.id,
        payout_attempt=attempt,
        end_to_end_id=end_to_end_id(case.case_number, attempt),
        amount=case.payout_amount,
        creditor_name=account.holder_name,
        creditor_iban=account.iban,
        creditor_bic=account.bic,
        remittance=remittance_of(case.case_number),
    )


def rejection_message(status: TransactionStatus) -> str:
    """What the case shows about a rejected payout: the bank's code and words, with
    anything that looks like an account number masked."""
    code = status.reason_code or "no reason code"
    text = _IBAN_LIKE.sub(lambda match: mask_iban(match.group(0)), status.reason_text.strip())
    message = f"The bank rejected the payout ({code})" + (f": {text}" if text else ".")
    return message[:_MAX_STATUS_MESSAGE]


def _cursor(key: str) -> BatchCursor:
    created, _, batch_id = key.partition(_KEY_SEPARATOR)
    try:
        return BatchCursor(datetime.fromisoformat(created), batch_id)
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None


__all__ = [
    "EXPORT",
    "IMPORT",
    "BatchPage",
    "ExportBatch",
    "ImportStatus",
    "PayoutDesk",
]
