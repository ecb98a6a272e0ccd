"""The gRPC servicer of ``ropo.refund.v1.RefundService``: not built yet.

Every method of the service descriptor answers ``UNIMPLEMENTED`` with ``ErrorInfo``
reason ``NOT_IMPLEMENTED_YET`` and ``metadata.issue = "7"`` (refunds):
the API is complete on the wire and honest about what works. A method that
issue 7 defines in the class body replaces its stand-in automatically.
"""

from __future__ import annotations

from ropo.refund.v1 import refund_service_pb2 as pb
from ropo.refund.v1 import refund_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import answer_unimplemented, error_domain

SERVICE = pb.DESCRIPTOR.services_by_name["RefundService"]
DOMAIN = error_domain("refund")
#: The issue that builds this service.
LATER_ISSUE = "7"


class RefundServicer(pb_grpc.RefundServiceServicer):
    """No method is implemented yet."""


NOT_IMPLEMENTED = answer_unimplemented(RefundServicer, SERVICE, domain=DOMAIN, issue=LATER_ISSUE)
