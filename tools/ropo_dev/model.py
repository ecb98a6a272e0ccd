"""The shapes the runner works with: what to check, run once, supervise and announce.

`topology.py` fills these in for the real suite; tests build small ones with
stand-in commands, so nothing here knows about invoices or NATS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Port:
    """A TCP port the suite listens on; checked to be free before anything starts."""

    number: int
    purpose: str  # "gateway HTTP": named in the message when the port is busy
    env_var: str  # the variable that moves it elsewhere


@dataclass(frozen=True)
class Requirement:
    """A file (usually an executable) that must exist, with the fix when it does not."""

    path: Path
    hint: str


@dataclass(frozen=True)
class GrpcHealth:
    """Ready when `grpc.health.v1.Health/Check` for `service` answers SERVING."""

    address: str  # host:port
    service: str = ""

    def describe(self) -> str:
        return f"gRPC health at {self.address}"


@dataclass(frozen=True)
class HttpHealth:
    """Ready when a GET of `url` answers 200."""

    url: str

    def describe(self) -> str:
        return f"GET {self.url}"


ReadyCheck = GrpcHealth | HttpHealth


@dataclass(frozen=True)
class RestartPolicy:
    """How a child that dies unexpectedly is brought back.

    The delay doubles from `first_delay` up to `max_delay`; after `max_restarts`
    quick failures in a row the runner gives up. A child that stayed up for
    `stable_after` seconds starts a fresh count, so a rare crash never adds up.
    """

    max_restarts: int = 5
    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0


@dataclass(frozen=True)
class Command:
    """A command line with its environment (complete: the runner adds nothing)."""

    name: str  # the log prefix, e.g. "invoice-wkr"
    argv: tuple[str, ...]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Service:
    """A long-running child: supervised, restarted on failure, stopped on exit."""

    command: Command
    ready: ReadyCheck | None = None
    # Seconds between SIGTERM and SIGKILL; services drain in-flight calls meanwhile.
    stop_grace: float = 15.0
    restart: RestartPolicy = field(default_factory=RestartPolicy)

    @property
    def name(self) -> str:
        return self.command.name


@dataclass(frozen=True)
class OneShot:
    """A command that runs to completion (migrations, demo import, listing persons).

    With `marker`, the step runs only while the marker file is missing and writes
    it after success, so a second `make up` skips it.
    """

    command: Command
    timeout: float = 300.0
    marker: Path | None = None

    @property
    def name(self) -> str:
        return self.command.name


@dataclass(frozen=True)
class Topology:
    """Everything `up` does, in order.

    1. check the Python version, `requirements`, `modules` and `ports`;
    2. create `directories`;
    3. start `infrastructure` and wait until it is ready;
    4. run `setup` steps (concurrently; all must succeed);
    5. start `services` and wait until every one is ready;
    6. run `once` steps (a failure is reported, the suite keeps running);
    7. print `banner` and the output of `info`;
    8. supervise until SIGINT/SIGTERM, then stop services, infrastructure last.
    """

    root: Path
    title: str = "The suite is up"
    infrastructure: tuple[Service, ...] = ()
    setup: tuple[OneShot, ...] = ()
    services: tuple[Service, ...] = ()
    once: tuple[OneShot, ...] = ()
    info: OneShot | None = None
    info_title: str = ""
    banner: tuple[tuple[str, str], ...] = ()
    ports: tuple[Port, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    modules: tuple[str, ...] = ()  # Python packages the children import (installed?)
    directories: tuple[Path, ...] = ()
    min_python: tuple[int, int] = (3, 11)
    ready_timeout: float = 180.0

    def all_names(self) -> list[str]:
        """Every log prefix the run may print, to size the prefix column."""
        steps = [*self.setup, *self.once, *([self.info] if self.info else [])]
        return [s.name for s in (*self.infrastructure, *self.services)] + [s.name for s in steps]
