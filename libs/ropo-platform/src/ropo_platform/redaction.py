"""Masking of anything that looks like a henkilötunnus (Finnish personal identity code).

A henkilötunnus must never reach a log line, a span or an error message. The
logging pipeline and the span exporter both run every string through
``redact`` as a last line of defence; code should still never put one there.

Format: ``DDMMYY`` + century sign + 3-digit individual number + check character.
Century signs: ``+`` (1800s), ``-YXWVU`` (1900s), ``ABCDEF`` (2000s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

MASK = "[REDACTED-HETU]"

# Day 01-31 and month 01-12 keep false positives (long digit runs, hashes) rare.
# Lower-case letters are accepted too: a hand-typed code is often lower case.
# A neighbouring letter or digit means the match is part of a longer token (a hex
# digest, trace id or UUID group), which is not a henkilötunnus: without this,
# about one trace id in five thousand would be mangled.
HETU_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}"
    r"[-+A-FU-Ya-fu-y]"
    r"[0-9]{3}"
    r"[0-9A-Ya-y]"
    r"(?![0-9A-Za-z])"
)


def contains_hetu(text: str) -> bool:
    """True when ``text`` contains something that looks like a henkilötunnus."""
    return HETU_PATTERN.search(text) is not None


def redact(text: str) -> str:
    """Return ``text`` with every henkilötunnus-looking substring replaced by ``MASK``."""
    if len(text) < 11:
        return text
    return HETU_PATTERN.sub(MASK, text)


def redact_value(value: Any) -> Any:
    """Redact strings inside (nested) mappings, lists and tuples; other values pass unchanged."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [redact_value(item) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, bytes | bytearray):
        return value
    if isinstance(value, Sequence):
        return [redact_value(item) for item in value]
    return value
