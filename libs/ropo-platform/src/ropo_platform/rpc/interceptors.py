"""Server-side call handling shared by every gRPC method of every service.

``ServerCallInterceptor`` wraps each handler (unary-unary, unary-stream,
stream-unary, stream-stream; async-generator and ``context.write`` styles) once
and, per call:

1. **request id** — takes ``x-request-id`` from the metadata (when well-formed)
   or makes one, puts it in the contextvar read by the logs and by outgoing
   calls, and returns it to the caller in the trailing metadata;
2. **deadline** — a call with less than ``min_remaining_seconds`` left is
   refused; a call without a deadline gets the server default (unary
   responses only — streams such as ``WatchConversation`` are long-lived);
   a handler that overruns is cancelled and the call ends ``DEADLINE_EXCEEDED``;
3. **errors** — ``DomainError`` → rich ``google.rpc.Status``; a busy database (a
   lock wait timed out, a serialisation failure) → ``UNAVAILABLE DATABASE_BUSY`` with
   ``RetryInfo``; any other
   exception → ``INTERNAL`` with a generic message, the traceback only in the log;
4. **access log** — method, code, duration (never request or response bodies);
5. **metrics** — ``ropo_rpc_server_duration_seconds`` and in-flight gauge.

A single interceptor rather than five keeps the per-call overhead to one
wrapper; the OpenTelemetry interceptor runs outside it, so the span is active
in all of the above and log lines carry the trace id.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging as stdlib_logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

import grpc
import grpc.aio

from ropo_platform import metrics
from ropo_platform.db.contention import is_contention
from ropo_platform.errors import DomainError, Unavailable
from ropo_platform.logging import get_logger, reset_request_id, set_request_id
from ropo_platform.redaction import contains_hetu
from ropo_platform.rpc.errors import (
    abort_with_error,
    abort_with_status,
    internal_status,
    plain_status,
)

REQUEST_ID_KEY = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Calls that are polled constantly by probes and tools: logged at DEBUG only.
QUIET_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)

_log = get_logger("ropo_platform.rpc.access")
#: ``ErrorInfo`` reason when the database was too busy to take a write (retry).
DATABASE_BUSY = "DATABASE_BUSY"

# grpc ships no type information; name the context type for readability.
Context: TypeAlias = Any


def new_request_id() -> str:
    """A fresh request id (32 hex characters)."""
    return uuid.uuid4().hex


def request_id_from_metadata(metadata: Any) -> str | None:
    """The caller's ``x-request-id`` when present and well-formed, else ``None``.

    Malformed values are dropped rather than echoed: they end up in logs, and a
    caller must not be able to inject text (or personal data) there.
    """
    for key, value in metadata or ():
        if (
            key == REQUEST_ID_KEY
            and isinstance(value, str)
            and _REQUEST_ID.match(value)
            and not contains_hetu(value)
        ):
            return value
    return None


@dataclass(frozen=True)
class CallPolicy:
    """Deadline settings of the interceptor.

    ``default_timeout``: seconds given to unary-response calls without a deadline
    (``None`` = unlimited); ``default_stream_timeout``: the same for
    response-streaming calls; ``min_remaining_seconds``: calls arriving with
    less time left are refused with ``DEADLINE_EXCEEDED`` without running;
    ``method_timeouts``: per full method name (``/pkg.Service/Method``) overrides.
    """

    default_timeout: float | None = 30.0
    default_stream_timeout: float | None = None
    min_remaining_seconds: float = 0.005
    method_timeouts: Mapping[str, float | None] = field(default_factory=dict)

    def timeout_for(self, method: str, response_streaming: bool) -> float | None:
        if method in self.method_timeouts:
            return self.method_timeouts[method]
        return self.default_stream_timeout if response_streaming else self.default_timeout


class _Method:
    """What is fixed per method: names, metric children, timeout, log level."""

    __slots__ = ("full_name", "in_flight", "log_level", "name", "service", "timeout")

    def __init__(self, full_name: str, timeout: float | None) -> None:
        self.full_name = full_name
        self.service, self.name = metrics.split_method(full_name)
        self.in_flight = metrics.RPC_SERVER_IN_FLIGHT.labels(self.service, self.name)
        self.timeout = timeout
        quiet = self.service in QUIET_SERVICES
        self.log_level = stdlib_logging.DEBUG if quiet else stdlib_logging.INFO


class _CallState:
    """Per-call bookkeeping shared by the wrapper's phases."""

    __slots__ = ("code", "finished", "method", "request_id", "start", "token")

    def __init__(self, method: _Method, request_id: str) -> None:
        self.method = method
        self.request_id = request_id
        self.code = grpc.StatusCode.OK
        self.start = time.perf_counter()
        self.finished = False
        self.token = set_request_id(request_id)


class _Deadline(Exception):
    """Raised inside the wrapper when the server-side timeout fires."""


class ServerCallInterceptor(grpc.aio.ServerInterceptor):
    """Request id, deadlines, error mapping, access log and metrics for every call."""

    def __init__(self, *, error_domain: str, policy: CallPolicy | None = None) -> None:
        self._domain = error_domain
        self._policy = policy or CallPolicy()
        # grpc.aio asks the interceptor for every call; the servicer's handler
        # object per method is stable, so its wrapper is built once.
        self._wrapped: dict[Any, Any] = {}

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED itself
            return handler
        method = handler_call_details.method
        key = (method, handler)
        try:
            wrapped = self._wrapped.get(key)
        except TypeError:  # an unhashable custom handler: wrap per call
            return self._wrap_handler(handler, method)
        if wrapped is None:
            wrapped = self._wrap_handler(handler, method)
            if len(self._wrapped) < 10_000:  # handlers made per call must not leak
                self._wrapped[key] = wrapped
        return wrapped

    # ------------------------------------------------------------------ wrapping

    def _wrap_handler(
        self, handler: grpc.RpcMethodHandler[Any, Any], method: str
    ) -> grpc.RpcMethodHandler[Any, Any]:
        h: Any = handler
        common = {
            "request_deserializer": h.request_deserializer,
            "response_serializer": h.response_serializer,
        }
        if h.unary_unary is not None:
            info = _Method(method, self._policy.timeout_for(method, False))
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(h.unary_unary, info), **common
            )
        if h.stream_unary is not None:
            info = _Method(method, self._policy.timeout_for(method, False))
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_unary(h.stream_unary, info), **common
            )
        if h.unary_stream is not None:
            info = _Method(method, self._policy.timeout_for(method, True))
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_streaming(h.unary_stream, info), **common
            )
        if h.stream_stream is not None:
            info = _Method(method, self._policy.timeout_for(method, True))
            return grpc.stream_stream_rpc_method_handler(
                self._wrap_streaming(h.stream_stream, info), **common
            )
        return handler

    def _wrap_unary(
        self, behavior: Callable[..., Any], info: _Method
    ) -> Callable[[Any, Context], Awaitable[Any]]:
        async def unary_response(request: Any, context: Context) -> Any:
            state = await self._begin(info, context)
            try:
                ends_at = self._ends_at(context, info.timeout)
                result = behavior(request, context)
                if inspect.isawaitable(result):
                    result = await _with_deadline(result, ends_at)
                return result
            except BaseException as error:
                await self._fail(error, state, context)
                raise
            finally:
                self._finish(state)

        return unary_response

    def _wrap_streaming(
        self, behavior: Callable[..., Any], info: _Method
    ) -> Callable[[Any, Context], AsyncIterator[Any]]:
        # Always an async generator, also for handlers written in the
        # `await context.write(...)` style: the OpenTelemetry interceptor (and
        # grpc's own dispatch) iterate response-streaming handlers, and a
        # generator that yields nothing after the coroutine returns keeps the
        # messages already written through the context.
        async def stream_response(request: Any, context: Context) -> AsyncIterator[Any]:
            state = await self._begin(info, context)
            try:
                ends_at = self._ends_at(context, info.timeout)
                result = behavior(request, context)
                if hasattr(result, "__anext__"):
                    responses = cast(AsyncIterator[Any], result)
                    try:
                        while True:
                            try:
                                item = await _with_deadline(anext(responses), ends_at)
                            except StopAsyncIteration:
                                break
                            # Time a slow reader spends in `yield` counts against
                            # the overall deadline, not against one message.
                            yield item
                    finally:
                        await _aclose(responses)
                elif inspect.isawaitable(result):
                    await _with_deadline(result, ends_at)
                elif result is not None:  # a plain (sync) iterator
                    for item in result:
                        yield item
            except BaseException as error:
                await self._fail(error, state, context)
                raise
            finally:
                self._finish(state)

        return stream_response

    # ------------------------------------------------------------------ phases

    async def _begin(self, info: _Method, context: Context) -> _CallState:
        request_id = request_id_from_metadata(context.invocation_metadata()) or new_request_id()
        state = _CallState(info, request_id)
        info.in_flight.inc()
        context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
        remaining = context.time_remaining()
        if remaining is not None and remaining < self._policy.min_remaining_seconds:
            # Not worth starting: the caller gives up before we could answer.
            state.code = grpc.StatusCode.DEADLINE_EXCEEDED
            try:
                await self._abort_plain(
                    context, state, grpc.StatusCode.DEADLINE_EXCEEDED, "deadline too short"
                )
            finally:
                self._finish(state)
        return state

    @staticmethod
    def _ends_at(context: Context, default: float | None) -> float | None:
        """Event-loop time by which the handler must be done (``None``: no limit).

        With a client deadline grpc cancels the handler itself; enforcing it
        here too makes the outcome (``DEADLINE_EXCEEDED``, logged) deterministic.
        """
        remaining: float | None = context.time_remaining()
        timeout = default if remaining is None else max(remaining, 0.0)
        return None if timeout is None else asyncio.get_running_loop().time() + timeout

    async def _fail(self, error: BaseException, state: _CallState, context: Context) -> None:
        """Turn ``error`` into the call's status (raises ``AbortError`` when it aborts)."""
        if isinstance(error, grpc.aio.AbortError):
            # The handler (or we) aborted already: record what was sent.
            code = context.code()
            state.code = code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
            return
        if isinstance(error, asyncio.CancelledError | GeneratorExit):
            # GeneratorExit: grpc closed our response stream (caller went away).
            remaining = context.time_remaining()
            expired = remaining is not None and remaining <= 0
            state.code = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
            return
        if isinstance(error, _Deadline):
            state.code = grpc.StatusCode.DEADLINE_EXCEEDED
            await self._abort_plain(
                context, state, grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"
            )
            return
        if isinstance(error, DomainError):
            state.code = grpc.StatusCode[error.code.value]
            await abort_with_error(
                context,
                error,
                domain=self._domain,
                request_id=state.request_id,
                extra_trailing_metadata=((REQUEST_ID_KEY, state.request_id),),
            )
            return
        if is_contention(error):
            # Nothing was written; the caller may simply try again.
            state.code = grpc.StatusCode.UNAVAILABLE
            _log.warning("rpc_database_busy", method=state.method.full_name)
            await abort_with_error(
                context,
                Unavailable(
                    DATABASE_BUSY, "The service is busy; try again shortly.", retry_after_seconds=1
                ),
                domain=self._domain,
                request_id=state.request_id,
                extra_trailing_metadata=((REQUEST_ID_KEY, state.request_id),),
            )
            return
        if isinstance(error, Exception):
            state.code = grpc.StatusCode.INTERNAL
            metrics.UNHANDLED_ERRORS.labels(state.method.service, state.method.name).inc()
            _log.error("rpc_unhandled_exception", method=state.method.full_name, exc_info=error)
            await abort_with_status(
                context,
                internal_status(domain=self._domain, request_id=state.request_id),
                ((REQUEST_ID_KEY, state.request_id),),
            )
        # KeyboardInterrupt and SystemExit: not ours to translate.

    async def _abort_plain(
        self, context: Context, state: _CallState, code: grpc.StatusCode, message: str
    ) -> None:
        await abort_with_status(
            context,
            plain_status(code, message, domain=self._domain, request_id=state.request_id),
            ((REQUEST_ID_KEY, state.request_id),),
        )

    def _finish(self, state: _CallState) -> None:
        if state.finished:  # early refusal already finished it
            return
        state.finished = True
        elapsed = time.perf_counter() - state.start
        info = state.method
        info.in_flight.dec()
        metrics.RPC_SERVER_DURATION.labels(info.service, info.name, state.code.name).observe(
            elapsed
        )
        level = stdlib_logging.WARNING if state.code in _SERVER_FAULTS else info.log_level
        _log.log(
            level,
            "rpc",
            method=info.full_name,
            code=state.code.name,
            duration_ms=round(elapsed * 1000, 3),
        )
        # A response stream abandoned by its caller may be finalised in another
        # context, where the token does not belong; nothing to restore there.
        with contextlib.suppress(ValueError):
            reset_request_id(state.token)


_SERVER_FAULTS = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.DATA_LOSS,
    }
)


async def _with_deadline(awaitable: Any, ends_at: float | None) -> Any:
    """Await ``awaitable``; raise ``_Deadline`` if the loop time ``ends_at`` passes first."""
    if ends_at is None:
        return await awaitable
    remaining = ends_at - asyncio.get_running_loop().time()
    if remaining <= 0:
        if inspect.iscoroutine(awaitable):
            awaitable.close()
        raise _Deadline
    try:
        async with asyncio.timeout(remaining) as scope:
            return await awaitable
    except TimeoutError:
        if scope.expired():
            raise _Deadline from None
        raise


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


__all__ = [
    "QUIET_SERVICES",
    "REQUEST_ID_KEY",
    "CallPolicy",
    "ServerCallInterceptor",
    "new_request_id",
    "request_id_from_metadata",
]
