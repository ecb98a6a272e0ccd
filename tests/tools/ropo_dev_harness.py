"""Runs `python -m ropo_dev up` in a subprocess and watches what it prints."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

TOPOLOGY = Path(__file__).with_name("standin_topology.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes, but only its parent can reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def base_env() -> dict[str, str]:
    """This environment, without colour (the tests compare plain text)."""
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return env | {"NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}


# Every runner a test started; conftest.py stops those a failed test left running.
STARTED: list[UpProcess] = []


class UpProcess:
    """`python -m ropo_dev up ...` with its merged output collected line by line."""

    def __init__(self, args: list[str], cwd: Path, extra_env: dict[str, str]) -> None:
        env = base_env() | extra_env
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ropo_dev", "up", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        STARTED.append(self)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    output = "\n".join(self.lines)
                    raise AssertionError(f"{text!r} never appeared; output:\n{output}")
                self._changed.wait(min(left, 0.2))

    def signal(self, sig: signal.Signals = signal.SIGINT) -> None:
        self.process.send_signal(sig)

    def finish(self, timeout: float = 60.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("ropo_dev did not exit; output:\n" + self.output) from None
        self._reader.join(5)
        return code


def stop_leftovers() -> None:
    """SIGTERM every runner still running (it stops its children), SIGKILL if it hangs."""
    while STARTED:
        run = STARTED.pop()
        if run.process.poll() is None:
            run.process.terminate()
            try:
                run.process.wait(60)
            except subprocess.TimeoutExpired:
                run.process.kill()
                run.process.wait()


class Scenario:
    """A stand-in topology (see standin_topology.py) under a temporary root."""

    def __init__(self, root: Path, **settings: Any) -> None:
        self.root = root
        self.pid_dir = root / "pids"
        self.pid_dir.mkdir(exist_ok=True)
        self.settings = {"pid_dir": str(self.pid_dir), **settings}

    def _prepare(self) -> tuple[list[str], dict[str, str]]:
        path = self.root / "scenario.json"
        path.write_text(json.dumps(self.settings))
        args = ["--topology", f"{TOPOLOGY}:build", "--root", str(self.root)]
        return args, {"ROPO_DEV_TEST_SCENARIO": str(path)}

    def up(self, *extra_args: str) -> UpProcess:
        args, env = self._prepare()
        return UpProcess([*args, *extra_args], self.root, env)

    def command(self) -> tuple[list[str], dict[str, str]]:
        """The full command line and environment, for a test that runs it itself."""
        args, env = self._prepare()
        return [sys.executable, "-m", "ropo_dev", "up", *args], base_env() | env

    def pids(self, name: str) -> list[int]:
        path = self.pid_dir / f"{name}.pid"
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def all_pids(self) -> list[int]:
        return [int(p) for f in self.pid_dir.glob("*.pid") for p in f.read_text().split()]
