"""Drives the test app (``thingapp.py``): migrations, commands, worker processes,
and the checks that every committed command had exactly one effect."""

from __future__ import annotations

import asyncio
import sys
import urllib.request
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nats
import sqlalchemy as sa
import thingapp
from prometheus_client.parser import text_string_to_metric_families
from ropo_platform.db import Database, upgrade_to_head_async
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.testing import ManagedProcess, NatsServer, eventually, free_port

APP = Path(thingapp.__file__)


class ThingProcess(ManagedProcess):
    """A process of the thing app; a worker also serves its metrics on ``metrics_port``."""

    def __init__(self, *args: Any, metrics_port: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metrics_port = metrics_port

    @property
    def metrics_port(self) -> int:
        if self._metrics_port is None:
            raise AttributeError("only a worker serves metrics")
        return self._metrics_port


class ThingHarness:
    def __init__(self, database_url: str, nats_server: NatsServer, tmp_path: Path) -> None:
        self.database_url = database_url
        self.nats = nats_server
        self.tmp_path = tmp_path
        self.db = Database(database_url)
        self._processes: list[ManagedProcess] = []
        self._count = 0

    async def setup(self) -> None:
        await upgrade_to_head_async(self.database_url, thingapp.MIGRATIONS_DIR)

    async def close(self) -> None:
        for process in self._processes:
            process.terminate(timeout=5)
        await self.db.dispose()

    # ------------------------------------------------------------------ processes

    def _process(
        self, kind: str, args: list[str], fault: str | None, metrics_port: int | None = None
    ) -> ThingProcess:
        self._count += 1
        env = {"ROPO_FAULT": fault or ""}
        process = ThingProcess(
            [sys.executable, str(APP), *args],
            log_path=self.tmp_path / f"{self._count:02d}-{kind}.log",
            env=env,
            metrics_port=metrics_port,
        )
        self._processes.append(process)
        process.start()
        return process

    def create_process(
        self, count: int, prefix: str, *, fault: str | None = None
    ) -> ManagedProcess:
        return self._process(
            "create",
            ["create", "--db", self.database_url, "--count", str(count), "--prefix", prefix],
            fault,
        )

    def worker(
        self,
        *,
        relay: bool = True,
        consumer: bool = True,
        fault: str | None = None,
        **options: Any,
    ) -> ThingProcess:
        """Start a worker; ``options`` are CLI flags: ``dup_window=0.5`` → ``--dup-window 0.5``."""
        metrics_port = free_port()
        args = ["worker", "--db", self.database_url, "--nats", self.nats.url]
        args += ["--metrics-port", str(metrics_port)]
        if relay:
            args.append("--relay")
        if consumer:
            args.append("--consumer")
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            args += (
                [flag, *map(str, value)] if isinstance(value, list | tuple) else [flag, str(value)]
            )
        return self._process("worker", args, fault, metrics_port)

    async def ready(self, *processes: ManagedProcess, within: float = 20.0) -> None:
        """Wait until every worker has provisioned NATS and started its loops."""
        for process in processes:
            await eventually(
                lambda p=process: asyncio.to_thread(p.output),  # type: ignore[misc]
                lambda out: "worker ready" in out,
                within=within,
                message=f"worker ready\n{self.logs()}",
            )

    @staticmethod
    def crashed(process: ManagedProcess, within: float = 20.0) -> int:
        """Wait until a fault point killed ``process``; returns its exit code."""
        return process.wait(timeout=within)

    # ------------------------------------------------------------------ commands

    async def create(self, count: int, prefix: str = "thing") -> list[str]:
        return [await thingapp.create_thing(self.db, f"{prefix}-{i}") for i in range(count)]

    # ------------------------------------------------------------------ observations

    async def thing_ids(self) -> set[str]:
        async with self.db.session() as session:
            return set((await session.execute(sa.select(thingapp.things.c.id))).scalars())

    async def effect_counts(self) -> Counter[str]:
        async with self.db.session() as session:
            rows = await session.execute(sa.select(thingapp.effects.c.thing_id))
            return Counter(rows.scalars())

    async def unsent(self) -> int:
        outbox = DEFAULT_TABLES.outbox
        async with self.db.session() as session:
            query = sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
            return int((await session.execute(query)).scalar_one())

    async def dead_letters(self) -> list[Mapping[str, Any]]:
        table = DEFAULT_TABLES.dead_letter
        async with self.db.session() as session:
            rows = await session.execute(sa.select(table).order_by(table.c.seq))
            return [dict(row._mapping) for row in rows]

    async def stream_and_consumer(self) -> tuple[int, int, int]:
        """(messages in the stream, consumer pending, consumer ack-pending)."""
        nc = await nats.connect(self.nats.url, allow_reconnect=False)
        try:
            js = nc.jetstream()
            stream = await js.stream_info(thingapp.STREAM)
            consumer = await js.consumer_info(thingapp.STREAM, thingapp.DURABLE)
            return (
                int(stream.state.messages),
                int(consumer.num_pending or 0),
                int(consumer.num_ack_pending or 0),
            )
        finally:
            await nc.close()

    async def wait_for_effects(self, ids: set[str], within: float = 20.0) -> Counter[str]:
        return await eventually(
            self.effect_counts,
            lambda counts: set(counts) >= ids,
            within=within,
            message=f"effects for all of {len(ids)} things\n{self.logs()}",
        )

    async def wait_drained(self, within: float = 20.0) -> None:
        """Outbox empty, every message delivered and acknowledged."""

        async def probe() -> tuple[int, int, int]:
            _, pending, ack_pending = await self.stream_and_consumer()
            return await self.unsent(), pending, ack_pending

        await eventually(
            probe,
            lambda state: state == (0, 0, 0),
            within=within,
            message=f"outbox and consumer drained (unsent, pending, ack pending)\n{self.logs()}",
        )

    async def assert_exactly_once(self, expected: set[str]) -> None:
        counts = await self.effect_counts()
        committed = await self.thing_ids()
        assert committed == expected, "committed things differ from the expected ones"
        duplicated = {k: v for k, v in counts.items() if v != 1}
        missing = expected - set(counts)
        extra = set(counts) - expected
        assert not duplicated and not missing and not extra, (
            f"duplicated={duplicated} missing={missing} extra={extra}\n{self.logs()}"
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.log_path.name} (rc={p.returncode})\n{p.output()[-3000:]}"
            for p in self._processes
        )


def scrape(port: int) -> dict[str, float]:
    """Samples of a worker's ``/metrics`` as ``{"name{label=value,...}": value}``."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=2) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def metric(samples: Mapping[str, float], name: str) -> float:
    """Sum of all samples of ``name`` (any labels)."""
    return sum(value for key, value in samples.items() if key.split("{", 1)[0] == name)
