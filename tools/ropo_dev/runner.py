"""`up`: bring a topology up in order, keep it running, take it down cleanly.

The order is documented on `model.Topology`. Exit status: 0 after Ctrl-C, SIGTERM
or SIGHUP; 1 when something could not start or a child kept crashing.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import UTC, datetime
from pathlib import Path

from ropo_dev import prerequisites
from ropo_dev.health import NotReady, wait_ready
from ropo_dev.model import OneShot, Service, Topology
from ropo_dev.process import Supervised, run_step
from ropo_dev.render import Printer

# Ctrl-C, `kill`, and a closed terminal: each stops the suite cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StartupError(Exception):
    """The suite cannot come up; the message says what failed."""


class Runner:
    def __init__(self, topology: Topology, printer: Printer | None = None) -> None:
        self.topology = topology
        self.printer = printer if printer is not None else Printer(topology.all_names())
        self.children: list[Supervised] = []
        self._stop = asyncio.Event()
        self._exit_code = 0

    def request_stop(self, reason: str, exit_code: int) -> None:
        if self._stop.is_set():
            self.printer.say("already stopping; waiting for the children's grace periods")
            return
        self._exit_code = exit_code
        self._stop.set()
        self.printer.say(reason)

    def _give_up(self, failure: str) -> None:
        self.request_stop(f"stopping everything: {failure}", 1)

    def _first_failure(self) -> str | None:
        return next((c.failure for c in self.children if c.failure), None)

    async def run(self) -> int:
        problems = prerequisites.check(self.topology)
        if problems:
            for problem in problems:
                self.printer.say(problem)
            return 1
        for directory in self.topology.directories:
            directory.mkdir(parents=True, exist_ok=True)

        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self.request_stop, f"{sig.name}: stopping", 0)
        startup = asyncio.create_task(self._start(), name="startup")
        stopped = asyncio.create_task(self._stop.wait(), name="stop requested")
        try:
            await asyncio.wait({startup, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not startup.done():
                startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await startup
            await stopped  # up and running: until Ctrl-C, SIGTERM or a child gives up
        except StartupError as error:
            self.printer.say(f"cannot start: {error}")
            self._exit_code = 1
        finally:
            stopped.cancel()
            await self._shutdown()
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        return self._exit_code

    # -- starting -------------------------------------------------------------

    def _launch(self, services: tuple[Service, ...]) -> None:
        for spec in services:
            child = Supervised(spec, self.topology.root, self.printer, self._give_up)
            self.children.append(child)
            child.start()

    async def _until_ready(self, services: tuple[Service, ...]) -> None:
        targets = [(s.name, s.ready) for s in services if s.ready is not None]
        try:
            await wait_ready(targets, self.topology.ready_timeout, self._first_failure)
        except NotReady as error:
            raise StartupError(str(error)) from None

    async def _start(self) -> None:
        topology = self.topology
        if topology.infrastructure:
            self._launch(topology.infrastructure)
            await self._until_ready(topology.infrastructure)
        if topology.setup:
            self.printer.say(f"running {', '.join(s.name for s in topology.setup)}")
            await self._setup(topology.setup)
        self._launch(topology.services)
        await self._until_ready(topology.services)
        count = len(self.children)
        self.printer.say(f"{count} process{'' if count == 1 else 'es'} up and healthy")
        for step in topology.once:
            await self._once(step)
        info = await self._info()
        self._banner(info)

    async def _setup(self, steps: tuple[OneShot, ...]) -> None:
        root = self.topology.root
        results = await asyncio.gather(*(run_step(s, root, self.printer) for s in steps))
        failed = [f"{s.name} {r.summary}" for s, r in zip(steps, results, strict=True) if not r.ok]
        if failed:
            whose = "its" if len(failed) == 1 else "their"
            raise StartupError(f"{'; '.join(failed)} ({whose} output is above)")

    async def _once(self, step: OneShot) -> None:
        if step.marker is not None and step.marker.exists():
            shown = self._shown(step.marker)
            self.printer.say(f"{step.name}: already done ({shown} exists; delete it to run again)")
            return
        result = await run_step(step, self.topology.root, self.printer)
        if not result.ok:
            # The suite is still useful without it; say so loudly and go on.
            self.printer.say(f"WARNING: {step.name} {result.summary}; see its output above")
            return
        if step.marker is not None:
            step.marker.parent.mkdir(parents=True, exist_ok=True)
            step.marker.write_text(f"{datetime.now(UTC).isoformat()}\n", encoding="utf-8")

    async def _info(self) -> list[str]:
        step = self.topology.info
        if step is None:
            return []
        result = await run_step(step, self.topology.root, self.printer, capture=True)
        if result.ok:
            return result.output
        command = " ".join(self._shown(Path(a)) if "/" in a else a for a in step.command.argv)
        return [f"(could not list them: {step.name} {result.summary}; try `{command}`)"]

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.topology.root))
        except ValueError:
            return str(path)

    def _banner(self, info: list[str]) -> None:
        topology = self.topology
        rule = "─" * 72
        width = max((len(label) for label, _ in topology.banner), default=0)
        say = self.printer.plain
        say(rule)
        say(f"  {topology.title}. Ctrl-C stops everything.")
        say()
        for label, value in topology.banner:
            say(f"  {label:<{width}}  {value}")
        if topology.info is not None:
            say()
            say(f"  {topology.info_title or topology.info.name}:")
            for line in info:
                say(f"    {line}")
        say(rule)

    # -- stopping -------------------------------------------------------------

    async def _shutdown(self) -> None:
        if not self.children:
            return
        infrastructure = {s.name for s in self.topology.infrastructure}
        apps = [c for c in self.children if c.name not in infrastructure]
        infra = [c for c in self.children if c.name in infrastructure]
        self.printer.say(f"stopping {len(self.children)} processes")
        # Services first, all at once (each drains within its grace period);
        # infrastructure last, so they can finish talking to NATS on the way out.
        await asyncio.gather(*(child.stop() for child in apps))
        await asyncio.gather(*(child.stop() for child in reversed(infra)))
        self.children.clear()
        self.printer.say("stopped")


async def up(topology: Topology, printer: Printer | None = None) -> int:
    return await Runner(topology, printer).run()
