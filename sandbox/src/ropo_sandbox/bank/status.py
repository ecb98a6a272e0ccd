"""The bank's status report: ISO 20022 pain.002.001.03 for a payout file.

Every transaction is settled (``ACSC``) except those in ``rejected`` (end-to-end id →
reason code), which are ``RJCT`` with ``StsRsnInf/Rsn/Cd`` and a short explanation. The
group and each payment information get ``ACSC``, ``PART`` or ``RJCT`` accordingly. The
function is pure: the same file, rejections and time give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

from lxml import etree

from ropo_sandbox.bank.payouts import PaymentInformation, PayoutFile, parse_payout_file

NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
ACCEPTED: Final = "ACSC"
REJECTED: Final = "RJCT"
PARTIAL: Final = "PART"
REPORT_ID_PREFIX: Final = "STS"
# ExternalStatusReason1Code texts for the codes tests are likely to ask for.
REASON_TEXTS: Final = MappingProxyType(
    {
        "AC01": "Incorrect account number",
        "AC04": "Closed account number",
        "AC06": "Blocked account",
        "AG01": "Transaction forbidden on this account",
        "AM04": "Insufficient funds",
        "AM05": "Duplicate payment",
        "BE04": "Missing creditor address",
        "MD07": "Account holder deceased",
        "MS03": "Reason not specified",
        "RC01": "Bank identifier incorrect",
    }
)
_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})


def status_report(
    pain001: bytes, rejected: Mapping[str, str] = _EMPTY, *, created_at: datetime | None = None
) -> bytes:
    """The pain.002 report of ``pain001``; ``created_at`` defaults to the file's own CreDtTm.

    Raises ``InvalidPayoutFile`` when ``pain001`` is not a usable payout file.
    """
    payout = parse_payout_file(pain001)
    relevant = {
        t.end_to_end_id: rejected[t.end_to_end_id]
        for t in payout.transfers
        if t.end_to_end_id in rejected
    }
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    report = _sub(root, "CstmrPmtStsRpt")
    header = _sub(report, "GrpHdr")
    _sub(header, "MsgId", _report_id(payout, relevant))
    _sub(
        header,
        "CreDtTm",
        created_at.isoformat(timespec="seconds") if created_at else payout.created_at,
    )
    _original_group(report, payout, relevant)
    for info in payout.payment_informations:
        _original_payment_information(report, info, relevant)
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")) + b"\n"


def _report_id(payout: PayoutFile, rejected: Mapping[str, str]) -> str:
    """Stable for the same answer, different when the answer changes (≤ 35 characters)."""
    key = payout.message_id + "".join(f"|{e2e}={code}" for e2e, code in sorted(rejected.items()))
    return REPORT_ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32].upper()


def _status(total: int, rejected: int) -> str:
    if rejected == 0:
        return ACCEPTED
    return REJECTED if rejected == total else PARTIAL


def _original_group(
    report: etree._Element, payout: PayoutFile, rejected: Mapping[str, str]
) -> None:
    group = _sub(report, "OrgnlGrpInfAndSts")
    _sub(group, "OrgnlMsgId", payout.message_id)
    _sub(group, "OrgnlMsgNmId", payout.message_name)
    if payout.created_at:
        _sub(group, "OrgnlCreDtTm", payout.created_at)
    _sub(group, "OrgnlNbOfTxs", str(len(payout.transfers)))
    _sub(group, "OrgnlCtrlSum", f"{payout.control_sum:.2f}")
    _sub(group, "GrpSts", _status(len(payout.transfers), len(rejected)))


def _original_payment_information(
    report: etree._Element, info: PaymentInformation, rejected: Mapping[str, str]
) -> None:
    element = _sub(report, "OrgnlPmtInfAndSts")
    _sub(element, "OrgnlPmtInfId", info.payment_information_id)
    _sub(element, "OrgnlNbOfTxs", str(len(info.transfers)))
    _sub(element, "OrgnlCtrlSum", f"{info.control_sum:.2f}")
    rejected_here = sum(1 for t in info.transfers if t.end_to_end_id in rejected)
    _sub(element, "PmtInfSts", _status(len(info.transfers), rejected_here))
    for transfer in info.transfers:
        item = _sub(element, "TxInfAndSts")
        _sub(item, "OrgnlEndToEndId", transfer.end_to_end_id)
        reason = rejected.get(transfer.end_to_end_id)
        _sub(item, "TxSts", ACCEPTED if reason is None else REJECTED)
        if reason is not None:
            reason_info = _sub(item, "StsRsnInf")
            _sub(_sub(reason_info, "Rsn"), "Cd", reason)
            _sub(reason_info, "AddtlInf", REASON_TEXTS.get(reason, "Rejected by the bank"))
        amount = _sub(_sub(_sub(item, "OrgnlTxRef"), "Amt"), "InstdAmt", f"{transfer.amount:.2f}")
        amount.set("Ccy", transfer.currency)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element
