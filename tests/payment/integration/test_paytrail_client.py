"""The Paytrail client against a real HTTP server (Starlette on uvicorn, on a free port).

The server plays the PSP: it checks each request's signature with the domain's
``signature()`` (and refuses a reused nonce), and signs its answers the way Paytrail
does, or deliberately wrongly, or fails, as each test asks.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from ropo_payment.adapters.paytrail import (
    PaytrailClient,
    PspRejected,
    PspUnavailable,
    payment_body,
)
from ropo_payment.domain.psp import (
    PspItem,
    PspPaymentRequest,
    PspPaymentStatus,
    PspStatus,
    signature,
)
from ropo_payment.service_layer.ports import ProviderRejected, ProviderUnavailable
from ropo_platform.testing.ports import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCOUNT = "375917"
SECRET = "SAIPPUAKAUPPIAS"
TRANSACTION_ID = "2f0a4b9e-1c3d-4e5f-8a7b-6c5d4e3f2a1b"


@dataclass
class FakePsp:
    """What the server does next, and what it has seen."""

    base_url: str = ""
    mode: str = "ok"
    seen: list[dict[str, str]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    status_body: dict[str, Any] = field(default_factory=dict)

    def reset(self) -> None:
        self.mode = "ok"
        self.seen.clear()
        self.bodies.clear()
        self.nonces.clear()
        self.status_body = {
            "transactionId": TRANSACTION_ID,
            "status": "ok",
            "amount": 1525,
            "currency": "EUR",
            "stamp": "intent-1",
            "reference": "13013",
            "createdAt": "2026-11-27T09:58:00.000Z",
            "href": f"{self.base_url}/pay/{TRANSACTION_ID}",
            "provider": "nordea",
            "paidAt": "2026-11-27T09:59:00.123Z",
        }


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status)


def create_psp_app(psp: FakePsp) -> Starlette:
    async def check(request: Request) -> tuple[str, Response | None]:
        headers = dict(request.headers.items())
        body = (await request.body()).decode()
        psp.seen.append(headers)
        psp.bodies.append(body)
        algorithm = headers.get("checkout-algorithm", "")
        if headers.get("checkout-account") != ACCOUNT or algorithm not in ("sha256", "sha512"):
            return body, error(401, "unknown account or algorithm")
        if headers.get("signature") != signature(headers, body, SECRET, algorithm):
            return body, error(401, "bad signature")
        nonce = headers.get("checkout-nonce", "")
        if not nonce or nonce in psp.nonces:
            return body, error(401, "nonce reused")
        psp.nonces.add(nonce)
        return body, None

    def answer(data: dict[str, Any], status: int, algorithm: str) -> Response:
        if psp.mode == "reject":
            return error(400, "duplicate stamp")
        if psp.mode == "fail":
            return error(503, "maintenance")
        if psp.mode == "redirect":
            return Response(status_code=302, headers={"location": "http://example.invalid/"})
        text = json.dumps(data, separators=(",", ":"))
        headers = {
            "checkout-account": ACCOUNT,
            "checkout-algorithm": algorithm,
            "request-id": "req-1234",
        }
        signed = signature(headers, text, SECRET, algorithm)
        if psp.mode == "bad-signature":
            signed = signature(headers, text + " ", SECRET, algorithm)
        if psp.mode != "unsigned":
            headers["signature"] = signed
        return Response(text, status_code=status, headers=headers, media_type="application/json")

    async def create(request: Request) -> Response:
        body, refused = await check(request)
        if refused is not None:
            return refused
        if request.headers.get("content-type") != "application/json; charset=utf-8":
            return error(400, "content-type")
        if psp.mode == "slow":
            await asyncio.sleep(2)
        data = json.loads(body)
        created = {
            "transactionId": TRANSACTION_ID,
            "href": f"{psp.base_url}/pay/{TRANSACTION_ID}",
            "reference": data["reference"],
            "terms": "terms",
            "groups": [],
            "providers": [],
        }
        return answer(created, 201, request.headers["checkout-algorithm"])

    async def status(request: Request) -> Response:
        _, refused = await check(request)
        if refused is not None:
            return refused
        if request.headers.get("checkout-transaction-id") != request.path_params["id"]:
            return error(400, "checkout-transaction-id does not match")
        return answer(psp.status_body, 200, request.headers["checkout-algorithm"])

    return Starlette(
        routes=[
            Route("/psp/payments", create, methods=["POST"]),
            Route("/psp/payments/{id}", status, methods=["GET"]),
        ]
    )


@pytest.fixture(scope="module")
def psp_server() -> Iterator[FakePsp]:
    port = free_port()
    psp = FakePsp(base_url=f"http://127.0.0.1:{port}/psp")
    server = uvicorn.Server(
        uvicorn.Config(
            create_psp_app(psp),
            host="127.0.0.1",
            port=port,
            access_log=False,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("PSP test server did not start")
        time.sleep(0.01)
    try:
        yield psp
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def psp(psp_server: FakePsp) -> FakePsp:
    psp_server.reset()
    return psp_server


@pytest_asyncio.fixture
async def client(psp: FakePsp) -> AsyncIterator[PaytrailClient]:
    paytrail = PaytrailClient(psp.base_url, account=ACCOUNT, secret=SECRET, timeout=5.0)
    try:
        yield paytrail
    finally:
        await paytrail.aclose()


def payment_request(**changes: Any) -> PspPaymentRequest:
    values: dict[str, Any] = {
        "stamp": "intent-1",
        "reference": "13013",
        "amount_minor": 1525,
        "language": "FI",
        "items": (
            PspItem(1000, "invoices/1", "intent-1-1"),
            PspItem(525, "invoices/2", "intent-1-2"),
        ),
        "customer_email": "noreply@example.com",
        "success_url": "http://localhost:8080/maksu/paluu",
        "cancel_url": "http://localhost:8080/maksu/paluu",
        "callback_success_url": "http://localhost:8080/maksu/callback",
        "callback_cancel_url": "http://localhost:8080/maksu/callback",
    }
    values.update(changes)
    return PspPaymentRequest(**values)


async def test_create_payment_sends_a_signed_paytrail_body(
    psp: FakePsp, client: PaytrailClient
) -> None:
    created = await client.create_payment(payment_request())

    assert created.transaction_id == TRANSACTION_ID
    assert created.href == f"{psp.base_url}/pay/{TRANSACTION_ID}"
    (headers,) = psp.seen
    assert headers["checkout-method"] == "POST"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", headers["checkout-timestamp"])
    assert "checkout-transaction-id" not in headers
    (body,) = psp.bodies
    assert body == json.dumps(payment_body(payment_request()), separators=(",", ":"))
    assert json.loads(body) == {
        "stamp": "intent-1",
        "reference": "13013",
        "amount": 1525,
        "currency": "EUR",
        "language": "FI",
        "items": [
            {
                "unitPrice": 1000,
                "units": 1,
                "vatPercentage": 0,
                "productCode": "invoices/1",
                "stamp": "intent-1-1",
            },
            {
                "unitPrice": 525,
                "units": 1,
                "vatPercentage": 0,
                "productCode": "invoices/2",
                "stamp": "intent-1-2",
            },
        ],
        "customer": {"email": "noreply@example.com"},
        "redirectUrls": {
            "success": "http://localhost:8080/maksu/paluu",
            "cancel": "http://localhost:8080/maksu/paluu",
        },
        "callbackUrls": {
            "success": "http://localhost:8080/maksu/callback",
            "cancel": "http://localhost:8080/maksu/callback",
        },
    }


async def test_callback_urls_are_sent_only_when_given(psp: FakePsp, client: PaytrailClient) -> None:
    await client.create_payment(
        payment_request(callback_success_url=None, callback_cancel_url=None)
    )

    assert "callbackUrls" not in json.loads(psp.bodies[0])


async def test_every_request_has_a_fresh_nonce(psp: FakePsp, client: PaytrailClient) -> None:
    await client.create_payment(payment_request())
    await client.create_payment(payment_request())  # a retry: the server would refuse a reuse
    await client.get_payment(TRANSACTION_ID)

    nonces = [headers["checkout-nonce"] for headers in psp.seen]
    assert len(set(nonces)) == 3


async def test_the_clock_gives_the_timestamp(psp: FakePsp) -> None:
    moment = datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC)
    paytrail = PaytrailClient(psp.base_url, account=ACCOUNT, secret=SECRET, clock=lambda: moment)
    try:
        await paytrail.create_payment(payment_request())
    finally:
        await paytrail.aclose()

    assert psp.seen[0]["checkout-timestamp"] == "2026-11-27T10:00:00.123Z"


async def test_sha512_requests_and_answers_verify(psp: FakePsp) -> None:
    paytrail = PaytrailClient(psp.base_url, account=ACCOUNT, secret=SECRET, algorithm="sha512")
    try:
        created = await paytrail.create_payment(payment_request())
    finally:
        await paytrail.aclose()

    assert created.transaction_id == TRANSACTION_ID
    assert len(psp.seen[0]["signature"]) == 128


@pytest.mark.parametrize("mode", ["bad-signature", "unsigned"])
async def test_an_answer_whose_signature_does_not_verify_is_unavailable(
    psp: FakePsp, client: PaytrailClient, mode: str
) -> None:
    psp.mode = mode

    with pytest.raises(PspUnavailable, match=r"signature|not signed"):
        await client.create_payment(payment_request())
    with pytest.raises(ProviderUnavailable):
        await client.get_payment(TRANSACTION_ID)


async def test_a_4xx_is_rejected_with_the_psp_message(psp: FakePsp, client: PaytrailClient) -> None:
    psp.mode = "reject"

    with pytest.raises(PspRejected) as caught:
        await client.create_payment(payment_request())

    assert (caught.value.status_code, caught.value.message) == (400, "duplicate stamp")
    assert isinstance(caught.value, ProviderRejected)


async def test_a_request_signed_with_the_wrong_secret_is_rejected(psp: FakePsp) -> None:
    paytrail = PaytrailClient(psp.base_url, account=ACCOUNT, secret="not the secret")
    try:
        with pytest.raises(PspRejected) as caught:
            await paytrail.create_payment(payment_request())
    finally:
        await paytrail.aclose()

    assert (caught.value.status_code, caught.value.message) == (401, "bad signature")


async def test_a_5xx_is_unavailable(psp: FakePsp, client: PaytrailClient) -> None:
    psp.mode = "fail"

    with pytest.raises(PspUnavailable, match="503"):
        await client.create_payment(payment_request())


async def test_a_redirect_is_not_followed(psp: FakePsp, client: PaytrailClient) -> None:
    psp.mode = "redirect"

    with pytest.raises(PspUnavailable, match="302"):
        await client.create_payment(payment_request())
    assert len(psp.seen) == 1


async def test_a_refused_connection_is_unavailable() -> None:
    paytrail = PaytrailClient(
        f"http://127.0.0.1:{free_port()}/psp", account=ACCOUNT, secret=SECRET, timeout=2.0
    )
    try:
        with pytest.raises(PspUnavailable, match="could not be reached"):
            await paytrail.create_payment(payment_request())
    finally:
        await paytrail.aclose()


async def test_a_slow_psp_times_out_as_unavailable(psp: FakePsp) -> None:
    psp.mode = "slow"
    paytrail = PaytrailClient(psp.base_url, account=ACCOUNT, secret=SECRET, timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(PspUnavailable, match="in time"):
            await paytrail.create_payment(payment_request())
    finally:
        await paytrail.aclose()

    assert time.monotonic() - started < 1.5


async def test_get_payment_reads_the_status(psp: FakePsp, client: PaytrailClient) -> None:
    status = await client.get_payment(TRANSACTION_ID)

    assert status == PspPaymentStatus(
        transaction_id=TRANSACTION_ID,
        stamp="intent-1",
        status=PspStatus.OK,
        amount_minor=1525,
        provider="nordea",
        paid_at=datetime(2026, 11, 27, 9, 59, 0, 123000, tzinfo=UTC),
    )
    (headers,) = psp.seen
    assert (headers["checkout-method"], headers["checkout-transaction-id"]) == (
        "GET",
        TRANSACTION_ID,
    )
    assert psp.bodies == [""]


async def test_get_payment_of_a_new_payment_has_no_provider_or_paid_time(
    psp: FakePsp, client: PaytrailClient
) -> None:
    psp.status_body.update(status="new", provider=None, paidAt=None)

    status = await client.get_payment(TRANSACTION_ID)

    assert (status.status, status.provider, status.paid_at) == (PspStatus.NEW, "", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "paid"},
        {"amount": "1525"},
        {"amount": 15.25},
        {"transactionId": "another"},
        {"paidAt": "yesterday"},
    ],
)
async def test_an_unusable_status_answer_is_unavailable(
    psp: FakePsp, client: PaytrailClient, changes: dict[str, Any]
) -> None:
    psp.status_body.update(changes)

    with pytest.raises(PspUnavailable):
        await client.get_payment(TRANSACTION_ID)


async def test_the_secret_is_not_in_the_client_repr() -> None:
    paytrail = PaytrailClient("http://psp", account=ACCOUNT, secret=SECRET)
    try:
        assert SECRET not in repr(paytrail)
    finally:
        await paytrail.aclose()
