"""Rules for the text of a chat message, applied before anything is stored or delivered.

A message is **plain text**, never HTML: ``<script>`` or ``&amp;`` are stored exactly as
typed, because escaping belongs to whoever renders the text (the gateway's templates and
its JSON consumers escape on output). Escaping here would double-escape on the web page
and corrupt the transcript everywhere else.

What the rules do, in order:

1. newlines are normalised: every line break Python knows (``\\r\\n``, ``\\r``, the vertical
   tab a word processor pastes, U+2028, ...) becomes ``\\n``; trailing spaces of a line go,
   and more than one blank line in a row shrinks to one;
2. the text is NFC-normalised (so a length is the same however an "ä" was typed) and
   trimmed;
3. a person's text must not be empty, longer than ``MAX_MESSAGE_LENGTH`` characters, or
   contain control characters (NUL, ESC, ...) or the bidirectional overrides that make a
   text display differently from what it says; a tab is fine;
4. anything that looks like a henkilötunnus is masked to ``DDMMYY-****``, so neither the
   stored message, its event nor the agent's screen carries the code. The usual written
   form is masked even with a wrong check character (a mistyped code is still personal
   data); forms without the century sign or with spaces are masked when their check
   character is right, which keeps ordinary ten-digit numbers mostly untouched.
"""

from __future__ import annotations

import re
import unicodedata

from ropo_platform.errors import Violations
from ropo_platform.redaction import HETU_PATTERN

MAX_MESSAGE_LENGTH = 2000
#: What replaces the century sign, individual number and check character of a code.
HETU_MASK_SUFFIX = "-****"

EMPTY = "CHAT_MESSAGE_EMPTY"
TOO_LONG = "CHAT_MESSAGE_TOO_LONG"
CONTROL_CHARACTERS = "CHAT_MESSAGE_CONTROL_CHARACTERS"

_CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# A code typed without its century sign, or with spaces around it: "131052 308T",
# "131052308T", "131052 - 308T".
_LOOSE_HETU = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?P<date>(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2})"
    r" ?(?:[-+A-FU-Ya-fu-y] ?)?"
    r"(?P<number>[0-9]{3})"
    r"(?P<check>[0-9A-Ya-y])"
    r"(?![0-9A-Za-z])"
)
_BLANK_LINES = re.compile(r"\n{3,}")
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ALLOWED_CONTROLS = frozenset("\n\t")


def mask_personal_identity_codes(text: str) -> str:
    """``text`` with every henkilötunnus shown as ``DDMMYY-****`` (see the module docstring)."""
    masked = HETU_PATTERN.sub(lambda match: match.group()[:6] + HETU_MASK_SUFFIX, text)
    return _LOOSE_HETU.sub(_mask_if_checksum_matches, masked)


def _mask_if_checksum_matches(match: re.Match[str]) -> str:
    number = int(match["date"] + match["number"])
    if _CHECK_CHARACTERS[number % 31] != match["check"].upper():
        return match.group()
    return match["date"] + HETU_MASK_SUFFIX


def normalise_text(raw: str) -> str:
    """Steps 1 and 2 of the module docstring: line breaks, NFC, trimming."""
    lines = (line.rstrip() for line in raw.splitlines())
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    return unicodedata.normalize("NFC", text).strip()


def _has_control_characters(text: str) -> bool:
    return any(
        (unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS)
        or char in _BIDI_CONTROLS
        for char in text
    )


def clean_message_text(
    raw: str, *, field: str = "text", max_length: int = MAX_MESSAGE_LENGTH
) -> str:
    """The text of a customer's or an agent's message as stored: normalised, checked and
    masked. Raises ``ValidationFailed`` naming ``field``; its reason is the first problem's."""
    text = normalise_text(raw)
    violations = Violations()
    if not text:
        violations.add(field, "must not be empty", EMPTY)
    elif len(text) > max_length:
        violations.add(
            field,
            f"must be at most {max_length} characters (this one has {len(text)})",
            TOO_LONG,
        )
    if _has_control_characters(text):
        violations.add(field, "must not contain control characters", CONTROL_CHARACTERS)
    if violations:
        first = violations.items[0]
        violations.raise_if_any(
            message=f"invalid message text: {first.description}", reason=first.reason
        )
    return mask_personal_identity_codes(text)


def clean_generated_text(raw: str) -> str:
    """The text of a bot or system message: normalised and masked like a person's, with no
    length limit (an answer listing many invoices may be long). Empty is a bug: ValueError."""
    text = mask_personal_identity_codes(normalise_text(raw))
    if not text:
        raise ValueError("a bot or system message needs text")
    return text
