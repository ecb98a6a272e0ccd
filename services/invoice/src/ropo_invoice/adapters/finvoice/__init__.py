"""Finvoice import: safe XML parsing, optional XSD validation, invoices and credit notes.

``parse_finvoice(data, max_bytes=…, schemas=…)`` turns one message (Finvoice 3.0,
2.01, or 1.3 for the elements it shares) into a ``RegisterInvoice`` or a
``RegisterCreditNote``; every rejection names the element (a path from the
``Finvoice`` root, e.g. ``EpiDetails/EpiPaymentInstructionDetails/
EpiRemittanceInfoIdentifier``) and says why, all problems of one message
together, and never repeats element text (the buyer identifier may be a
henkilötunnus). ``load_finvoice_schemas(folder)`` compiles the XSDs once.
"""

from ropo_invoice.adapters.finvoice.document import DEFAULT_MAX_BYTES, SUPPORTED_VERSIONS
from ropo_invoice.adapters.finvoice.messages import CREDIT_NOTE_TYPE, INVOICE_TYPE
from ropo_invoice.adapters.finvoice.parser import parse_finvoice
from ropo_invoice.adapters.finvoice.paths import (
    BIC_PATH,
    BUYER_ID_PATH,
    DOCUMENT_FIELD,
    IBAN_PATH,
    INSTRUCTED_AMOUNT_PATH,
    ORIGINAL_NUMBER_PATH,
    PAID_AMOUNT_PATH,
    REFERENCE_PATH,
    TOTAL_AMOUNT_PATH,
    TYPE_CODE_PATH,
)
from ropo_invoice.adapters.finvoice.schema import (
    FinvoiceSchemaError,
    FinvoiceSchemas,
    load_finvoice_schemas,
)

__all__ = [
    "BIC_PATH",
    "BUYER_ID_PATH",
    "CREDIT_NOTE_TYPE",
    "DEFAULT_MAX_BYTES",
    "DOCUMENT_FIELD",
    "IBAN_PATH",
    "INSTRUCTED_AMOUNT_PATH",
    "INVOICE_TYPE",
    "ORIGINAL_NUMBER_PATH",
    "PAID_AMOUNT_PATH",
    "REFERENCE_PATH",
    "SUPPORTED_VERSIONS",
    "TOTAL_AMOUNT_PATH",
    "TYPE_CODE_PATH",
    "FinvoiceSchemaError",
    "FinvoiceSchemas",
    "load_finvoice_schemas",
    "parse_finvoice",
]
