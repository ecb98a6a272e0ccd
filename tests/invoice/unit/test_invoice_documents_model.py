"""Input model, texts and text safety of the invoice and letter PDFs (no rendering)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ropo_invoice.adapters.documents.model import (
    AmountRow,
    DocumentDataError,
    DocumentLine,
    IdentifierKind,
    InvoiceDocument,
    LetterDocument,
    LetterKind,
    PartyBlock,
    PartyIdentifier,
    PaymentAccount,
    VatRateTotal,
    vat_breakdown_from_lines,
)
from ropo_invoice.adapters.documents.printable import mask_identity_codes, printable
from ropo_invoice.adapters.documents.texts import (
    SUPPORTED_LANGUAGES,
    Labels,
    format_amount,
    format_date,
    format_decimal,
    format_iban,
    format_percent,
    labels_for,
)
from ropo_platform.money import Money
from ropo_platform.redaction import HETU_PATTERN

FULL_HETU = "010190-900P"  # test range (individual number 900-999)
NBSP = "\xa0"
# Worked examples of the Finnish bank barcode guide (finnish-domain.md §4.3).
IBAN = "FI37 1590 3000 0007 76"
BARCODE_V4 = (
    "437159030000007760000122500000000000000000011112161221"  # ref 11112, 12.25, 21.12.2016
)
BARCODE_V5 = "537159030000007760000011098000000000000000011112170101"  # RF98 11112, 1.10, 1.1.2017


def rejected_field(build: Callable[[], object]) -> str:
    """The field named by the ``DocumentDataError`` that ``build`` raises."""
    with pytest.raises(DocumentDataError) as error:
        build()
    return error.value.field


def eur(amount: str) -> Money:
    return Money.eur(amount)


def party(name: str = "Matti Meikäläinen", identifier: PartyIdentifier | None = None) -> PartyBlock:
    return PartyBlock(name, ("Testikatu 1",), "00100", "Helsinki", identifier=identifier)


def line(**changes: object) -> DocumentLine:
    values: dict[str, object] = {
        "description": "Palvelu",
        "currency": "EUR",
        "vat_rate_percent": Decimal("25.5"),
        "net_amount": Decimal("9.76"),
        "vat_amount": Decimal("2.49"),
        "gross_amount": Decimal("12.25"),
    }
    values.update(changes)
    return DocumentLine(**values)  # type: ignore[arg-type]


def invoice(**changes: object) -> InvoiceDocument:
    values: dict[str, object] = {
        "language": "fi",
        "creditor": party("Testi-yritys Oy", PartyIdentifier.business_id("2345678-0")),
        "account": PaymentAccount(IBAN, "NDEAFIHH"),
        "debtor": party(),
        "invoice_number": "1001",
        "issue_date": date(2016, 12, 7),
        "due_date": date(2016, 12, 21),
        "reference": "11112",
        "case_number": "1234 5678 9012",
        "myropo_id": "4KQ7-9XMP-2D3H",
        "total_including_vat": eur("12.25"),
        "amount_due": eur("12.25"),
        "lines": (line(),),
        "barcode": BARCODE_V4,
    }
    values.update(changes)
    return InvoiceDocument(**values)  # type: ignore[arg-type]


def letter(**changes: object) -> LetterDocument:
    values: dict[str, object] = {
        "language": "fi",
        "kind": LetterKind.REMINDER,
        "letter_date": date(2026, 10, 1),
        "pay_by_date": date(2026, 10, 11),
        "sequence_number": 1,
        "creditor": party("Testi-yritys Oy", PartyIdentifier.business_id("2345678-0")),
        "debtor": party(),
        "account": PaymentAccount(IBAN),
        "invoice_number": "1001",
        "original_due_date": date(2026, 9, 15),
        "reference": "11112",
        "case_number": "1234 5678 9012",
        "myropo_id": "4KQ7-9XMP-2D3H",
        "items": (AmountRow("Pääoma", eur("124.00")), AmountRow("Muistutusmaksu", eur("5.00"))),
        "total_to_pay": eur("129.00"),
    }
    values.update(changes)
    return LetterDocument(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ texts


def test_dates_print_as_day_month_year_without_leading_zeros() -> None:
    assert format_date(date(2026, 1, 5)) == "5.1.2026"
    assert format_date(date(2026, 12, 21)) == "21.12.2026"


def test_decimals_keep_every_digit_and_use_the_language_separators() -> None:
    assert format_decimal(Decimal("2.79370"), "fi") == "2,7937"
    assert format_decimal(Decimal("1234567.5"), "fi", 2) == f"1{NBSP}234{NBSP}567,50"
    assert format_decimal(Decimal("1234567.5"), "sv", 2) == f"1{NBSP}234{NBSP}567,50"
    assert format_decimal(Decimal("1234567.5"), "en", 2) == "1,234,567.50"
    assert format_decimal(Decimal("-0.125"), "en", 2) == "-0.125"
    assert format_decimal(Decimal("1E+1"), "fi") == "10"
    assert format_decimal(Decimal("-0.00"), "fi", 2) == "0,00"


def test_amounts_print_like_money_and_finer_amounts_keep_their_digits() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert format_amount(Decimal("1696.32"), "EUR", language) == eur("1696.32").format(language)
    assert format_amount(Decimal("0.125"), "EUR", "fi") == "0,125 EUR"


def test_percent_and_iban_forms() -> None:
    assert format_percent(Decimal("25.50"), "fi") == f"25,5{NBSP}%"
    assert format_percent(Decimal("14"), "en") == "14%"
    assert format_iban("fi2112345600000785") == "FI21 1234 5600 0007 85"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_label_exists_in_every_language(language: str) -> None:
    labels = labels_for(language)
    for field in dataclasses.fields(Labels):
        assert getattr(labels, field.name).strip(), field.name
    for intro in (labels.reminder_intro, labels.payment_demand_intro):
        assert "{pay_by}" in intro
    assert "{pay_by}" in labels.payment_monitoring_intro


def test_finnish_labels_are_the_ones_of_the_real_documents() -> None:
    labels = labels_for("fi")
    assert (labels.invoice_title, labels.invoice_number, labels.issue_date) == (
        "Lasku",
        "Laskun numero",
        "Laskun päivämäärä",
    )
    assert (labels.due_date, labels.reference, labels.case_number, labels.myropo_id) == (
        "Eräpäivä",
        "Viitenumero",
        "Asianumero",
        "MyRopo-tunnus",
    )
    assert (labels.payee_account, labels.form_payee, labels.vat, labels.vat_excluded) == (
        "Saajan tilinumero (IBAN)",
        "Saaja",
        "ALV",
        "Veroton",
    )
    assert (labels.reminder_title, labels.payment_demand_title) == (
        "Maksumuistutus",
        "Maksuvaatimus",
    )
    assert labels.payment_monitoring_letter_title == "Maksuvalvontakirje"
    assert (labels.capital, labels.penalty_interest, labels.total) == (
        "Pääoma",
        "Viivästyskorko",
        "Yhteensä",
    )


# ------------------------------------------------------------------------ printable


def test_printable_masks_an_identity_code_in_free_text() -> None:
    assert printable(f"Asiakas {FULL_HETU} / viite") == "Asiakas 010190-**** / viite"
    assert printable("hetu 020304a955j") == "hetu 020304-****"
    # A code written with a Unicode hyphen is still recognised after folding.
    assert printable("010190\u2010900P") == "010190-****"


def test_printable_keeps_winansi_letters_and_folds_the_rest() -> None:
    kept = "Åbo Ärrä Öljy åäö € Šž œ “lainaus” – ß"
    assert printable(kept) == kept
    assert printable("Łódź") == "Lódz"  # ó is in WinAnsi, Ł and ź are not
    assert printable("Zoë\u0301") == "Zoë"  # a stray combining mark is dropped
    assert printable("e\u0301") == "é"  # decomposed letters are composed first
    assert printable("Kahvi ☕ 😀") == "Kahvi ? ?"
    assert printable("rivi\tja\nrivi") == "rivi ja rivi"
    assert printable("1\u202f696,32\u00a0€") == "1\xa0696,32\xa0€"


@given(st.text())
def test_printable_output_is_always_drawable_and_never_holds_an_identity_code(
    text: str,
) -> None:
    shown = printable(text)
    shown.encode("cp1252")
    assert HETU_PATTERN.search(shown) is None


def test_masking_leaves_other_text_alone() -> None:
    assert mask_identity_codes("Lasku 1001, asianumero 1234 5678 9012") == (
        "Lasku 1001, asianumero 1234 5678 9012"
    )


# -------------------------------------------------------------------------- parties


def test_a_full_identity_code_cannot_become_a_printed_identifier() -> None:
    with pytest.raises(DocumentDataError) as masked:
        PartyIdentifier.masked_personal_id(FULL_HETU)
    with pytest.raises(DocumentDataError) as displayed:
        PartyIdentifier.from_display(FULL_HETU)
    with pytest.raises(DocumentDataError) as business:
        PartyIdentifier.business_id(FULL_HETU)
    with pytest.raises(DocumentDataError) as raw:
        party(identifier=FULL_HETU)  # type: ignore[arg-type]
    for error in (masked, displayed, business, raw):
        assert FULL_HETU not in str(error.value)
        assert "900P" not in str(error.value)


def test_display_identifiers_of_the_domain_are_accepted() -> None:
    assert PartyIdentifier.from_display("") is None
    masked = PartyIdentifier.from_display("010190-****")
    assert masked == PartyIdentifier(IdentifierKind.MASKED_PERSONAL_ID, "010190-****")
    company = PartyIdentifier.from_display("2345678-0")
    assert company == PartyIdentifier(IdentifierKind.BUSINESS_ID, "2345678-0")
    with pytest.raises(DocumentDataError, match="business ID"):
        PartyIdentifier.business_id("2345678-1")  # wrong check digit


def test_party_needs_a_name_and_prints_its_postal_lines() -> None:
    assert rejected_field(lambda: PartyBlock("  ")) == "party.name"
    block = PartyBlock("Anna", ["Storgatan 1", ""], "10000", "Stockholm", "se")  # type: ignore[arg-type]
    assert block.address_lines == ("Storgatan 1", "")
    assert block.postal_lines == ("Storgatan 1", "10000 Stockholm", "SE")
    assert party().postal_lines == ("Testikatu 1", "00100 Helsinki")


def test_payment_account_is_validated_and_compacted() -> None:
    account = PaymentAccount("fi37 1590 3000 0007 76", "ndeafihh")
    assert (account.iban, account.bic) == ("FI3715903000000776", "NDEAFIHH")
    assert rejected_field(lambda: PaymentAccount("FI38 1590 3000 0007 76")) == "account.iban"
    assert rejected_field(lambda: PaymentAccount(IBAN, "NOT A BIC")) == "account.bic"


# ------------------------------------------------------------------------------- rows


def test_row_amounts_must_be_decimals_never_floats() -> None:
    assert rejected_field(lambda: line(net_amount=9.76)) == "line.net_amount"
    assert rejected_field(lambda: line(currency="euro")) == "line.currency"


def test_vat_breakdown_groups_rows_by_rate_with_exact_sums() -> None:
    lines = [
        line(net_amount=Decimal("10.005"), vat_amount=Decimal("2.551275"), gross_amount=None),
        line(
            vat_rate_percent=Decimal("14.0"),
            net_amount=Decimal("100"),
            vat_amount=None,
            gross_amount=Decimal("114"),
        ),
        line(vat_rate_percent=Decimal("25.50"), net_amount=None),
        line(vat_rate_percent=None),
        line(
            vat_rate_percent=Decimal("10"),
            net_amount=Decimal("1"),
            vat_amount=None,
            gross_amount=None,
        ),
    ]
    breakdown = vat_breakdown_from_lines(lines)
    assert breakdown == (
        VatRateTotal(Decimal("25.5"), Decimal("19.765"), Decimal("5.041275"), Decimal("24.806275")),
        VatRateTotal(Decimal("14"), Decimal("100"), Decimal("14"), Decimal("114")),
    )


def test_given_vat_breakdown_wins_over_the_computed_one() -> None:
    given = (VatRateTotal(Decimal("24"), Decimal("9.88"), Decimal("2.37"), Decimal("12.25")),)
    assert invoice(vat_breakdown=given).vat_totals == given
    assert invoice().vat_totals == (
        VatRateTotal(Decimal("25.5"), Decimal("9.76"), Decimal("2.49"), Decimal("12.25")),
    )


# -------------------------------------------------------------------------- documents


def test_invoice_adjustments_must_lead_from_the_total_to_the_amount_due() -> None:
    paid = invoice(
        total_including_vat=eur("20.00"),
        adjustments=(AmountRow("Maksettu", eur("-7.75")),),
    )
    assert paid.amount_due == eur("12.25")
    with pytest.raises(DocumentDataError, match="adjustments"):
        invoice(
            total_including_vat=eur("20.00"),
            adjustments=(AmountRow("Maksettu", eur("-7.00")),),
        )


def test_invoice_refuses_unknown_language_and_mixed_currencies() -> None:
    with pytest.raises(DocumentDataError, match="language"):
        invoice(language="de")
    with pytest.raises(DocumentDataError, match="amount_due"):
        invoice(amount_due=Money("12.25", "SEK"))
    with pytest.raises(DocumentDataError, match="lines"):
        invoice(lines=(line(currency="SEK"),))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"barcode": BARCODE_V4[:-1]}, "54 digits"),
        ({"barcode": "6" + BARCODE_V4[1:]}, "version"),
        ({"amount_due": eur("12.26"), "total_including_vat": eur("12.26")}, "amount"),
        ({"due_date": date(2016, 12, 22)}, "due date"),
        ({"reference": "11121"}, "reference"),
        ({"account": PaymentAccount("FI21 1234 5600 0007 85")}, "another account"),
        ({"account": PaymentAccount("SE45 5000 0000 0583 9825 7466")}, "Finnish"),
    ],
)
def test_barcode_must_pay_what_the_page_says(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(DocumentDataError, match=reason) as error:
        invoice(**changes)
    assert error.value.field == "barcode"


def test_barcode_of_an_rf_reference_and_without_amount_or_date_is_accepted() -> None:
    rf = invoice(
        reference="RF98 1111 2",
        total_including_vat=eur("1.10"),
        amount_due=eur("1.10"),
        lines=(),
        due_date=date(2017, 1, 1),
        barcode=BARCODE_V5,
    )
    assert rf.barcode == BARCODE_V5
    open_amount = BARCODE_V4[:17] + "00000000" + BARCODE_V4[25:48] + "000000"
    assert invoice(barcode=open_amount, amount_due=eur("12.25")).barcode == open_amount
    assert invoice(barcode="").barcode == ""


def test_letter_gives_at_least_ten_days_to_pay() -> None:
    assert letter(pay_by_date=date(2026, 10, 11)).pay_by_date == date(2026, 10, 11)
    with pytest.raises(DocumentDataError) as error:
        letter(pay_by_date=date(2026, 10, 10))
    assert error.value.field == "pay_by_date"


def test_letter_items_must_add_up_to_the_total() -> None:
    with pytest.raises(DocumentDataError) as error:
        letter(total_to_pay=eur("130.00"))
    assert error.value.field == "total_to_pay"
    with pytest.raises(DocumentDataError, match="items"):
        letter(items=(), total_to_pay=eur("0.00"))


def test_letter_kind_is_one_of_the_three_letters() -> None:
    assert letter(kind="payment_demand").kind is LetterKind.PAYMENT_DEMAND
    with pytest.raises(DocumentDataError, match="kind"):
        letter(kind="final_warning")
    with pytest.raises(DocumentDataError, match="sequence_number"):
        letter(sequence_number=0)
