"""Baseline benchmark: what the frameworks cost, and what the walking skeleton costs.

Measures, in one run on the same machine, with 64 requests in flight:

1. a bare grpc.aio echo (no interceptors, no database),
2. a bare HTTP hello endpoint of the gateway's framework (FastAPI on uvicorn),
3. the invoice service's real ListInvoices (interceptors, telemetry, SQLite),
4. the gateway's dashboard JSON endpoint (session, authorization + invoice gRPC calls).

Later issues report their figures as ratios to these numbers. Run with `make bench`; the
results are printed as a Markdown table and written to bench/results/baseline.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_servers import ECHO_METHOD
from loadgen import LoadResult, http_session, run_closed_loop
from ports import free_port, wait_for_port
from skeleton import SkeletonStack

BENCH_DIR = Path(__file__).resolve().parent


def _start_bare(kind: str, port: int) -> subprocess.Popen[bytes]:
    script = str(BENCH_DIR / "bare_servers.py")
    process = subprocess.Popen([sys.executable, script, kind, str(port)])
    wait_for_port(port)
    return process


async def bench_grpc_echo(in_flight: int, duration: float) -> LoadResult:
    port = free_port()
    server = _start_bare("grpc", port)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            echo: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(ECHO_METHOD)
            payload = b"x" * 64
            return await run_closed_loop(
                "bare grpc.aio echo",
                lambda: echo(payload),
                in_flight=in_flight,
                duration_s=duration,
            )
    finally:
        server.terminate()
        server.wait()


async def bench_http_hello(in_flight: int, duration: float) -> LoadResult:
    port = free_port()
    server = _start_bare("http", port)
    try:
        async with http_session(f"http://127.0.0.1:{port}", in_flight) as session:

            async def call() -> None:
                async with session.get("/hello") as response:
                    response.raise_for_status()
                    await response.read()

            return await run_closed_loop(
                "bare HTTP hello (FastAPI/uvicorn)", call, in_flight=in_flight, duration_s=duration
            )
    finally:
        server.terminate()
        server.wait()


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def markdown(results: list[LoadResult]) -> str:
    base = {"grpc": results[0].requests_per_s, "http": results[1].requests_per_s}
    lines = [
        "| scenario | in flight | req/s | p50 ms | p99 ms | errors | req/s vs bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for index, result in enumerate(results):
        reference = base["grpc"] if index in (0, 2) else base["http"]
        ratio = result.requests_per_s / reference if reference else float("nan")
        lines.append(
            f"| {result.name} | {result.in_flight} | {result.requests_per_s:.0f} | "
            f"{result.p50_ms:.2f} | {result.p99_ms:.2f} | {result.errors} | {ratio:.2f} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> tuple[list[LoadResult], dict[str, float]]:
    results = [
        await bench_grpc_echo(args.in_flight, args.duration),
        await bench_http_hello(args.in_flight, args.duration),
    ]
    async with SkeletonStack(invoices_per_person=args.invoices) as stack:
        results.append(
            await run_closed_loop(
                "skeleton InvoiceService.ListInvoices",
                stack.list_invoices_call(),
                in_flight=args.in_flight,
                duration_s=args.duration,
            )
        )
        results.append(
            await run_closed_loop(
                "skeleton gateway GET /api/myropo/v1/invoices",
                stack.dashboard_call(args.in_flight),
                in_flight=args.in_flight,
                duration_s=args.duration,
            )
        )
        memory = stack.resident_memory_mib()
    return results, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds measured per scenario"
    )
    parser.add_argument("--invoices", type=int, default=20, help="invoices imported for the person")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "baseline.json")
    args = parser.parse_args()
    results, memory = asyncio.run(main_async(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": machine_description(),
                "results": [r.as_dict() for r in results],
                "resident_memory_mib": memory,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Machine: {machine_description()}")
    print(markdown(results))
    print()
    print("| process (after the load) | resident memory MiB |")
    print("| --- | ---: |")
    for name, mib in sorted(memory.items()):
        print(f"| {name} | {mib:.0f} |")


if __name__ == "__main__":
    main()
