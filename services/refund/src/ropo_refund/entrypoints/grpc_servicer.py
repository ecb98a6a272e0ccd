"""The gRPC servicer of ``ropo.refund.v1.RefundService``: not built yet.

Every method of the service descriptor answers ``UNIMPLEMENTED`` with ``ErrorInfo``
reason ``NOT_IMPLEMENTED_YET`` and ``metadata.issue = "7"`` (refunds):
the API is complete on the wire and honest about what works. A method that
issue 7 defines in the class body replaces its stand-in automatically.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo.refund.v1 import refund_service_pb2_grpc as pb_grpc
from ropo_platform.rpc.errors import abort_with_status, error_domain

SERVICE = pb.DESCRIPTOR.services_by_name["RefundService"]
DOMAIN = error_domain("refund")
NOT_IMPLEMENTED_YET = "NOT_IMPLEMENTED_YET"
#: The issue that builds this service.
LATER_ISSUE = "7"

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class RefundServicer(pb_grpc.RefundServiceServicer):
    """No method is implemented yet."""


def _not_implemented_yet(method: str) -> Callable[..., Awaitable[None]]:
    full_method = f"{SERVICE.full_name}/{method}"
    info = any_pb2.Any()
    info.Pack(
        error_details_pb2.ErrorInfo(
            reason=NOT_IMPLEMENTED_YET,
            domain=DOMAIN,
            metadata={"method": full_method, "issue": LATER_ISSUE},
        )
    )
    status = status_pb2.Status(
        code=code_pb2.UNIMPLEMENTED,
        message=f"{full_method} is not implemented yet (issue {LATER_ISSUE})",
        details=[info],
    )

    async def handler(self: Any, request: Any, context: Context) -> None:
        await abort_with_status(context, status)

    handler.__name__ = method
    handler.__doc__ = f"{method}: UNIMPLEMENTED until issue {LATER_ISSUE}."
    return handler


NOT_IMPLEMENTED = tuple(m.name for m in SERVICE.methods if m.name not in vars(RefundServicer))
for _method in NOT_IMPLEMENTED:
    setattr(RefundServicer, _method, _not_implemented_yet(_method))
