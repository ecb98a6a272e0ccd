"""The gRPC servicer of ``ropo.chat.v1.ChatService``: not built yet.

Every method of the service descriptor answers ``UNIMPLEMENTED`` with ``ErrorInfo``
reason ``NOT_IMPLEMENTED_YET`` and ``metadata.issue = "8"`` (chat):
the API is complete on the wire and honest about what works. A method that
issue 8 defines in the class body replaces its stand-in automatically.
"""

from __future__ import annotations

from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import chat_service_pb2_grpc as pb_grpc
from ropo_platform.rpc import answer_unimplemented, error_domain

SERVICE = pb.DESCRIPTOR.services_by_name["ChatService"]
DOMAIN = error_domain("chat")
#: The issue that builds this service.
LATER_ISSUE = "8"


class ChatServicer(pb_grpc.ChatServiceServicer):
    """No method is implemented yet."""


NOT_IMPLEMENTED = answer_unimplemented(ChatServicer, SERVICE, domain=DOMAIN, issue=LATER_ISSUE)
