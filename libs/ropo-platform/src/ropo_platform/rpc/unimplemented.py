"""Methods a service has not built yet answer ``UNIMPLEMENTED`` honestly.

A servicer implements what works and leaves the rest to the service descriptor::

    class ChatServicer(chat_service_pb2_grpc.ChatServiceServicer):
        async def ListQueue(self, request, context): ...

    NOT_IMPLEMENTED = answer_unimplemented(
        ChatServicer, SERVICE, domain=error_domain("chat"), issue="8"
    )

Every other method of the descriptor then aborts with a ``google.rpc.Status``:
code ``UNIMPLEMENTED``, message ``<service>/<Method> is not implemented yet
(issue 8)``, ``ErrorInfo`` reason ``NOT_IMPLEMENTED_YET`` with the domain and
metadata ``method`` and ``issue``. The API is complete on the wire (a method added
to the proto is covered without code) and a method later defined in the class body
replaces its stand-in automatically.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf import any_pb2
from google.protobuf.descriptor import ServiceDescriptor
from google.rpc import code_pb2, error_details_pb2, status_pb2

from ropo_platform.rpc.errors import abort_with_status

#: ``ErrorInfo.reason`` of a method that is not built yet.
NOT_IMPLEMENTED_YET = "NOT_IMPLEMENTED_YET"


def unimplemented_status(full_method: str, *, domain: str, issue: str | None) -> status_pb2.Status:
    """The status a stand-in answers (``issue``: the issue that builds the method, if known)."""
    metadata = {"method": full_method}
    message = f"{full_method} is not implemented yet"
    if issue is not None:
        metadata["issue"] = issue
        message += f" (issue {issue})"
    info = any_pb2.Any()
    info.Pack(
        error_details_pb2.ErrorInfo(reason=NOT_IMPLEMENTED_YET, domain=domain, metadata=metadata)
    )
    return status_pb2.Status(code=code_pb2.UNIMPLEMENTED, message=message, details=[info])


def _stand_in(
    service: ServiceDescriptor, method: str, domain: str, issue: str | None
) -> Callable[..., Awaitable[None]]:
    status = unimplemented_status(f"{service.full_name}/{method}", domain=domain, issue=issue)

    async def handler(self: Any, request: Any, context: Any) -> None:
        await abort_with_status(context, status)

    handler.__name__ = method
    until = f" until issue {issue}" if issue is not None else ""
    handler.__doc__ = f"{method}: UNIMPLEMENTED{until} (reason {NOT_IMPLEMENTED_YET})."
    return handler


def answer_unimplemented(
    servicer_cls: type,
    service: ServiceDescriptor,
    *,
    domain: str,
    issue: str | None = None,
) -> tuple[str, ...]:
    """Give ``servicer_cls`` a stand-in for every method of ``service`` that its class
    body does not define; returns their names in descriptor order.

    ``domain`` is the ``ErrorInfo`` domain (``error_domain("chat")``); ``issue``, when
    given, goes into the message and ``ErrorInfo.metadata["issue"]``. Methods
    inherited from the generated base class do not count as defined (they only
    answer a bare ``UNIMPLEMENTED``); methods of mixin classes do.
    """
    defined = _defined_methods(servicer_cls)
    missing = tuple(m.name for m in service.methods if m.name not in defined)
    for name in missing:
        handler = _stand_in(service, name, domain, issue)
        handler.__qualname__ = f"{servicer_cls.__qualname__}.{name}"
        setattr(servicer_cls, name, handler)
    return missing


def _defined_methods(servicer_cls: type) -> set[str]:
    """Names defined by ``servicer_cls`` or its mixins: every class of the MRO except
    the generated servicer bases (modules ``*_pb2_grpc``) and ``object``."""
    return {
        name
        for klass in servicer_cls.__mro__
        if klass is not object and not klass.__module__.endswith("_pb2_grpc")
        for name in vars(klass)
    }


__all__ = ["NOT_IMPLEMENTED_YET", "answer_unimplemented", "unimplemented_status"]
