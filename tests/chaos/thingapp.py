"""A tiny service used only by the fault-injection tests.

It has what a real service has on the messaging path and nothing else:
a state table (``things``), the messaging tables from its own Alembic
migration, a command that writes a thing and its event in one transaction,
a worker with the outbox relay and a consumer whose effect (``effects`` rows)
is applied through the inbox. Run as a subprocess so that ``ROPO_FAULT`` can
kill it with ``os._exit``:

    python thingapp.py create --db URL --count 3 --prefix a
    python thingapp.py worker --db URL --nats URL --relay --consumer [tuning...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from nats.aio.client import Client
from ropo_platform.db import Database, UtcDateTime, make_metadata, messaging_tables, utcnow
from ropo_platform.faults import AFTER_COMMIT_BEFORE_PUBLISH, fault_point
from ropo_platform.logging import configure_logging
from ropo_platform.messaging import (
    Backoff,
    ConsumerSettings,
    Envelope,
    EventConsumer,
    OutboxRelay,
    OutboxWriter,
    connect_nats,
    ensure_stream,
    run_until_stopped,
)
from ropo_platform.metrics import start_metrics_server
from sqlalchemy.ext.asyncio import AsyncSession

MIGRATIONS_DIR = Path(__file__).with_name("thingapp_migrations")
SOURCE = "/ropo/thing"
EVENT_TYPE = "ropo.thing.v1.thing_created"
STREAM = "ROPO_THING"
DURABLE = "effects-thing-events"
POISON_PREFIX = "poison"

metadata = make_metadata()
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
# No unique key on thing_id on purpose: only the inbox may prevent a second effect.
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("thing_id", sa.String(36), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
)
messaging_tables(metadata)

outbox = OutboxWriter(SOURCE)


async def create_thing(db: Database, name: str) -> str:
    """The command: state change and its event in one transaction."""
    thing_id = str(uuid.uuid4())
    async with db.transaction() as session:
        await session.execute(sa.insert(things).values(id=thing_id, name=name, created_at=utcnow()))
        event = Struct()
        event.update({"thing": f"things/{thing_id}", "name": name})
        await outbox.add(
            session, event_type=EVENT_TYPE, subject_name=f"things/{thing_id}", message=event
        )
    # A serve process dying right after the commit: nobody has published yet.
    fault_point(AFTER_COMMIT_BEFORE_PUBLISH)
    return thing_id


async def apply_effect(session: AsyncSession, event: Struct, envelope: Envelope) -> None:
    """The consumer's effect; things named ``poison…`` always fail."""
    name = event.fields["name"].string_value
    if name.startswith(POISON_PREFIX):
        raise RuntimeError("this thing always fails")
    thing_id = event.fields["thing"].string_value.removeprefix("things/")
    await session.execute(
        sa.insert(effects).values(thing_id=thing_id, event_id=envelope.id, applied_at=utcnow())
    )


def build_consumer(db: Database, nc: Client, args: argparse.Namespace) -> EventConsumer:
    settings = ConsumerSettings(
        stream=STREAM,
        durable=DURABLE,
        ack_wait=args.ack_wait,
        max_deliver=args.max_deliver,
        nak_backoff=tuple(args.nak_backoff),
        fetch_timeout=args.fetch_timeout,
        lag_interval=0.2,
    )
    consumer = EventConsumer(db, nc, settings)
    consumer.on(EVENT_TYPE, Struct, apply_effect)
    return consumer


async def run_worker(args: argparse.Namespace) -> None:
    configure_logging("thing-worker", level="INFO", fmt="json")
    if args.metrics_port:
        start_metrics_server(args.metrics_port)
    db = Database(args.db)
    nc = await connect_nats(args.nats, name="thing-worker", reconnect_time_wait=0.1)
    try:
        js = nc.jetstream()
        await ensure_stream(
            js, name=STREAM, subjects=["ropo.thing.>"], duplicate_window=args.dup_window
        )
        components: list[OutboxRelay | EventConsumer] = []
        if args.relay:
            components.append(
                OutboxRelay(
                    db,
                    nc,
                    source=SOURCE,
                    batch_size=args.batch_size,
                    lease=timedelta(seconds=args.lease),
                    poll_interval=args.poll,
                    publish_timeout=args.publish_timeout,
                    retry_backoff=Backoff(base=0.1, cap=args.retry_cap),
                    metrics_interval=0.1,
                )
            )
        if args.consumer:
            components.append(build_consumer(db, nc, args))
        print("worker ready", flush=True)
        await run_until_stopped(components)
    finally:
        await nc.close()
        await db.dispose()


async def run_create(args: argparse.Namespace) -> None:
    db = Database(args.db)
    try:
        for index in range(args.count):
            thing_id = await create_thing(db, f"{args.prefix}-{index}")
            print(f"created {thing_id}", flush=True)
    finally:
        await db.dispose()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="thingapp")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create")
    create.add_argument("--db", required=True)
    create.add_argument("--count", type=int, default=1)
    create.add_argument("--prefix", default="thing")
    worker = commands.add_parser("worker")
    worker.add_argument("--db", required=True)
    worker.add_argument("--nats", required=True)
    worker.add_argument("--relay", action="store_true")
    worker.add_argument("--consumer", action="store_true")
    worker.add_argument("--metrics-port", type=int, default=0)
    worker.add_argument("--lease", type=float, default=1.0)
    worker.add_argument("--poll", type=float, default=0.05)
    worker.add_argument("--batch-size", type=int, default=50)
    worker.add_argument("--publish-timeout", type=float, default=1.0)
    worker.add_argument("--retry-cap", type=float, default=0.5)
    worker.add_argument("--dup-window", type=float, default=120.0)
    worker.add_argument("--ack-wait", type=float, default=2.0)
    worker.add_argument("--max-deliver", type=int, default=3)
    worker.add_argument("--nak-backoff", type=float, nargs="+", default=[0.1])
    worker.add_argument("--fetch-timeout", type=float, default=0.5)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    asyncio.run(run_worker(args) if args.command == "worker" else run_create(args))


if __name__ == "__main__":
    main(sys.argv[1:])
