"""Finvoice 3.0 XML for a demo invoice, written with lxml in the schema's element order.

Where the debtor is identified: ``BuyerPartyDetails/BuyerPartyIdentifier``
holds the henkilötunnus of a consumer and the business id of a company.
Amounts use a decimal comma, dates ``CCYYMMDD`` (Finvoice conventions).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from ropo_sandbox.demo.barcode import virtual_barcode
from ropo_sandbox.demo.model import Buyer, Creditor, DemoInvoice, InvoiceLine
from ropo_sandbox.persons import Language, PostalAddress

_XSI = "http://www.w3.org/2001/XMLSchema-instance"

_TEXTS: dict[Language, dict[str, str]] = {
    "fi": {
        "type": "LASKU",
        "terms": "{days} päivää netto",
        "fine": "Viivästyskorko korkolain mukaan",
        "note": "Demoaineistoa: MyRopo-hiekkalaatikon testilasku.",
        "unit": "kpl",
    },
    "sv": {
        "type": "FAKTURA",
        "terms": "{days} dagar netto",
        "fine": "Dröjsmålsränta enligt räntelagen",
        "note": "Demodata: testfaktura i MyRopo-sandlådan.",
        "unit": "st",
    },
    "en": {
        "type": "INVOICE",
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


def _details(root: etree._Element, invoice: DemoInvoice, texts: dict[str, str]) -> None:
    details = _sub(root, "InvoiceDetails")
    _sub(details, "InvoiceTypeCode", "INV01")
    _sub(details, "InvoiceTypeCodeUN", "380")
    _sub(details, "InvoiceTypeText", texts["type"])
    _sub(details, "OriginCode", "Original")
    _sub(details, "InvoiceNumber", invoice.number)
    _date(details, "InvoiceDate", invoice.invoice_date)
    _money(details, "RowsTotalVatExcludedAmount", invoice.net_total)
    _money(details, "InvoiceTotalVatExcludedAmount", invoice.net_total)
    _money(details, "InvoiceTotalVatAmount", invoice.vat_total)
    _money(details, "InvoiceTotalVatIncludedAmount", invoice.gross_total)
    for part in invoice.vat_breakdown:
        vat = _sub(details, "VatSpecificationDetails")
        _money(vat, "VatBaseAmount", part.base)
        _sub(vat, "VatRatePercent", percent(part.rate))
        _sub(vat, "VatCode", "S")
        _money(vat, "VatRateAmount", part.vat)
    _sub(details, "InvoiceFreeText", texts["note"])
    terms = _sub(details, "PaymentTermsDetails")
    _sub(terms, "PaymentTermsFreeText", texts["terms"].format(days=invoice.payment_term_days))
    _date(terms, "InvoiceDueDate", invoice.due_date)
    fine = _sub(terms, "PaymentOverDueFineDetails")
    _sub(fine, "PaymentOverDueFineFreeText", texts["fine"])


def _row(root: etree._Element, line: InvoiceLine, unit: str) -> None:
    row = _sub(root, "InvoiceRow")
    _sub(row, "ArticleIdentifier", line.article.article_id)
    _sub(row, "ArticleName", line.name)
    quantity = str(line.quantity)
    _sub(row, "InvoicedQuantity", quantity, QuantityUnitCode=unit, QuantityUnitCodeUN="C62")
    _money(row, "UnitPriceAmount", line.article.unit_price)
    _sub(row, "RowPositionIdentifier", str(line.position))
    _sub(row, "RowVatRatePercent", percent(line.vat_rate))
    _sub(row, "RowVatCode", "S")
    _money(row, "RowVatAmount", line.vat_amount)
    _money(row, "RowVatExcludedAmount", line.net_amount)
    _money(row, "RowAmount", line.gross_amount)


def _epi(root: etree._Element, invoice: DemoInvoice) -> None:
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
    _money(instruction, "EpiInstructedAmount", invoice.gross_total)
    _sub(instruction, "EpiCharge", ChargeOption="SLEV")
    _date(instruction, "EpiDateOptionDate", invoice.due_date)
    _sub(instruction, "EpiPaymentMeansCode", "58")  # SEPA credit transfer


def finvoice_xml(invoice: DemoInvoice) -> bytes:
    """The Finvoice 3.0 document (UTF-8, with XML declaration)."""
    texts = _TEXTS[invoice.buyer.language]
    root = etree.Element(
        "Finvoice",
        {"Version": "3.0", f"{{{_XSI}}}noNamespaceSchemaLocation": "Finvoice3.0.xsd"},
        nsmap={"xsi": _XSI},
    )
    _seller(root, invoice.creditor)
    _buyer(root, invoice.buyer)
    _details(root, invoice, texts)
    _sub(
        root,
        "VirtualBankBarcode",
        virtual_barcode(
            invoice.creditor.iban, invoice.gross_total, invoice.reference, invoice.due_date
        ),
    )
    for line in invoice.lines:
        _row(root, line, texts["unit"])
    _epi(root, invoice)
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return document


def file_name(invoice: DemoInvoice) -> str:
    """``<creditor>-<invoice number>.xml``: unique because numbers are unique per creditor."""
    return f"{invoice.creditor.key}-{invoice.number}.xml"
