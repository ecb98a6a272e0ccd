"""Child processes: supervised services (restart with backoff) and one-shot steps.

Every child runs in its own session (process group). A Ctrl-C in the terminal
then reaches only the runner, which stops the children in order with SIGTERM,
instead of every process getting SIGINT at once; signalling the group also
reaches anything a child started itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ropo_dev.model import Command, OneShot, Service
from ropo_dev.render import Printer

# Longest line a child may write in one piece (a JSON log line with a traceback).
LINE_LIMIT = 4 * 1024 * 1024
# After a child exits, how long its pipes may stay open (held by a grandchild).
DRAIN_SECONDS = 2.0


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


async def _spawn(command: Command, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command.argv,
        cwd=cwd,
        env=dict(command.env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        limit=LINE_LIMIT,
    )


async def _pump(reader: asyncio.StreamReader | None, sink: Callable[[str], None]) -> None:
    if reader is None:
        return
    while True:
        try:
            raw = await reader.readline()
        except ValueError:
            sink(f"[a line longer than {LINE_LIMIT} bytes was dropped]")
            continue
        if not raw:
            return
        sink(raw.decode("utf-8", errors="replace"))


async def _drain(pumps: asyncio.Future[tuple[None, None]]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(pumps), DRAIN_SECONDS)
    except TimeoutError:
        pumps.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumps


def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


async def terminate(process: asyncio.subprocess.Process, grace: float) -> bool:
    """SIGTERM the child's group, SIGKILL it after `grace` seconds; True if it had to be killed."""
    if process.returncode is not None:
        _signal_group(process, signal.SIGKILL)  # leftovers of an exited child
        return False
    _signal_group(process, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace)
        killed = False
    except TimeoutError:
        killed = True
    _signal_group(process, signal.SIGKILL)
    await process.wait()
    return killed


class Supervised:
    """A service child: started, restarted with backoff when it dies, stopped on request."""

    def __init__(
        self,
        spec: Service,
        cwd: Path,
        printer: Printer,
        on_give_up: Callable[[str], None],
    ) -> None:
        self.spec = spec
        self.cwd = cwd
        self.printer = printer
        self.on_give_up = on_give_up
        self.failure: str | None = None  # why the runner gave up on it
        self._process: asyncio.subprocess.Process | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"supervise {self.name}")

    async def _run_once(self) -> str:
        """Run the child until it exits; returns how it ended."""
        try:
            self._process = await _spawn(self.spec.command, self.cwd)
        except OSError as error:
            return f"could not be started ({error.strerror or error})"
        process = self._process
        if self._stop.is_set():
            # stop() ran while we were spawning and could not see this process.
            await terminate(process, self.spec.stop_grace)

        def sink(line: str) -> None:
            self.printer.output(self.name, line)

        pumps = asyncio.gather(_pump(process.stdout, sink), _pump(process.stderr, sink))
        returncode = await process.wait()
        await _drain(pumps)
        return describe_exit(returncode)

    async def _run(self) -> None:
        policy = self.spec.restart
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._stop.is_set():
            started = loop.time()
            ended = await self._run_once()
            if self._stop.is_set():
                return
            uptime = loop.time() - started
            failures = 1 if uptime >= policy.stable_after else failures + 1
            if failures > policy.max_restarts:
                self.failure = f"{self.name} {ended}, {failures} times in a row; giving up on it"
                self.printer.say(self.failure)
                self.on_give_up(self.failure)
                return
            delay = min(policy.first_delay * 2 ** (failures - 1), policy.max_delay)
            self.printer.say(
                f"{self.name} {ended} after {uptime:.1f}s; "
                f"restart {failures}/{policy.max_restarts} in {delay:g}s"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def stop(self) -> None:
        """Stop for good: no restart, SIGTERM, SIGKILL after the grace period."""
        self._stop.set()
        if self._process is not None and await terminate(self._process, self.spec.stop_grace):
            self.printer.say(f"{self.name} did not stop within {self.spec.stop_grace:g}s; killed")
        if self._task is not None:
            await self._task


@dataclass
class StepResult:
    ok: bool
    summary: str  # "exited with status 1", "timed out after 300s"
    output: list[str] = field(default_factory=list)  # captured stdout lines


async def run_step(
    step: OneShot, cwd: Path, printer: Printer, *, capture: bool = False
) -> StepResult:
    """Run a one-shot command to the end; with `capture` its stdout is returned, not printed."""
    try:
        process = await _spawn(step.command, cwd)
    except OSError as error:
        return StepResult(False, f"could not be started ({error.strerror or error})")
    captured: list[str] = []

    def show(line: str) -> None:
        printer.output(step.name, line)

    def keep(line: str) -> None:
        captured.append(line.rstrip("\r\n"))

    pumps = asyncio.gather(
        _pump(process.stdout, keep if capture else show), _pump(process.stderr, show)
    )
    try:
        returncode = await asyncio.wait_for(process.wait(), step.timeout)
    except TimeoutError:
        await terminate(process, 5.0)
        await _drain(pumps)
        return StepResult(False, f"timed out after {step.timeout:g}s", captured)
    finally:
        # Also on cancellation (Ctrl-C during the step): never leave it running.
        if process.returncode is None:
            await asyncio.shield(terminate(process, 5.0))
    await _drain(pumps)
    return StepResult(returncode == 0, describe_exit(returncode), captured)
