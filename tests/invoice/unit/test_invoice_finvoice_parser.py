"""The Finvoice parser: what it reads from invoices and credit notes, and how every
rejection names its field. (Schema validation: test_invoice_finvoice_schema.py; the
project's generated samples: test_invoice_finvoice_generated.py; the public samples:
tests/invoice/conformance.)"""

from __future__ import annotations

from collections.abc import Mapping
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
)
from lxml import etree
from ropo_invoice.adapters.finvoice import (
    BUYER_ID_PATH,
    INSTRUCTED_AMOUNT_PATH,
    ORIGINAL_NUMBER_PATH,
    PAID_AMOUNT_PATH,
    REFERENCE_PATH,
    TOTAL_AMOUNT_PATH,
    TYPE_CODE_PATH,
    parse_finvoice,
)
from ropo_invoice.domain.commands import RegisterCreditNote, RegisterInvoice
from ropo_invoice.domain.errors import InvoiceValidationError
from ropo_invoice.domain.identifiers import NationalId, ReferenceKind
from ropo_invoice.domain.party import DebtorKind, Language
from ropo_platform.money import Money


def violations_of(data: bytes) -> dict[str, str]:
    with pytest.raises(InvoiceValidationError) as error:
        parse_finvoice(data)
    return {v.field: v.description for v in error.value.violations}


def parse_invoice(data: bytes) -> RegisterInvoice:
    command = parse_finvoice(data)
    assert isinstance(command, RegisterInvoice)
    return command


def parse_credit_note(data: bytes) -> RegisterCreditNote:
    command = parse_finvoice(data)
    assert isinstance(command, RegisterCreditNote)
    return command


def edited(
    data: bytes,
    *,
    add: Mapping[str, str] | None = None,
    remove: tuple[str, ...] = (),
) -> bytes:
    """``data`` with elements added (``{"InvoiceDetails/OriginalInvoiceNumber": "1000"}``,
    parents created as needed) or removed; the XML declaration's encoding is kept."""
    root = etree.fromstring(data)
    for path in remove:
        for node in root.findall(path):
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)
    for path, text in (add or {}).items():
        parent = root
        for tag in path.split("/"):
            child = parent.find(tag)
            parent = child if child is not None else etree.SubElement(parent, tag)
        parent.text = text
    encoding = etree.fromstring(data).getroottree().docinfo.encoding
    result: bytes = etree.tostring(root, xml_declaration=True, encoding=encoding)
    return result


def credit_note_xml(**changes: object) -> bytes:
    """A credit note of invoice 1000: INV02, negative amounts, OriginalInvoiceNumber."""
    defaults: dict[str, object] = {
        "type_code": "INV02",
        "number": "1001",
        "total": "-124,00",
        "instructed": "-124,00",
        "rows": (
            {
                "name": "Palautettu konsultointi",
                "quantity": "-2",
                "unit": "h",
                "unit_price": "50,00",
                "vat": "24",
                "net": "-100,00",
                "vat_amount": "-24,00",
                "gross": "-124,00",
            },
        ),
    }
    data = finvoice_xml(**{**defaults, **changes})
    return edited(data, add={"InvoiceDetails/OriginalInvoiceNumber": "1000"})


# ------------------------------------------------------------------------------ reading


def test_parses_a_consumer_invoice() -> None:
    invoice = parse_invoice(finvoice_xml())
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
    invoice = parse_invoice(finvoice_xml(buyer_id=HETU_2000S))
    assert HETU_2000S not in repr(invoice)
    assert invoice.debtor.national_id is not None
    assert invoice.debtor.national_id.reveal() == HETU_2000S


def test_company_buyer_by_business_id() -> None:
    invoice = parse_invoice(finvoice_xml(buyer_id=BUYER_COMPANY_ID, buyer_name="Ostaja Oy"))
    assert invoice.debtor.kind is DebtorKind.ORGANIZATION
    assert invoice.debtor.business_id is not None
    assert invoice.debtor.business_id.value == BUYER_COMPANY_ID


def test_company_buyer_by_vat_number_when_no_identifier() -> None:
    invoice = parse_invoice(finvoice_xml(buyer_id=None, buyer_tax_code="FI01120389"))
    assert invoice.debtor.kind is DebtorKind.ORGANIZATION


def test_consumer_without_identifier_is_accepted() -> None:
    invoice = parse_invoice(finvoice_xml(buyer_id=None))
    assert invoice.debtor.kind is DebtorKind.PERSON
    assert invoice.debtor.national_id is None


def test_honours_the_xml_encoding_declaration() -> None:
    data = finvoice_xml(encoding="ISO-8859-15", buyer_name="Äänekosken Öljy")
    assert b"ISO-8859-15" in data[:60]
    assert "Äänekosken".encode("iso-8859-15") in data
    assert parse_invoice(data).debtor.name == "Äänekosken Öljy"


def test_rf_reference_and_prepaid_amount() -> None:
    invoice = parse_invoice(
        finvoice_xml(reference="RF33 2348 236", reference_scheme="ISO", instructed="24,00")
    )
    assert invoice.reference.value == "RF332348236"
    assert invoice.total_amount == Money.eur("124.00")
    assert invoice.amount_due == Money.eur("24.00")


def test_missing_instructed_amount_falls_back_to_the_total() -> None:
    assert parse_invoice(finvoice_xml(instructed=None)).amount_due == Money.eur("124.00")


@pytest.mark.parametrize(("code", "language"), [("SV", Language.SV), ("en", Language.EN)])
def test_language(code: str, language: Language) -> None:
    assert parse_invoice(finvoice_xml(language=code)).language is language


def test_missing_or_unknown_language() -> None:
    assert parse_invoice(finvoice_xml(language=None)).language is Language.FI
    assert parse_invoice(finvoice_xml(language="DE")).language is Language.EN


def test_due_date_falls_back_to_the_payment_instruction_date() -> None:
    data = finvoice_xml().replace(
        b'<PaymentTermsDetails><InvoiceDueDate Format="CCYYMMDD">20260915</InvoiceDueDate>'
        b"</PaymentTermsDetails>",
        b"",
    )
    assert b"InvoiceDueDate" not in data
    assert parse_invoice(data).due_date == date(2026, 9, 15)


def test_finvoice_201_is_read_too() -> None:
    assert parse_invoice(finvoice_xml(version="2.01")).source_format == "finvoice-2.01"


def test_finvoice_13_is_read_for_the_elements_it_shares() -> None:
    # 1.3 senders often give only DeliveredQuantity on a row.
    data = finvoice_xml(version="1.3").replace(b"InvoicedQuantity", b"DeliveredQuantity")
    invoice = parse_invoice(data)
    assert invoice.source_format == "finvoice-1.3"
    assert invoice.amount_due == Money.eur("124.00")
    assert (invoice.lines[0].quantity, invoice.lines[0].unit) == (Decimal(2), "h")


def test_iso_8859_15_characters_that_latin_1_lacks() -> None:
    # € and Š are 0xA4 and 0xA6 in ISO-8859-15 but other characters in ISO-8859-1: read as
    # Latin-1, the name would come out wrong.
    data = finvoice_xml(encoding="ISO-8859-15", buyer_name="Šaška € Oy")
    assert "Šaška €".encode("iso-8859-15") in data
    assert parse_invoice(data).debtor.name == "Šaška € Oy"


# ---------------------------------------------------------------------------- amounts


def test_paid_amount_without_instruction_leaves_the_rest_due() -> None:
    data = edited(finvoice_xml(instructed=None), add={PAID_AMOUNT_PATH: "100,00"})
    invoice = parse_invoice(data)
    assert invoice.total_amount == Money.eur("124.00")
    assert invoice.amount_due == Money.eur("24.00")


def test_paid_amount_and_instructed_amount_must_agree() -> None:
    consistent = edited(finvoice_xml(instructed="24,00"), add={PAID_AMOUNT_PATH: "100,00"})
    assert parse_invoice(consistent).amount_due == Money.eur("24.00")
    contradicting = edited(finvoice_xml(instructed="30,00"), add={PAID_AMOUNT_PATH: "100,00"})
    assert violations_of(contradicting) == {
        INSTRUCTED_AMOUNT_PATH: f"does not equal {TOTAL_AMOUNT_PATH} less {PAID_AMOUNT_PATH}"
    }


@pytest.mark.parametrize(
    ("paid", "description"),
    [
        ("124,00", "leaves nothing to pay"),
        ("130,00", "is more than the invoice total"),
        ("-1,00", "must not be negative"),
        ("1O,00", "must be a decimal amount such as 124,00"),
    ],
)
def test_bad_paid_amounts(paid: str, description: str) -> None:
    data = edited(finvoice_xml(instructed=None), add={PAID_AMOUNT_PATH: paid})
    assert violations_of(data) == {PAID_AMOUNT_PATH: description}


def test_amounts_in_another_currency_than_the_total_are_rejected() -> None:
    data = finvoice_xml().replace(
        b'<EpiInstructedAmount AmountCurrencyIdentifier="EUR"',
        b'<EpiInstructedAmount AmountCurrencyIdentifier="SEK"',
    )
    assert violations_of(data) == {
        INSTRUCTED_AMOUNT_PATH: "has a different currency than the invoice total"
    }


def test_rows_at_several_vat_rates_are_kept_as_sent() -> None:
    rows = (
        {"name": "Kuulokkeet", "quantity": "1", "unit": "kpl", "unit_price": "100,00",
         "vat": "25,5", "net": "90,00", "vat_amount": "22,95", "gross": "112,95"},
        {"name": "Kahvi", "quantity": "2", "unit": "kpl", "unit_price": "5,00", "vat": "14",
         "net": "10,00", "vat_amount": "1,40", "gross": "11,40"},
        {"name": "Aikakauslehti", "quantity": "1", "unit": "kpl", "unit_price": "20,00",
         "vat": "10", "net": "20,00", "vat_amount": "2,00", "gross": "22,00"},
    )  # fmt: skip
    data = edited(
        finvoice_xml(rows=rows, total="146,35", instructed="146,35"),
        add={"InvoiceRow/RowDiscountPercent": "10", "InvoiceRow/RowDiscountAmount": "10,00"},
    )
    invoice = parse_invoice(data)
    assert [line.position for line in invoice.lines] == [1, 2, 3]
    assert [line.vat_rate_percent for line in invoice.lines] == [
        Decimal("25.5"),
        Decimal(14),
        Decimal(10),
    ]
    # The first row's 10 % discount is already in its net amount: kept as sent.
    assert invoice.lines[0].net_amount == Decimal("90.00")
    assert sum(line.gross_amount or 0 for line in invoice.lines) == Decimal("146.35")
    assert invoice.amount_due == Money.eur("146.35")


def test_a_row_of_sub_rows_keeps_their_names_and_single_amount() -> None:
    data = edited(
        finvoice_xml(rows=()),
        add={
            "InvoiceRow/SubInvoiceRow/SubArticleName": "MAKSETTAVA YHTEENSÄ",
            "InvoiceRow/SubInvoiceRow/SubRowAmount": "124,00",
        },
    )
    (line,) = parse_invoice(data).lines
    assert (line.description, line.gross_amount) == ("MAKSETTAVA YHTEENSÄ", Decimal("124.00"))


def test_a_malformed_row_amount_names_the_row() -> None:
    rows = (
        {"name": "A", "gross": "10,00"},
        {"name": "B", "gross": "ten"},
    )
    assert violations_of(finvoice_xml(rows=rows)) == {
        "InvoiceRow[2]/RowAmount": "must be a decimal number"
    }


# ---------------------------------------------------------------------------- credit notes


def test_credit_note_is_parsed_into_a_positive_credit() -> None:
    note = parse_credit_note(credit_note_xml())
    assert note.creditor.business_id.value == "2345678-0"
    assert note.creditor.account.iban == SELLER_IBAN
    assert note.credit_note_number == "1001"
    assert note.original_invoice_number == "1000"
    assert note.issue_date == date(2026, 9, 1)
    assert note.amount == Money.eur("124.00")
    assert note.reference is not None and note.reference.value == "1232"
    (line,) = note.lines
    assert (line.quantity, line.gross_amount) == (Decimal(-2), Decimal("-124.00"))
    assert note.source_format == "finvoice-3.0"
    assert note.debtor is not None and note.debtor.national_id == NationalId.parse(HETU_MATTI)
    assert HETU_MATTI not in repr(note)


def test_un_code_381_makes_a_credit_note_too() -> None:
    data = edited(
        credit_note_xml(type_code="INV01"), add={"InvoiceDetails/InvoiceTypeCodeUN": "381"}
    )
    assert parse_credit_note(data).amount == Money.eur("124.00")


def test_inv02_with_an_invoice_un_code_contradicts_itself() -> None:
    data = edited(credit_note_xml(), add={"InvoiceDetails/InvoiceTypeCodeUN": "380"})
    assert violations_of(data) == {
        "InvoiceDetails/InvoiceTypeCodeUN": (
            "contradicts InvoiceDetails/InvoiceTypeCode INV02 (a credit note is 381)"
        )
    }


def test_credit_note_original_from_original_invoice_reference() -> None:
    data = edited(
        credit_note_xml(),
        remove=("InvoiceDetails/OriginalInvoiceNumber",),
        add={
            "InvoiceDetails/OriginalInvoiceReference/InvoiceNumber": "0999",
            "InvoiceDetails/OriginalInvoiceReference/InvoiceDate": "20260815",
        },
    )
    note = parse_credit_note(data)
    assert (note.original_invoice_number, note.original_invoice_date) == (
        "0999",
        date(2026, 8, 15),
    )


def test_credit_note_written_with_positive_amounts_credits_the_same() -> None:
    assert parse_credit_note(credit_note_xml(total="124,00")).amount == Money.eur("124.00")


def test_credit_note_needs_neither_due_date_postal_code_nor_reference() -> None:
    data = edited(
        credit_note_xml(postal_code=None, reference=None, instructed=None),
        remove=("InvoiceDetails/PaymentTermsDetails", "EpiDetails/EpiPaymentInstructionDetails"),
    )
    note = parse_credit_note(data)
    assert note.reference is None
    assert note.amount == Money.eur("124.00")


def test_credit_note_without_original_invoice_number_is_rejected_with_all_problems() -> None:
    data = edited(
        credit_note_xml(reference="1233"), remove=("InvoiceDetails/OriginalInvoiceNumber",)
    )
    assert violations_of(data) == {
        ORIGINAL_NUMBER_PATH: "is required on a credit note (the invoice it credits)",
        REFERENCE_PATH: "the check digit of the national reference is wrong",
    }


def test_credit_note_cannot_credit_itself() -> None:
    data = credit_note_xml(number="1000")
    assert violations_of(data) == {
        ORIGINAL_NUMBER_PATH: "must differ from InvoiceDetails/InvoiceNumber"
    }


def test_credit_note_of_nothing_is_rejected() -> None:
    assert violations_of(credit_note_xml(total="0,00")) == {
        TOTAL_AMOUNT_PATH: "must not be zero on a credit note"
    }


@pytest.mark.parametrize("code", ["INV05", "XYZ"])
def test_other_message_types_are_not_imported(code: str) -> None:
    assert violations_of(finvoice_xml(type_code=code)) == {
        TYPE_CODE_PATH: "only invoices (INV01) and credit notes (INV02) are imported"
    }


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


def test_missing_iban_is_named() -> None:
    assert violations_of(finvoice_xml(iban=None)) == {
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID": "is required"
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


@pytest.mark.parametrize("version", ["1.2", "2.0", "4.0", ""])
def test_unsupported_versions(version: str) -> None:
    assert violations_of(finvoice_xml(version=version)) == {
        "Finvoice/@Version": "version must be one of 1.3, 2.01, 3.0"
    }


def test_unknown_encoding_is_rejected_without_guessing() -> None:
    data = finvoice_xml().replace(b"encoding='UTF-8'", b"encoding='NO-SUCH-CODEC'")
    assert violations_of(data)["finvoice_xml"].startswith("is not well-formed XML")
