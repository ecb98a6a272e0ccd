"""Test support for the invoice service: the project's own small Finvoice 3.0 messages.

``finvoice_xml()`` builds a valid consumer invoice; keyword arguments replace
single values, and ``None`` leaves the element out, so each test states only
what it is about. The henkilötunnus values are in the test range 900–999.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lxml import etree

# Test-range henkilötunnus values (individual numbers 900–999), all valid.
HETU_MATTI = "010190-900P"
HETU_MAIJA = "150585-923D"
HETU_2000S = "020304A955J"

SELLER_ID = "2345678-0"
SELLER_NAME = "Testi-yritys Oy"
SELLER_IBAN = "FI2112345600000785"
SELLER_BIC = "NDEAFIHH"
BUYER_COMPANY_ID = "0112038-9"

DEFAULTS: dict[str, Any] = {
    "version": "3.0",
    "seller_id": SELLER_ID,
    "seller_name": SELLER_NAME,
    "iban": SELLER_IBAN,
    "bic": SELLER_BIC,
    "buyer_id": HETU_MATTI,
    "buyer_name": "Matti Meikäläinen",
    "buyer_tax_code": None,
    "streets": ("Testikatu 1 A 2",),
    "postal_code": "00100",
    "town": "Helsinki",
    "language": "FI",
    "type_code": "INV01",
    "number": "1001",
    "invoice_date": "20260901",
    "due_date": "20260915",
    "reference": "1232",
    "reference_scheme": "SPY",
    "total": "124,00",
    "instructed": "124,00",
    "currency": "EUR",
    "rows": (
        {
            "name": "Konsultointi",
            "quantity": "2",
            "unit": "h",
            "unit_price": "50,00",
            "vat": "24",
            "net": "100,00",
            "vat_amount": "24,00",
            "gross": "124,00",
        },
    ),
    "encoding": "UTF-8",
}


def _sub(parent: etree._Element, tag: str, text: str | None, **attributes: str) -> None:
    if text is None:
        return
    element = etree.SubElement(parent, tag, attributes)
    element.text = text


def finvoice_xml(**changes: Any) -> bytes:
    """A Finvoice 3.0 message; ``changes`` override the defaults above."""
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown Finvoice fields: {sorted(unknown)}")
    v = {**DEFAULTS, **changes}
    amount = {"AmountCurrencyIdentifier": v["currency"]}
    root = etree.Element("Finvoice", Version=v["version"])

    seller = etree.SubElement(root, "SellerPartyDetails")
    _sub(seller, "SellerPartyIdentifier", v["seller_id"])
    _sub(seller, "SellerOrganisationName", v["seller_name"])

    _sub(root, "InvoiceRecipientLanguageCode", v["language"])

    buyer = etree.SubElement(root, "BuyerPartyDetails")
    _sub(buyer, "BuyerPartyIdentifier", v["buyer_id"])
    _sub(buyer, "BuyerOrganisationName", v["buyer_name"])
    _sub(buyer, "BuyerOrganisationTaxCode", v["buyer_tax_code"])
    address = etree.SubElement(buyer, "BuyerPostalAddressDetails")
    for street in v["streets"]:
        _sub(address, "BuyerStreetName", street)
    _sub(address, "BuyerTownName", v["town"])
    _sub(address, "BuyerPostCodeIdentifier", v["postal_code"])
    _sub(address, "CountryCode", "FI")

    details = etree.SubElement(root, "InvoiceDetails")
    _sub(details, "InvoiceTypeCode", v["type_code"])
    _sub(details, "InvoiceNumber", v["number"])
    _sub(details, "InvoiceDate", v["invoice_date"], Format="CCYYMMDD")
    _sub(details, "InvoiceTotalVatIncludedAmount", v["total"], **amount)
    terms = etree.SubElement(details, "PaymentTermsDetails")
    _sub(terms, "InvoiceDueDate", v["due_date"], Format="CCYYMMDD")

    for row in v["rows"]:
        element = etree.SubElement(root, "InvoiceRow")
        _sub(element, "ArticleName", row.get("name"))
        _sub(element, "InvoicedQuantity", row.get("quantity"), QuantityUnitCode=row.get("unit", ""))
        _sub(element, "UnitPriceAmount", row.get("unit_price"), **amount)
        _sub(element, "RowVatRatePercent", row.get("vat"))
        _sub(element, "RowVatAmount", row.get("vat_amount"), **amount)
        _sub(element, "RowVatExcludedAmount", row.get("net"), **amount)
        _sub(element, "RowAmount", row.get("gross"), **amount)

    epi = etree.SubElement(root, "EpiDetails")
    party = etree.SubElement(epi, "EpiPartyDetails")
    bfi = etree.SubElement(party, "EpiBfiPartyDetails")
    _sub(bfi, "EpiBfiIdentifier", v["bic"], IdentificationSchemeName="BIC")
    beneficiary = etree.SubElement(party, "EpiBeneficiaryPartyDetails")
    _sub(beneficiary, "EpiNameAddressDetails", v["seller_name"])
    _sub(beneficiary, "EpiAccountID", v["iban"], IdentificationSchemeName="IBAN")
    payment = etree.SubElement(epi, "EpiPaymentInstructionDetails")
    scheme = {"IdentificationSchemeName": v["reference_scheme"]} if v["reference_scheme"] else {}
    _sub(payment, "EpiRemittanceInfoIdentifier", v["reference"], **scheme)
    _sub(payment, "EpiInstructedAmount", v["instructed"], **amount)
    _sub(payment, "EpiDateOptionDate", v["due_date"], Format="CCYYMMDD")

    data: bytes = etree.tostring(root, xml_declaration=True, encoding=v["encoding"])
    return data


def samples_dir() -> Path | None:
    """The shared public samples (``$ROPO_SAMPLES_DIR`` or ``../shared/data`` from the
    repository root), or ``None`` when absent (a fresh clone)."""
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    repo_root = Path(__file__).resolve().parents[2]
    path = repo_root.parent / "shared" / "data"
    return path if path.is_dir() else None
