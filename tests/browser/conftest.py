"""Browser tests: Playwright driving the system Chromium against the real ``stack``.

The stack harness lives in ``tests/e2e/ropo_stack.py``; its folder is put on
``sys.path`` because test folders are not packages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from ropo_stack import stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

__all__ = ["browser", "stack"]


# Module scope, not session: Playwright's sync API keeps an event loop running in
# this thread while it is open, and every async test after it would then fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium (the distribution's binary: Playwright cannot download one here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()
