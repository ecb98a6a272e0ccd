"""CPU used during a benchmark phase by the server process, its PostgreSQL backends (found by
``application_name``) and this client process."""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg
from invoice_db import backend_pids
from invoice_server import cpu_of, cpu_used

#: (wall clock, server CPU, backend CPU per pid, client CPU).
Snapshot = tuple[float, float, dict[int, float], float]


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds used during a phase by the server, its PostgreSQL backends and this
    (client) process, over ``wall_s`` seconds."""

    wall_s: float
    server_s: float
    postgres_s: float
    client_s: float

    def cores(self, seconds: float) -> float:
        """``seconds`` of CPU as average cores busy over the phase."""
        return seconds / self.wall_s if self.wall_s else float("nan")


class CpuMeter:
    """Snapshots of the CPU time of the server, its database backends and this process."""

    def __init__(
        self, server_pid: int, database: asyncpg.Connection, application_name: str
    ) -> None:
        self._server_pid = server_pid
        self._database = database
        self._application_name = application_name

    async def snapshot(self) -> Snapshot:
        pids = await backend_pids(self._database, self._application_name)
        return (
            time.perf_counter(),
            cpu_of([self._server_pid]).get(self._server_pid, 0.0),
            cpu_of(pids),
            time.process_time(),
        )

    async def since(self, before: Snapshot) -> CpuUse:
        """CPU used since ``before``."""
        after = await self.snapshot()
        return CpuUse(
            wall_s=round(after[0] - before[0], 2),
            server_s=round(after[1] - before[1], 2),
            postgres_s=round(cpu_used(before[2], after[2]), 2),
            client_s=round(after[3] - before[3], 2),
        )
