"""Rendered invoice images and collection letters: read back with pypdf.

Text assertions work on the text pypdf extracts, with no-break spaces turned into
plain spaces; the barcode is checked by decoding the bars drawn on the first page.
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import _patterns as code128_patterns
from ropo_invoice.adapters.documents import (
    AmountRow,
    DocumentLine,
    InvoiceDocument,
    LetterDocument,
    LetterKind,
    PartyBlock,
    PartyIdentifier,
    PaymentAccount,
    render_invoice_pdf,
    render_letter_pdf,
)
from ropo_invoice.adapters.documents.model import AGREED_DATE_KINDS
from ropo_invoice.adapters.documents.texts import labels_for
from ropo_invoice.adapters.documents.transfer_form import BARCODE_HEIGHT
from ropo_platform.money import Money

LANGUAGES = ("fi", "sv", "en")
FULL_HETU = "010190-900P"  # test range (individual number 900-999)
IBAN = "FI3715903000000776"
# Worked example 1 of the bank barcode guide: ref 11112, 12,25 €, due 21.12.2016.
BARCODE = "437159030000007760000122500000000000000000011112161221"

# Labels written out here rather than read from the texts module, so that a wrong word
# there fails the test.
EXPECTED_INVOICE_LABELS = {
    "fi": [
        "Lasku",
        "Laskun numero",
        "Laskun päivämäärä",
        "Eräpäivä",
        "Viitenumero",
        "Asianumero",
        "MyRopo-tunnus",
        "Henkilötunnus",
        "Y-tunnus",
        "Saajan tilinumero",
        "Saaja",
        "Maksaja",
        "Euroa",
        "BIC",
        "Yhteensä",
        "ALV",
        "Veroton",
        "Maksettava",
    ],
    "sv": [
        "Faktura",
        "Fakturanummer",
        "Fakturadatum",
        "Förfallodag",
        "Referensnummer",
        "Ärendenummer",
        "MyRopo-kod",
        "Personbeteckning",
        "FO-nummer",
        "Mottagarens kontonummer",
        "Mottagare",
        "Betalarens namn och adress",
        "Euro",
        "Totalt",
        "Moms",
        "Exkl. moms",
        "Att betala",
    ],
    "en": [
        "Invoice",
        "Invoice number",
        "Invoice date",
        "Due date",
        "Reference number",
        "Case number",
        "MyRopo ID",
        "Personal identity code",
        "Business ID",
        "Payee's account number",
        "Payee",
        "Payer's name and address",
        "Euro",
        "Total",
        "VAT",
        "Excl. VAT",
        "Amount due",
    ],
}
EXPECTED_LETTER_TITLES = {
    ("fi", LetterKind.REMINDER): "Maksumuistutus",
    ("fi", LetterKind.PAYMENT_DEMAND): "Maksuvaatimus",
    ("fi", LetterKind.PAYMENT_MONITORING_LETTER): "Maksuvalvontakirje",
    ("sv", LetterKind.REMINDER): "Betalningspåminnelse",
    ("sv", LetterKind.PAYMENT_DEMAND): "Betalningskrav",
    ("sv", LetterKind.PAYMENT_MONITORING_LETTER): "Betalningsövervakningsbrev",
    ("en", LetterKind.REMINDER): "Payment reminder",
    ("en", LetterKind.PAYMENT_DEMAND): "Payment demand",
    ("en", LetterKind.PAYMENT_MONITORING_LETTER): "Payment monitoring letter",
}


# ---------------------------------------------------------------------------- builders


def eur(amount: str) -> Money:
    return Money.eur(amount)


def creditor() -> PartyBlock:
    return PartyBlock(
        "Testi-yritys Oy",
        ("Yrityskatu 5",),
        "00200",
        "Helsinki",
        identifier=PartyIdentifier.business_id("2345678-0"),
    )


def debtor(**changes: object) -> PartyBlock:
    block = PartyBlock(
        "Matti Meikäläinen",
        ("Testikatu 1 A 2",),
        "00100",
        "Helsinki",
        identifier=PartyIdentifier.from_display("010190-****"),
    )
    return dataclasses.replace(block, **changes)  # type: ignore[arg-type]


def row(description: str, gross: str = "12.25") -> DocumentLine:
    net = (Decimal(gross) / Decimal("1.255")).quantize(Decimal("0.01"))
    return DocumentLine(
        description=description,
        currency="EUR",
        quantity=Decimal("1"),
        unit="kpl",
        unit_price=net,
        vat_rate_percent=Decimal("25.5"),
        net_amount=net,
        vat_amount=Decimal(gross) - net,
        gross_amount=Decimal(gross),
    )


def barcode_v4(amount: Money, reference: str, due: date) -> str:
    return f"4{IBAN[2:]}{amount.minor_units:08d}000{reference:0>20}{due:%y%m%d}"


def invoice(language: str = "fi", **changes: object) -> InvoiceDocument:
    document = InvoiceDocument(
        language=language,
        creditor=creditor(),
        account=PaymentAccount(IBAN, "NDEAFIHH"),
        debtor=debtor(),
        invoice_number="INV-1001",
        issue_date=date(2016, 12, 7),
        due_date=date(2016, 12, 21),
        reference="11112",
        case_number="1234 5678 9012",
        myropo_id="4KQ7-9XMP-2D3H",
        total_including_vat=eur("12.25"),
        amount_due=eur("12.25"),
        status_text="Lasku",
        lines=(row("Palvelumaksu joulukuu"),),
        barcode=BARCODE,
    )
    return dataclasses.replace(document, **changes)  # type: ignore[arg-type]


def invoice_with_rows(count: int) -> InvoiceDocument:
    rows = tuple(row(f"Rivi {number:03d} sähkön siirto", "1.50") for number in range(count))
    total = eur("1.50") * count
    return invoice(
        lines=rows,
        total_including_vat=total,
        amount_due=total,
        barcode=barcode_v4(total, "11112", date(2016, 12, 21)),
    )


def letter(
    language: str = "fi", kind: LetterKind = LetterKind.PAYMENT_DEMAND, **changes: object
) -> LetterDocument:
    labels = labels_for(language)
    total = eur("148.59")
    document = LetterDocument(
        language=language,
        kind=kind,
        letter_date=date(2026, 10, 1),
        pay_by_date=date(2026, 10, 15),
        sequence_number=2,
        creditor=creditor(),
        debtor=debtor(),
        account=PaymentAccount(IBAN, "NDEAFIHH"),
        invoice_number="INV-1001",
        original_due_date=date(2026, 9, 15),
        reference="11112",
        case_number="1234 5678 9012",
        myropo_id="4KQ7-9XMP-2D3H",
        items=(
            AmountRow(labels.capital, eur("124.00")),
            AmountRow(labels.penalty_interest, eur("0.59")),
            AmountRow(labels.fees, eur("24.00")),
        ),
        total_to_pay=total,
        explanation="11,5 % × 124,00 € × 15/365 = 0,59 €.",
        barcode=barcode_v4(total, "11112", date(2026, 10, 15)),
        sender=PartyBlock(
            "Perintätoimisto Oy",
            ("PL 123",),
            "00101",
            "Helsinki",
            identifier=PartyIdentifier.business_id("0112038-9"),
        ),
    )
    return dataclasses.replace(document, **changes)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- reading


def page_texts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text().replace("\xa0", " ") for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def flat(text: str) -> str:
    """Whitespace collapsed, so that text wrapped over lines compares as one line."""
    return " ".join(text.split())


def shown(money: Money, language: str) -> str:
    return money.format(language).replace("\xa0", " ")


def _symbol_by_widths() -> dict[tuple[int, ...], int]:
    # reportlab's table writes bars as upper-case and spaces as lower-case letters,
    # the letter's position in the alphabet being the width in modules.
    return {
        tuple(ord(letter.lower()) - ord("a") + 1 for letter in pattern): value
        for value, pattern in code128_patterns.items()
    }


def decode_barcode(pdf: bytes) -> list[int]:
    """The Code 128 symbol values drawn as bars on the first page (checksum verified)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    contents = page.get_contents()
    assert contents is not None
    bars = sorted(
        (float(operands[0]), float(operands[2]))
        for operands, operator in contents.operations
        if operator == b"re" and abs(float(operands[3]) - BARCODE_HEIGHT) < 0.01
    )
    if not bars:
        return []
    elements = [width for _, width in bars]
    elements += [next_x - x - width for (x, width), (next_x, _) in pairwise(bars)]
    module = min(elements)
    widths: list[int] = []
    for (x, width), (next_x, _) in pairwise(bars):
        widths += [round(width / module), round((next_x - x - width) / module)]
    widths.append(round(bars[-1][1] / module))
    table = _symbol_by_widths()
    values = [table[tuple(widths[i : i + 6])] for i in range(0, len(widths) - 7, 6)]
    assert table[tuple(widths[-7:])] == 106  # stop
    *payload, check = values
    assert (payload[0] + sum(i * v for i, v in enumerate(payload[1:], start=1))) % 103 == check
    return payload


# ------------------------------------------------------------------------------ invoice


@pytest.mark.parametrize("language", LANGUAGES)
def test_invoice_shows_labels_parties_and_payment_facts_in_its_language(language: str) -> None:
    document = invoice(language)
    text = flat(text_of(render_invoice_pdf(document)))

    for label in EXPECTED_INVOICE_LABELS[language]:
        assert label in text, label
    for value in (
        "Testi-yritys Oy",
        "2345678-0",
        "Matti Meikäläinen",
        "Testikatu 1 A 2",
        "00100 Helsinki",
        "INV-1001",
        "11112",
        "21.12.2016",
        "7.12.2016",
        "1234 5678 9012",
        "4KQ7-9XMP-2D3H",
        "FI37 1590 3000 0007 76",
        "NDEAFIHH",
        "Palvelumaksu joulukuu",
        "010190-****",
        BARCODE,
        shown(eur("12.25"), language),
        shown(eur("9.76"), language),  # net total
        shown(eur("2.49"), language),  # VAT total
    ):
        assert value in text, value


def test_english_invoice_has_no_finnish_labels_and_finnish_has_no_english() -> None:
    english = text_of(render_invoice_pdf(invoice("en")))
    finnish = text_of(render_invoice_pdf(invoice("fi")))
    assert "Eräpäivä" not in english
    assert "Viitenumero" not in english
    assert "Due date" not in finnish
    assert "€12.25" in english
    assert "12,25 €" in finnish


def test_finnish_and_swedish_transfer_forms_are_bilingual() -> None:
    finnish = flat(text_of(render_invoice_pdf(invoice("fi"))))
    swedish = flat(text_of(render_invoice_pdf(invoice("sv"))))
    for text in (finnish, swedish):
        assert "Saajan tilinumero" in text
        assert "Mottagarens kontonummer" in text
        assert "Förfallodag" in text


def test_vat_rows_and_totals_are_printed_with_exact_decimals() -> None:
    lines = (
        DocumentLine(
            "Sähkö",
            "EUR",
            quantity=Decimal("350.5"),
            unit="kWh",
            unit_price=Decimal("0.07937"),
            vat_rate_percent=Decimal("25.5"),
            net_amount=Decimal("27.82"),
            vat_amount=Decimal("7.09"),
            gross_amount=Decimal("34.91"),
        ),
        DocumentLine(
            "Kirja",
            "EUR",
            vat_rate_percent=Decimal("10"),
            net_amount=Decimal("20.00"),
            gross_amount=Decimal("22.00"),
        ),
    )
    total = eur("56.91")
    text = text_of(
        render_invoice_pdf(
            invoice(lines=lines, total_including_vat=total, amount_due=total, barcode="")
        )
    )
    for value in ("350,5 kWh", "0,07937", "25,5 %", "10 %", "34,91", "22,00"):
        assert value in text, value
    for value in ("47,82 €", "9,09 €", "56,91 €"):  # net, VAT and gross totals
        assert value in text, value


def test_adjustments_explain_the_difference_to_the_amount_due() -> None:
    document = invoice(
        total_including_vat=eur("20.00"),
        adjustments=(AmountRow("Maksettu 1.12.2016", eur("-7.75")),),
        lines=(row("Palvelumaksu", "20.00"),),
    )
    text = text_of(render_invoice_pdf(document))
    assert "Maksettu 1.12.2016" in text
    assert "-7,75 €" in text
    assert "20,00 €" in text


def test_invoice_rows_continue_on_later_pages_and_none_is_lost() -> None:
    pages = page_texts(render_invoice_pdf(invoice_with_rows(60)))
    assert len(pages) >= 2
    text = "\n".join(pages)
    printed = re.findall(r"Rivi (\d{3}) sähkön siirto", text)
    assert sorted(printed) == [f"{number:03d}" for number in range(60)]
    assert "Sivu 2/" in pages[1]
    assert "Lasku INV-1001" in pages[1]  # the continuation header
    assert "Kuvaus" in pages[1]  # the column header repeats
    assert re.search(r"Sivu 1/\s*" + str(len(pages)), pages[0])
    assert shown(eur("90.00"), "fi") in pages[-1]


def test_a_long_invoice_runs_over_three_pages() -> None:
    pages = page_texts(render_invoice_pdf(invoice_with_rows(130)))
    assert len(pages) >= 3
    printed = re.findall(r"Rivi (\d{3}) sähkön siirto", "\n".join(pages))
    assert len(printed) == 130
    assert len(set(printed)) == 130


def test_invoice_barcode_is_code128_subset_c_of_the_54_digits() -> None:
    pdf = render_invoice_pdf(invoice())
    values = decode_barcode(pdf)
    assert values[0] == 105  # start code C
    assert "".join(f"{value:02d}" for value in values[1:]) == BARCODE
    assert BARCODE in page_texts(pdf)[0]


def test_invoice_without_barcode_draws_no_bars() -> None:
    pdf = render_invoice_pdf(invoice(barcode=""))
    assert decode_barcode(pdf) == []
    assert BARCODE not in text_of(pdf)
    assert "Viitenumero" in text_of(pdf)  # the form itself is still there


def test_rendering_twice_gives_identical_bytes() -> None:
    document = invoice_with_rows(60)
    assert render_invoice_pdf(document) == render_invoice_pdf(document)
    assert render_letter_pdf(letter()) == render_letter_pdf(letter())


def test_pdf_properties_name_the_document_creditor_language_and_date() -> None:
    reader = PdfReader(io.BytesIO(render_invoice_pdf(invoice("sv"))))
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "Faktura INV-1001"
    assert metadata.author == "Testi-yritys Oy"
    assert metadata.creator == "MyRopo"
    assert str(metadata["/CreationDate"]) == "D:20161207000000+00'00'"
    assert str(reader.root_object["/Lang"]) == "sv"


def test_a_full_identity_code_in_free_text_is_printed_masked() -> None:
    document = invoice(
        debtor=debtor(address_lines=(f"c/o {FULL_HETU}",)),
        lines=(row(f"Asiakas {FULL_HETU} palvelu"),),
    )
    pdf = render_invoice_pdf(document)
    text = text_of(pdf)
    assert FULL_HETU not in text
    assert "900P" not in text
    assert "Asiakas 010190-**** palvelu" in text
    assert b"900P" not in pdf


def test_characters_outside_the_font_do_not_break_rendering() -> None:
    document = invoice(
        debtor=debtor(name="Zoë Łukasiewicz-Åström"),
        lines=(row("Łódź ☃ 😀 中文 <b>Tom & Jerry</b> Šárka € åäö ÅÄÖ"),),
    )
    text = flat(text_of(render_invoice_pdf(document)))
    assert "Zoë Lukasiewicz-Åström" in text
    assert "Lódz ? ? ?? <b>Tom & Jerry</b> Šárka € åäö ÅÄÖ" in text


def test_many_address_lines_and_long_names_are_cut_not_spilled() -> None:
    long_name = "Hyvin Pitkä Nimi " * 10
    document = invoice(
        debtor=debtor(name=long_name, address_lines=tuple(f"Rivi {n}" for n in range(10)))
    )
    text = text_of(render_invoice_pdf(document))
    assert "Hyvin Pitkä Nimi" in text
    assert long_name.strip() not in text
    assert "\u2026" in text


def test_pathologically_long_texts_are_cut_instead_of_failing_the_layout() -> None:
    huge_description = "pitkä selite " * 2000  # one table row cannot span pages
    document = invoice(
        debtor=debtor(name="N" * 20_000),
        lines=(row(huge_description),),
        adjustments=(AmountRow("Hyvitys " * 100, eur("0.00")),),
    )
    text = flat(text_of(render_invoice_pdf(document)))
    assert 0 < text.count("pitkä selite") < 200
    assert "N" * 20_000 not in text
    assert "Hyvitys " * 100 not in text


# ------------------------------------------------------------------------------ letters


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [kind for kind in LetterKind if kind not in AGREED_DATE_KINDS])
def test_letter_has_its_title_amounts_pay_by_date_and_payment_form(
    language: str, kind: LetterKind
) -> None:
    labels = labels_for(language)
    pdf = render_letter_pdf(letter(language, kind))
    text = flat(text_of(pdf))

    assert EXPECTED_LETTER_TITLES[(language, kind)] in text
    for value in (
        labels.capital,
        labels.penalty_interest,
        labels.fees,
        labels.total_to_pay,
        labels.pay_by,
        labels.explanation_heading,
        shown(eur("124.00"), language),
        shown(eur("0.59"), language),
        shown(eur("24.00"), language),
        shown(eur("148.59"), language),
        "15.10.2026",  # pay by
        "15.9.2026",  # original due date
        "1.10.2026",
        "INV-1001",
        "11112",
        "1234 5678 9012",
        "4KQ7-9XMP-2D3H",
        "Perintätoimisto Oy",
        "Testi-yritys Oy",
        "Matti Meikäläinen",
        "010190-****",
        "11,5 % × 124,00 € × 15/365 = 0,59 €.",
        barcode_v4(eur("148.59"), "11112", date(2026, 10, 15)),
    ):
        assert value in text, value
    assert labels.already_paid_notice in text
    values = decode_barcode(pdf)
    assert "".join(f"{value:02d}" for value in values[1:]) == barcode_v4(
        eur("148.59"), "11112", date(2026, 10, 15)
    )
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert str(metadata["/CreationDate"]) == "D:20261001000000+00'00'"
    assert (metadata.title or "").startswith(EXPECTED_LETTER_TITLES[(language, kind)])


def test_only_the_payment_demand_tells_how_to_dispute() -> None:
    dispute = labels_for("fi").dispute_notice[:40]
    demand = flat(text_of(render_letter_pdf(letter(kind=LetterKind.PAYMENT_DEMAND))))
    reminder = flat(text_of(render_letter_pdf(letter(kind=LetterKind.REMINDER))))
    assert dispute in demand
    assert dispute not in reminder


def test_letter_intro_names_the_pay_by_date() -> None:
    text = flat(text_of(render_letter_pdf(letter("en", LetterKind.REMINDER))))
    assert "Please pay it by 15.10.2026 at the latest." in text


def test_letter_without_sender_comes_from_the_creditor() -> None:
    text = text_of(render_letter_pdf(letter(sender=None)))
    assert "Perintätoimisto Oy" not in text
    assert "Testi-yritys Oy" in text


def test_a_long_explanation_flows_onto_a_second_page() -> None:
    explanation = " ".join(f"Jakso {n}: 124,00 € × 11,5 % × 30/365 = 1,17 €." for n in range(80))
    pages = page_texts(render_letter_pdf(letter(explanation=explanation)))
    assert len(pages) >= 2
    assert "Jakso 79" in "\n".join(pages)
