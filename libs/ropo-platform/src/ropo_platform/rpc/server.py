"""The ``grpc.aio`` server bootstrap every service's ``serve`` command uses.

What a service writes (``__main__.py``)::

    def register(server: grpc.aio.Server) -> list[str]:
        invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(servicer, server)
        return [service_full_name(invoice_service_pb2, "InvoiceService")]

    async def readiness() -> None:          # raise until migrations, DB and NATS are ready
        await check_migrations(engine)

    sys.exit(run_service(settings, register, readiness, on_shutdown=close_resources))

What it gets:

- health (``grpc.health.v1``) for ``""`` and every registered service name:
  ``NOT_SERVING`` until ``readiness()`` has succeeded once (it is retried with
  backoff), then ``SERVING``; ``NOT_SERVING`` again as soon as draining starts;
- reflection listing the registered services, health and reflection;
- OpenTelemetry server spans + ``ServerCallInterceptor`` (request ids,
  deadlines, domain-error mapping, access log, metrics);
- SIGTERM/SIGINT → health ``NOT_SERVING`` → optional drain delay →
  ``server.stop(grace)`` (in-flight calls get ``shutdown_grace_seconds``) →
  ``on_shutdown()`` → exit 0; a second signal cuts the grace short;
- a busy port fails with one line on stderr and exit status 1 (``SO_REUSEPORT``
  is off so that a second instance cannot silently share the port).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, TypeAlias

import grpc
import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ropo_platform import metrics, telemetry
from ropo_platform.config import ServiceSettings
from ropo_platform.logging import configure_logging, get_logger
from ropo_platform.rpc.errors import error_domain
from ropo_platform.rpc.interceptors import CallPolicy, ServerCallInterceptor

_log = get_logger("ropo_platform.rpc.server")

Server: TypeAlias = Any  # grpc.aio.Server; grpc ships no type information
Register: TypeAlias = Callable[[Server], Iterable[str] | Awaitable[Iterable[str]]]
Readiness: TypeAlias = Callable[[], Awaitable[None]]
Shutdown: TypeAlias = Callable[[], Awaitable[None]]

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

# Message sizes: Finvoice imports with embedded images can be several MB.
DEFAULT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.so_reuseport", 0),
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.max_send_message_length", 32 * 1024 * 1024),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
)


class PortInUseError(RuntimeError):
    """The gRPC port could not be bound."""


def service_full_name(pb2_module: ModuleType, service: str) -> str:
    """The full name of ``service`` in a generated ``*_pb2`` module.

    ``service_full_name(invoice_service_pb2, "InvoiceService")``
    → ``"ropo.invoice.v1.InvoiceService"``.
    """
    descriptor: Any = pb2_module.DESCRIPTOR
    name: str = descriptor.services_by_name[service].full_name
    return name


def _check_bindable(service_name: str, host: str, port: int) -> None:
    """Raise ``PortInUseError`` if ``host:port`` cannot be bound right now.

    grpc would find out too, but its C core also prints a multi-line log to
    stderr first; probing with a plain socket keeps the failure to one line.
    """
    bind_host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(
            bind_host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        raise PortInUseError(
            f"{service_name}: cannot listen on {host}:{port} (unknown host: {error.strerror})"
        ) from None
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # The same option grpc sets: a port in TIME_WAIT is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as error:
            raise PortInUseError(
                f"{service_name}: cannot listen on {host}:{port} "
                f"({error.strerror or 'port in use or address not available'})"
            ) from None


class RpcServer:
    """A ``grpc.aio`` server with health, reflection, interceptors and graceful drain.

    ``run_service`` drives it for real processes; tests use it directly::

        server = RpcServer(service_name="invoice", port=0)
        port = await server.start(register)
        await server.set_ready()
        ...
        await server.stop(grace=1)
    """

    def __init__(
        self,
        *,
        service_name: str,
        host: str = "127.0.0.1",
        port: int = 0,
        policy: CallPolicy | None = None,
        interceptors: Sequence[Any] = (),
        options: Sequence[tuple[str, Any]] = (),
        maximum_concurrent_rpcs: int | None = None,
        domain: str | None = None,
    ) -> None:
        self.service_name = service_name
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.domain = domain or error_domain(service_name)
        self._policy = policy
        self._extra_interceptors = tuple(interceptors)
        self._options = tuple({**dict(DEFAULT_OPTIONS), **dict(options)}.items())
        self._maximum_concurrent_rpcs = maximum_concurrent_rpcs
        self._server: Server | None = None
        self._health = health.aio.HealthServicer()
        self._service_names: list[str] = []
        self._ready = False
        self._draining = False

    @property
    def server(self) -> Server:
        """The underlying ``grpc.aio.Server`` (after ``start``)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server

    @property
    def service_names(self) -> tuple[str, ...]:
        """Full names of the registered application services."""
        return tuple(self._service_names)

    @property
    def health_servicer(self) -> Any:
        return self._health

    @property
    def ready(self) -> bool:
        return self._ready

    def _interceptors(self) -> list[Any]:
        chain: list[Any] = []
        if not telemetry.grpc_server_globally_instrumented():
            # Outermost, so the span is active in our interceptor and the servicer.
            chain.append(telemetry.grpc_server_interceptor())
        chain.append(ServerCallInterceptor(error_domain=self.domain, policy=self._policy))
        chain.extend(self._extra_interceptors)
        return chain

    async def start(self, register: Register) -> int:
        """Create, register, bind and start; returns the bound port.

        Every service reports ``NOT_SERVING`` until ``set_ready``.
        Raises ``PortInUseError`` when the address cannot be bound.
        """
        server = grpc.aio.server(
            interceptors=self._interceptors(),
            options=self._options,
            maximum_concurrent_rpcs=self._maximum_concurrent_rpcs,
        )
        result = register(server)
        names = await result if isinstance(result, Awaitable) else result
        self._service_names = list(names)

        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        for name in ("", *self._service_names):
            await self._health.set(name, NOT_SERVING)
        reflection.enable_server_reflection(
            (*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )

        address = f"{self.host}:{self.requested_port}"
        if self.requested_port:
            _check_bindable(self.service_name, self.host, self.requested_port)
        try:
            port = server.add_insecure_port(address)
        except RuntimeError as error:
            raise PortInUseError(
                f"{self.service_name}: cannot listen on {address} "
                "(port in use or address not available)"
            ) from error
        if not port:  # older grpc versions return 0 instead of raising
            raise PortInUseError(f"{self.service_name}: cannot listen on {address}")
        await server.start()
        self._server = server
        self.port = int(port)
        _log.info(
            "grpc_server_started",
            address=f"{self.host}:{self.port}",
            services=self._service_names,
        )
        return self.port

    async def set_ready(self) -> None:
        """Report ``SERVING`` for ``""`` and every service (ignored once draining)."""
        if self._draining:
            return
        for name in ("", *self._service_names):
            await self._health.set(name, SERVING)
        self._ready = True
        metrics.SERVICE_READY.labels(self.service_name).set(1)
        _log.info("service_ready", services=self._service_names)

    async def set_not_ready(self) -> None:
        """Report ``NOT_SERVING`` again (e.g. a dependency was lost)."""
        for name in ("", *self._service_names):
            await self._health.set(name, NOT_SERVING)
        self._ready = False
        metrics.SERVICE_READY.labels(self.service_name).set(0)

    async def wait_until_ready(
        self,
        readiness: Readiness,
        *,
        initial_delay: float = 0.1,
        max_delay: float = 5.0,
    ) -> None:
        """Retry ``readiness()`` with exponential backoff until it returns, then ``set_ready``."""
        delay = initial_delay
        attempt = 0
        while not self._draining:
            attempt += 1
            try:
                await readiness()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _log.warning(
                    "readiness_check_failed",
                    attempt=attempt,
                    error=type(error).__name__,
                    detail=str(error)[:300],
                    retry_in_seconds=round(delay, 2),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_delay)
                continue
            await self.set_ready()
            return

    async def begin_drain(self) -> None:
        """Report ``NOT_SERVING`` for everything, permanently (first step of shutdown)."""
        if self._draining:
            return
        self._draining = True
        self._ready = False
        metrics.SERVICE_READY.labels(self.service_name).set(0)
        await self._health.enter_graceful_shutdown()

    async def stop(self, grace: float | None) -> None:
        """Drain: ``NOT_SERVING``, refuse new calls, give in-flight ones ``grace`` seconds."""
        await self.begin_drain()
        if self._server is not None:
            await self._server.stop(grace)

    async def wait_for_termination(self) -> None:
        await self.server.wait_for_termination()


async def serve(
    settings: ServiceSettings,
    register: Register,
    readiness: Readiness | None = None,
    on_shutdown: Shutdown | None = None,
    *,
    policy: CallPolicy | None = None,
    drain_delay_seconds: float = 0.0,
    stop_event: asyncio.Event | None = None,
) -> int:
    """Run the gRPC server until SIGTERM/SIGINT (or ``stop_event``); returns the exit status.

    Logging and tracing must be configured already (``run_service`` does it).
    ``drain_delay_seconds`` keeps answering (with health ``NOT_SERVING``) before
    refusing new calls, for load balancers that poll health.
    """
    rpc_server = RpcServer(
        service_name=settings.service_name,
        host=settings.grpc_host,
        port=settings.grpc_port,
        policy=policy,
    )
    try:
        await rpc_server.start(register)
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    loop = asyncio.get_running_loop()
    stop = stop_event or asyncio.Event()
    signals_seen = 0
    grace = settings.shutdown_grace_seconds
    stop_task: asyncio.Task[None] | None = None

    def on_signal(signum: int) -> None:
        nonlocal signals_seen, stop_task
        signals_seen += 1
        _log.info("shutdown_signal", signal=signal.Signals(signum).name, count=signals_seen)
        stop.set()
        if signals_seen > 1:
            # Impatient operator: cancel in-flight calls now.
            stop_task = loop.create_task(rpc_server.stop(0))

    installed: list[int] = []
    for signum in (int(signal.SIGTERM), int(signal.SIGINT)):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)

    readiness_task: asyncio.Task[None] | None = None
    if readiness is None:
        await rpc_server.set_ready()
    else:
        readiness_task = asyncio.create_task(rpc_server.wait_until_ready(readiness))

    status = 0
    try:
        await stop.wait()
        _log.info("draining", grace_seconds=grace)
        await rpc_server.begin_drain()
        if readiness_task is not None:
            readiness_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await readiness_task
        if drain_delay_seconds > 0:
            await asyncio.sleep(drain_delay_seconds)
        await rpc_server.stop(grace)
        if stop_task is not None:
            await stop_task
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if on_shutdown is not None:
            try:
                await on_shutdown()
            except Exception:
                _log.exception("shutdown_hook_failed")
                status = 1
    _log.info("stopped", exit_status=status)
    return status


def run_service(
    settings: ServiceSettings,
    register: Register,
    readiness: Readiness | None = None,
    on_shutdown: Shutdown | None = None,
    *,
    policy: CallPolicy | None = None,
    drain_delay_seconds: float = 0.0,
    version: str = "0.1.0",
) -> int:
    """The whole ``serve`` command: logging, tracing, metrics endpoint, server, drain.

    Returns the process exit status (0 after a clean drain, 1 when the port is busy).
    """
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    telemetry.configure_tracing(
        settings.tracing_service_name,
        service_version=version,
        environment=settings.environment.value,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
    )
    metrics.set_service_info(settings.service_name, version, "serve")
    metrics_server: metrics.MetricsServer | None = None
    if settings.metrics_port is not None:
        try:
            metrics_server = metrics.start_metrics_server(settings.metrics_port, settings.grpc_host)
        except OSError as error:
            print(
                f"error: {settings.service_name}: cannot serve metrics on "
                f"{settings.grpc_host}:{settings.metrics_port} ({error.strerror or error})",
                file=sys.stderr,
            )
            return 1
    try:
        return asyncio.run(
            serve(
                settings,
                register,
                readiness,
                on_shutdown,
                policy=policy,
                drain_delay_seconds=drain_delay_seconds,
            )
        )
    finally:
        if metrics_server is not None:
            metrics_server.close()
        telemetry.shutdown_tracing()


__all__ = [
    "DEFAULT_OPTIONS",
    "NOT_SERVING",
    "SERVING",
    "PortInUseError",
    "Readiness",
    "Register",
    "RpcServer",
    "run_service",
    "serve",
    "service_full_name",
]
