"""gRPC plumbing: server bootstrap, interceptors, rich errors and client channels.

The names most code needs::

    from ropo_platform.rpc import RpcError, create_channel, run_service, service_full_name

and ``answer_unimplemented`` for the methods a servicer has not built yet.
"""

from ropo_platform.rpc.client import create_channel
from ropo_platform.rpc.errors import RpcError, error_domain, status_for_error
from ropo_platform.rpc.interceptors import REQUEST_ID_KEY, CallPolicy, ServerCallInterceptor
from ropo_platform.rpc.server import (
    PortInUseError,
    RpcServer,
    run_service,
    serve,
    service_full_name,
)
from ropo_platform.rpc.unimplemented import NOT_IMPLEMENTED_YET, answer_unimplemented

__all__ = [
    "NOT_IMPLEMENTED_YET",
    "REQUEST_ID_KEY",
    "CallPolicy",
    "PortInUseError",
    "RpcError",
    "RpcServer",
    "ServerCallInterceptor",
    "answer_unimplemented",
    "create_channel",
    "error_domain",
    "run_service",
    "serve",
    "service_full_name",
    "status_for_error",
]
