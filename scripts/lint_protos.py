"""Lint and format-check the protobuf API with buf, offline.

Usage: python scripts/lint_protos.py [--fix]

buf needs every imported file inside its workspace, but google/type and google/rpc come from
the googleapis-common-protos wheel and are not committed here (no third-party copies in the
repository), and the buf registry is not reachable offline. So this script builds a temporary
workspace: a link to protos/, a "third_party" module with the googleapis .proto files copied
from the installed wheel, and a buf.yaml derived from the repository's one with that module
added and excluded from lint. Then it runs
  buf lint                                   (STANDARD + COMMENTS, no exceptions), and
  buf format --diff --exit-code protos       (on the repository itself; --fix rewrites).
buf comes from node_modules (`npm install`; @bufbuild/buf is pinned in package.json).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUF = REPO_ROOT / "node_modules" / ".bin" / "buf"
BUF_YAML = REPO_ROOT / "buf.yaml"
# googleapis packages our protos import from; each is copied whole (a few small files).
GOOGLEAPIS_PACKAGES = ("google/type", "google/rpc")
THIRD_PARTY = "third_party"
MODULE_LINE = "  - path: protos\n"
LINT_LINE = "lint:\n"


def googleapis_root() -> Path:
    """site-packages directory holding google/type/*.proto (googleapis-common-protos)."""
    spec = importlib.util.find_spec("google.type")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("lint_protos: googleapis-common-protos is not installed")
    return Path(next(iter(spec.submodule_search_locations))).parent.parent


def workspace_config() -> str:
    """The repository's buf.yaml plus the third_party module, which is not linted."""
    text = BUF_YAML.read_text(encoding="utf-8")
    if MODULE_LINE not in text or LINT_LINE not in text:
        raise SystemExit(
            f"lint_protos: buf.yaml must contain {MODULE_LINE.strip()!r} and {LINT_LINE.strip()!r}"
        )
    text = text.replace(MODULE_LINE, f"{MODULE_LINE}  - path: {THIRD_PARTY}\n", 1)
    return text.replace(LINT_LINE, f"{LINT_LINE}  ignore:\n    - {THIRD_PARTY}\n", 1)


def build_workspace(directory: Path) -> None:
    (directory / "protos").symlink_to(REPO_ROOT / "protos", target_is_directory=True)
    source = googleapis_root()
    for package in GOOGLEAPIS_PACKAGES:
        target = directory / THIRD_PARTY / package
        target.mkdir(parents=True)
        for proto in sorted((source / package).glob("*.proto")):
            shutil.copyfile(proto, target / proto.name)
    (directory / "buf.yaml").write_text(workspace_config(), encoding="utf-8")


def run(command: list[str], cwd: Path) -> int:
    print("+ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=cwd).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="rewrite files with buf format -w")
    args = parser.parse_args(argv)
    if not BUF.exists():
        print(
            "lint_protos: buf not found in node_modules; run `npm install` first", file=sys.stderr
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="ropo-buf-") as tmp:
        workspace = Path(tmp)
        build_workspace(workspace)
        lint_rc = run([str(BUF), "lint"], cwd=workspace)
    format_command = [str(BUF), "format", "protos"]
    format_command += ["--write"] if args.fix else ["--diff", "--exit-code"]
    format_rc = run(format_command, cwd=REPO_ROOT)
    if lint_rc or format_rc:
        print(
            "lint_protos: FAILED"
            + (" (buf lint)" if lint_rc else "")
            + (" (buf format: run `python scripts/lint_protos.py --fix`)" if format_rc else ""),
            file=sys.stderr,
        )
        return 1
    print("lint_protos: buf lint and buf format OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
