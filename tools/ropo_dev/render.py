"""Children's output as one readable stream: `invoice-wkr    | 12:00:01 info  event k=v`.

Services log one JSON object per line (see ropo_platform.logging); this turns such
a line into level, event and key=value pairs. Any other line is shown as it is.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

RESET = "\x1b[0m"
DIM = "\x1b[2m"
PALETTE = ("36", "32", "33", "35", "34", "96", "92", "93", "95", "94", "37")
LEVEL_COLOURS = {
    "debug": "2",
    "warning": "33",
    "error": "31",
    "critical": "1;31",
    "exception": "31",
}

# Shown in their own place (or by the prefix), so not repeated as key=value.
_PLACED = ("timestamp", "level", "event", "service", "logger", "exception")


def wants_colour(stream: TextIO) -> bool:
    """Colour for terminals, unless NO_COLOR is set; FORCE_COLOR forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if text == "" or any(c.isspace() or c == "=" for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _clock(timestamp: Any) -> str:
    # ISO 8601 "2024-05-01T12:00:01.123456Z" -> "12:00:01"; anything else is left out.
    if isinstance(timestamp, str) and len(timestamp) >= 19 and timestamp[10] == "T":
        return timestamp[11:19]
    return ""


def render_line(line: str, colour: bool = False) -> list[str]:
    """The display lines for one line of output (several when it carries a traceback)."""
    stripped = line.rstrip("\r\n")
    if not stripped.startswith("{"):
        return [stripped]
    try:
        record = json.loads(stripped)
    except ValueError:
        return [stripped]
    if not isinstance(record, dict) or "event" not in record:
        return [stripped]

    level = str(record.get("level", "")).lower()
    level_text = f"{level:<7}" if level else ""
    if colour and level in LEVEL_COLOURS:
        level_text = f"\x1b[{LEVEL_COLOURS[level]}m{level_text}{RESET}"
    pairs = " ".join(f"{k}={_value(v)}" for k, v in record.items() if k not in _PLACED)
    logger = record.get("logger")
    head = " ".join(
        part
        for part in (_clock(record.get("timestamp")), level_text, str(record["event"]), pairs)
        if part
    )
    if logger and level not in ("", "info", "debug"):
        # Where a warning or error came from is worth the width; for info it is noise.
        head += f" ({DIM}{logger}{RESET})" if colour else f" ({logger})"
    lines = [head]
    exception = record.get("exception")
    if isinstance(exception, str) and exception:
        lines.extend(f"    {text}" for text in exception.splitlines())
    return lines


class Printer:
    """Writes prefixed lines for every process; the prefix column fits the longest name."""

    def __init__(self, names: Iterable[str], stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.colour = wants_colour(self.stream)
        ordered = list(dict.fromkeys(["ropo-dev", *names]))
        self.width = max(13, *(len(n) for n in ordered))
        self._colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self.width}} |"
        if not self.colour:
            return label
        code = self._colours.setdefault(name, PALETTE[len(self._colours) % len(PALETTE)])
        return f"\x1b[{code}m{label}{RESET}"

    def _write(self, text: str) -> None:
        # Our own stdout may be gone (terminal closed, reader died). Printing must
        # never stop the runner from shutting its children down, so drop the text.
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def output(self, name: str, line: str) -> None:
        """One line a child wrote, rendered."""
        prefix = self._prefix(name)
        self._write("".join(f"{prefix} {text}\n" for text in render_line(line, self.colour)))

    def say(self, text: str) -> None:
        """A line of the runner's own."""
        self.output("ropo-dev", text)

    def plain(self, text: str = "") -> None:
        """A line without prefix (the banner)."""
        self._write(f"{text}\n")
