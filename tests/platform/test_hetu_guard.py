"""The suite-wide guard: a henkilötunnus in a test's log output fails that test."""

from __future__ import annotations

import pytest
from ropo_platform.testing.hetu_guard import offending_lines

LEAKY_AND_CLEAN_TESTS = """
import logging
import sys

def test_leaks_to_stdout():
    print('{"event": "imported", "debtor": "150385-9024"}')

def test_leaks_to_stderr():
    print("debtor 021178-913R", file=sys.stderr)

def test_leaks_to_logging():
    logging.getLogger("x").warning("debtor %s", "240790-9245")

def test_clean():
    print('{"event": "imported", "debtor": "persons/4f2a", "trace_id": "150385902412ab"}')
"""


def test_a_test_that_logs_a_henkilotunnus_fails_with_the_code_masked(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest('pytest_plugins = ["ropo_platform.testing.hetu_guard"]')
    pytester.makepyfile(test_leaky=LEAKY_AND_CLEAN_TESTS)
    # In a subprocess: the inner tests' output must not land in this test's capture.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*A henkilötunnus reached the captured output*"])
    assert "150385-9024" not in result.stdout.str()
    assert "[REDACTED-HETU]" in result.stdout.str()


def test_only_captured_output_sections_are_scanned() -> None:
    sections = [
        ("Captured stdout call", "ok\nperson 150385-9024 imported"),
        ("Captured log call", "WARNING x: 021178-913R"),
        ("Captured stdout setup", "fixture for 240790-9245"),
        ("custom section call", "240790-9245"),
    ]
    assert offending_lines(sections, "call") == [
        "Captured stdout call: person [REDACTED-HETU] imported",
        "Captured log call: WARNING x: [REDACTED-HETU]",
    ]
