"""The gRPC servicer of ``ropo.payment.v1.PaymentService``: not built yet.

Every method of the service descriptor answers ``UNIMPLEMENTED`` with ``ErrorInfo``
reason ``NOT_IMPLEMENTED_YET`` and ``metadata.issue = "5"`` (payments):
the API is complete on the wire and honest about what works. A method that
issue 5 defines in the class body replaces its stand-in automatically.
"""

from __future__ import annotations

from ropo.payment.v1 import payment_service_pb2 as pb
from ropo.payment.v1 import payment_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import answer_unimplemented, error_domain

SERVICE = pb.DESCRIPTOR.services_by_name["PaymentService"]
DOMAIN = error_domain("payment")
#: The issue that builds this service.
LATER_ISSUE = "5"


class PaymentServicer(pb_grpc.PaymentServiceServicer):
    """No method is implemented yet."""


NOT_IMPLEMENTED = answer_unimplemented(PaymentServicer, SERVICE, domain=DOMAIN, issue=LATER_ISSUE)
