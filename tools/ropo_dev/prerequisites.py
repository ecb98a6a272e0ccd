"""What must hold before anything starts, each failure explained in one line."""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

from ropo_dev.model import Port, Topology


def python_problem(minimum: tuple[int, int], current: tuple[int, int] | None = None) -> str | None:
    have = current if current is not None else (sys.version_info.major, sys.version_info.minor)
    if have >= minimum:
        return None
    need = ".".join(map(str, minimum))
    return (
        f"Python {need} or newer is needed (this is {have[0]}.{have[1]}); "
        "install it, then run `make install`"
    )


def port_in_use(number: int) -> bool:
    """True when something listens on `number` (any local address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR: a port left in TIME_WAIT by the previous run is free to
        # us, while a live listener still makes bind() fail.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", number))  # noqa: S104 - probing, never listening
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def port_problem(port: Port) -> str | None:
    if not port_in_use(port.number):
        return None
    return (
        f"port {port.number} is in use ({port.purpose}); "
        f"stop the other process or set {port.env_var}"
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def check(topology: Topology) -> list[str]:
    """Every problem found, one line each; empty when the suite can start."""
    problems: list[str] = []
    python = python_problem(topology.min_python)
    if python:
        problems.append(python)
    for requirement in topology.requirements:
        if not (requirement.path.is_file() and os.access(requirement.path, os.X_OK)):
            shown = _shown(requirement.path, topology.root)
            problems.append(f"{shown} is missing: {requirement.hint}")
    for module in topology.modules:
        if importlib.util.find_spec(module) is None:
            problems.append(
                f"Python package {module} is not installed in {sys.prefix}: run `make install`"
            )
    problems.extend(p for p in (port_problem(port) for port in topology.ports) if p)
    return problems
