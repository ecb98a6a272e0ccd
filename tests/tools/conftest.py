"""Fixtures of the runner's tests (tests/tools)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ropo_dev_harness import stop_leftovers


@pytest.fixture(autouse=True)
def _no_runner_left_behind() -> Iterator[None]:
    # A test that fails before it stops its runner must not leave the runner
    # and its children (listening on ports) behind.
    yield
    stop_leftovers()
