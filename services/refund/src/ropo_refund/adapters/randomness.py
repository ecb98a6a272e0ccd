"""The random source of new ids and letter codes: the operating system's CSPRNG."""

from __future__ import annotations

import secrets
import uuid


class SystemRandom:
    """``RandomSource`` backed by ``secrets`` (case numbers and MyRopo IDs are secrets
    of the letter: they must not be predictable)."""

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def randbelow(self, upper: int) -> int:
        return secrets.randbelow(upper)
