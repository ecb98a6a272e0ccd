"""The rendered NATS configuration is what a real ``nats-server`` accepts and runs:
``nats-server -t`` checks the prod and dev files, and three servers started from the prod
files (addresses rewritten to this machine, nothing else) form a JetStream cluster with
``sync_interval: always`` on which a worker provisions its stream with the replica count
of the prod ConfigMap — three copies."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from k8s_checks import nats_statefulset
from k8s_manifests import Manifests
from ropo_platform.db import Database
from ropo_platform.messaging import run_relay_worker
from ropo_platform.testing import eventually, free_port
from ropo_platform.testing.nats_server import find_nats_server

SERVERS = 3


def nats_server() -> str:
    try:
        binary = find_nats_server()
    except FileNotFoundError:
        pytest.skip("nats-server is not installed")
    version = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout
    numbers = tuple(int(part) for part in version.split("v")[-1].strip().split(".")[:2])
    if numbers < (2, 10):
        pytest.skip(f"{version.strip()} predates sync_interval (2.10)")
    return binary


def config_files(manifests: Manifests) -> dict[str, str]:
    statefulset = nats_statefulset(manifests)
    assert statefulset is not None
    volume = statefulset["spec"]["template"]["spec"]["volumes"][0]
    data: dict[str, str] = manifests.get("ConfigMap", volume["configMap"]["name"])["data"]
    return data


def replaced(text: str, old: str, new: str) -> str:
    # Exactly one occurrence: a changed manifest fails here instead of testing something else.
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@pytest.mark.parametrize("overlay_name", ["prod", "dev"])
def test_nats_server_accepts_the_rendered_configuration(
    overlay_name: str, rendered: dict[str, Manifests], tmp_path: Path
) -> None:
    binary = nats_server()
    for name, text in config_files(rendered[overlay_name]).items():
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [binary, "-t", "-c", str(tmp_path / "nats.conf")],
        capture_output=True,
        text=True,
        env={**os.environ, "POD_NAME": "nats-0"},
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@dataclass
class LocalServer:
    name: str
    client_port: int
    monitor_port: int
    process: subprocess.Popen[bytes]

    def monitor(self, path: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.monitor_port}{path}"
        with urllib.request.urlopen(url, timeout=1) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer


@pytest.fixture
def prod_cluster(prod: Manifests, tmp_path: Path) -> Iterator[list[LocalServer]]:
    binary = nats_server()
    files = config_files(prod)
    route_ports = [free_port() for _ in range(SERVERS)]
    servers: list[LocalServer] = []
    try:
        for index in range(SERVERS):
            folder = tmp_path / f"nats-{index}"
            folder.mkdir()
            client, monitor = free_port(), free_port()
            main = replaced(
                files["nats.conf"], "listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client}"
            )
            main = replaced(main, "http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor}")
            main = replaced(main, "/var/run/nats/nats.pid", str(folder / "nats.pid"))
            main = replaced(
                main, "store_dir: /data/jetstream", f"store_dir: {folder / 'jetstream'}"
            )
            cluster = replaced(
                files["cluster.conf"],
                "listen: 0.0.0.0:6222",
                f"listen: 127.0.0.1:{route_ports[index]}",
            )
            for peer in range(SERVERS):
                cluster = replaced(
                    cluster,
                    f"nats://nats-{peer}.nats-headless:6222",
                    f"nats://127.0.0.1:{route_ports[peer]}",
                )
            (folder / "nats.conf").write_text(main)
            (folder / "cluster.conf").write_text(cluster)
            log = (folder / "nats.log").open("wb")
            process = subprocess.Popen(
                [binary, "-c", str(folder / "nats.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "POD_NAME": f"nats-{index}"},
            )
            servers.append(LocalServer(f"nats-{index}", client, monitor, process))
        wait_for_meta_leader(servers)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()


def wait_for_meta_leader(servers: list[LocalServer], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            metas = [server.monitor("/jsz").get("meta_cluster", {}) for server in servers]
            if all(meta.get("leader") and meta.get("cluster_size") == SERVERS for meta in metas):
                return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.1)
    raise TimeoutError("the three NATS servers formed no JetStream cluster")


@pytest.mark.slow
async def test_a_worker_provisions_an_r3_stream_on_the_prod_cluster(
    prod: Manifests, prod_cluster: list[LocalServer], messaging_database: Database
) -> None:
    for server in prod_cluster:
        jetstream = server.monitor("/varz")["jetstream"]["config"]
        assert jetstream["sync_always"] is True  # sync_interval: always, as the server read it
    replicas = int(
        prod.get("ConfigMap", "myropo-invoice-config")["data"]["ROPO_INVOICE_STREAM_REPLICAS"]
    )
    # One seed URL, like nats://nats:4222 in the ConfigMaps: the client learns the others.
    url = f"nats://127.0.0.1:{prod_cluster[0].client_port}"

    client = await nats.connect(url)
    js = client.jetstream()
    stop = asyncio.Event()

    def start_worker() -> asyncio.Task[None]:
        return asyncio.create_task(
            run_relay_worker(
                "invoice",
                messaging_database,
                url,
                stream="ROPO_INVOICE",
                subjects=("ropo.invoice.>",),
                source="/ropo/invoice",
                stop=stop,
                signals=(),
                stream_replicas=replicas,
            )
        )

    worker = start_worker()

    async def cluster_of_stream() -> Any:
        nonlocal worker
        if worker.done() and worker.exception() is not None:
            # On a busy machine the new cluster's JetStream API can time out the worker's
            # first request; it exits, and Kubernetes would start it again.
            worker = start_worker()
        try:
            return (await js.stream_info("ROPO_INVOICE")).cluster
        except Exception:
            return None

    try:
        cluster = await eventually(
            cluster_of_stream,
            lambda info: info is not None and len(info.replicas or []) == 2,
            within=60,
        )
        assert cluster.leader is not None
        info = await js.stream_info("ROPO_INVOICE")
        assert info.config.num_replicas == replicas == 3
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
        await client.close()
