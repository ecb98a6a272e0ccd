"""Fixtures of the gateway tests.

The multi-process harness lives in ``tests/e2e/ropo_stack.py`` (shared with the e2e,
browser and trace tests); its folder is put on ``sys.path`` here because test folders
are not packages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from ropo_stack import Stack, start_stack


@pytest.fixture(scope="module")
def login_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Sandbox identity broker + gateway as real processes; no invoice/authorization."""
    running = start_stack(tmp_path_factory.mktemp("login-stack"), services=False)
    try:
        yield running
    finally:
        running.stop()
