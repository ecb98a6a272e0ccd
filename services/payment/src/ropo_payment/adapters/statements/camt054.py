"""ISO 20022 camt.054 (bank-to-customer debit/credit notification), versions .001.02 and .001.08.

Each credit transaction (``Ntry/NtryDtls/TxDtls``, or the entry itself when it has no
details) becomes one ``StatementEntry``:

- amount: ``TxDtls/AmtDtls/TxAmt/Amt``, else ``TxDtls/Amt`` (.08), else ``Ntry/Amt`` when
  the entry has a single transaction; only ``CRDT`` and only euros;
- reference: ``RmtInf/Strd/CdtrRefInf/Ref``, else the first ``RmtInf/Ustrd`` when, with its
  spaces removed, it has the shape of a Finnish or RF creditor reference (free text such
  as "PARTIAL PYMT … INV 43459" is not a reference and gives "");
- payer: ``RltdPties/Dbtr/Nm`` (.02) or ``RltdPties/Dbtr/Pty/Nm`` (.08);
- key: ``camt:<AcctSvcrRef or NtryRef>:<transaction index>``, stable across re-imports.

Debits, reversals, entries not yet booked and foreign-currency credits are skipped and
counted (``skipped_count``): they are not incoming invoice payments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from lxml import etree

from ropo_payment.adapters.statements.model import (
    ParsedStatement,
    StatementEntry,
    StatementError,
    StatementKind,
    excerpt,
)
from ropo_payment.adapters.statements.xml import parse_xml

NAMESPACES: Final = (
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
)
CURRENCY: Final = "EUR"
# A Finnish national reference (4–20 digits) or an RF creditor reference (ISO 11649).
_REFERENCE_SHAPE: Final = re.compile(r"(?:\d{4,20}|RF\d{2}[0-9A-Z]{1,21})")
_AMOUNT_SHAPE: Final = re.compile(r"\d{1,15}(?:\.\d{1,2})?")


def is_camt054(root: etree._Element) -> bool:
    """True when ``root`` is the ``Document`` of a supported camt.054 version."""
    name = etree.QName(root)
    return name.localname == "Document" and name.namespace in NAMESPACES


def parse_camt054(content: bytes) -> ParsedStatement:
    """The credit entries of a camt.054 document; ``StatementError`` when it is not one."""
    root = parse_xml(content)
    if not is_camt054(root):
        raise StatementError(
            "document", "not a camt.054 document (expected version .001.02 or .001.08)"
        )
    return _Reader(etree.QName(root).namespace or "").read(root)


@dataclass
class _Reader:
    namespace: str

    def read(self, root: etree._Element) -> ParsedStatement:
        notification = self._child(root, "BkToCstmrDbtCdtNtfctn")
        if notification is None:
            raise StatementError("BkToCstmrDbtCdtNtfctn", "the document has no notification")
        message_id = self._text(notification, "GrpHdr/MsgId")
        if not message_id:
            raise StatementError("GrpHdr/MsgId", "the document has no message id (GrpHdr/MsgId)")
        entries: list[StatementEntry] = []
        keys: set[str] = set()
        skipped = 0
        for notification_index, account in enumerate(self._children(notification, "Ntfctn")):
            for entry_index, entry in enumerate(self._children(account, "Ntry")):
                where = f"Ntfctn[{notification_index + 1}]/Ntry[{entry_index + 1}]"
                fallback_key = f"{message_id}:{notification_index}:{entry_index}"
                read, skipped_here = self._entry(entry, where, fallback_key, keys)
                entries.extend(read)
                skipped += skipped_here
        return ParsedStatement(
            kind=StatementKind.CAMT054,
            statement_id=message_id,
            entries=tuple(entries),
            settlements=(),
            settled_at=None,
            total_minor=sum(item.amount_minor for item in entries),
            skipped_count=skipped,
        )

    def _entry(
        self, entry: etree._Element, where: str, fallback_key: str, keys: set[str]
    ) -> tuple[list[StatementEntry], int]:
        transactions = [
            transaction
            for details in self._children(entry, "NtryDtls")
            for transaction in self._children(details, "TxDtls")
        ]
        count = max(len(transactions), 1)
        if not self._entry_is_booked_credit(entry):
            return [], count
        booking_date = self._date(entry, "BookgDt", where)
        if booking_date is None:
            raise StatementError(f"{where}/BookgDt", f"{where}: the entry has no booking date")
        value_date = self._date(entry, "ValDt", where)
        entry_reference = (
            self._text(entry, "AcctSvcrRef") or self._text(entry, "NtryRef") or fallback_key
        )
        result: list[StatementEntry] = []
        skipped = 0
        for index, transaction in enumerate(transactions or [None]):
            if transaction is not None and self._text(transaction, "CdtDbtInd") == "DBIT":
                skipped += 1
                continue
            amount = self._transaction_amount(entry, transaction, len(transactions), where)
            if amount is None:
                skipped += 1
                continue
            key = f"camt:{entry_reference}:{index}"
            if key in keys:
                # Two entries of one file with the same bank reference: keep them apart
                # by position (still the same key when the same file comes again).
                key = f"camt:{entry_reference}:{fallback_key}:{index}"
            keys.add(key)
            result.append(
                StatementEntry(
                    entry_key=key,
                    reference=self._reference(transaction),
                    amount_minor=amount,
                    currency=CURRENCY,
                    booking_date=booking_date,
                    value_date=value_date,
                    payer_name=self._payer_name(transaction),
                    archive_id=self._archive_id(entry, transaction),
                )
            )
        return result, skipped

    def _entry_is_booked_credit(self, entry: etree._Element) -> bool:
        if self._text(entry, "CdtDbtInd") != "CRDT":
            return False
        if self._text(entry, "RvslInd").lower() == "true":
            return False
        status = self._text(entry, "Sts") or self._text(entry, "Sts/Cd")
        return status in ("", "BOOK")

    def _transaction_amount(
        self,
        entry: etree._Element,
        transaction: etree._Element | None,
        transaction_count: int,
        where: str,
    ) -> int | None:
        """Cents of a euro credit, or ``None`` for another currency."""
        element = None
        if transaction is not None:
            element = self._child(transaction, "AmtDtls/TxAmt/Amt")
            if element is None:
                element = self._child(transaction, "Amt")
        if element is None:
            if transaction_count > 1:
                raise StatementError(
                    f"{where}/NtryDtls", f"{where}: a transaction of a batch entry has no amount"
                )
            element = self._child(entry, "Amt")
        if element is None:
            raise StatementError(f"{where}/Amt", f"{where}: the entry has no amount")
        if element.get("Ccy") != CURRENCY:
            return None
        return _cents(element.text or "", f"{where}/Amt")

    def _reference(self, transaction: etree._Element | None) -> str:
        if transaction is None:
            return ""
        structured = self._text(transaction, "RmtInf/Strd/CdtrRefInf/Ref")
        if structured:
            return "".join(structured.split())
        unstructured = "".join(self._text(transaction, "RmtInf/Ustrd").split())
        return unstructured if _REFERENCE_SHAPE.fullmatch(unstructured) else ""

    def _payer_name(self, transaction: etree._Element | None) -> str:
        if transaction is None:
            return ""
        return self._text(transaction, "RltdPties/Dbtr/Nm") or self._text(
            transaction, "RltdPties/Dbtr/Pty/Nm"
        )

    def _archive_id(self, entry: etree._Element, transaction: etree._Element | None) -> str:
        if transaction is not None:
            own = self._text(transaction, "Refs/AcctSvcrRef")
            if own:
                return own
        return self._text(entry, "AcctSvcrRef") or self._text(entry, "NtryRef")

    def _date(self, entry: etree._Element, name: str, where: str) -> date | None:
        day = self._text(entry, f"{name}/Dt")
        moment = self._text(entry, f"{name}/DtTm")
        try:
            if day:
                return date.fromisoformat(day)
            if moment:
                return datetime.fromisoformat(moment).date()
        except ValueError:
            raise StatementError(
                f"{where}/{name}", f"{where}: {name} is not a date: {excerpt(day or moment)!r}"
            ) from None
        return None

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))

    def _child(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(self._path(path))

    def _children(self, element: etree._Element, path: str) -> list[etree._Element]:
        found: list[etree._Element] = element.findall(self._path(path))
        return found

    def _text(self, element: etree._Element, path: str) -> str:
        found = element.find(self._path(path))
        return (found.text or "").strip() if found is not None else ""


def _cents(text: str, field: str) -> int:
    """Cents of a decimal euro amount with at most two decimals, greater than zero."""
    value = text.strip()
    if not _AMOUNT_SHAPE.fullmatch(value):
        raise StatementError(field, f"{field}: amount is not a number: {excerpt(value)!r}")
    try:
        cents = int(Decimal(value) * 100)
    except InvalidOperation:
        raise StatementError(field, f"{field}: amount is not a number") from None
    if cents <= 0:
        raise StatementError(field, f"{field}: amount must be greater than zero")
    return cents
