"""Builders of statement files for the parser tests (a plain module, imported by name).

They write camt.054 .001.02/.001.08 documents, KTL reference payment files and PSP
settlement reports, so the parsers are tested without the shared samples too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

CAMT_V02 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
CAMT_V08 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def samples_dir() -> Path | None:
    """The shared public samples (``$ROPO_SAMPLES_DIR`` or ``../shared/data`` beside the
    repository), or ``None`` when absent (a fresh clone)."""
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    path = Path(__file__).resolve().parents[3].parent / "shared" / "data"
    return path if path.is_dir() else None


def require_sample(relative: str) -> Path:
    """A file of the shared samples, or skip the test saying why."""
    base = samples_dir()
    if base is None:
        pytest.skip("shared samples absent (set ROPO_SAMPLES_DIR or provide ../shared/data)")
    path = base / relative
    if not path.is_file():
        pytest.skip(f"shared sample {relative} absent from {base}")
    return path


# --- camt.054 -------------------------------------------------------------------------


@dataclass
class CamtTx:
    """One ``TxDtls``."""

    amount: str | None = "10.00"
    currency: str = "EUR"
    structured_reference: str | None = None
    unstructured: tuple[str, ...] = ()
    debtor: str | None = "MAKSAJA OY"
    account_servicer_reference: str | None = None
    credit_debit: str | None = None  # .08 only: TxDtls/CdtDbtInd


@dataclass
class CamtEntry:
    """One ``Ntry``."""

    amount: str = "10.00"
    currency: str = "EUR"
    credit_debit: str = "CRDT"
    status: str = "BOOK"
    reversal: bool = False
    booking_date: str = "2026-11-27"
    booking_is_datetime: bool = False
    value_date: str | None = "2026-11-27"
    entry_reference: str | None = None
    account_servicer_reference: str | None = "ARCH-1"
    #: ``None``: one transaction with the entry's amount and currency.
    transactions: list[CamtTx] | None = None


def camt054(
    entries: list[CamtEntry], *, version: str = CAMT_V08, message_id: str = "MSG-0001"
) -> bytes:
    """A camt.054 document of ``version`` with one notification holding ``entries``."""
    ns = version

    def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{ns}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    notification = sub(root, "BkToCstmrDbtCdtNtfctn")
    header = sub(notification, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", "2026-11-27T10:00:00")
    account = sub(notification, "Ntfctn")
    sub(account, "Id", "NTF-1")
    sub(account, "CreDtTm", "2026-11-27T10:00:00")
    sub(sub(sub(account, "Acct"), "Id"), "IBAN", "FI1431313001234567")
    for entry in entries:
        ntry = sub(account, "Ntry")
        if entry.entry_reference:
            sub(ntry, "NtryRef", entry.entry_reference)
        sub(ntry, "Amt", entry.amount, Ccy=entry.currency)
        sub(ntry, "CdtDbtInd", entry.credit_debit)
        if entry.reversal:
            sub(ntry, "RvslInd", "true")
        if version == CAMT_V02:
            sub(ntry, "Sts", entry.status)
        else:
            sub(sub(ntry, "Sts"), "Cd", entry.status)
        booking = sub(ntry, "BookgDt")
        if entry.booking_is_datetime:
            sub(booking, "DtTm", entry.booking_date + "T09:30:00")
        else:
            sub(booking, "Dt", entry.booking_date)
        if entry.value_date:
            sub(sub(ntry, "ValDt"), "Dt", entry.value_date)
        if entry.account_servicer_reference:
            sub(ntry, "AcctSvcrRef", entry.account_servicer_reference)
        domain = sub(sub(ntry, "BkTxCd"), "Domn")
        sub(domain, "Cd", "PMNT")
        family = sub(domain, "Fmly")
        sub(family, "Cd", "RCDT")
        sub(family, "SubFmlyCd", "ESCT")
        transactions = (
            entry.transactions
            if entry.transactions is not None
            else [CamtTx(amount=entry.amount, currency=entry.currency)]
        )
        if transactions:
            details = sub(ntry, "NtryDtls")
            for tx in transactions:
                _transaction(sub, details, tx, version)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def _transaction(sub: Any, details: etree._Element, tx: CamtTx, version: str) -> None:
    element = sub(details, "TxDtls")
    if tx.account_servicer_reference:
        sub(sub(element, "Refs"), "AcctSvcrRef", tx.account_servicer_reference)
    if version == CAMT_V08 and tx.credit_debit:
        sub(element, "CdtDbtInd", tx.credit_debit)
    if tx.amount is not None:
        sub(sub(sub(element, "AmtDtls"), "TxAmt"), "Amt", tx.amount, Ccy=tx.currency)
    if tx.debtor:
        parties = sub(element, "RltdPties")
        debtor = sub(parties, "Dbtr")
        sub(debtor if version == CAMT_V02 else sub(debtor, "Pty"), "Nm", tx.debtor)
    if tx.structured_reference is not None or tx.unstructured:
        remittance = sub(element, "RmtInf")
        for line in tx.unstructured:
            sub(remittance, "Ustrd", line)
        if tx.structured_reference is not None:
            creditor_reference = sub(sub(remittance, "Strd"), "CdtrRefInf")
            type_ = sub(sub(creditor_reference, "Tp"), "CdOrPrtry")
            sub(type_, "Cd", "SCOR")
            sub(creditor_reference, "Ref", tx.structured_reference)


def xsd_for(version: str) -> Path | None:
    """The shared XSD of a camt.054 version, when the samples are present."""
    base = samples_dir()
    if base is None:
        return None
    path = base / "iso20022" / "xsd" / f"{version.rsplit(':', 1)[1]}.xsd"
    return path if path.is_file() else None


# --- KTL reference payment file -------------------------------------------------------


def ktl_header(
    created: str = "261127", time: str = "0815", bank: str = "47", service: str = "020840699"
) -> str:
    """A ``0`` record."""
    return f"0{created}{time}{bank}{service}1".ljust(90)


def ktl_payment(
    amount_cents: int,
    *,
    reference: str = "13013",
    archive_id: str = "261127AAAA000001",
    booking: str = "261127",
    paid: str = "261126",
    payer: str = "MEIKALAINEN",
    record: str = "3",
    correction: str = "0",
    amount_text: str | None = None,
) -> str:
    """A ``3`` (or ``5``) record."""
    amount = amount_text if amount_text is not None else f"{amount_cents:010d}"
    return (
        f"{record}47300010416310{booking}{paid}{archive_id:<16}{reference:0>20}"
        f"{payer:<12.12}1 {amount}{correction}J "
    )


def ktl_sum(count: int, total: int, corrections: int = 0, correction_total: int = 0) -> str:
    """A ``9`` record."""
    return f"9{count:06d}{total:011d}{corrections:06d}{correction_total:011d}".ljust(90, "0")


def ktl_file(*records: str, newline: str = "\r\n") -> bytes:
    """The records as a KTL file (ISO-8859-1, one record a line)."""
    return (newline.join(records) + newline).encode("iso-8859-1")


# --- PSP settlement report ------------------------------------------------------------


def psp_report(items: list[dict[str, Any]] | None = None, **changes: Any) -> bytes:
    """A settlement report with ``items`` (one default item when ``None``)."""
    lines = (
        items
        if items is not None
        else [
            {
                "transactionId": "0b9c1d5e-5b7f-4d8e-9d7a-1c2b3a4d5e6f",
                "stamp": "intent-1",
                "reference": "13013",
                "amount": 1525,
                "paidAt": "2026-11-27T09:59:00.000Z",
                "provider": "nordea",
            }
        ]
    )
    report: dict[str, Any] = {
        "type": "psp-settlement-report",
        "version": 1,
        "settlementId": "6f1e2d3c-4b5a-4968-8776-655443322110",
        "merchant": "375917",
        "settlementDate": "2026-11-27",
        "createdAt": "2026-11-27T10:00:00.000Z",
        "currency": "EUR",
        "items": lines,
        "total": sum(
            line["amount"]
            for line in lines
            if isinstance(line.get("amount"), int) and not isinstance(line["amount"], bool)
        ),
    }
    report.update(changes)
    return json.dumps(report).encode()
