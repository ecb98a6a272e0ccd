"""Test and operator control (development only; plain JSON, not signed).

``/psp/control/settings`` (callback behaviour), ``/psp/control/stamps/{stamp}``
(create counts), ``/psp/control/payments/{id}/complete`` (what the hosted page does,
without a browser), ``/psp/control/settlements`` and the report download
``/psp/settlements/{id}``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ropo_sandbox.psp.providers import BANKS, CANCEL, PENDING
from ropo_sandbox.psp.returns import complete_payment
from ropo_sandbox.psp.settings import InvalidSettings
from ropo_sandbox.psp.settlement import settle
from ropo_sandbox.psp.state import get_psp
from ropo_sandbox.psp.store import Outcome, PaymentFinished

router = APIRouter()

MAX_PROVIDER_LENGTH = 50
_DEFAULT_PROVIDER = {
    Outcome.SUCCESS: BANKS[0].id,
    Outcome.PENDING: PENDING.id,
    Outcome.CANCEL: CANCEL.id,
}


def _error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status_code)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    return json.loads(raw)


@router.get("/control/settings")
async def read_settings(request: Request) -> JSONResponse:
    """The current callback behaviour."""
    return JSONResponse(get_psp(request).behaviour.as_json())


@router.put("/control/settings")
async def change_settings(request: Request) -> JSONResponse:
    """Change any of callbackDelaySeconds, callbackDuplicates, dropCallbacks, extraParameters."""
    psp = get_psp(request)
    try:
        psp.behaviour.update(await _json_body(request))
    except json.JSONDecodeError:
        return _error(400, "body is not JSON")
    except InvalidSettings as exc:
        return _error(400, str(exc))
    psp.log.info("psp_settings_changed", **psp.behaviour.as_json())
    return JSONResponse(psp.behaviour.as_json())


@router.get("/control/stamps/{stamp}")
async def stamp_counts(request: Request, stamp: str) -> JSONResponse:
    """How many transactions and accepted create requests a stamp has had."""
    store = get_psp(request).store
    return JSONResponse(
        {
            "stamp": stamp,
            "transactions": store.transactions_per_stamp[stamp],
            "creates": store.creates_per_stamp[stamp],
        }
    )


@router.post("/control/payments/{transaction_id}/complete")
async def complete(request: Request, transaction_id: str) -> JSONResponse:
    """Do what the hosted page's button does; answer the redirect URL instead of following it."""
    psp = get_psp(request)
    transaction = psp.store.get(transaction_id)
    if transaction is None:
        return _error(404, "payment not found")
    try:
        body = await _json_body(request)
    except json.JSONDecodeError:
        return _error(400, "body is not JSON")
    if not isinstance(body, dict) or body.get("outcome") not in {o.value for o in Outcome}:
        return _error(400, "outcome must be success, cancel or pending")
    outcome = Outcome(body["outcome"])
    provider = body.get("provider", _DEFAULT_PROVIDER[outcome])
    if not isinstance(provider, str) or not 0 < len(provider) <= MAX_PROVIDER_LENGTH:
        return _error(400, f"provider must be a string of 1–{MAX_PROVIDER_LENGTH} characters")
    try:
        location = complete_payment(psp, transaction, outcome, provider)
    except PaymentFinished:
        return _error(409, f"payment is already {transaction.status.value}")
    return JSONResponse({"status": transaction.status.value, "redirectUrl": location})


@router.post("/control/settlements")
async def create_settlement(request: Request) -> JSONResponse:
    """Settle every paid, unsettled transaction; answer the report (format: docs/payments.md)."""
    psp = get_psp(request)
    report = settle(psp.store, psp.account)
    psp.log.info(
        "psp_settlement_created",
        settlement_id=report["settlementId"],
        items=len(report["items"]),
        total=report["total"],
    )
    return JSONResponse(report, status_code=201)


@router.get("/settlements/{settlement_id}")
async def download_settlement(request: Request, settlement_id: str) -> JSONResponse:
    """A settlement report again (a file download)."""
    report = get_psp(request).store.settlements.get(settlement_id)
    if report is None:
        return _error(404, "settlement not found")
    return JSONResponse(
        report,
        headers={"Content-Disposition": f'attachment; filename="settlement-{settlement_id}.json"'},
    )
