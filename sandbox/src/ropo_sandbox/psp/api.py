"""The signed merchant API: ``POST /psp/payments`` and ``GET /psp/payments/{id}``.

Requests are authenticated as docs/payments.md describes (HMAC over the
``checkout-*`` headers and the body, ±300 s timestamp, nonce remembered 10 min);
every response, errors included, is signed the same way and carries ``request-id``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from ropo_sandbox.psp.orders import InvalidOrder, parse_order
from ropo_sandbox.psp.providers import ALL
from ropo_sandbox.psp.signing import SUPPORTED_ALGORITHMS, checkout_params, is_valid, sign
from ropo_sandbox.psp.state import Psp, get_psp
from ropo_sandbox.psp.store import DuplicateStamp, Transaction
from ropo_sandbox.psp.timestamps import iso_utc, parse_epoch

router = APIRouter()

#: Allowed distance between ``checkout-timestamp`` and the sandbox clock (a project choice).
TIMESTAMP_TOLERANCE_SECONDS = 300.0
REQUIRED_HEADERS = (
    "checkout-account",
    "checkout-algorithm",
    "checkout-method",
    "checkout-nonce",
    "checkout-timestamp",
)
TERMS = "Maksunvälityksen tarjoaa Ropo Sandbox (testiympäristö, ei oikeita maksuja)."


class Refused(Exception):
    """A request the API answers with an error (``status_code``, ``message``)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def signed_json(psp: Psp, status_code: int, payload: Any, algorithm: str = "sha256") -> Response:
    """A JSON response signed over its ``checkout-*`` headers and its body exactly as sent."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    headers = {"checkout-account": psp.account, "checkout-algorithm": algorithm}
    headers["signature"] = sign(headers, body, psp.secret, algorithm)
    headers["request-id"] = str(uuid.uuid4())
    return Response(
        body.encode("utf-8"),
        status_code=status_code,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )


def _response_algorithm(request: Request) -> str:
    """Answer in the caller's algorithm when it is one we support."""
    algorithm = request.headers.get("checkout-algorithm", "sha256").lower()
    return algorithm if algorithm in SUPPORTED_ALGORITHMS else "sha256"


def _error(psp: Psp, request: Request, refused: Refused) -> Response:
    psp.log.info(
        "psp_request_refused",
        path=request.url.path,
        status=refused.status_code,
        reason=refused.message,
    )
    payload = {"status": "error", "message": refused.message}
    return signed_json(psp, refused.status_code, payload, _response_algorithm(request))


def authenticate(psp: Psp, request: Request, body: str, *extra_required: str) -> str:
    """Check the request's signature, account, method, timestamp and nonce.

    Returns the algorithm; raises :class:`Refused` (401). The nonce is recorded only
    after the signature verified, so unsigned junk cannot fill the nonce memory.
    """
    headers = checkout_params(dict(request.headers.items()))
    for name in (*REQUIRED_HEADERS, *extra_required):
        if not headers.get(name):
            raise Refused(401, f"missing header {name}")
    signature = request.headers.get("signature")
    if not signature:
        raise Refused(401, "missing header signature")
    algorithm = headers["checkout-algorithm"].lower()
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise Refused(401, "unsupported checkout-algorithm")
    if headers["checkout-account"] != psp.account:
        raise Refused(401, "unknown merchant account")
    if headers["checkout-method"].upper() != request.method:
        raise Refused(401, "checkout-method does not match the request method")
    if not is_valid(headers, body, signature, psp.secret, algorithm):
        raise Refused(401, "signature verification failed")
    sent_at = parse_epoch(headers["checkout-timestamp"])
    if sent_at is None:
        raise Refused(401, "checkout-timestamp is not an ISO 8601 time with a zone")
    if abs(psp.store.clock() - sent_at) > TIMESTAMP_TOLERANCE_SECONDS:
        raise Refused(401, "checkout-timestamp is too far from the current time")
    if not psp.store.remember_nonce(headers["checkout-nonce"]):
        raise Refused(401, "checkout-nonce was already used")
    return algorithm


def _created(psp: Psp, transaction: Transaction) -> dict[str, Any]:
    page = psp.page_url(transaction.transaction_id)
    providers = [
        {
            "name": provider.name,
            "id": provider.id,
            "url": page,
            "icon": psp.url(f"/providers/{provider.id}.svg"),
            "group": "bank",
            "parameters": [
                {"name": "provider", "value": provider.id},
                {"name": "outcome", "value": provider.outcome.value},
            ],
        }
        for provider in ALL
    ]
    return {
        "transactionId": transaction.transaction_id,
        "href": page,
        "reference": transaction.order.reference,
        "terms": TERMS,
        "groups": [],
        "providers": providers,
    }


def _status(psp: Psp, transaction: Transaction) -> dict[str, Any]:
    order = transaction.order
    return {
        "transactionId": transaction.transaction_id,
        "status": transaction.status.value,
        "amount": order.amount,
        "currency": order.currency,
        "stamp": order.stamp,
        "reference": order.reference,
        "createdAt": iso_utc(transaction.created_at),
        "href": psp.page_url(transaction.transaction_id),
        "provider": transaction.provider,
        "paidAt": iso_utc(transaction.paid_at) if transaction.paid_at is not None else None,
    }


async def _text_body(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


@router.post("/payments")
async def create_payment(request: Request) -> Response:
    """Create a payment (status ``new``), or return the stamp's existing one (stamp rule)."""
    psp = get_psp(request)
    try:
        body = await _text_body(request)
        algorithm = authenticate(psp, request, body)
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise Refused(400, "content-type must be application/json; charset=utf-8")
        try:
            order = parse_order(json.loads(body))
        except json.JSONDecodeError:
            raise Refused(400, "body is not JSON") from None
        except InvalidOrder as exc:
            raise Refused(400, exc.message) from None
        try:
            transaction = psp.store.create(order)
        except DuplicateStamp:
            raise Refused(400, "duplicate stamp") from None
    except Refused as refused:
        return _error(psp, request, refused)
    psp.log.info(
        "psp_payment_created",
        transaction_id=transaction.transaction_id,
        creates_for_stamp=psp.store.creates_per_stamp[order.stamp],
    )
    return signed_json(psp, 201, _created(psp, transaction), algorithm)


@router.get("/payments/{transaction_id}")
async def get_payment(request: Request, transaction_id: str) -> Response:
    """The payment's status (needs the ``checkout-transaction-id`` header)."""
    psp = get_psp(request)
    try:
        body = await _text_body(request)
        algorithm = authenticate(psp, request, body, "checkout-transaction-id")
        if request.headers["checkout-transaction-id"] != transaction_id:
            raise Refused(400, "checkout-transaction-id does not match the path")
        transaction = psp.store.get(transaction_id)
        if transaction is None:
            raise Refused(404, "payment not found")
    except Refused as refused:
        return _error(psp, request, refused)
    return signed_json(psp, 200, _status(psp, transaction), algorithm)
