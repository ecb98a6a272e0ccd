"""Fault points: inert unless armed by ROPO_FAULT, then a hard exit with 137."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from ropo_platform import faults

SCRIPT = """
from ropo_platform.faults import fault_point
for i in range(3):
    fault_point("x")
    print("passed", i, flush=True)
"""


def run(spec: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != faults.FAULT_ENV}
    if spec is not None:
        env[faults.FAULT_ENV] = spec
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def clean_faults() -> Iterator[None]:
    yield
    faults.reload_faults("")


def test_unarmed_point_does_nothing() -> None:
    result = run(None)
    assert result.returncode == 0
    assert result.stdout.split("\n")[:3] == ["passed 0", "passed 1", "passed 2"]


def test_other_point_armed_does_nothing() -> None:
    assert run("y,z").returncode == 0


def test_armed_point_exits_like_kill_9_without_cleanup() -> None:
    result = run("y, x")
    assert result.returncode == faults.CRASH_EXIT_CODE
    assert result.stdout == ""
    assert "'x' fired" in result.stderr


def test_nth_hit() -> None:
    result = run("x@2")
    assert result.returncode == faults.CRASH_EXIT_CODE
    assert result.stdout.strip().split("\n") == ["passed 0"]


@pytest.mark.usefixtures("clean_faults")
def test_reload_parses_the_spec() -> None:
    faults.reload_faults("a, b@3,,")
    assert faults.armed_points() == {"a", "b"}
    faults.reload_faults("")
    assert faults.armed_points() == frozenset()
    faults.fault_point("a")  # disarmed again: returns


def test_platform_points_are_named() -> None:
    assert {
        "after_commit_before_publish",
        "after_publish_before_mark_sent",
        "consumer_before_effect_commit",
        "consumer_after_commit_before_ack",
    } == faults.KNOWN_POINTS
