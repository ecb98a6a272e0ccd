"""A reader for the subset of the NATS server configuration format the manifests use:
``key: value`` / ``key = value`` / ``key value``, ``{ }`` blocks, ``[ ]`` arrays, ``#``
and ``//`` comments, quoted and bare strings, and ``include <file>`` (read from the
same ConfigMap). Values stay strings (``2m``, ``8GB``, ``$POD_NAME``); the tests
compare them as written. ``nats-server -t`` checks the real syntax separately."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r]+|,)
  | (?P<comment>(\#|//)[^\n]*)
  | (?P<newline>\n)
  | (?P<punct>[{}\[\]:=])
  | (?P<quoted>"(?:[^"\\]|\\.)*"|'[^']*')
  | (?P<bare>[^\s{}\[\]:=,#"']+(?::[^\s{}\[\],#]+)*)
    """,
    re.VERBOSE,
)


class NatsConfigError(ValueError):
    pass


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise NatsConfigError(
                f"cannot read the configuration at: {text[position : position + 30]!r}"
            )
        position = match.end()
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        value = match.group()
        if kind == "quoted":
            value = "\x00" + value[1:-1]  # marks a string that looked like punctuation
        tokens.append("\n" if kind == "newline" else value)
    return tokens


def parse(text: str, include: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The configuration as nested dicts and lists; ``include(name)`` returns an included file."""
    tokens = _tokens(text)
    position = 0

    def skip_newlines() -> None:
        nonlocal position
        while position < len(tokens) and tokens[position] == "\n":
            position += 1

    def value() -> Any:
        nonlocal position
        skip_newlines()
        token = tokens[position]
        position += 1
        if token == "{":
            return block(closing="}")
        if token == "[":
            items: list[Any] = []
            while True:
                skip_newlines()
                if tokens[position] == "]":
                    position += 1
                    return items
                items.append(value())
        return token.removeprefix("\x00")

    def block(closing: str | None) -> dict[str, Any]:
        nonlocal position
        entries: dict[str, Any] = {}
        while True:
            skip_newlines()
            if position >= len(tokens):
                if closing is not None:
                    raise NatsConfigError(f"missing {closing!r}")
                return entries
            token = tokens[position]
            if token == closing:
                position += 1
                return entries
            key = token.removeprefix("\x00")
            position += 1
            if key == "include":
                if include is None:
                    raise NatsConfigError("include without a way to read the file")
                entries.update(parse(include(str(value())), include))
                continue
            if position < len(tokens) and tokens[position] in (":", "="):
                position += 1
            entries[key] = value()

    return block(closing=None)
