"""The real topology (ropo_dev.topology) cut down to its embedded NATS, for one test."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from ropo_dev import topology
from ropo_dev.model import Topology


def build(root: Path, environ: Mapping[str, str]) -> Topology:
    full = topology.build(root, environ)
    return dataclasses.replace(
        full,
        setup=(),
        services=(),
        once=(),
        info=None,
        modules=(),
        ports=tuple(p for p in full.ports if "NATS" in p.purpose),
        banner=tuple(line for line in full.banner if line[0] == "NATS"),
    )
