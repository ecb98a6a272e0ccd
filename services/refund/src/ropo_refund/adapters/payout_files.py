"""The payout-file ports wired to the pain.001 builder and the pain.002 reader."""

from __future__ import annotations

from pathlib import Path

from ropo_refund.adapters.pain001 import (
    DebtorAccount,
    PayoutFileInvalid,
    PayoutInstruction,
    build_pain001,
)
from ropo_refund.adapters.pain002 import (
    InvalidStatusReport,
    PayoutStatusReport,
    TransactionOutcome,
    parse_pain002,
)
from ropo_refund.service_layer.ports import (
    PayoutFile,
    PayoutFileRejected,
    StatusOutcome,
    StatusReportInvalid,
    TransactionStatus,
)

_OUTCOMES = {
    TransactionOutcome.PAID: StatusOutcome.PAID,
    TransactionOutcome.REJECTED: StatusOutcome.REJECTED,
    TransactionOutcome.PENDING: StatusOutcome.PENDING,
}


class Pain001Builder:
    """``PayoutFileBuilder``: pain.001.001.09, checked against the bundled schema and,
    when configured, another copy of the XSD."""

    def __init__(self, extra_xsd: Path | None = None) -> None:
        self._extra_xsd = extra_xsd

    def build(self, payout: PayoutFile) -> bytes:
        try:
            return build_pain001(
                message_id=payout.message_id,
                created_at=payout.created_at,
                execution_date=payout.execution_date,
                debtor=DebtorAccount(payout.debtor.name, payout.debtor.iban, payout.debtor.bic),
                instructions=[
                    PayoutInstruction(
                        end_to_end_id=item.end_to_end_id,
                        amount=item.amount,
                        creditor_name=item.creditor_name,
                        creditor_iban=item.creditor_iban,
                        creditor_bic=item.creditor_bic,
                        remittance=item.remittance,
                    )
                    for item in payout.items
                ],
                extra_xsd=self._extra_xsd,
            )
        except PayoutFileInvalid as error:
            raise PayoutFileRejected(str(error)) from None


class Pain002Report:
    """``StatusReport`` over a parsed pain.002."""

    def __init__(self, report: PayoutStatusReport) -> None:
        self._report = report

    @property
    def original_message_id(self) -> str:
        return self._report.original_message_id

    def outcome_for(self, end_to_end_id: str) -> TransactionStatus | None:
        found = self._report.outcome_for(end_to_end_id)
        if found is None:
            return None
        return TransactionStatus(_OUTCOMES[found.outcome], found.reason_code, found.reason_text)


class Pain002Parser:
    """``StatusReportParser`` for pain.002 (.03, .10)."""

    def parse(self, content: bytes) -> Pain002Report:
        try:
            return Pain002Report(parse_pain002(content))
        except InvalidStatusReport as error:
            raise StatusReportInvalid(str(error)) from None
