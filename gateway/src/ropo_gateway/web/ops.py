"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Final

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.responses import JSONResponse, Response

from ropo_gateway.clients.health import peer_serving
from ropo_gateway.runtime import AUTHORIZATION_SERVICE, INVOICE_SERVICE, migrations_dir
from ropo_gateway.web.deps import RuntimeDep

router = APIRouter()

PROBE_TIMEOUT_SECONDS: Final = 1.0
# Peers whose absence makes the first page fail, with the service name they report health for.
REQUIRED_PEERS: Final = {"invoice": INVOICE_SERVICE, "authorization": AUTHORIZATION_SERVICE}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers HTTP (no dependency checks, so no restart storms)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> Response:
    """Readiness: the database is migrated and the gRPC peers report SERVING."""

    async def database() -> bool:
        return await runtime.database.is_ready(migrations_dir(runtime.settings))

    names = ["database", *REQUIRED_PEERS]
    results = await asyncio.gather(
        database(),
        *(
            peer_serving(runtime.channels[peer], service, PROBE_TIMEOUT_SECONDS)
            for peer, service in REQUIRED_PEERS.items()
        ),
    )
    checks = dict(zip(names, results, strict=True))
    ready = all(results)
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus exposition of the process-wide registry (HTTP, gRPC client, logins)."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
