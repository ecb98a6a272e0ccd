"""Command line: `python -m ropo_dev up` (what `make up` runs) and `python -m ropo_dev env`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ropo_dev import topology as suite
from ropo_dev.model import Topology
from ropo_dev.runner import up

DEFAULT_TOPOLOGY = "ropo_dev.topology:build"

TopologyBuilder = Callable[[Path, Mapping[str, str]], Topology]


class UsageError(Exception):
    pass


def load_builder(spec: str) -> TopologyBuilder:
    """`package.module:function` or `path/to/file.py:function` -> the function.

    Tests pass a file of their own so the runner starts stand-in commands."""
    target, _, attribute = spec.rpartition(":")
    if not target or not attribute:
        raise UsageError(f"--topology wants MODULE:FUNCTION or FILE.py:FUNCTION (got {spec!r})")
    if target.endswith(".py"):
        location = Path(target)
        module_spec = importlib.util.spec_from_file_location(location.stem, location)
        if module_spec is None or module_spec.loader is None or not location.is_file():
            raise UsageError(f"cannot load topology file {target}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    builder = getattr(module, attribute, None)
    if not callable(builder):
        raise UsageError(f"{spec}: no function {attribute!r}")
    return builder  # type: ignore[no-any-return]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ropo_dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up_cmd = commands.add_parser(
        "up", help="start the whole suite with demo data; Ctrl-C stops it (make up)"
    )
    up_cmd.add_argument(
        "--root", type=Path, default=Path.cwd(), help="repository root (default: current directory)"
    )
    up_cmd.add_argument(
        "--topology", default=DEFAULT_TOPOLOGY, help="MODULE:FUNCTION or FILE.py:FUNCTION (tests)"
    )
    up_cmd.add_argument(
        "--ready-timeout", type=float, help="seconds to wait for health checks (default 180)"
    )
    commands.add_parser("env", help="print the environment `up` gives the children")
    return parser


def print_env(environ: Mapping[str, str]) -> None:
    """The development configuration: defaults, with the caller's overrides applied."""
    ports = suite.resolve_ports(environ)
    defaults = suite.default_environment(ports)
    for name in sorted(defaults):
        value = environ.get(name, defaults[name])
        note = "  # from your environment" if name in environ else ""
        print(f"{name}={value}{note}")
    for app in suite.APPS:
        if app.name in ports.worker_metrics:
            setting = f"{app.prefix}METRICS_PORT={ports.worker_metrics[app.name]}"
            print(f"# {app.name} worker: {setting}  (moved by {suite.worker_metrics_var(app)})")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "env":
            print_env(os.environ)
            return 0
        builder = load_builder(args.topology)
        topology = builder(args.root.resolve(), os.environ)
        if args.ready_timeout is not None:
            topology = dataclasses.replace(topology, ready_timeout=args.ready_timeout)
    except (UsageError, suite.ConfigError) as error:
        print(f"ropo-dev: {error}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(up(topology))
    except KeyboardInterrupt:
        # Ctrl-C before the runner's own handler was in place: nothing was started yet.
        return 130
