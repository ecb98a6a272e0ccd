"""Element paths of a Finvoice message, relative to the ``Finvoice`` root element.

Violations name these paths (``EpiDetails/EpiPaymentInstructionDetails/
EpiRemittanceInfoIdentifier``) so a creditor finds the element to fix; rows are
``InvoiceRow[n]`` (1-based), as in the schema validator's own paths.
"""

from __future__ import annotations

from typing import Final

#: Name of the whole document in violations that are not about one element.
DOCUMENT_FIELD: Final = "finvoice_xml"
ROOT: Final = "Finvoice"
VERSION_FIELD: Final = "Finvoice/@Version"

SELLER: Final = "SellerPartyDetails"
SELLER_NAME_PATH: Final = f"{SELLER}/SellerOrganisationName"
SELLER_ID_PATH: Final = f"{SELLER}/SellerPartyIdentifier"
SELLER_TAX_CODE_PATH: Final = f"{SELLER}/SellerOrganisationTaxCode"

BUYER: Final = "BuyerPartyDetails"
BUYER_NAME_PATH: Final = f"{BUYER}/BuyerOrganisationName"
BUYER_ID_PATH: Final = f"{BUYER}/BuyerPartyIdentifier"
BUYER_TAX_CODE_PATH: Final = f"{BUYER}/BuyerOrganisationTaxCode"
BUYER_ADDRESS: Final = f"{BUYER}/BuyerPostalAddressDetails"
BUYER_POSTAL_CODE_PATH: Final = f"{BUYER_ADDRESS}/BuyerPostCodeIdentifier"
LANGUAGE_PATH: Final = "InvoiceRecipientLanguageCode"

DETAILS: Final = "InvoiceDetails"
TYPE_CODE_PATH: Final = f"{DETAILS}/InvoiceTypeCode"
TYPE_CODE_UN_PATH: Final = f"{DETAILS}/InvoiceTypeCodeUN"
NUMBER_PATH: Final = f"{DETAILS}/InvoiceNumber"
DATE_PATH: Final = f"{DETAILS}/InvoiceDate"
ORIGINAL_NUMBER_PATH: Final = f"{DETAILS}/OriginalInvoiceNumber"
ORIGINAL_DATE_PATH: Final = f"{DETAILS}/OriginalInvoiceDate"
# Finvoice 3.0 may also name the original in a repeatable OriginalInvoiceReference.
ORIGINAL_REFERENCE_NUMBER_PATH: Final = f"{DETAILS}/OriginalInvoiceReference/InvoiceNumber"
ORIGINAL_REFERENCE_DATE_PATH: Final = f"{DETAILS}/OriginalInvoiceReference/InvoiceDate"
TOTAL_AMOUNT_PATH: Final = f"{DETAILS}/InvoiceTotalVatIncludedAmount"
PAID_AMOUNT_PATH: Final = f"{DETAILS}/InvoicePaidAmount"

EPI_PARTY: Final = "EpiDetails/EpiPartyDetails"
EPI_PAYMENT: Final = "EpiDetails/EpiPaymentInstructionDetails"
REFERENCE_PATH: Final = f"{EPI_PAYMENT}/EpiRemittanceInfoIdentifier"
REFERENCE_SCHEME_PATH: Final = f"{REFERENCE_PATH}/@IdentificationSchemeName"
INSTRUCTED_AMOUNT_PATH: Final = f"{EPI_PAYMENT}/EpiInstructedAmount"
IBAN_PATH: Final = f"{EPI_PARTY}/EpiBeneficiaryPartyDetails/EpiAccountID"
BIC_PATH: Final = f"{EPI_PARTY}/EpiBfiPartyDetails/EpiBfiIdentifier"

DUE_DATE_PATHS: Final = (
    f"{DETAILS}/PaymentTermsDetails/InvoiceDueDate",
    f"{DETAILS}/InvoiceDueDate",
    f"{EPI_PAYMENT}/EpiDateOptionDate",
)

ROW: Final = "InvoiceRow"
