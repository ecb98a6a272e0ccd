"""The refund letter: read back with pypdf in each language; deterministic; nothing secret."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from ropo_platform.money import Money
from ropo_refund.adapters.letter_pdf import RefundLetter, render_refund_letter

LETTER = RefundLetter(
    case_number="9123456785",
    myropo_id="4KQ79XMP2D3H",
    recipient_name="Åsa Meikäläinen",
    origin="overpayment",
    refundable_amount=Money.eur("1234.56"),
    handling_fee=Money.eur("5.00"),
    payout_amount=Money.eur("1229.56"),
    opened_on=date(2026, 3, 2),
    portal_url="https://myropo.example/",
    language="fi",
)
IBAN_SHAPE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,}")


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Amounts use no-break spaces; what a reader sees is a space.
    return text.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "title", "amounts", "labels"),
    [
        (
            "fi",
            "Palautus: ilmoita tilinumero",
            ("1 234,56 €", "5,00 €", "1 229,56 €"),
            ("Asianumero", "MyRopo-tunnus", "Käsittelykulu", "vahvasti tunnistautuneena"),
        ),
        (
            "sv",
            "Återbetalning: meddela kontonummer",
            ("1 234,56 €", "5,00 €", "1 229,56 €"),
            ("Ärendenummer", "MyRopo-kod", "Hanteringsavgift", "stark autentisering"),
        ),
        (
            "en",
            "Refund: report your account number",
            ("€1,234.56", "€5.00", "€1,229.56"),
            ("Case number", "MyRopo ID", "Handling fee", "strong identification"),
        ),
    ],
)
def test_letter_in_each_language(
    language: str, title: str, amounts: tuple[str, ...], labels: tuple[str, ...]
) -> None:
    text = text_of(render_refund_letter(replace(LETTER, language=language)))
    assert title in text
    assert "9123456785" in text
    assert "4KQ7-9XMP-2D3H" in text
    assert "Åsa Meikäläinen" in text
    assert "2.3.2026" in text
    assert "https://myropo.example/tilinumero" in text
    for amount in amounts:
        assert amount in text
    for label in labels:
        assert label in text
    assert "1." in text and "2." in text and "3." in text


@pytest.mark.parametrize(
    ("origin", "phrase"),
    [
        ("overpayment", "enemmän kuin siitä oli maksettavaa"),
        ("unclear_payment", "emme pysty kohdistamaan"),
        ("credit_note", "hyvittänyt laskua"),
    ],
)
def test_letter_explains_why_money_is_owed(origin: str, phrase: str) -> None:
    text = " ".join(text_of(render_refund_letter(replace(LETTER, origin=origin))).split())
    assert phrase in text


def test_a_letter_without_fee_shows_no_fee_row() -> None:
    letter = replace(
        LETTER,
        origin="credit_note",
        handling_fee=Money.eur("0.00"),
        payout_amount=Money.eur("1234.56"),
    )
    text = text_of(render_refund_letter(letter))
    assert "Käsittelykulu" not in text
    assert text.count("1 234,56 €") == 2


def test_a_letter_without_recipient_name_still_renders() -> None:
    text = text_of(
        render_refund_letter(replace(LETTER, recipient_name="", origin="unclear_payment"))
    )
    assert "9123456785" in text


def test_rendering_twice_gives_identical_bytes() -> None:
    assert render_refund_letter(LETTER) == render_refund_letter(replace(LETTER))
    assert render_refund_letter(LETTER) != render_refund_letter(replace(LETTER, language="sv"))


def test_letter_contains_no_account_number_and_masks_an_identity_code() -> None:
    letter = replace(LETTER, recipient_name="Matti Virtanen 010190-123A")
    text = text_of(render_refund_letter(letter))
    assert "010190-123A" not in text
    assert "Matti Virtanen" in text
    assert not IBAN_SHAPE.search(text)


def test_foreign_letters_are_folded_to_what_the_font_can_draw() -> None:
    text = text_of(render_refund_letter(replace(LETTER, recipient_name="Łukasz Żółć")))
    assert "Lukasz Zólc" in text


@pytest.mark.parametrize(("field", "value"), [("language", "de"), ("origin", "gift")])
def test_unknown_language_or_origin_is_a_programming_error(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_refund_letter(replace(LETTER, **{field: value}))  # type: ignore[arg-type]
