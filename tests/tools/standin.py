"""A stand-in for one process of the suite, started by the runner in tests/tools.

It behaves like a service as far as the runner can see: JSON log lines and plain
lines on stdout and stderr, a gRPC health service or an HTTP /healthz, graceful
exit on SIGTERM. Flags make it misbehave (crash, ignore SIGTERM, never serve).
Each start appends its pid to <pid-dir>/<name>.pid so tests can count restarts
and check that nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def log(name: str, event: str, level: str = "info", **fields: Any) -> None:
    record = {
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "level": level,
        "service": name,
        "logger": "standin",
        "event": event,
        **fields,
    }
    print(json.dumps(record), flush=True)


async def serve_http(port: int) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def serve_grpc(port: int, serving: bool) -> Any:
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    status = health_pb2.HealthCheckResponse
    await servicer.set("", status.SERVING if serving else status.NOT_SERVING)
    return server


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--pid-dir", type=Path, required=True)
    parser.add_argument("--grpc", type=int)
    parser.add_argument("--http", type=int)
    parser.add_argument("--not-serving", action="store_true")
    parser.add_argument("--crash-after", type=float)
    parser.add_argument("--ignore-term", action="store_true")
    args = parser.parse_args()

    with (args.pid_dir / f"{args.name}.pid").open("a") as pids:
        pids.write(f"{os.getpid()}\n")

    stop = asyncio.Event()

    def on_term() -> None:
        if args.ignore_term:
            print(f"{args.name} ignores SIGTERM", flush=True)
        else:
            stop.set()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_term)
    servers: list[Any] = []
    if args.http:
        servers.append(await serve_http(args.http))
    if args.grpc:
        servers.append(await serve_grpc(args.grpc, serving=not args.not_serving))
    log(args.name, "standin_started", port=args.grpc or args.http, note="two words")
    print(f"plain line from {args.name}", flush=True)
    print(f"stderr line from {args.name}", file=sys.stderr, flush=True)

    if args.crash_after is not None:
        await asyncio.sleep(args.crash_after)
        log(args.name, "standin_crashing", level="error")
        sys.exit(3)
    await stop.wait()
    log(args.name, "standin_stopping")


if __name__ == "__main__":
    asyncio.run(main())
