"""The first Finvoice parser: what it reads, and how every rejection names its field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from invoice_support import (
    BUYER_COMPANY_ID,
    HETU_2000S,
    HETU_MATTI,
    SELLER_BIC,
    SELLER_IBAN,
    finvoice_xml,
    samples_dir,
)
from ropo_invoice.adapters.finvoice import (
    BUYER_ID_PATH,
    REFERENCE_PATH,
    parse_finvoice,
)
from ropo_invoice.domain.commands import RegisterInvoice
from ropo_invoice.domain.errors import InvoiceValidationError
from ropo_invoice.domain.identifiers import NationalId, ReferenceKind
from ropo_invoice.domain.party import DebtorKind, Language
from ropo_platform.money import Money


def violations_of(data: bytes) -> dict[str, str]:
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(data)
    return {v.field: v.description for v in error.value.violations}


# ------------------------------------------------------------------------------ reading


def test_parses_a_consumer_invoice() -> None:
    invoice = parse_finvoice(finvoice_xml())
    assert isinstance(invoice, RegisterInvoice)
    assert invoice.creditor.name == "Testi-yritys Oy"
    assert invoice.creditor.business_id.value == "2345678-0"
    assert invoice.creditor.account.iban == SELLER_IBAN
    assert invoice.creditor.account.bic == SELLER_BIC
    assert invoice.debtor.kind is DebtorKind.PERSON
    assert invoice.debtor.national_id == NationalId.parse(HETU_MATTI)
    assert invoice.debtor.name == "Matti Meikäläinen"
    assert invoice.debtor.address.postal_code == "00100"
    assert invoice.debtor.address.street_lines == ("Testikatu 1 A 2",)
    assert invoice.language is Language.FI
    assert invoice.invoice_number == "1001"
    assert invoice.issue_date == date(2026, 9, 1)
    assert invoice.due_date == date(2026, 9, 15)
    assert invoice.reference.value == "1232"
    assert invoice.reference.kind is ReferenceKind.NATIONAL
    assert invoice.total_amount == invoice.amount_due == Money.eur("124.00")
    (line,) = invoice.lines
    assert line.description == "Konsultointi"
    assert (line.quantity, line.unit, line.unit_price) == (Decimal(2), "h", Decimal("50.00"))
    assert (line.vat_rate_percent, line.net_amount) == (Decimal(24), Decimal("100.00"))
    assert (line.vat_amount, line.gross_amount) == (Decimal("24.00"), Decimal("124.00"))
    assert invoice.source_format == "finvoice-3.0"


def test_the_henkilotunnus_does_not_show_in_the_command_repr() -> None:
    invoice = parse_finvoice(finvoice_xml(buyer_id=HETU_2000S))
    assert HETU_2000S not in repr(invoice)
    assert invoice.debtor.national_id is not None
    assert invoice.debtor.national_id.reveal() == HETU_2000S


def test_company_buyer_by_business_id() -> None:
    invoice = parse_finvoice(finvoice_xml(buyer_id=BUYER_COMPANY_ID, buyer_name="Ostaja Oy"))
    assert invoice.debtor.kind is DebtorKind.ORGANIZATION
    assert invoice.debtor.business_id is not None
    assert invoice.debtor.business_id.value == BUYER_COMPANY_ID


def test_company_buyer_by_vat_number_when_no_identifier() -> None:
    invoice = parse_finvoice(finvoice_xml(buyer_id=None, buyer_tax_code="FI01120389"))
    assert invoice.debtor.kind is DebtorKind.ORGANIZATION


def test_consumer_without_identifier_is_accepted() -> None:
    invoice = parse_finvoice(finvoice_xml(buyer_id=None))
    assert invoice.debtor.kind is DebtorKind.PERSON
    assert invoice.debtor.national_id is None


def test_honours_the_xml_encoding_declaration() -> None:
    data = finvoice_xml(encoding="ISO-8859-15", buyer_name="Äänekosken Öljy")
    assert b"ISO-8859-15" in data[:60]
    assert "Äänekosken".encode("iso-8859-15") in data
    assert parse_finvoice(data).debtor.name == "Äänekosken Öljy"


def test_rf_reference_and_prepaid_amount() -> None:
    invoice = parse_finvoice(
        finvoice_xml(reference="RF33 2348 236", reference_scheme="ISO", instructed="24,00")
    )
    assert invoice.reference.value == "RF332348236"
    assert invoice.total_amount == Money.eur("124.00")
    assert invoice.amount_due == Money.eur("24.00")


def test_missing_instructed_amount_falls_back_to_the_total() -> None:
    assert parse_finvoice(finvoice_xml(instructed=None)).amount_due == Money.eur("124.00")


@pytest.mark.parametrize(("code", "language"), [("SV", Language.SV), ("en", Language.EN)])
def test_language(code: str, language: Language) -> None:
    assert parse_finvoice(finvoice_xml(language=code)).language is language


def test_missing_or_unknown_language() -> None:
    assert parse_finvoice(finvoice_xml(language=None)).language is Language.FI
    assert parse_finvoice(finvoice_xml(language="DE")).language is Language.EN


def test_due_date_falls_back_to_the_payment_instruction_date() -> None:
    data = finvoice_xml().replace(
        b'<PaymentTermsDetails><InvoiceDueDate Format="CCYYMMDD">20260915</InvoiceDueDate>'
        b"</PaymentTermsDetails>",
        b"",
    )
    assert b"InvoiceDueDate" not in data
    assert parse_finvoice(data).due_date == date(2026, 9, 15)


def test_finvoice_201_is_read_too() -> None:
    assert parse_finvoice(finvoice_xml(version="2.01")).source_format == "finvoice-2.01"


# ---------------------------------------------------------------------------- rejections


def test_wrong_reference_check_digit_names_the_element() -> None:
    assert violations_of(finvoice_xml(reference="1233")) == {
        REFERENCE_PATH: "the check digit of the national reference is wrong"
    }


def test_reference_scheme_must_match_the_reference() -> None:
    found = violations_of(finvoice_xml(reference="1232", reference_scheme="ISO"))
    assert f"{REFERENCE_PATH}/@IdentificationSchemeName" in found


def test_bad_buyer_identifier_is_named_without_echoing_it() -> None:
    wrong = HETU_MATTI[:-1] + "X"  # a mistyped henkilötunnus
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(finvoice_xml(buyer_id=wrong))
    (violation,) = error.value.violations
    assert violation.field == BUYER_ID_PATH == "BuyerPartyDetails/BuyerPartyIdentifier"
    assert "neither a valid henkilötunnus nor a valid business ID" in violation.description
    assert wrong not in str(error.value)
    assert wrong not in repr(error.value.violations)


def test_all_problems_are_reported_at_once() -> None:
    found = violations_of(
        finvoice_xml(
            seller_id="1234567-8",
            iban="FI0050000198765432",
            number=None,
            invoice_date="20261301",
            postal_code=None,
            total="12,345",
        )
    )
    assert found == {
        "SellerPartyDetails/SellerPartyIdentifier": "not a valid Finnish business ID (Y-tunnus)",
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID": "not a valid IBAN",
        "InvoiceDetails/InvoiceNumber": "is required",
        "InvoiceDetails/InvoiceDate": "is not a valid calendar date",
        "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerPostCodeIdentifier": "is required",
        "InvoiceDetails/InvoiceTotalVatIncludedAmount": "must not have more than 2 decimals",
    }


def test_due_date_before_invoice_date_is_rejected() -> None:
    found = violations_of(finvoice_xml(due_date="20260801"))
    assert found["InvoiceDetails/PaymentTermsDetails/InvoiceDueDate"] == (
        "is before InvoiceDetails/InvoiceDate"
    )


def test_amount_to_pay_must_be_positive_and_within_the_total() -> None:
    assert "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount" in violations_of(
        finvoice_xml(instructed="0,00")
    )
    assert violations_of(finvoice_xml(instructed="125,00")) == {
        "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount": (
            "is more than the invoice total"
        )
    }


def test_amounts_must_be_decimals() -> None:
    found = violations_of(finvoice_xml(total="12O,00"))
    assert found["InvoiceDetails/InvoiceTotalVatIncludedAmount"].startswith("must be a decimal")


def test_credit_notes_are_not_supported_yet() -> None:
    found = violations_of(finvoice_xml(type_code="INV02", total="-124,00", instructed="-124,00"))
    assert found["InvoiceDetails/InvoiceTypeCode"] == "credit notes (INV02) are not supported yet"


def test_missing_iban_is_named() -> None:
    assert violations_of(finvoice_xml(iban=None)) == {
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID": "is required"
    }


def test_unsupported_version() -> None:
    assert violations_of(finvoice_xml(version="1.3")) == {
        "Finvoice/@Version": "version must be one of 2.01, 3.0"
    }


@pytest.mark.parametrize(
    ("data", "description"),
    [
        (b"", "is empty"),
        (b"<Finvoice Version='3.0'>", "is not well-formed XML (line 1, column 25)"),
        (b"<?xml version='1.0'?><Invoice/>", "the root element is not Finvoice"),
    ],
)
def test_documents_that_are_not_finvoice(data: bytes, description: str) -> None:
    assert description in violations_of(data).values()


def test_rejects_a_doctype_and_never_expands_entities() -> None:
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE Finvoice [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Finvoice Version="3.0"><InvoiceDetails><InvoiceNumber>&b;</InvoiceNumber>'
        b"</InvoiceDetails></Finvoice>"
    )
    assert violations_of(billion_laughs) == {
        "finvoice_xml": "must not contain a DOCTYPE (DTDs and entities are not accepted)"
    }


def test_rejects_external_entities_without_touching_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE Finvoice [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<Finvoice Version="3.0"><InvoiceDetails><InvoiceNumber>&x;</InvoiceNumber>'
        f"</InvoiceDetails></Finvoice>"
    ).encode()
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(xxe)
    assert "TOP-SECRET" not in str(error.value)


def test_rejects_oversized_documents() -> None:
    with pytest.raises(InvoiceValidationError, match="larger than"):
        parse_finvoice(finvoice_xml(), max_bytes=100)


def test_text_input_is_refused_so_the_encoding_cannot_be_lost() -> None:
    with pytest.raises(TypeError):
        parse_finvoice(finvoice_xml().decode())  # type: ignore[arg-type]


# ------------------------------------------------------------------ public conformance


def _sample(relative: str) -> bytes:
    data_dir = samples_dir()
    if data_dir is None or not (data_dir / relative).is_file():
        pytest.skip(
            f"shared sample {relative} is not available (../shared/data or ROPO_SAMPLES_DIR)"
        )
    return (data_dir / relative).read_bytes()


def test_official_finvoice_30_example() -> None:
    invoice = parse_finvoice(_sample("finvoice/phive/finvoice30_example.xml"))
    assert invoice.creditor.name == "Pullin Musiikki oy"
    assert invoice.creditor.business_id.value == "6666666-5"
    assert invoice.creditor.account.iban == "FI7429501800000014"
    assert invoice.creditor.account.bic == "NDEAFIHH"
    assert invoice.debtor.kind is DebtorKind.ORGANIZATION
    assert invoice.debtor.name == "Sensorit Oy"
    assert invoice.invoice_number == "123456"
    assert invoice.issue_date == date(2018, 12, 3)
    assert invoice.due_date == date(2018, 12, 17)
    assert invoice.reference.value == "RF911234567890120"
    assert invoice.total_amount == invoice.amount_due == Money.eur("124.00")
    (line,) = invoice.lines
    assert line.description == "Sisustustaulu"
    assert line.quantity == Decimal(2)


def test_multirow_invoice_sample() -> None:
    invoice = parse_finvoice(_sample("finvoice/gobl_finvoice30_invoice_multirow.xml"))
    assert invoice.amount_due == Money.eur("1088.36")
    assert [line.vat_rate_percent for line in invoice.lines] == [Decimal("25.5"), Decimal("13.5")]
    assert invoice.debtor.address.street_lines == ("Testitie 2", "3. kerros")


def test_energy_sample_with_an_invalid_iban_is_rejected_naming_it() -> None:
    data = _sample("finvoice/phive/energia_Verkkoyhtion_kulutuslaskuesimerkki_20190405.xml")
    assert violations_of(data) == {
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID": "not a valid IBAN"
    }
