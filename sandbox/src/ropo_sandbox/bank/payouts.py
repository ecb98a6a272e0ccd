"""Reading a pain.001 payout file (any version of the same shape) into what the bank needs.

The file is untrusted: no DTD, no entities, no network, no huge trees. Elements are read
by local name in whatever namespace the root declares, so .03 and .09 read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from lxml import etree

NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001."
MAX_ID_LENGTH: Final = 35
_AMOUNT: Final = re.compile(r"\d{1,18}(?:\.\d{1,2})?")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")


class InvalidPayoutFile(Exception):
    """Not a usable pain.001 file; the message says what is wrong without quoting values."""


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PaymentInformation:
    payment_information_id: str
    transfers: tuple[CreditTransfer, ...]

    @property
    def control_sum(self) -> Decimal:
        return sum((transfer.amount for transfer in self.transfers), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class PayoutFile:
    message_id: str
    message_name: str  # e.g. pain.001.001.09, from the namespace
    created_at: str  # GrpHdr/CreDtTm as written
    payment_informations: tuple[PaymentInformation, ...]

    @property
    def transfers(self) -> tuple[CreditTransfer, ...]:
        return tuple(t for info in self.payment_informations for t in info.transfers)

    @property
    def control_sum(self) -> Decimal:
        return sum((info.control_sum for info in self.payment_informations), Decimal("0.00"))

    def receipt(self) -> dict[str, object]:
        """The JSON the bank answers to an uploaded file."""
        return {
            "message_id": self.message_id,
            "transactions": len(self.transfers),
            "control_sum": f"{self.control_sum:.2f}",
        }


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted(content: bytes) -> etree._Element:
    """The root of ``content``; refuses malformed XML and any DOCTYPE."""
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (0, 0)
        raise InvalidPayoutFile(f"not well-formed XML (line {line}, column {column})") from None
    if root is None:
        raise InvalidPayoutFile("not well-formed XML")
    if root.getroottree().docinfo.doctype:
        raise InvalidPayoutFile("a DOCTYPE is not allowed (DTDs and entities are refused)")
    return root


class _Names:
    def __init__(self, namespace: str) -> None:
        self._prefix = f"{{{namespace}}}"

    def path(self, relative: str) -> str:
        return "/".join(self._prefix + step for step in relative.split("/"))

    def all(self, element: etree._Element, relative: str) -> list[etree._Element]:
        return list(element.iterfind(self.path(relative)))

    def text(self, element: etree._Element, relative: str) -> str:
        found = element.find(self.path(relative))
        return (found.text or "").strip() if found is not None else ""


def parse_payout_file(content: bytes) -> PayoutFile:
    """The payout file's ids and amounts; ``InvalidPayoutFile`` when it cannot be paid."""
    root = parse_untrusted(content)
    name = etree.QName(root)
    namespace = name.namespace or ""
    if name.localname != "Document" or not namespace.startswith(NAMESPACE_PREFIX):
        raise InvalidPayoutFile("not a pain.001 document")
    names = _Names(namespace)
    initiation = root.find(names.path("CstmrCdtTrfInitn"))
    if initiation is None:
        raise InvalidPayoutFile("CstmrCdtTrfInitn is missing")
    message_id = _identifier(names.text(initiation, "GrpHdr/MsgId"), "GrpHdr/MsgId")
    infos = tuple(
        _payment_information(names, element, f"PmtInf[{index}]")
        for index, element in enumerate(names.all(initiation, "PmtInf"), start=1)
    )
    payout = PayoutFile(
        message_id=message_id,
        message_name=namespace.removeprefix("urn:iso:std:iso:20022:tech:xsd:"),
        created_at=names.text(initiation, "GrpHdr/CreDtTm"),
        payment_informations=infos,
    )
    if not payout.transfers:
        raise InvalidPayoutFile("the file has no CdtTrfTxInf")
    _check_totals(names, initiation, payout)
    return payout


def _payment_information(names: _Names, element: etree._Element, where: str) -> PaymentInformation:
    return PaymentInformation(
        payment_information_id=_identifier(names.text(element, "PmtInfId"), f"{where}/PmtInfId"),
        transfers=tuple(
            _transfer(names, item, f"{where}/CdtTrfTxInf[{number}]")
            for number, item in enumerate(names.all(element, "CdtTrfTxInf"), start=1)
        ),
    )


def _transfer(names: _Names, item: etree._Element, where: str) -> CreditTransfer:
    end_to_end_id = _identifier(names.text(item, "PmtId/EndToEndId"), f"{where}/PmtId/EndToEndId")
    amount_element = item.find(names.path("Amt/InstdAmt"))
    amount_text = (amount_element.text or "").strip() if amount_element is not None else ""
    currency = amount_element.get("Ccy", "") if amount_element is not None else ""
    if not _AMOUNT.fullmatch(amount_text) or not _CURRENCY.fullmatch(currency):
        raise InvalidPayoutFile(f"{where}/Amt/InstdAmt is not an amount with a currency")
    amount = Decimal(amount_text).quantize(Decimal("0.01"))
    if amount <= 0:
        raise InvalidPayoutFile(f"{where}/Amt/InstdAmt must be positive")
    return CreditTransfer(end_to_end_id, amount, currency)


def _identifier(value: str, where: str) -> str:
    if not 0 < len(value) <= MAX_ID_LENGTH:
        raise InvalidPayoutFile(f"{where} must be 1–{MAX_ID_LENGTH} characters")
    return value


def _check_totals(names: _Names, initiation: etree._Element, payout: PayoutFile) -> None:
    """A bank refuses a file whose header disagrees with its contents."""
    count = names.text(initiation, "GrpHdr/NbOfTxs")
    if count != str(len(payout.transfers)):
        raise InvalidPayoutFile("GrpHdr/NbOfTxs does not match the transactions")
    stated = names.text(initiation, "GrpHdr/CtrlSum")
    if stated:
        try:
            matches = Decimal(stated) == payout.control_sum
        except InvalidOperation:
            matches = False
        if not matches:
            raise InvalidPayoutFile("GrpHdr/CtrlSum does not match the transactions")
