"""buf lint (STANDARD + COMMENTS, no exceptions) and buf format pass on protos/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / "node_modules" / ".bin" / "buf"


@pytest.mark.skipif(
    not BUF.exists(),
    reason="buf is not installed: run `npm install` (pins @bufbuild/buf) to lint the protos",
)
def test_buf_lint_and_format_pass() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "lint_protos.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"buf lint/format failed:\n{result.stdout}{result.stderr}"
