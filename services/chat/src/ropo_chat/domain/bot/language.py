"""Which of the portal's languages a message is written in (deterministic, no model).

Each word votes: a characteristic word of a language (function words, and the words of the
bot's vocabulary) counts 1; weaker hints count ½ — "å" and typical endings for Swedish,
Finnish case endings and double vowels, English letter pairs. A word listed for two languages
does not vote ("pdf", "moi"). The page's language (``fallback``) wins when nothing votes, when it is
among the best, or when two other languages tie: a short or mixed message keeps the page's
language. Words that are common in two of the languages ("on" is Finnish and English, "i" and
"en" Swedish and English or Finnish) are left out of the lists.
"""

from __future__ import annotations

import re
from typing import Final

from ropo_chat.domain.bot.intents import Intent
from ropo_chat.domain.bot.text import LANGUAGES, fold, words
from ropo_chat.domain.bot.vocabulary import VOCABULARY, Terms


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FUNCTION_WORDS: Final[dict[str, frozenset[str]]] = {
    "fi": _listed(
        "ja ei ole olen oli tää tämä tätä tän tämän toi mä mää minä mun minun mulle mulla "
        "minulla minulle sä sinä sun voi voiko voinko voisinko voisko voisitteko miten "
        "mitä mikä miksi miks missä mistä mihin kuinka paljonko kun kiitos kiitti hei moi "
        "moikka moro terve heippa haluan haluun haluaisin haluisin lasku laskun laskua "
        "laskuni laskut laskuja laskusta laskulle eräpäivä eräpäivää eräpäivän maksaa "
        "maksu tartten tarttisin tarvitsen tarvitsisin onko saako saanko saisinko että vai "
        "kanssa jos niin vielä jo nyt heti apua joo juu kyllä tuli tulee pitää pitäis "
        "siis mutta myös sen sitä ne nää mitään kaikki missä mikä"
    ),
    "sv": _listed(
        "och att det är jag inte int ett min mitt mina du ni vi kan vill har hur vad "
        "varför när får för med på av om som den här där fakturan faktura fakturor "
        "räkningen räkning räkningar betala betalar betalade hej hejsan tjena tack nog nu "
        "skulle kunde går finns mig mej dig någon något också men bara eller förfallodag "
        "förfallodagen kundtjänst var ligger vem vilken"
    ),
    "en": _listed(
        "the a an and is are my you your to of for with can could would how what why "
        "where when do does did dont cant want need please invoice invoices bill bills "
        "pay paid have has it this that be get hello hi hey thanks thank not am im there "
        "someone help due date"
    ),
}
_MIN_VOCABULARY_WORD: Final = 3


def _vocabulary_words(table: dict[Intent, Terms]) -> frozenset[str]:
    phrases = (phrase for terms in table.values() for phrase in (*terms.strong, *terms.normal))
    return frozenset(
        word for phrase in phrases for word in words(phrase) if len(word) >= _MIN_VOCABULARY_WORD
    )


_WORDS: Final[dict[str, frozenset[str]]] = {
    language: _FUNCTION_WORDS[language] | _vocabulary_words(VOCABULARY[language])
    for language in LANGUAGES
}
_FINNISH_ENDINGS: Final = re.compile(
    r"(ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|ksi|ko|kö|nen|ni|ään|aan|sko|skö)$"
)
_FINNISH_VOWEL_PAIRS: Final = re.compile(r"(aa|ii|uu|yy|ää|öö)")
_SWEDISH_SHAPES: Final = re.compile(r"^(sj|tj|kv|dj)|(ning|ningar|ningen|lig|ligt|heten|skap)$")
_ENGLISH_LETTERS: Final = re.compile(r"(th|w|tion$|ly$)")
_HINT: Final = 0.5


def detect_language(text: str, fallback: str) -> str:
    """``"fi"``, ``"sv"`` or ``"en"``: the language ``text`` is written in, else ``fallback``
    (the page's language)."""
    if fallback not in LANGUAGES:
        raise ValueError(f"unsupported fallback language {fallback!r}")
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in words(text):
        _vote(word, scores)
    best = max(scores.values())
    if best == 0.0 or scores[fallback] == best:
        return fallback
    leaders = [language for language, score in scores.items() if score == best]
    return leaders[0] if len(leaders) == 1 else fallback


def _vote(word: str, scores: dict[str, float]) -> None:
    folded = fold(word)
    listed = [
        language
        for language, known in _WORDS.items()
        # A word typed without umlauts still counts ("maara" is not a word of another list).
        if word in known or (folded == word and folded in _FOLDED[language])
    ]
    if len(listed) == 1:
        scores[listed[0]] += 1.0
        return
    if listed:
        return
    if "å" in word or _SWEDISH_SHAPES.search(word):
        scores["sv"] += _HINT
    elif _FINNISH_ENDINGS.search(word) or _FINNISH_VOWEL_PAIRS.search(word):
        scores["fi"] += _HINT
    elif _ENGLISH_LETTERS.search(word):
        scores["en"] += _HINT


_FOLDED: Final[dict[str, frozenset[str]]] = {
    language: frozenset(fold(word) for word in known) for language, known in _WORDS.items()
}
