"""``ROPO_<CTX>_STREAM_REPLICAS``: the replica count of the stream a worker provisions
(1 on a single server, 3 on the production cluster). The R3 case against a real
three-server cluster is in ``tests/deploy/test_nats_cluster.py``."""

from __future__ import annotations

import asyncio
import io
import os

import pytest
from nats.js.errors import APIError
from pydantic_settings import SettingsConfigDict
from ropo_platform.config import ServiceSettings, load_settings
from ropo_platform.db import Database
from ropo_platform.messaging import run_relay_worker
from ropo_platform.testing import NatsServer


class ThingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROPO_THING_")
    service_name: str = "thing"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        # ROPO_TEST_POSTGRES_URL stays: the database fixture reads it.
        if name.startswith(("ROPO_THING_", "ROPO_ENV", "OTEL_")):
            monkeypatch.delenv(name)


def test_one_replica_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(ThingSettings).stream_replicas == 1
    monkeypatch.setenv("ROPO_THING_STREAM_REPLICAS", "3")
    assert load_settings(ThingSettings).stream_replicas == 3


@pytest.mark.parametrize("value", ["0", "2", "6", "three"])
def test_a_count_jetstream_cannot_use_well_is_one_readable_line(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROPO_THING_STREAM_REPLICAS", value)
    stderr = io.StringIO()
    with pytest.raises(SystemExit):
        load_settings(ThingSettings, stderr=stderr)
    [line] = stderr.getvalue().splitlines()
    assert line.startswith("configuration error: ROPO_THING_STREAM_REPLICAS:")


async def test_the_worker_asks_for_the_configured_replicas(
    messaging_database: Database, nats_server: NatsServer
) -> None:
    # A single server cannot hold three replicas: JetStream refuses the stream, which
    # shows that the count reached it (the default would have been accepted).
    with pytest.raises(APIError, match=r"(?i)insufficient resources|replicas"):
        await asyncio.wait_for(
            run_relay_worker(
                "thing",
                messaging_database,
                nats_server.url,
                stream="ROPO_THING",
                subjects=("ropo.thing.>",),
                source="/ropo/thing",
                signals=(),
                stream_replicas=3,
            ),
            timeout=20,
        )
