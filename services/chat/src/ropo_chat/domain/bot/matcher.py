"""Which intent a message has: a deterministic match against the vocabulary tables.

An intent scores the weight of its most telling entry found in the message (strong 3, normal 2,
weak 1) plus a quarter of the weights of its other entries found: one specific word ("erissä")
outweighs several generic ones ("maksaa", "laskun"). An entry whose words all belong to a
longer entry that also occurred does not count: "maksaa osissa" (payment plan) explains
"maksaa", which then counts for no other intent. The confidence combines how much was found
(one strong entry is enough) with how clearly the best intent leads the runner-up, so a tie
halves it. Below the threshold the answer is ``UNKNOWN``, carrying the confidence of the best
guess. Equal scores resolve in the declaration order of ``Intent``.

A word matches an entry's word (both stemmed and folded, see ``text``) when they are equal or,
for words of five letters or more, differ by a typo (``rapidfuzz`` ratio ≥ 85, same first
letter: typos rarely hit it, and it keeps unrelated words of similar letters apart). Only when a
word matches nothing that way do its parts count: an entry word of four letters or more that
starts the word, or, in Finnish and Swedish, occurs inside it (compounds such as
"perintäkulut"). So "maksusuunnitelma" is a payment plan and not also a payment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from ropo_chat.domain.bot.intents import Intent
from ropo_chat.domain.bot.text import LANGUAGES, Stemmer, Token
from ropo_chat.domain.bot.vocabulary import VOCABULARY, Terms

STRONG: Final = 3.0
NORMAL: Final = 2.0
WEAK: Final = 1.0
#: The score at which the amount found no longer limits the confidence.
_FULL_SCORE: Final = STRONG
DEFAULT_THRESHOLD: Final = 0.5
_TYPO_MIN_LENGTH: Final = 5
_TYPO_MIN_RATIO: Final = 85.0
#: How many other words may stand between the words of a phrase.
_PHRASE_SLACK: Final = 2
#: How much each further entry found adds to an intent's best entry.
_CORROBORATION: Final = 0.25
_PART_MIN_LENGTH: Final = 4
_COMPOUNDING_LANGUAGES: Final = frozenset({"fi", "sv"})
#: Intents that count only while no other intent has a hint of at least normal weight.
_BACKGROUND: Final = frozenset({Intent.GREETING})
_ORDER: Final = tuple(intent for intent in Intent if intent is not Intent.UNKNOWN)


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The recognised intent, the confidence in it (0..1) and the language whose tables were
    used."""

    intent: Intent
    confidence: float
    language: str


@dataclass(frozen=True, slots=True)
class _Entry:
    intent: Intent
    words: frozenset[str]
    weight: float


class _LanguageTables:
    """One language's vocabulary, stemmed once."""

    def __init__(self, language: str, table: Mapping[Intent, Terms]) -> None:
        self.language = language
        self.stemmer = Stemmer(language)
        self.entries = tuple(self._entries(table))
        self.words = tuple(sorted({word for entry in self.entries for word in entry.words}))
        self._exact = frozenset(self.words)
        self._compounding = language in _COMPOUNDING_LANGUAGES

    def _entries(self, table: Mapping[Intent, Terms]) -> Iterable[_Entry]:
        for intent in _ORDER:
            terms = table.get(intent, Terms())
            # Inflected forms share a stem: such an entry counts once, at its highest weight.
            weights: dict[frozenset[str], float] = {}
            for weight, phrases in (
                (STRONG, terms.strong),
                (NORMAL, terms.normal),
                (WEAK, terms.weak),
            ):
                for phrase in phrases:
                    stems = frozenset(token.stem for token in self.stemmer.tokens(phrase))
                    if stems and stems not in weights:
                        weights[stems] = weight
            for stems, weight in weights.items():
                yield _Entry(intent, stems, weight)

    def positions(self, tokens: Iterable[Token]) -> dict[str, list[int]]:
        """Where in the message each vocabulary word occurs."""
        found: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            for word in self._whole(token) or self._parts(token):
                found.setdefault(word, []).append(position)
        return found

    def _whole(self, token: Token) -> set[str]:
        whole = {form for form in (token.stem, token.form) if form in self._exact}
        # A word the tables know is never read as a typo of another ("betalningspåminnelse"
        # is not a misspelt "betalningsplan").
        if not whole and len(token.stem) >= _TYPO_MIN_LENGTH:
            similar = process.extract(
                token.stem,
                self.words,
                scorer=fuzz.ratio,
                score_cutoff=_TYPO_MIN_RATIO,
                limit=None,
            )
            whole.update(
                word
                for word, _, _ in similar
                if len(word) >= _TYPO_MIN_LENGTH and word[0] == token.stem[0]
            )
        return whole

    def _parts(self, token: Token) -> set[str]:
        parts: set[str] = set()
        for word in self.words:
            if len(word) < _PART_MIN_LENGTH or len(word) >= len(token.form):
                continue
            starts = token.stem.startswith(word) or token.form.startswith(word)
            if starts or (self._compounding and word in token.form):
                parts.add(word)
        return parts


def _occurs(words: frozenset[str], found: Mapping[str, list[int]]) -> bool:
    """All ``words`` occur, close together: within a span of the phrase's length plus
    ``_PHRASE_SLACK`` other words."""
    if not all(word in found for word in words):
        return False
    if len(words) == 1:
        return True
    span = len(words) + _PHRASE_SLACK
    starts = sorted({position for word in words for position in found[word]})
    return any(
        all(any(start <= p < start + span for p in found[word]) for word in words)
        for start in starts
    )


class IntentMatcher:
    """Matches a message against the vocabulary of the given language (pure and deterministic).

    Only that language's tables are used: applied to another language, the compound and prefix
    rules find accidental parts ("missä" would start "missing")."""

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        vocabulary: Mapping[str, Mapping[Intent, Terms]] = VOCABULARY,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self._tables = {
            language: _LanguageTables(language, vocabulary.get(language, {}))
            for language in LANGUAGES
        }

    def match(self, text: str, language: str) -> IntentMatch:
        return self._match_in(text, language)

    def scores(self, text: str, language: str) -> dict[Intent, float]:
        """The score of every intent that matched something (for explaining a decision)."""
        tables = self._tables.get(language)
        if tables is None:
            raise ValueError(f"unsupported language {language!r}")
        found = tables.positions(tables.stemmer.tokens(text))
        matched = [entry for entry in tables.entries if _occurs(entry.words, found)]
        weights: dict[Intent, list[float]] = {}
        for entry in matched:
            if not any(entry.words < other.words for other in matched):
                weights.setdefault(entry.intent, []).append(entry.weight)
        totals = {
            intent: max(found_weights) + _CORROBORATION * (sum(found_weights) - max(found_weights))
            for intent, found_weights in weights.items()
        }
        if any(score >= NORMAL for i, score in totals.items() if i not in _BACKGROUND):
            totals = {i: score for i, score in totals.items() if i not in _BACKGROUND}
        return totals

    def _match_in(self, text: str, language: str) -> IntentMatch:
        totals = self.scores(text, language)
        if not totals:
            return IntentMatch(Intent.UNKNOWN, 0.0, language)
        ranked = sorted(totals.items(), key=lambda item: (-item[1], _ORDER.index(item[0])))
        intent, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        amount = min(1.0, best / _FULL_SCORE)
        lead = (best - runner_up) / best
        confidence = round(amount * (0.5 + 0.5 * lead), 4)
        if confidence < self.threshold:
            return IntentMatch(Intent.UNKNOWN, confidence, language)
        return IntentMatch(intent, confidence, language)
