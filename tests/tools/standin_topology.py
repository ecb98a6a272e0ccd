"""A small topology of stand-in processes for the runner's tests.

`python -m ropo_dev up --topology tests/tools/standin_topology.py:build` reads the
scenario (JSON) named by ROPO_DEV_TEST_SCENARIO; see `ropo_dev_harness.Scenario`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ropo_dev.model import (
    Command,
    GrpcHealth,
    HttpHealth,
    OneShot,
    Port,
    ReadyCheck,
    Requirement,
    RestartPolicy,
    Service,
    Topology,
)

STANDIN = str(Path(__file__).with_name("standin.py"))


def build(root: Path, environ: Mapping[str, str]) -> Topology:
    scenario: dict[str, Any] = json.loads(Path(environ["ROPO_DEV_TEST_SCENARIO"]).read_text())
    env = dict(environ)
    # Quick restarts so a test sees the whole backoff in well under a second.
    policy = RestartPolicy(
        max_restarts=scenario.get("max_restarts", 2),
        first_delay=0.1,
        max_delay=0.2,
        stable_after=30.0,
    )

    def service(spec: dict[str, Any]) -> Service:
        argv = [sys.executable, STANDIN, spec["name"], "--pid-dir", scenario["pid_dir"]]
        ready: ReadyCheck | None = None
        if "grpc" in spec:
            argv += ["--grpc", str(spec["grpc"])]
            ready = GrpcHealth(f"127.0.0.1:{spec['grpc']}")
        if "http" in spec:
            argv += ["--http", str(spec["http"])]
            ready = HttpHealth(f"http://127.0.0.1:{spec['http']}/healthz")
        argv += spec.get("flags", [])
        command = Command(spec["name"], tuple(argv), env)
        return Service(command, ready, stop_grace=spec.get("grace", 5.0), restart=policy)

    def step(spec: dict[str, Any]) -> OneShot:
        command = Command(spec["name"], (sys.executable, "-c", spec["code"]), env)
        marker = root / spec["marker"] if "marker" in spec else None
        return OneShot(command, timeout=spec.get("timeout", 30.0), marker=marker)

    return Topology(
        root=root,
        infrastructure=tuple(service(s) for s in scenario.get("infrastructure", [])),
        setup=tuple(step(s) for s in scenario.get("setup", [])),
        services=tuple(service(s) for s in scenario.get("services", [])),
        once=tuple(step(s) for s in scenario.get("once", [])),
        info=step(scenario["info"]) if "info" in scenario else None,
        info_title="Stand-in persons",
        banner=(("Portal", "http://localhost:1/"),),
        ports=tuple(
            Port(p, "stand-in HTTP", "ROPO_STANDIN_PORT") for p in scenario.get("busy", [])
        ),
        requirements=tuple(
            Requirement(Path(p), "install the stand-in") for p in scenario.get("requires", [])
        ),
        directories=(root / "var",),
        ready_timeout=scenario.get("ready_timeout", 30.0),
    )
