"""run_relay_worker: a service's whole worker role against a real nats-server."""

from __future__ import annotations

import asyncio

from google.protobuf.struct_pb2 import Struct
from nats.aio.client import Client
from ropo_platform.db import Database
from ropo_platform.messaging import add_event, run_relay_worker
from ropo_platform.testing import NatsServer, eventually

STREAM = "ROPO_THING"
SUBJECTS = ("ropo.thing.>",)
SOURCE = "/ropo/thing"
EVENT = "ropo.thing.v1.thing_happened"


class FakeConsumer:
    """Runs until stopped; records the connection it was built with."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.running = asyncio.Event()
        self._stop = asyncio.Event()
        self.stopped = False

    async def run(self) -> None:
        self.running.set()
        await self._stop.wait()
        self.stopped = True

    def stop(self) -> None:
        self._stop.set()


async def test_provisions_the_stream_relays_the_outbox_and_runs_the_consumers(
    messaging_database: Database, nats_server: NatsServer, nats_client: Client
) -> None:
    consumers: list[FakeConsumer] = []

    def make_consumers(nc: Client) -> list[FakeConsumer]:
        consumers.append(FakeConsumer(nc))
        return consumers

    payload = Struct()
    payload.update({"thing": "things/1"})
    async with messaging_database.transaction() as session:
        await add_event(
            session, event_type=EVENT, subject_name="things/1", message=payload, source=SOURCE
        )

    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_relay_worker(
            "thing",
            messaging_database,
            nats_server.url,
            stream=STREAM,
            subjects=SUBJECTS,
            source=SOURCE,
            consumers=make_consumers,
            stop=stop,
            signals=(),
            poll_interval=0.05,
        )
    )
    js = nats_client.jetstream()
    try:

        async def stored() -> int:
            try:
                return int((await js.stream_info(STREAM)).state.messages)
            except Exception:
                return 0

        assert await eventually(stored, lambda count: count == 1, within=15) == 1
        await asyncio.wait_for(consumers[0].running.wait(), timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)

    info = await js.stream_info(STREAM)
    assert info.config.subjects == list(SUBJECTS)
    assert info.config.description == "Integration events of the thing service"
    message = await js.get_msg(STREAM, 1)
    assert message.subject == EVENT
    assert message.headers is not None and message.headers["ce-source"] == SOURCE
    [consumer] = consumers
    assert consumer.stopped
    assert consumer.nc.is_closed  # drained on the way out


async def test_without_consumers_it_runs_the_relay_alone_until_stopped(
    messaging_database: Database, nats_server: NatsServer, nats_client: Client
) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_relay_worker(
            "thing",
            messaging_database,
            nats_server.url,
            stream=STREAM,
            subjects=SUBJECTS,
            source=SOURCE,
            stop=stop,
            signals=(),
        )
    )
    js = nats_client.jetstream()

    async def subjects() -> list[str]:
        try:
            return list((await js.stream_info(STREAM)).config.subjects or [])
        except Exception:
            return []

    assert await eventually(subjects, bool, within=15) == list(SUBJECTS)
    assert not worker.done()
    stop.set()
    await asyncio.wait_for(worker, timeout=10)


async def test_a_stop_while_nats_is_unreachable_ends_the_worker_cleanly(
    messaging_database: Database, free_tcp_port: int
) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_relay_worker(
            "thing",
            messaging_database,
            f"nats://127.0.0.1:{free_tcp_port}",  # nothing listens there
            stream=STREAM,
            subjects=SUBJECTS,
            source=SOURCE,
            stop=stop,
            signals=(),
        )
    )
    await asyncio.sleep(0.5)
    assert not worker.done(), "the worker keeps trying to reach NATS"
    stop.set()
    await asyncio.wait_for(worker, timeout=5)
