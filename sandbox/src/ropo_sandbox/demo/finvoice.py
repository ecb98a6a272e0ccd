"""Finvoice 3.0 or 2.01 XML for a demo invoice, written with lxml in the schema's element order.

Where the debtor is identified: ``BuyerPartyDetails/BuyerPartyIdentifier``
holds the henkilötunnus of a consumer and the business id of a company.
Amounts use a decimal comma, dates ``CCYYMMDD`` (Finvoice conventions).

A credit note is ``INV02`` (UN 381 in 3.0) with ``OriginalInvoiceNumber`` and
every amount and quantity negative; it carries no bank barcode (nothing is to
be paid). A prepaid invoice states ``InvoicePaidAmount`` (3.0 only: 2.01 has no
such element) and instructs only the rest. Finvoice 2.01 also lacks
``InvoiceTypeCodeUN``, ``OriginalInvoiceDate`` and ``RowsTotalVatExcludedAmount``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from ropo_sandbox.demo.barcode import virtual_barcode
from ropo_sandbox.demo.model import Buyer, Creditor, DemoInvoice, InvoiceLine
from ropo_sandbox.persons import Language, PostalAddress

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
FinvoiceVersion = Literal["3.0", "2.01"]
VERSIONS: tuple[FinvoiceVersion, ...] = ("3.0", "2.01")

_TEXTS: dict[Language, dict[str, str]] = {
    "fi": {
        "type": "LASKU",
        "credit": "HYVITYSLASKU",
        "terms": "{days} päivää netto",
        "fine": "Viivästyskorko korkolain mukaan",
        "note": "Demoaineistoa: MyRopo-hiekkalaatikon testilasku.",
        "unit": "kpl",
    },
    "sv": {
        "type": "FAKTURA",
        "credit": "KREDITNOTA",
        "terms": "{days} dagar netto",
        "fine": "Dröjsmålsränta enligt räntelagen",
        "note": "Demodata: testfaktura i MyRopo-sandlådan.",
        "unit": "st",
    },
    "en": {
        "type": "INVOICE",
        "credit": "CREDIT NOTE",
        "terms": "{days} days net",
        "fine": "Penalty interest under the Interest Act",
        "note": "Demo data: a test invoice of the MyRopo sandbox.",
        "unit": "pcs",
    },
}


def amount(value: Decimal) -> str:
    """``1234,50``: two decimals, decimal comma, no grouping."""
    return f"{value:.2f}".replace(".", ",")


def percent(value: Decimal) -> str:
    """``25,5`` or ``14``: no trailing zeros, decimal comma."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, value: date) -> None:
    _sub(parent, tag, f"{value:%Y%m%d}", Format="CCYYMMDD")


def _money(parent: etree._Element, tag: str, value: Decimal) -> None:
    _sub(parent, tag, amount(value), AmountCurrencyIdentifier="EUR")


def _address(parent: etree._Element, prefix: str, address: PostalAddress) -> None:
    details = _sub(parent, f"{prefix}PostalAddressDetails")
    _sub(details, f"{prefix}StreetName", address.street)
    _sub(details, f"{prefix}TownName", address.town)
    _sub(details, f"{prefix}PostCodeIdentifier", address.postal_code)
    _sub(details, "CountryCode", address.country_code)


def _seller(root: etree._Element, creditor: Creditor) -> None:
    party = _sub(root, "SellerPartyDetails")
    _sub(party, "SellerPartyIdentifier", creditor.business_id)
    _sub(party, "SellerOrganisationName", creditor.name)
    _sub(party, "SellerOrganisationTaxCode", creditor.vat_number)
    _address(party, "Seller", creditor.address)
    communication = _sub(root, "SellerCommunicationDetails")
    _sub(communication, "SellerPhoneNumberIdentifier", creditor.phone)
    _sub(communication, "SellerEmailaddressIdentifier", creditor.email)
    information = _sub(root, "SellerInformationDetails")
    _sub(information, "SellerHomeTownName", creditor.address.town)
    _sub(information, "SellerWebaddressIdentifier", creditor.website)
    account = _sub(information, "SellerAccountDetails")
    _sub(account, "SellerAccountID", creditor.iban, IdentificationSchemeName="IBAN")
    _sub(account, "SellerBic", creditor.bic, IdentificationSchemeName="BIC")


def _buyer(root: etree._Element, buyer: Buyer) -> None:
    _sub(root, "InvoiceRecipientLanguageCode", buyer.language.upper())
    party = _sub(root, "BuyerPartyDetails")
    _sub(party, "BuyerPartyIdentifier", buyer.identifier)
    _sub(party, "BuyerOrganisationName", buyer.name)
    if buyer.vat_number:
        _sub(party, "BuyerOrganisationTaxCode", buyer.vat_number)
    _address(party, "Buyer", buyer.address)


def _sign(invoice: DemoInvoice) -> Decimal:
    """-1 for a credit note: its document writes amounts and quantities negative."""
    return Decimal(-1) if invoice.is_credit_note else Decimal(1)


def _details(
    root: etree._Element, invoice: DemoInvoice, texts: dict[str, str], version: FinvoiceVersion
) -> None:
    sign = _sign(invoice)
    details = _sub(root, "InvoiceDetails")
    _sub(details, "InvoiceTypeCode", "INV02" if invoice.is_credit_note else "INV01")
    if version == "3.0":
        _sub(details, "InvoiceTypeCodeUN", "381" if invoice.is_credit_note else "380")
    _sub(details, "InvoiceTypeText", texts["credit" if invoice.is_credit_note else "type"])
    _sub(details, "OriginCode", "Original")
    _sub(details, "InvoiceNumber", invoice.number)
    _date(details, "InvoiceDate", invoice.invoice_date)
    if invoice.credits is not None:
        _sub(details, "OriginalInvoiceNumber", invoice.credits.number)
        if version == "3.0":
            _date(details, "OriginalInvoiceDate", invoice.credits.invoice_date)
    if version == "3.0":
        _money(details, "RowsTotalVatExcludedAmount", sign * invoice.net_total)
    _money(details, "InvoiceTotalVatExcludedAmount", sign * invoice.net_total)
    _money(details, "InvoiceTotalVatAmount", sign * invoice.vat_total)
    _money(details, "InvoiceTotalVatIncludedAmount", sign * invoice.gross_total)
    if invoice.prepaid and version == "3.0":
        _money(details, "InvoicePaidAmount", invoice.prepaid)
    for part in invoice.vat_breakdown:
        vat = _sub(details, "VatSpecificationDetails")
        _money(vat, "VatBaseAmount", sign * part.base)
        _sub(vat, "VatRatePercent", percent(part.rate))
        _sub(vat, "VatCode", "S")
        _money(vat, "VatRateAmount", sign * part.vat)
    _sub(details, "InvoiceFreeText", texts["note"])
    terms = _sub(details, "PaymentTermsDetails")
    _sub(terms, "PaymentTermsFreeText", texts["terms"].format(days=invoice.payment_term_days))
    _date(terms, "InvoiceDueDate", invoice.due_date)
    fine = _sub(terms, "PaymentOverDueFineDetails")
    _sub(fine, "PaymentOverDueFineFreeText", texts["fine"])


def _row(
    root: etree._Element, line: InvoiceLine, unit: str, sign: Decimal, version: FinvoiceVersion
) -> None:
    row = _sub(root, "InvoiceRow")
    _sub(row, "ArticleIdentifier", line.article.article_id)
    _sub(row, "ArticleName", line.name)
    quantity = str(sign * line.quantity)
    units = {"QuantityUnitCode": unit}
    if version == "3.0":
        units["QuantityUnitCodeUN"] = "C62"
    _sub(row, "InvoicedQuantity", quantity, **units)
    _money(row, "UnitPriceAmount", line.article.unit_price)
    _sub(row, "RowPositionIdentifier", str(line.position))
    _sub(row, "RowVatRatePercent", percent(line.vat_rate))
    _sub(row, "RowVatCode", "S")
    _money(row, "RowVatAmount", sign * line.vat_amount)
    _money(row, "RowVatExcludedAmount", sign * line.net_amount)
    _money(row, "RowAmount", sign * line.gross_amount)


def _epi(root: etree._Element, invoice: DemoInvoice, version: FinvoiceVersion) -> None:
    creditor = invoice.creditor
    epi = _sub(root, "EpiDetails")
    identification = _sub(epi, "EpiIdentificationDetails")
    _date(identification, "EpiDate", invoice.invoice_date)
    _sub(identification, "EpiReference", invoice.number)
    parties = _sub(epi, "EpiPartyDetails")
    bfi = _sub(parties, "EpiBfiPartyDetails")
    _sub(bfi, "EpiBfiIdentifier", creditor.bic, IdentificationSchemeName="BIC")
    beneficiary = _sub(parties, "EpiBeneficiaryPartyDetails")
    _sub(beneficiary, "EpiNameAddressDetails", creditor.name)
    _sub(beneficiary, "EpiBei", creditor.business_id)
    _sub(beneficiary, "EpiAccountID", creditor.iban, IdentificationSchemeName="IBAN")
    instruction = _sub(epi, "EpiPaymentInstructionDetails")
    scheme = "ISO" if invoice.reference_kind == "rf" else "SPY"
    reference = invoice.reference
    _sub(instruction, "EpiRemittanceInfoIdentifier", reference, IdentificationSchemeName=scheme)
    _money(instruction, "EpiInstructedAmount", _sign(invoice) * invoice.amount_due)
    _sub(instruction, "EpiCharge", ChargeOption="SLEV")
    _date(instruction, "EpiDateOptionDate", invoice.due_date)
    if version == "3.0":
        _sub(instruction, "EpiPaymentMeansCode", "58")  # SEPA credit transfer


def finvoice_xml(
    invoice: DemoInvoice, *, version: FinvoiceVersion = "3.0", encoding: str = "UTF-8"
) -> bytes:
    """The Finvoice document of ``version`` in ``encoding`` (e.g. ``ISO-8859-15``),
    with an XML declaration naming that encoding."""
    if version not in VERSIONS:
        raise ValueError(f"Finvoice version must be one of {', '.join(VERSIONS)}")
    texts = _TEXTS[invoice.buyer.language]
    root = etree.Element(
        "Finvoice",
        {"Version": version, f"{{{_XSI}}}noNamespaceSchemaLocation": f"Finvoice{version}.xsd"},
        nsmap={"xsi": _XSI},
    )
    _seller(root, invoice.creditor)
    _buyer(root, invoice.buyer)
    _details(root, invoice, texts, version)
    if not invoice.is_credit_note:
        _sub(
            root,
            "VirtualBankBarcode",
            virtual_barcode(
                invoice.creditor.iban, invoice.amount_due, invoice.reference, invoice.due_date
            ),
        )
    for line in invoice.lines:
        _row(root, line, texts["unit"], _sign(invoice), version)
    _epi(root, invoice, version)
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding=encoding, pretty_print=True
    )
    return document


def file_name(invoice: DemoInvoice) -> str:
    """``<creditor>-<invoice number>.xml``: unique because numbers are unique per creditor."""
    return f"{invoice.creditor.key}-{invoice.number}.xml"
