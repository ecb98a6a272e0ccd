"""The bare servers the baseline measures: a grpc.aio echo and an HTTP hello.

They have no interceptors, database or telemetry, so they show what the frameworks cost on
this machine before any of the suite's own work is added.

    python bench/bare_servers.py grpc PORT
    python bench/bare_servers.py http PORT
"""

from __future__ import annotations

import asyncio
import sys

import grpc

ECHO_METHOD = "/bench.Echo/Echo"


def _identity(payload: bytes) -> bytes:
    return payload


async def serve_grpc_echo(port: int) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return request

    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(
                echo, request_deserializer=_identity, response_serializer=_identity
            )
        },
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def serve_http_hello(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "hello"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "grpc":
        asyncio.run(serve_grpc_echo(port))
    elif kind == "http":
        serve_http_hello(port)
    else:
        raise SystemExit(f"unknown server kind {kind!r}; use grpc or http")


if __name__ == "__main__":
    main()
