"""Fails any test whose captured output contains a henkilötunnus.

Registered by the shared pytest plugin, so it covers every test of the suite: the
log lines the code under test wrote (structlog to stdout, stdlib logging, stderr)
are scanned after each phase of a test. A match turns that phase into a failure
naming the section and the line; the code itself is masked in the report.

Output a test consumed on purpose (``capsys``, ``caplog``) is the test's own
business and is not in the captured sections; a test that wants to show a code on
the terminal (the sandbox's list of test persons) asserts on it there.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from ropo_platform.redaction import HETU_PATTERN, redact

SCANNED_SECTIONS = ("Captured stdout", "Captured stderr", "Captured log")


def offending_lines(sections: list[tuple[str, str]], phase: str) -> list[str]:
    """``section: line`` (masked) for every line with a henkilötunnus that ``phase``
    (setup, call or teardown) captured; a report also carries earlier phases' sections."""
    found = []
    for title, text in sections:
        if not (title.startswith(SCANNED_SECTIONS) and title.endswith(f" {phase}")):
            continue
        for line in text.splitlines():
            if HETU_PATTERN.search(line):
                found.append(f"{title}: {redact(line)[:300]}")
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        return report
    offending = offending_lines(report.sections, report.when)
    if offending:
        # The report shows the captured sections: mask the codes there too.
        report.sections = [(title, redact(text)) for title, text in report.sections]
        report.outcome = "failed"
        report.longrepr = (
            "A henkilötunnus reached the captured output (logs) of this test:\n  "
            + "\n  ".join(offending)
        )
    return report
