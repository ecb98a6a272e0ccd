"""Outgoing gRPC calls: ``create_channel`` with tracing, request ids and default deadlines.

::

    channel = create_channel(settings.invoice_addr)          # e.g. "127.0.0.1:50051"
    stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
    try:
        response = await stub.GetInvoice(request)            # deadline: 10 s by default
    except grpc.aio.AioRpcError as error:
        problem = RpcError.from_aio(error)                   # code, ErrorInfo, violations

Every call carries ``x-request-id`` (the current request's, or a new one) and
the W3C trace context; a unary-response call without an explicit ``timeout``
gets ``default_timeout`` so that nothing waits forever on a stuck peer.
Retries are off (the gRPC default without a service config): callers decide,
because only idempotent requests (with ``request_id``) may be retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
import grpc.aio

from ropo_platform import telemetry
from ropo_platform.logging import get_request_id
from ropo_platform.rpc.interceptors import REQUEST_ID_KEY, new_request_id

DEFAULT_TIMEOUT_SECONDS = 10.0

DEFAULT_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.max_send_message_length", 32 * 1024 * 1024),
    ("grpc.enable_retries", 0),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
)


def _with_request_id_metadata(metadata: Any) -> tuple[tuple[str, str | bytes], ...]:
    items: tuple[tuple[str, str | bytes], ...] = tuple(metadata or ())
    for key, _ in items:
        if key == REQUEST_ID_KEY:
            return items
    return (*items, (REQUEST_ID_KEY, get_request_id() or new_request_id()))


class _MultiCallable:
    """Adds the request id and the default timeout, then calls grpc's multi-callable."""

    __slots__ = ("_default_timeout", "_inner")

    def __init__(self, inner: Any, default_timeout: float | None) -> None:
        self._inner = inner
        self._default_timeout = default_timeout

    def __call__(
        self,
        request: Any,
        *,
        timeout: float | None = None,
        metadata: Any = None,
        credentials: Any = None,
        wait_for_ready: bool | None = None,
        compression: Any = None,
    ) -> Any:
        return self._inner(
            request,
            timeout=self._default_timeout if timeout is None else timeout,
            metadata=_with_request_id_metadata(metadata),
            credentials=credentials,
            wait_for_ready=wait_for_ready,
            compression=compression,
        )


class RopoChannel(grpc.aio.Channel):
    """A ``grpc.aio.Channel`` whose calls carry ``x-request-id`` and a default deadline.

    Done here rather than in client interceptors: grpc.aio runs every client
    interceptor as an extra task per call, which roughly halves throughput.
    """

    def __init__(
        self, inner: Any, default_timeout: float | None, default_stream_timeout: float | None
    ) -> None:
        self._inner = inner
        self._unary_timeout = default_timeout
        self._stream_timeout = default_stream_timeout

    @property
    def inner(self) -> Any:
        """The wrapped ``grpc.aio.Channel``."""
        return self._inner

    async def __aenter__(self) -> RopoChannel:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inner.close(None)

    async def close(self, grace: float | None = None) -> None:
        await self._inner.close(grace)

    def get_state(self, try_to_connect: bool = False) -> Any:
        return self._inner.get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: Any) -> None:
        await self._inner.wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        await self._inner.channel_ready()

    def unary_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _MultiCallable(self._inner.unary_unary(method, *args, **kwargs), self._unary_timeout)

    def stream_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _MultiCallable(
            self._inner.stream_unary(method, *args, **kwargs), self._unary_timeout
        )

    def unary_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _MultiCallable(
            self._inner.unary_stream(method, *args, **kwargs), self._stream_timeout
        )

    def stream_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _MultiCallable(
            self._inner.stream_stream(method, *args, **kwargs), self._stream_timeout
        )


def create_channel(
    target: str,
    *,
    default_timeout: float | None = DEFAULT_TIMEOUT_SECONDS,
    default_stream_timeout: float | None = None,
    options: Sequence[tuple[str, Any]] = (),
    interceptors: Sequence[Any] = (),
) -> RopoChannel:
    """A channel to ``target`` (``host:port``) for service-to-service calls.

    ``default_timeout`` applies to unary-response calls made without a timeout;
    ``default_stream_timeout`` to response-streaming ones (``None`` = no limit).
    Plaintext: TLS is the mesh's job in the cluster. Close with ``await channel.close()``.
    """
    chain: list[Any] = []
    if not telemetry.grpc_client_globally_instrumented():
        chain.extend(telemetry.grpc_client_interceptors())
    chain.extend(interceptors)
    merged = {**dict(DEFAULT_CHANNEL_OPTIONS), **dict(options)}
    inner = grpc.aio.insecure_channel(
        target, options=tuple(merged.items()), interceptors=chain or None
    )
    return RopoChannel(inner, default_timeout, default_stream_timeout)


__all__ = [
    "DEFAULT_CHANNEL_OPTIONS",
    "DEFAULT_TIMEOUT_SECONDS",
    "RopoChannel",
    "create_channel",
]
