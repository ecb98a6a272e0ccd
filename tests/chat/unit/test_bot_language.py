"""Language detection: the message's language when it shows, else the page's."""

from __future__ import annotations

import pytest
from ropo_chat.domain.bot import detect_language

PAGES = ("fi", "sv", "en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Voinko siirtää laskun eräpäivää?", "fi"),
        ("mä haluun maksaa tän laskun", "fi"),
        ("tartten lisää aikaa", "fi"),
        ("Kan jag flytta förfallodagen?", "sv"),
        ("fakturan syns int i listan", "sv"),
        ("Hej, jag behöver hjälp", "sv"),
        ("Can I move the due date?", "en"),
        ("i cant find my invoice", "en"),
        ("Hello there", "en"),
    ],
)
def test_a_message_in_a_portal_language_is_recognised_on_every_page(
    text: str, language: str
) -> None:
    assert [detect_language(text, page) for page in PAGES] == [language] * 3


@pytest.mark.parametrize("text", ["", "ok", "123 456", "MyRopo", "?!", "moi"])
def test_an_undecided_message_keeps_the_page_language(text: str) -> None:
    assert [detect_language(text, page) for page in PAGES] == list(PAGES)


def test_the_letter_a_ring_points_to_swedish() -> None:
    # Neither word is in any list: the letter decides.
    assert detect_language("åtta båtar", "fi") == "sv"


def test_umlauts_alone_do_not_decide_between_finnish_and_swedish() -> None:
    assert detect_language("Äh", "sv") == "sv"
    assert detect_language("Äh", "fi") == "fi"


def test_finnish_typed_without_umlauts_is_still_finnish() -> None:
    assert detect_language("voinko siirtaa erapaivaa", "sv") == "fi"


def test_finnish_endings_point_to_finnish() -> None:
    assert detect_language("Tampereelta Helsinkiin", "en") == "fi"


def test_a_tie_between_two_other_languages_keeps_the_page_language() -> None:
    # One Swedish and one English word on a Finnish page.
    assert detect_language("tack thanks", "fi") == "fi"


def test_the_page_language_wins_a_tie_it_is_part_of() -> None:
    assert detect_language("tack thanks", "en") == "en"
    assert detect_language("tack thanks", "sv") == "sv"


def test_detection_is_deterministic() -> None:
    text = "Hej! Kan jag betala i rater?"

    assert {detect_language(text, "en") for _ in range(5)} == {"sv"}


def test_refuses_an_unsupported_page_language() -> None:
    with pytest.raises(ValueError, match="language"):
        detect_language("hei", "de")
