"""Child processes for tests that need real crashes (``os._exit``) and restarts."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType


class ManagedProcess:
    """A child process whose stdout+stderr go to ``log_path``; always reaped."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = list(args)
        self.log_path = Path(log_path)
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd
            )
        return self

    @property
    def pid(self) -> int:
        return self._require().pid

    @property
    def returncode(self) -> int | None:
        return self._require().poll()

    def _require(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("process not started")
        return self._process

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit on its own; ``TimeoutExpired`` if it does not."""
        return self._require().wait(timeout=timeout)

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM (graceful stop), SIGKILL after ``timeout``; returns the exit code."""
        process = self._require()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def kill(self) -> int:
        """SIGKILL: a crash without any clean-up."""
        process = self._require()
        if process.poll() is None:
            process.kill()
        return process.wait()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self.terminate()


__all__ = ["ManagedProcess"]
