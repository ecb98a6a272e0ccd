"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Final

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.responses import JSONResponse, Response

from ropo_gateway.clients.health import peer_serving
from ropo_gateway.runtime import (
    AUTHORIZATION_SERVICE,
    CHAT_SERVICE,
    INVOICE_SERVICE,
    PAYMENT_SERVICE,
    REFUND_SERVICE,
    migrations_dir,
)
from ropo_gateway.web.deps import RuntimeDep

router = APIRouter()

PROBE_TIMEOUT_SECONDS: Final = 1.0
# Peers whose absence makes the first page fail, with the service name they report health for.
REQUIRED_PEERS: Final = {"invoice": INVOICE_SERVICE, "authorization": AUTHORIZATION_SERVICE}
# Peers the gateway works without (pages say what is missing): reported, not required.
OPTIONAL_PEERS: Final = {
    "payment": PAYMENT_SERVICE,
    "refund": REFUND_SERVICE,
    "chat": CHAT_SERVICE,
}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers HTTP (no dependency checks, so no restart storms)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> Response:
    """Readiness: the database is migrated and the required gRPC peers report SERVING.
    The optional peers are reported under ``optional`` without affecting readiness: MyRopo
    and Ropo One still serve invoices while payments (or the chat) are down."""

    async def database() -> bool:
        return await runtime.database.is_ready(migrations_dir(runtime.settings))

    names = ["database", *REQUIRED_PEERS]
    peers = {**REQUIRED_PEERS, **OPTIONAL_PEERS}
    results = await asyncio.gather(
        database(),
        *(
            peer_serving(runtime.channels[peer], service, PROBE_TIMEOUT_SECONDS)
            for peer, service in peers.items()
        ),
    )
    required = results[: len(names)]
    checks = dict(zip(names, required, strict=True))
    optional = dict(zip(OPTIONAL_PEERS, results[len(names) :], strict=True))
    ready = all(required)
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks, "optional": optional},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus exposition of the process-wide registry (HTTP, gRPC client, logins)."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
