"""Message text rules: normalised, trimmed, length limited, free of control characters,
personal identity codes masked, and kept as plain text (never HTML-escaped here)."""

from __future__ import annotations

import pytest
from ropo_chat.domain.messages import (
    MAX_MESSAGE_LENGTH,
    clean_generated_text,
    clean_message_text,
    mask_personal_identity_codes,
)
from ropo_platform.errors import ValidationFailed
from ropo_platform.redaction import contains_hetu


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  Hei!  ", "Hei!"),
        ("\n\tHei\n\n", "Hei"),
        ("rivi 1\r\nrivi 2\rrivi 3", "rivi 1\nrivi 2\nrivi 3"),
        ("rivi 1\u2028rivi 2\u2029rivi 3\x85rivi 4", "rivi 1\nrivi 2\nrivi 3\nrivi 4"),
        # A word processor's soft line break (vertical tab) and a form feed.
        ("rivi 1\x0brivi 2\x0crivi 3", "rivi 1\nrivi 2\nrivi 3"),
        ("yksi\n\n\n\n\nkaksi", "yksi\n\nkaksi"),
        ("yksi   \n  kaksi", "yksi\n  kaksi"),
        ("sarake\tarvo", "sarake\tarvo"),
        # Decomposed "ä" (a + combining diaeresis) is stored composed.
        ("Era\u0308pa\u0308iva\u0308", "Er\u00e4p\u00e4iv\u00e4"),
        ("👩‍💻 kiitos", "👩‍💻 kiitos"),
    ],
)
def test_text_is_normalised(raw: str, stored: str) -> None:
    assert clean_message_text(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert('x')</script>",
        "Tom & Jerry &amp; <b>bold</b> \"quoted\" 'single'",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_text_stays_plain_text_so_the_renderer_must_escape(raw: str) -> None:
    # Stored exactly as typed: escaping is the gateway's job when it renders.
    assert clean_message_text(raw) == raw


def test_the_longest_allowed_message() -> None:
    text = "a" * MAX_MESSAGE_LENGTH
    assert MAX_MESSAGE_LENGTH == 2000
    assert clean_message_text(f"  {text}  ") == text


def test_a_too_long_message_names_the_limit() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_message_text("a" * 2001)
    assert refused.value.reason == "CHAT_MESSAGE_TOO_LONG"
    (violation,) = refused.value.violations
    assert violation.field == "text"
    assert violation.reason == "CHAT_MESSAGE_TOO_LONG"
    assert "2000 characters" in violation.description
    assert "2001" in violation.description


def test_the_length_counts_after_normalising() -> None:
    # Decomposed letters and CRLF count as what is stored.
    assert len(clean_message_text("a\u0308" * 1000 + "\r\n" + "b" * 999)) == 2000


def test_a_custom_limit_and_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_message_text("abcdef", field="note", max_length=5)
    assert refused.value.violations[0].field == "note"
    assert "5 characters" in refused.value.violations[0].description


@pytest.mark.parametrize("raw", ["", "   ", "\n\r\n\t", "\u2028"])
def test_an_empty_message_is_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_message_text(raw)
    assert refused.value.reason == "CHAT_MESSAGE_EMPTY"
    assert refused.value.violations[0].description == "must not be empty"


@pytest.mark.parametrize(
    "raw",
    [
        "nul\x00byte",
        "escape \x1b[31mred",
        "delete\x7f",
        "bell\x07",
        "backwards \u202eexe.txt",
        "isolate \u2066x\u2069",
        "lone surrogate \ud800",
    ],
)
def test_control_characters_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_message_text(raw)
    assert refused.value.reason == "CHAT_MESSAGE_CONTROL_CHARACTERS"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_message_text("\x00" * 2001)
    assert [violation.reason for violation in refused.value.violations] == [
        "CHAT_MESSAGE_TOO_LONG",
        "CHAT_MESSAGE_CONTROL_CHARACTERS",
    ]
    assert refused.value.reason == "CHAT_MESSAGE_TOO_LONG"


# ---------------------------------------------------------------------- henkilötunnus


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("131052-308T", "131052-****"),
        ("Tunnukseni on 131052-308T, auttakaa", "Tunnukseni on 131052-****, auttakaa"),
        ("pienellä 131052-308t", "pienellä 131052-****"),
        ("2000-luku 150200A950X", "2000-luku 150200-****"),
        ("uusi merkki 010594Y9032.", "uusi merkki 010594-****."),
        ("1800-luku 311299+912M", "1800-luku 311299-****"),
        # A mistyped check character in the written form is still a personal code.
        ("väärä tarkiste 131052-308A", "väärä tarkiste 131052-****"),
        # Without the century sign, or with spaces, when the check character is right.
        ("ilman merkkiä 131052308T", "ilman merkkiä 131052-****"),
        ("välilyönnein 131052 308T", "välilyönnein 131052-****"),
        ("välilyönnein 131052 - 308T", "välilyönnein 131052-****"),
        ("kaksi: 131052-308T ja 010594Y9032", "kaksi: 131052-**** ja 010594-****"),
    ],
)
def test_personal_identity_codes_are_masked(raw: str, masked: str) -> None:
    assert clean_message_text(raw) == masked
    assert not contains_hetu(masked)


@pytest.mark.parametrize(
    "raw",
    [
        # Ten digits that start like a date but fail the check: an ordinary number.
        "viite 0101011234",
        "laskun numero 1234567890",
        "summa 131052,30 €",
        "viitenumero 13105230811",
    ],
)
def test_other_numbers_are_left_alone(raw: str) -> None:
    assert clean_message_text(raw) == raw


def test_masking_keeps_the_length_of_the_written_form() -> None:
    text = "x" * (MAX_MESSAGE_LENGTH - 12) + " 131052-308T"
    assert len(text) == MAX_MESSAGE_LENGTH
    assert clean_message_text(text).endswith(" 131052-****")


def test_mask_personal_identity_codes_alone() -> None:
    assert mask_personal_identity_codes("a 131052-308T b") == "a 131052-**** b"
    assert mask_personal_identity_codes("nothing here") == "nothing here"


# ---------------------------------------------------------------------- bot and system text


def test_generated_text_is_normalised_and_masked_without_a_length_limit() -> None:
    long_answer = "Laskusi:\r\n" + "\n".join(f"- lasku {n}" for n in range(400))
    cleaned = clean_generated_text(long_answer + "\n131052-308T")
    assert len(cleaned) > MAX_MESSAGE_LENGTH
    assert cleaned.startswith("Laskusi:\n- lasku 0\n")
    assert cleaned.endswith("131052-****")


def test_generated_text_must_not_be_empty() -> None:
    with pytest.raises(ValueError):
        clean_generated_text(" \n ")
