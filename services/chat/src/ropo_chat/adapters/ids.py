"""New conversation ids from the operating system's randomness."""

from __future__ import annotations

import uuid


class RandomIds:
    def new_id(self) -> str:
        return str(uuid.uuid4())
