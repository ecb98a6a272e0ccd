"""Payout files: ISO 20022 pain.001.001.09 SEPA credit transfers, and reading them back.

``build_pain001`` makes one payment information block (batch booking, service level
SEPA, charges SLEV, euros) with sepaxml, then checks it against sepaxml's bundled
pain.001.001.09 schema and, when given, a second XSD. Everything is checked before the
XML is built, so a bad instruction is a ``PayoutFileInvalid`` naming the element and the
transaction number, never an account number.

Texts (names, remittance) keep the EPC basic Latin set plus Å, Ä, Ö, å, ä, ö, which
Finnish banks accept in SEPA transfers, so Finnish and Swedish names stay as written;
other letters are folded to their base letter (é → e, ß → ss) and other signs become
spaces. sepaxml's own ``clean`` option is off because it would fold ä to a as well.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import sepaxml
import xmlschema
from lxml import etree
from ropo_platform.errors import ValidationFailed
from ropo_platform.money import Money
from ropo_platform.untrusted_xml import UnreadableXml, parse_untrusted_xml
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from ropo_refund.adapters.pain002 import LocalNames

SCHEMA: Final = "pain.001.001.09"
NAMESPACE: Final = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
BUNDLED_XSD: Final = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
CURRENCY: Final = "EUR"
MAX_ID_LENGTH: Final = 35
MAX_NAME_LENGTH: Final = 70
MAX_REMITTANCE_LENGTH: Final = 140
# The EPC scheme's largest amount of one SEPA credit transfer.
MAX_AMOUNT: Final = Decimal("999999999.99")
# EPC: the agent is unknown, but the element must say so rather than be empty.
NOT_PROVIDED: Final = "NOTPROVIDED"

_SEPA_LETTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ÅÄÖåäö"
)
# Letters with no decomposition to a base letter, and "&" (not in the set) as "+".
_FOLDS: Final = MappingProxyType(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "&": "+",
    }
)
# Identifiers: the basic set without spaces, not starting or ending with "/", no "//".
_IDENTIFIER: Final = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)")


class PayoutFileInvalid(Exception):
    """The payout data or file is not acceptable; the message names the element, no values."""


@dataclass(frozen=True, slots=True)
class DebtorAccount:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class PayoutInstruction:
    end_to_end_id: str
    amount: Money
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    remittance: str


@dataclass(frozen=True, slots=True)
class PayoutFileSummary:
    message_id: str
    execution_date: date
    control_sum: Decimal
    transactions: tuple[PayoutInstruction, ...]


# ------------------------------------------------------------------------------ text


def sepa_text(text: str) -> str:
    """``text`` in the characters a SEPA transfer may carry (see the module docstring)."""
    folded = []
    for character in unicodedata.normalize("NFC", text):
        if character in _SEPA_LETTERS:
            folded.append(character)
        elif character in _FOLDS:
            folded.append(_FOLDS[character])
        else:
            base = "".join(
                part
                for part in unicodedata.normalize("NFKD", character)
                if not unicodedata.combining(part)
            )
            folded.append(base if base and all(c in _SEPA_LETTERS for c in base) else " ")
    return " ".join("".join(folded).split())


# ----------------------------------------------------------------------------- checks


def _identifier(value: str, element: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise PayoutFileInvalid(
            f"{element} must be 1–{MAX_ID_LENGTH} letters, digits or / - ? : ( ) . , ' + "
            "(no spaces, no leading, trailing or double /)"
        )
    return value


def _text(value: str, element: str, limit: int) -> str:
    if len(value.strip()) > limit:
        raise PayoutFileInvalid(f"{element} must be at most {limit} characters")
    cleaned = sepa_text(value)[:limit].rstrip()
    if not cleaned:
        raise PayoutFileInvalid(f"{element} must not be empty")
    return cleaned


def _iban(value: str, element: str) -> IBAN:
    try:
        return IBAN(value)
    except (SchwiftyException, ValueError):
        raise PayoutFileInvalid(f"{element} is not a valid IBAN") from None


def _bic(value: str, iban: IBAN, element: str) -> str:
    """The given BIC checked, else the one of a Finnish IBAN's bank, else ``""``."""
    if value:
        try:
            return str(BIC(value).compact)
        except (SchwiftyException, ValueError):
            raise PayoutFileInvalid(f"{element} is not a valid BIC") from None
    if iban.country_code == "FI" and iban.bic is not None:
        return str(iban.bic.compact)
    return ""


def _cents(amount: Money, element: str) -> int:
    if amount.currency != CURRENCY:
        raise PayoutFileInvalid(f"{element} must be in {CURRENCY}")
    if not amount.is_positive():
        raise PayoutFileInvalid(f"{element} must be positive")
    if amount.amount > MAX_AMOUNT:
        raise PayoutFileInvalid(f"{element} must be at most {MAX_AMOUNT}")
    return amount.minor_units


def _payment(instruction: PayoutInstruction, number: int, execution_date: date) -> dict[str, Any]:
    where = f"CdtTrfTxInf[{number}]"
    iban = _iban(instruction.creditor_iban, f"{where}/CdtrAcct/Id/IBAN")
    payment: dict[str, Any] = {
        "name": _text(instruction.creditor_name, f"{where}/Cdtr/Nm", MAX_NAME_LENGTH),
        "IBAN": str(iban.compact),
        "amount": _cents(instruction.amount, f"{where}/Amt/InstdAmt"),
        "execution_date": execution_date,
        "description": _text(
            instruction.remittance, f"{where}/RmtInf/Ustrd", MAX_REMITTANCE_LENGTH
        ),
        "endtoend_id": _identifier(instruction.end_to_end_id, f"{where}/PmtId/EndToEndId"),
    }
    bic = _bic(instruction.creditor_bic, iban, f"{where}/CdtrAgt/FinInstnId/BICFI")
    if bic:
        payment["BIC"] = bic
    return payment


# ------------------------------------------------------------------------------ build


def build_pain001(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: DebtorAccount,
    instructions: Sequence[PayoutInstruction],
    extra_xsd: Path | None = None,
) -> bytes:
    """The payout file of ``instructions``; the same input gives the same bytes."""
    _identifier(message_id, "GrpHdr/MsgId")
    if not instructions:
        raise PayoutFileInvalid("a payout file needs at least one CdtTrfTxInf")
    payments = [
        _payment(instruction, number, execution_date)
        for number, instruction in enumerate(instructions, start=1)
    ]
    end_to_end_ids = [payment["endtoend_id"] for payment in payments]
    if len(set(end_to_end_ids)) != len(end_to_end_ids):
        raise PayoutFileInvalid("PmtId/EndToEndId must be unique within the payout file")
    debtor_iban = _iban(debtor.iban, "PmtInf/DbtrAcct/Id/IBAN")
    config: dict[str, Any] = {
        "name": _text(debtor.name, "PmtInf/Dbtr/Nm", MAX_NAME_LENGTH),
        "IBAN": str(debtor_iban.compact),
        "currency": CURRENCY,
        "batch": True,
    }
    debtor_bic = _bic(debtor.bic, debtor_iban, "PmtInf/DbtrAgt/FinInstnId/BICFI")
    if debtor_bic:
        config["BIC"] = debtor_bic
    transfer = SepaTransfer(config, schema=SCHEMA, clean=False)
    for payment in payments:
        transfer.add_payment(payment)
    generated: bytes = transfer.export(validate=False)
    content = _make_deterministic(generated, message_id, created_at)
    _validate(content, BUNDLED_XSD)
    if extra_xsd is not None:
        _validate(content, extra_xsd)
    return content


def _make_deterministic(generated: bytes, message_id: str, created_at: datetime) -> bytes:
    """Replace what sepaxml makes up on its own.

    sepaxml takes MsgId and PmtInfId from a random generator and CreDtTm from the
    clock, with no way to pass them in; so the tree is rewritten here: MsgId is ours,
    PmtInfId derives from it, CreDtTm is ``created_at``. A debtor agent without a BIC
    says NOTPROVIDED instead of staying empty.
    """
    root = etree.fromstring(generated, etree.XMLParser(resolve_entities=False, no_network=True))
    names = LocalNames(root)
    initiation = names.find(root, "CstmrCdtTrfInitn")
    assert initiation is not None  # sepaxml always writes it
    _set(names, initiation, "GrpHdr/MsgId", message_id)
    _set(names, initiation, "GrpHdr/CreDtTm", created_at.isoformat(timespec="seconds"))
    for number, payment_info in enumerate(names.find_all(initiation, "PmtInf"), start=1):
        _set(names, payment_info, "PmtInfId", f"{message_id[: MAX_ID_LENGTH - 3]}-{number}")
        institution = names.find(payment_info, "DbtrAgt/FinInstnId")
        if institution is not None and len(institution) == 0:
            other = etree.SubElement(institution, names.path("Othr"))
            etree.SubElement(other, names.path("Id")).text = NOT_PROVIDED
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")) + b"\n"


def _set(names: LocalNames, parent: etree._Element, relative: str, value: str) -> None:
    element = names.find(parent, relative)
    assert element is not None, relative  # sepaxml always writes these
    element.text = value


@lru_cache(maxsize=4)
def _schema(path: Path) -> xmlschema.XMLSchema:
    # Loading an XSD takes most of a second; a service builds many files with the same one.
    return xmlschema.XMLSchema(str(path))


def _validate(content: bytes, xsd: Path) -> None:
    try:
        schema = _schema(xsd)
    except (OSError, xmlschema.XMLSchemaException) as error:
        raise PayoutFileInvalid(f"the schema {xsd.name} cannot be loaded") from error
    document = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    for problem in schema.iter_errors(document):
        # The schema's own reason may quote the offending value (an account number):
        # only the element's path is told.
        where = getattr(problem, "path", None) or "the document"
        raise PayoutFileInvalid(f"the payout file does not match {xsd.name} at {where}")


# ------------------------------------------------------------------------------- read


def read_pain001(content: bytes) -> PayoutFileSummary:
    """What a pain.001 file (.03 or .09) pays; ``PayoutFileInvalid`` when it cannot be read
    or its control sum or transaction count disagrees with its transactions."""
    try:
        root = parse_untrusted_xml(content)
    except UnreadableXml as error:
        raise PayoutFileInvalid(f"the payout file is {error}") from None
    names = LocalNames(root)
    initiation = names.find(root, "CstmrCdtTrfInitn")
    if initiation is None:
        raise PayoutFileInvalid("not a pain.001 credit transfer file (no CstmrCdtTrfInitn)")
    message_id = names.text(initiation, "GrpHdr/MsgId")
    if not message_id:
        raise PayoutFileInvalid("GrpHdr/MsgId is missing")
    payment_infos = names.find_all(initiation, "PmtInf")
    if not payment_infos:
        raise PayoutFileInvalid("the payout file has no PmtInf")
    transactions: list[PayoutInstruction] = []
    for index, payment_info in enumerate(payment_infos, start=1):
        for number, item in enumerate(names.find_all(payment_info, "CdtTrfTxInf"), start=1):
            transactions.append(
                _read_transaction(names, item, f"PmtInf[{index}]/CdtTrfTxInf[{number}]")
            )
    total = sum((t.amount.amount for t in transactions), Decimal(0))
    _check_totals(names, initiation, total, len(transactions))
    return PayoutFileSummary(
        message_id=message_id,
        execution_date=_execution_date(names, payment_infos[0]),
        control_sum=total,
        transactions=tuple(transactions),
    )


def _read_transaction(names: LocalNames, item: etree._Element, where: str) -> PayoutInstruction:
    amount_element = names.find(item, "Amt/InstdAmt")
    if amount_element is None:
        raise PayoutFileInvalid(f"{where}/Amt/InstdAmt is missing")
    try:
        amount = Money(Decimal((amount_element.text or "").strip()), amount_element.get("Ccy", ""))
    except (InvalidOperation, ValidationFailed):
        raise PayoutFileInvalid(f"{where}/Amt/InstdAmt is not an amount of money") from None
    bic = names.text(item, "CdtrAgt/FinInstnId/BICFI") or names.text(item, "CdtrAgt/FinInstnId/BIC")
    return PayoutInstruction(
        end_to_end_id=names.text(item, "PmtId/EndToEndId"),
        amount=amount,
        creditor_name=names.text(item, "Cdtr/Nm"),
        creditor_iban=names.text(item, "CdtrAcct/Id/IBAN"),
        creditor_bic=bic,
        remittance=" ".join(
            line.text.strip()
            for line in names.find_all(item, "RmtInf/Ustrd")
            if line.text and line.text.strip()
        ),
    )


def _check_totals(
    names: LocalNames, initiation: etree._Element, total: Decimal, count: int
) -> None:
    stated_count = names.text(initiation, "GrpHdr/NbOfTxs")
    if stated_count and stated_count != str(count):
        raise PayoutFileInvalid("GrpHdr/NbOfTxs does not match the transactions")
    stated_sum = names.text(initiation, "GrpHdr/CtrlSum")
    try:
        matches = not stated_sum or Decimal(stated_sum) == total
    except InvalidOperation:
        matches = False
    if not matches:
        raise PayoutFileInvalid("GrpHdr/CtrlSum does not match the transactions")


def _execution_date(names: LocalNames, payment_info: etree._Element) -> date:
    # .09 wraps the date in ReqdExctnDt/Dt; .03 has it directly.
    text = names.text(payment_info, "ReqdExctnDt/Dt") or names.text(payment_info, "ReqdExctnDt")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PayoutFileInvalid("PmtInf/ReqdExctnDt is not a date") from None
