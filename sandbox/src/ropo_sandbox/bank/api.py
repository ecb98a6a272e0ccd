"""The bank's endpoints (development only; plain, unsigned).

``POST /bank/payouts`` (a pain.001 file in the body), ``GET /bank/payouts/{id}/status``
(the pain.002 report) and ``POST /bank/control/rejections`` (make a transaction fail).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ropo_sandbox.bank.payouts import MAX_ID_LENGTH, InvalidPayoutFile, parse_payout_file
from ropo_sandbox.bank.state import get_bank
from ropo_sandbox.bank.status import status_report

router = APIRouter()

MAX_FILE_BYTES: Final = 10 * 1024 * 1024
DEFAULT_REASON: Final = "AC04"
_REASON_CODE: Final = re.compile(r"[A-Z0-9]{4}")


def _error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status_code)


@router.post("/payouts")
async def receive_payout(request: Request) -> JSONResponse:
    """Take a payout file; 201 the first time, 200 with the same answer for a known MsgId."""
    bank = get_bank(request)
    content = await request.body()
    if len(content) > MAX_FILE_BYTES:
        return _error(413, f"the file is larger than {MAX_FILE_BYTES} bytes")
    if not content.strip():
        return _error(400, "the body must be a pain.001 XML file")
    try:
        payout = parse_payout_file(content)
    except InvalidPayoutFile as error:
        return _error(400, f"invalid payout file: {error}")
    is_new = bank.receive(content, payout)
    kept = bank.payouts[payout.message_id].payout
    if is_new:
        bank.log.info(
            "bank_payout_received",
            message_id=kept.message_id,
            transactions=len(kept.transfers),
            control_sum=f"{kept.control_sum:.2f}",
        )
    return JSONResponse(kept.receipt(), status_code=201 if is_new else 200)


@router.get("/payouts/{message_id}/status")
async def payout_status(request: Request, message_id: str) -> Response:
    """The pain.002.001.03 status report of a received file."""
    bank = get_bank(request)
    received = bank.payouts.get(message_id)
    if received is None:
        return _error(404, "payout file not found")
    created_at = datetime.fromtimestamp(bank.clock(), UTC).replace(microsecond=0)
    report = status_report(received.content, bank.rejections, created_at=created_at)
    return Response(report, media_type="application/xml")


@router.post("/control/rejections")
async def add_rejection(request: Request) -> Response:
    """``{"end_to_end_id", "reason_code"}``: that transaction is rejected in status reports."""
    bank = get_bank(request)
    try:
        body = json.loads(await request.body() or b"null")
    except json.JSONDecodeError:
        return _error(400, "body is not JSON")
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object")
    end_to_end_id = body.get("end_to_end_id")
    reason_code = body.get("reason_code", DEFAULT_REASON)
    if not isinstance(end_to_end_id, str) or not 0 < len(end_to_end_id) <= MAX_ID_LENGTH:
        return _error(400, f"end_to_end_id must be a string of 1–{MAX_ID_LENGTH} characters")
    if not isinstance(reason_code, str) or not _REASON_CODE.fullmatch(reason_code):
        return _error(400, "reason_code must be four capital letters or digits, e.g. AC04")
    bank.rejections[end_to_end_id] = reason_code
    bank.log.info("bank_rejection_added", end_to_end_id=end_to_end_id, reason_code=reason_code)
    return Response(status_code=204)
