"""A first parser for Finvoice 3.0 (and 2.01, whose elements used here are the same).

It reads what the invoice service needs to register an invoice: seller, buyer,
language, number, dates, reference, amounts and rows. Every rejection names the
element (a path from the ``Finvoice`` root, e.g.
``EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier``) and
says why, and all problems of one message are reported together.

Security:

- the input is bytes, so lxml honours the XML declaration's encoding
  (Finvoice is often ISO-8859-15);
- no DTD is loaded, no entity is resolved, no network is touched, and a
  document that declares a DOCTYPE is rejected outright (entity expansion and
  external entities are the classic XML attacks);
- error descriptions never contain element text: the buyer identifier may be a
  henkilötunnus, and lxml's own messages are reduced to line and column.

XSD validation (configurable schema path) and credit notes come with the full
importer; this parser checks what registration relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree
from ropo_platform.money import InvalidMoney, Money

from ropo_invoice.domain.commands import IncomingCreditor, IncomingDebtor, RegisterInvoice
from ropo_invoice.domain.errors import FieldViolation, InvalidValue, InvoiceValidationError
from ropo_invoice.domain.identifiers import (
    BankAccount,
    BusinessId,
    NationalId,
    PaymentReference,
    ReferenceKind,
    parse_invoice_number,
)
from ropo_invoice.domain.model import InvoiceLine
from ropo_invoice.domain.party import DebtorKind, Language, PostalAddress

#: Name of the whole document in violations that are not about one element.
DOCUMENT_FIELD = "finvoice_xml"
SUPPORTED_VERSIONS = frozenset({"3.0", "2.01"})
#: Finvoice messages are small; anything bigger is a mistake or an attack.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024

# Paths used more than once (relative to the Finvoice root element).
SELLER = "SellerPartyDetails"
BUYER = "BuyerPartyDetails"
BUYER_ADDRESS = f"{BUYER}/BuyerPostalAddressDetails"
DETAILS = "InvoiceDetails"
EPI_PARTY = "EpiDetails/EpiPartyDetails"
EPI_PAYMENT = "EpiDetails/EpiPaymentInstructionDetails"
REFERENCE_PATH = f"{EPI_PAYMENT}/EpiRemittanceInfoIdentifier"
INSTRUCTED_AMOUNT_PATH = f"{EPI_PAYMENT}/EpiInstructedAmount"
TOTAL_AMOUNT_PATH = f"{DETAILS}/InvoiceTotalVatIncludedAmount"
IBAN_PATH = f"{EPI_PARTY}/EpiBeneficiaryPartyDetails/EpiAccountID"
BIC_PATH = f"{EPI_PARTY}/EpiBfiPartyDetails/EpiBfiIdentifier"
BUYER_ID_PATH = f"{BUYER}/BuyerPartyIdentifier"
DUE_DATE_PATHS = (
    f"{DETAILS}/PaymentTermsDetails/InvoiceDueDate",
    f"{DETAILS}/InvoiceDueDate",
    f"{EPI_PAYMENT}/EpiDateOptionDate",
)

INVOICE_TYPE = "INV01"
CREDIT_NOTE_TYPE = "INV02"

# At most 9 decimals: google.type.Money carries nanos.
_AMOUNT = re.compile(r"^-?\d{1,15}(?:[.,]\d{1,9})?$")
_DATE = re.compile(r"^\d{8}$")

T = TypeVar("T")


def parse_finvoice(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RegisterInvoice:
    """Parse and validate one Finvoice message into a ``RegisterInvoice`` command;
    raises ``InvoiceValidationError`` naming every bad element."""
    root = _parse_xml(data, max_bytes)
    reader = _Reader(root)
    invoice = reader.invoice()
    if reader.violations or invoice is None:
        raise InvoiceValidationError(reader.violations)
    return invoice


def _reject(
    description: str, field: str = DOCUMENT_FIELD, reason: str = "INVALID"
) -> InvoiceValidationError:
    return InvoiceValidationError([FieldViolation(field, description, reason)])


def _parse_xml(data: bytes, max_bytes: int) -> etree._Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_finvoice takes bytes so that the XML encoding is honoured")
    if not data.strip():
        raise _reject("is empty", reason="MISSING")
    if len(data) > max_bytes:
        raise _reject(f"is larger than {max_bytes} bytes", reason="TOO_LARGE")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (0, 0)
        raise _reject(f"is not well-formed XML (line {line}, column {column})") from None
    if root.getroottree().docinfo.doctype:
        raise _reject("must not contain a DOCTYPE (DTDs and entities are not accepted)")
    if root.tag != "Finvoice":
        raise _reject("the root element is not Finvoice", field="Finvoice")
    version = (root.get("Version") or "").strip()
    if version not in SUPPORTED_VERSIONS:
        raise _reject(
            f"version must be one of {', '.join(sorted(SUPPORTED_VERSIONS))}",
            field="Finvoice/@Version",
            reason="UNSUPPORTED",
        )
    return root


class _Reader:
    """Reads values by path and collects a violation for each bad one."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.violations: list[FieldViolation] = []

    # ------------------------------------------------------------------ primitives

    def violation(self, field: str, description: str, reason: str = "INVALID") -> None:
        self.violations.append(FieldViolation(field, description, reason))

    def text(
        self, path: str, *, required: bool = True, element: etree._Element | None = None
    ) -> str:
        node = (element if element is not None else self.root).find(path)
        value = (node.text or "").strip() if node is not None else ""
        if required and not value:
            self.violation(path, "is required", "MISSING")
        return value

    def first_text(self, paths: tuple[str, ...]) -> tuple[str, str]:
        """The first non-empty value among ``paths`` and the path it came from."""
        for path in paths:
            value = self.text(path, required=False)
            if value:
                return value, path
        self.violation(paths[0], "is required", "MISSING")
        return "", paths[0]

    def convert(self, path: str, raw: str, parse: Callable[[str], T]) -> T | None:
        """``parse(raw)``, turning ``InvalidValue`` into a violation on ``path``."""
        try:
            return parse(raw)
        except InvalidValue as error:
            self.violation(path, error.description)
            return None

    def date(self, path: str, raw: str) -> date | None:
        if not raw:
            return None
        if not _DATE.match(raw):
            self.violation(path, "must be a date in the format CCYYMMDD")
            return None
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            self.violation(path, "is not a valid calendar date")
            return None

    def amount(self, path: str, *, required: bool = True) -> Money | None:
        node = self.root.find(path)
        raw = (node.text or "").strip() if node is not None else ""
        if not raw:
            if required:
                self.violation(path, "is required", "MISSING")
            return None
        assert node is not None
        currency = (node.get("AmountCurrencyIdentifier") or "EUR").strip()
        value = _decimal(raw)
        if value is None:
            self.violation(path, "must be a decimal amount such as 124,00")
            return None
        try:
            return Money(value, currency)
        except InvalidMoney as error:
            self.violation(path, error.violations[0].description)
            return None

    # ------------------------------------------------------------------ parts

    def invoice(self) -> RegisterInvoice | None:
        self.check_type()
        seller = self.seller()
        buyer = self.buyer()
        language = self.language()
        number_path = f"{DETAILS}/InvoiceNumber"
        number_raw = self.text(number_path)
        number = self.convert(number_path, number_raw, parse_invoice_number) if number_raw else None
        invoice_date = self.date(f"{DETAILS}/InvoiceDate", self.text(f"{DETAILS}/InvoiceDate"))
        due_raw, due_path = self.first_text(DUE_DATE_PATHS)
        due_date = self.date(due_path, due_raw)
        if invoice_date and due_date and due_date < invoice_date:
            self.violation(due_path, "is before InvoiceDetails/InvoiceDate")
        reference = self.reference()
        total, due = self.amounts()
        lines = self.lines(due.currency if due else "EUR")
        if (
            seller is None
            or buyer is None
            or number is None
            or invoice_date is None
            or due_date is None
            or reference is None
            or total is None
            or due is None
        ):
            return None
        return RegisterInvoice(
            creditor=seller,
            debtor=buyer,
            language=language,
            invoice_number=number,
            issue_date=invoice_date,
            due_date=due_date,
            reference=reference,
            total_amount=total,
            amount_due=due,
            lines=lines,
            source_format=f"finvoice-{self.root.get('Version', '')}",
        )

    def check_type(self) -> None:
        path = f"{DETAILS}/InvoiceTypeCode"
        code = self.text(path)
        if code == CREDIT_NOTE_TYPE:
            self.violation(path, "credit notes (INV02) are not supported yet", "UNSUPPORTED")
        elif code and code != INVOICE_TYPE:
            self.violation(path, f"only invoices ({INVOICE_TYPE}) are imported", "UNSUPPORTED")

    def seller(self) -> IncomingCreditor | None:
        name = self.text(f"{SELLER}/SellerOrganisationName")
        business_id = self.seller_business_id()
        iban = self.text(IBAN_PATH)
        bic = self.text(BIC_PATH, required=False)
        account = None
        if iban:
            try:
                account = BankAccount.parse(iban, bic)
            except InvalidValue as error:
                path = BIC_PATH if "BIC" in error.description else IBAN_PATH
                self.violation(path, error.description)
        if not name or business_id is None or account is None:
            return None
        return IncomingCreditor(name, business_id, account)

    def seller_business_id(self) -> BusinessId | None:
        path = f"{SELLER}/SellerPartyIdentifier"
        raw = self.text(path, required=False)
        if not raw:
            # Some senders give only the VAT number (FI + business ID).
            tax_path = f"{SELLER}/SellerOrganisationTaxCode"
            raw = self.text(tax_path, required=False)
            if not raw:
                self.violation(path, "is required (the creditor's business ID)", "MISSING")
                return None
            path = tax_path
        return self.convert(path, raw, BusinessId.parse)

    def buyer(self) -> IncomingDebtor | None:
        name = self.text(f"{BUYER}/BuyerOrganisationName")
        address = self.buyer_address()
        identifier = self.text(BUYER_ID_PATH, required=False)
        if identifier and NationalId.is_valid(identifier):
            person_id = NationalId.parse(identifier)
            if not name:
                return None
            return IncomingDebtor(DebtorKind.PERSON, name, address, national_id=person_id)
        if identifier and BusinessId.is_valid(identifier):
            business_id = BusinessId.parse(identifier)
            if not name:
                return None
            return IncomingDebtor(DebtorKind.ORGANIZATION, name, address, business_id=business_id)
        if identifier:
            # Never echo the value: it may be a mistyped henkilötunnus.
            self.violation(
                BUYER_ID_PATH, "is neither a valid henkilötunnus nor a valid business ID"
            )
            return None
        # No identifier: a company still shows itself through its VAT number; otherwise a
        # consumer known only by name and address (reached through the lookups).
        tax_code = self.text(f"{BUYER}/BuyerOrganisationTaxCode", required=False)
        if tax_code and BusinessId.is_valid(tax_code) and name:
            return IncomingDebtor(
                DebtorKind.ORGANIZATION, name, address, business_id=BusinessId.parse(tax_code)
            )
        return IncomingDebtor(DebtorKind.PERSON, name, address) if name else None

    def buyer_address(self) -> PostalAddress:
        node = self.root.find(BUYER_ADDRESS)
        streets: tuple[str, ...] = ()
        if node is not None:
            streets = tuple(
                (street.text or "").strip()
                for street in node.findall("BuyerStreetName")
                if (street.text or "").strip()
            )
        return PostalAddress(
            street_lines=streets,
            # Needed for the invoice-details lookup (Hae lasku), so it is required.
            postal_code=self.text(f"{BUYER_ADDRESS}/BuyerPostCodeIdentifier"),
            town=self.text(f"{BUYER_ADDRESS}/BuyerTownName", required=False),
            country_code=self.text(f"{BUYER_ADDRESS}/CountryCode", required=False).upper() or "FI",
        )

    def language(self) -> Language:
        raw = self.text("InvoiceRecipientLanguageCode", required=False)
        if not raw:
            return Language.FI
        try:
            return Language.parse(raw)
        except InvalidValue:
            # Finvoice allows any ISO 639-1 code; letters exist in fi, sv and en only,
            # and English is the one a non-Finnish reader is most likely to read.
            return Language.EN

    def reference(self) -> PaymentReference | None:
        node = self.root.find(REFERENCE_PATH)
        raw = self.text(REFERENCE_PATH)
        if not raw or node is None:
            return None
        reference = self.convert(REFERENCE_PATH, raw, PaymentReference.parse)
        scheme = (node.get("IdentificationSchemeName") or "").strip().upper()
        if reference is not None:
            expected = {"SPY": ReferenceKind.NATIONAL, "ISO": ReferenceKind.RF}.get(scheme)
            if expected is not None and expected is not reference.kind:
                self.violation(
                    f"{REFERENCE_PATH}/@IdentificationSchemeName",
                    "SPY must carry a national reference and ISO an RF reference",
                )
                return None
        return reference

    def amounts(self) -> tuple[Money | None, Money | None]:
        total = self.amount(TOTAL_AMOUNT_PATH)
        instructed = self.amount(INSTRUCTED_AMOUNT_PATH, required=False)
        due = instructed if instructed is not None else total
        if total is not None and instructed is not None:
            if total.currency != instructed.currency:
                self.violation(INSTRUCTED_AMOUNT_PATH, "has a different currency than the total")
                return total, None
            if instructed > total:
                self.violation(INSTRUCTED_AMOUNT_PATH, "is more than the invoice total")
        if due is not None and not due.is_positive():
            path = INSTRUCTED_AMOUNT_PATH if instructed is not None else TOTAL_AMOUNT_PATH
            self.violation(path, "must be more than zero")
        return total, due

    def lines(self, currency: str) -> tuple[InvoiceLine, ...]:
        result = []
        for position, row in enumerate(self.root.findall("InvoiceRow"), start=1):
            line = self.line(row, position, currency)
            if line is not None:
                result.append(line)
        return tuple(result)

    def line(self, row: etree._Element, position: int, currency: str) -> InvoiceLine | None:
        prefix = f"InvoiceRow[{position}]"
        description = self.text("ArticleName", required=False, element=row) or " / ".join(
            (name.text or "").strip()
            for name in row.findall("SubInvoiceRow/SubArticleName")
            if (name.text or "").strip()
        )
        quantity_node = row.find("InvoicedQuantity")

        def number(path: str) -> Decimal | None:
            raw = self.text(path, required=False, element=row)
            if not raw:
                return None
            value = _decimal(raw)
            if value is None:
                self.violation(f"{prefix}/{path}", "must be a decimal number")
            return value

        quantity = number("InvoicedQuantity")
        unit = (
            (quantity_node.get("QuantityUnitCode") or "").strip()
            if quantity_node is not None
            else ""
        )
        line = InvoiceLine(
            position=position,
            description=description,
            quantity=quantity,
            unit=unit,
            currency=currency,
            unit_price=number("UnitPriceAmount"),
            vat_rate_percent=number("RowVatRatePercent"),
            net_amount=number("RowVatExcludedAmount"),
            vat_amount=number("RowVatAmount"),
            gross_amount=number("RowAmount"),
        )
        return line


def _decimal(raw: str) -> Decimal | None:
    """Finvoice writes decimals with a comma (``124,00``); a point is accepted too."""
    compact = raw.replace("\u00a0", "").replace(" ", "")
    if not _AMOUNT.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None
