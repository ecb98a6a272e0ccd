"""The seller (creditor), the buyer (debtor) and the recipient language of a Finvoice message.

The buyer's ``BuyerPartyIdentifier`` holds a consumer's henkilötunnus or a
company's business ID; a rejected identifier is never echoed, since it may be a
mistyped henkilötunnus.
"""

from __future__ import annotations

from ropo_invoice.adapters.finvoice.paths import (
    BIC_PATH,
    BUYER_ADDRESS,
    BUYER_ID_PATH,
    BUYER_NAME_PATH,
    BUYER_POSTAL_CODE_PATH,
    BUYER_TAX_CODE_PATH,
    IBAN_PATH,
    LANGUAGE_PATH,
    SELLER_ID_PATH,
    SELLER_NAME_PATH,
    SELLER_TAX_CODE_PATH,
)
from ropo_invoice.adapters.finvoice.reader import Reader
from ropo_invoice.domain.commands import IncomingCreditor, IncomingDebtor
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import BankAccount, BusinessId, NationalId
from ropo_invoice.domain.party import DebtorKind, Language, PostalAddress


def read_seller(reader: Reader) -> IncomingCreditor | None:
    """The creditor: name, business ID and the account the payment goes to."""
    name = reader.text(SELLER_NAME_PATH)
    business_id = _seller_business_id(reader)
    account = _account(reader)
    if not name or business_id is None or account is None:
        return None
    return IncomingCreditor(name, business_id, account)


def _seller_business_id(reader: Reader) -> BusinessId | None:
    path = SELLER_ID_PATH
    raw = reader.text(path, required=False)
    if not raw:
        # Some senders give only the VAT number (FI + business ID).
        raw = reader.text(SELLER_TAX_CODE_PATH, required=False)
        if not raw:
            reader.violation(path, "is required (the creditor's business ID)", "MISSING")
            return None
        path = SELLER_TAX_CODE_PATH
    return reader.convert(path, raw, BusinessId.parse)


def _account(reader: Reader) -> BankAccount | None:
    iban = reader.text(IBAN_PATH)
    bic = reader.text(BIC_PATH, required=False)
    if not iban:
        return None
    try:
        return BankAccount.parse(iban, bic)
    except InvalidValue as error:
        path = BIC_PATH if "BIC" in error.description else IBAN_PATH
        reader.violation(path, error.description)
        return None


def read_buyer(reader: Reader, *, postal_code_required: bool = True) -> IncomingDebtor | None:
    """The debtor: a person (henkilötunnus or no identifier) or a company (business ID,
    or VAT number when no identifier is given)."""
    name = reader.text(BUYER_NAME_PATH)
    address = _buyer_address(reader, postal_code_required)
    identifier = reader.text(BUYER_ID_PATH, required=False)
    if identifier:
        if NationalId.is_valid(identifier):
            person_id = NationalId.parse(identifier)
            return (
                IncomingDebtor(DebtorKind.PERSON, name, address, national_id=person_id)
                if name
                else None
            )
        if BusinessId.is_valid(identifier):
            business_id = BusinessId.parse(identifier)
            return (
                IncomingDebtor(DebtorKind.ORGANIZATION, name, address, business_id=business_id)
                if name
                else None
            )
        reader.violation(BUYER_ID_PATH, "is neither a valid henkilötunnus nor a valid business ID")
        return None
    # No identifier: a company still shows itself through its VAT number; otherwise a
    # consumer known only by name and address (reached through the lookups).
    tax_code = reader.text(BUYER_TAX_CODE_PATH, required=False)
    if tax_code and BusinessId.is_valid(tax_code) and name:
        return IncomingDebtor(
            DebtorKind.ORGANIZATION, name, address, business_id=BusinessId.parse(tax_code)
        )
    return IncomingDebtor(DebtorKind.PERSON, name, address) if name else None


def _buyer_address(reader: Reader, postal_code_required: bool) -> PostalAddress:
    node = reader.node(BUYER_ADDRESS)
    streets: tuple[str, ...] = ()
    if node is not None:
        streets = tuple(
            (street.text or "").strip()
            for street in node.findall("BuyerStreetName")
            if (street.text or "").strip()
        )
    return PostalAddress(
        street_lines=streets,
        # The invoice-details lookup (Hae lasku) needs it, so an invoice must have one.
        postal_code=reader.text(BUYER_POSTAL_CODE_PATH, required=postal_code_required),
        town=reader.text(f"{BUYER_ADDRESS}/BuyerTownName", required=False),
        country_code=reader.text(f"{BUYER_ADDRESS}/CountryCode", required=False).upper() or "FI",
    )


def read_language(reader: Reader) -> Language:
    """The recipient language; Finnish when absent."""
    raw = reader.text(LANGUAGE_PATH, required=False)
    if not raw:
        return Language.FI
    try:
        return Language.parse(raw)
    except InvalidValue:
        # Finvoice allows any ISO 639-1 code; letters exist in fi, sv and en only,
        # and English is the one a non-Finnish reader is most likely to read.
        return Language.EN
