"""The committed generated code under libs/ropo-protos/src/ropo is exactly what
scripts/gen_protos.py makes from protos/ today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMITTED = REPO_ROOT / "libs" / "ropo-protos" / "src"
# Top-level package written by scripts/gen_protos.py.
PACKAGE = "ropo"


def _tree(root: Path) -> dict[str, bytes]:
    """Relative path → content of every file, ignoring Python's byte-code caches."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_committed_code_matches_a_fresh_generation(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"gen_protos.py failed:\n{result.stdout}{result.stderr}"

    fresh = _tree(tmp_path / PACKAGE)
    committed = _tree(COMMITTED / PACKAGE)
    missing = sorted(fresh.keys() - committed.keys())
    stale = sorted(committed.keys() - fresh.keys())
    changed = sorted(p for p in fresh.keys() & committed.keys() if fresh[p] != committed[p])
    assert not (missing or stale or changed), (
        "libs/ropo-protos/src/ropo is out of date with protos/ — run `make protos` "
        "(python scripts/gen_protos.py) and commit the result.\n"
        f"  missing: {missing}\n  stale: {stale}\n  changed: {changed}"
    )


def test_generation_is_deterministic(tmp_path: Path) -> None:
    """Two runs give identical bytes, so the drift check never flaps."""
    trees = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run(
            [sys.executable, str(REPO_ROOT / "scripts" / "gen_protos.py"), "--out", str(out)],
            capture_output=True,
            check=True,
        )
        trees.append(_tree(out))
    assert trees[0] == trees[1]


def test_generated_package_is_importable_and_typed() -> None:
    from ropo.authorization.v1 import authorization_service_pb2_grpc
    from ropo.invoice.v1 import events_pb2, invoice_service_pb2_grpc

    assert hasattr(invoice_service_pb2_grpc, "InvoiceServiceStub")
    assert hasattr(authorization_service_pb2_grpc, "add_AuthorizationServiceServicer_to_server")
    assert events_pb2.InvoiceRegistered(invoice="invoices/x").invoice == "invoices/x"
    assert (COMMITTED / "ropo" / "py.typed").is_file()
    assert (COMMITTED / "ropo" / "invoice" / "v1" / "invoice_service_pb2_grpc.pyi").is_file()
