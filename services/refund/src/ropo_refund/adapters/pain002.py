"""The bank's answer to a payout file: ISO 20022 pain.002 (customer payment status report).

Versions .001.03 and .001.10 (and others of the same shape) are read by local name in
whatever namespace the document declares. Statuses map to what the refund service does:

- ``ACSC``, ``ACCC`` → paid;
- ``RJCT`` → rejected (with ``StsRsnInf/Rsn/Cd`` or ``Prtry`` and ``AddtlInf``);
- anything else (``ACTC``, ``ACCP``, ``ACSP``, ``ACWC``, ``PDNG``, ``PART``, ``RCVD``, …)
  → pending. A status the bank may add later never pays or fails a refund by accident.

A transaction without its own ``TxSts`` takes its payment information's ``PmtInfSts``,
else the group's ``GrpSts``. The file is untrusted: no DTD, no entities, no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Final

from lxml import etree
from ropo_platform.untrusted_xml import UnreadableXml, parse_untrusted_xml


class InvalidStatusReport(Exception):
    """The content is not a usable status report; the message says what is wrong, no values."""


class TransactionOutcome(Enum):
    PAID = "paid"
    REJECTED = "rejected"
    PENDING = "pending"


_PAID_CODES: Final = frozenset({"ACSC", "ACCC"})
_REJECTED_CODES: Final = frozenset({"RJCT"})
_STATUS_CODE: Final = re.compile(r"[A-Z]{4}")


def outcome_of(status_code: str) -> TransactionOutcome:
    """What an ISO 20022 payment status code means for a payout."""
    if status_code in _PAID_CODES:
        return TransactionOutcome.PAID
    if status_code in _REJECTED_CODES:
        return TransactionOutcome.REJECTED
    return TransactionOutcome.PENDING


@dataclass(frozen=True, slots=True)
class TransactionStatusReport:
    end_to_end_id: str
    outcome: TransactionOutcome
    reason_code: str
    reason_text: str


@dataclass(frozen=True, slots=True)
class PayoutStatusReport:
    message_id: str
    original_message_id: str
    group_outcome: TransactionOutcome | None
    transactions: tuple[TransactionStatusReport, ...]
    # The reason given with the group (or payment information) status, for the
    # transactions the report does not list one by one.
    group_reason_code: str = ""
    group_reason_text: str = ""
    # By end-to-end id: a batch asks once per refund, so a scan would be quadratic.
    _by_end_to_end_id: Mapping[str, TransactionStatusReport] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_id = {transaction.end_to_end_id: transaction for transaction in self.transactions}
        object.__setattr__(self, "_by_end_to_end_id", MappingProxyType(by_id))

    def outcome_for(self, end_to_end_id: str) -> TransactionStatusReport | None:
        """The transaction's own status, else a final group status (paid or rejected)
        applied to it, else ``None``: the report says nothing final about it."""
        listed = self._by_end_to_end_id.get(end_to_end_id)
        if listed is not None:
            return listed
        if self.group_outcome is None or self.group_outcome is TransactionOutcome.PENDING:
            return None
        return TransactionStatusReport(
            end_to_end_id, self.group_outcome, self.group_reason_code, self.group_reason_text
        )


class LocalNames:
    """Path lookups in the namespace of a document's root (``"GrpHdr/MsgId"``)."""

    def __init__(self, root: etree._Element) -> None:
        namespace = etree.QName(root).namespace
        self._prefix = f"{{{namespace}}}" if namespace else ""

    def path(self, relative: str) -> str:
        return "/".join(self._prefix + step for step in relative.split("/"))

    def find(self, element: etree._Element, relative: str) -> etree._Element | None:
        return element.find(self.path(relative))

    def find_all(self, element: etree._Element, relative: str) -> list[etree._Element]:
        return list(element.iterfind(self.path(relative)))

    def text(self, element: etree._Element, relative: str) -> str:
        found = self.find(element, relative)
        return (found.text or "").strip() if found is not None else ""


# ------------------------------------------------------------------------------ the reader


def parse_pain002(content: bytes) -> PayoutStatusReport:
    """The statuses of a pain.002 report; ``InvalidStatusReport`` when it is not one."""
    try:
        root = parse_untrusted_xml(content)
    except UnreadableXml as error:
        raise InvalidStatusReport(f"the status report is {error}") from None
    names = LocalNames(root)
    report = names.find(root, "CstmrPmtStsRpt")
    if etree.QName(root).localname != "Document" or report is None:
        raise InvalidStatusReport("not a pain.002 payment status report (no CstmrPmtStsRpt)")
    message_id = names.text(report, "GrpHdr/MsgId")
    if not message_id:
        raise InvalidStatusReport("the status report has no message id (GrpHdr/MsgId)")
    group = names.find(report, "OrgnlGrpInfAndSts")
    original_message_id = names.text(group, "OrgnlMsgId") if group is not None else ""
    if group is None or not original_message_id:
        raise InvalidStatusReport(
            "the status report names no payout file (OrgnlGrpInfAndSts/OrgnlMsgId)"
        )
    group_status = _Status.read(names, group, "GrpSts", "OrgnlGrpInfAndSts")
    transactions: dict[str, TransactionStatusReport] = {}
    payment_statuses: list[_Status] = []
    for index, payment in enumerate(names.find_all(report, "OrgnlPmtInfAndSts"), start=1):
        where = f"OrgnlPmtInfAndSts[{index}]"
        payment_status = _Status.read(names, payment, "PmtInfSts", where)
        if payment_status is not None:
            payment_statuses.append(payment_status)
        inherited = payment_status or group_status
        for number, item in enumerate(names.find_all(payment, "TxInfAndSts"), start=1):
            transaction = _transaction(names, item, inherited, f"{where}/TxInfAndSts[{number}]")
            transactions[transaction.end_to_end_id] = _merge(
                transactions.get(transaction.end_to_end_id), transaction
            )
    group_level = group_status or _single(payment_statuses)
    return PayoutStatusReport(
        message_id=message_id,
        original_message_id=original_message_id,
        group_outcome=group_level.outcome if group_level else None,
        transactions=tuple(transactions.values()),
        group_reason_code=group_level.reason_code if group_level else "",
        group_reason_text=group_level.reason_text if group_level else "",
    )


@dataclass(frozen=True, slots=True)
class _Status:
    code: str
    reason_code: str
    reason_text: str

    @property
    def outcome(self) -> TransactionOutcome:
        return outcome_of(self.code)

    @classmethod
    def read(
        cls, names: LocalNames, element: etree._Element, tag: str, where: str
    ) -> _Status | None:
        code = names.text(element, tag)
        if not code:
            return None
        if not _STATUS_CODE.fullmatch(code):
            raise InvalidStatusReport(f"{where}/{tag} is not a status code (four capital letters)")
        reasons = names.find_all(element, "StsRsnInf")
        reason_code = ""
        texts: list[str] = []
        for reason in reasons:
            reason_code = (
                reason_code or names.text(reason, "Rsn/Cd") or names.text(reason, "Rsn/Prtry")
            )
            texts += [
                line.text.strip()
                for line in names.find_all(reason, "AddtlInf")
                if line.text and line.text.strip()
            ]
        return cls(code, reason_code, " ".join(texts))


def _transaction(
    names: LocalNames, item: etree._Element, inherited: _Status | None, where: str
) -> TransactionStatusReport:
    end_to_end_id = names.text(item, "OrgnlEndToEndId")
    if not end_to_end_id:
        raise InvalidStatusReport(f"{where} has no OrgnlEndToEndId")
    status = _Status.read(names, item, "TxSts", where) or inherited
    if status is None:
        # Listed without any status anywhere: the bank has said nothing final about it.
        return TransactionStatusReport(end_to_end_id, TransactionOutcome.PENDING, "", "")
    return TransactionStatusReport(
        end_to_end_id, status.outcome, status.reason_code, status.reason_text
    )


def _merge(
    earlier: TransactionStatusReport | None, later: TransactionStatusReport
) -> TransactionStatusReport:
    """One status per transaction: a final status beats a pending one; paid and rejected
    for the same transaction in one report is a contradiction nobody should act on."""
    if earlier is None or earlier.outcome is TransactionOutcome.PENDING:
        return later
    if later.outcome is TransactionOutcome.PENDING or later.outcome is earlier.outcome:
        return earlier
    raise InvalidStatusReport("the status report both pays and rejects the same transaction")


def _single(statuses: list[_Status]) -> _Status | None:
    """The payment information status that holds for the whole report, if there is one."""
    codes = {status.code for status in statuses}
    return statuses[0] if len(codes) == 1 else None
