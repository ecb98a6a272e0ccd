"""Words of a message as the matcher compares them: lower case, split at anything that is not a
letter, stemmed with the language's Snowball stemmer and folded (ä → a, ö → o, å → a).

Folding happens after stemming because the Finnish stemmer relies on the umlauts (vowel
harmony); comparing folded forms lets "erapaiva" typed on a keyboard without umlauts meet
"eräpäivä".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

import snowballstemmer

#: The portal's languages and their Snowball algorithms.
LANGUAGES: Final[dict[str, str]] = {"fi": "finnish", "sv": "swedish", "en": "english"}

_APOSTROPHES: Final = re.compile(r"['’´`]")
#: Messages bring arbitrary words; the cache is emptied when it grows past this.
_CACHE_LIMIT: Final = 20_000
_LETTERS: Final = re.compile(r"[^\W\d_]+")


def words(text: str) -> tuple[str, ...]:
    """The lower-case words of ``text``; apostrophes are dropped so that "can't" and "cant"
    are one word, digits and punctuation separate words."""
    normalised = unicodedata.normalize("NFC", text).casefold()
    return tuple(_LETTERS.findall(_APOSTROPHES.sub("", normalised)))


def fold(word: str) -> str:
    """``word`` without diacritics: "eräpäivä" → "erapaiva", "återbetalning" → "aterbetalning"."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a message: ``form`` as typed and ``stem``, both folded."""

    form: str
    stem: str


class Stemmer:
    """A Snowball stemmer for one language that remembers its answers (the vocabulary and
    everyday messages repeat the same words). Snowball stemmers keep state while they work:
    share one between coroutines of an event loop, not between threads."""

    def __init__(self, language: str) -> None:
        self._stemmer = snowballstemmer.stemmer(LANGUAGES[language])
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = str(self._stemmer.stemWord(word))
            self._cache[word] = cached
        return cached

    def tokens(self, text: str) -> tuple[Token, ...]:
        return tuple(Token(fold(word), fold(self.stem(word))) for word in words(text))
