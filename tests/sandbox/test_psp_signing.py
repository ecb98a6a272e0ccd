"""The sandbox's own Paytrail signer and verifier against the published known answers."""

from __future__ import annotations

import io
import json
from datetime import datetime
from urllib.parse import parse_qsl

import httpx
from ropo_sandbox.app import create_app
from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.psp.signing import checkout_params, is_valid, sign, signing_payload
from sandbox_support import FakeClock
from test_psp_harness import SECRET

# Paytrail's documented example 1: a create-payment request.
VECTOR_1_HEADERS = {
    "checkout-account": "375917",
    "checkout-algorithm": "sha256",
    "checkout-method": "POST",
    "checkout-nonce": "564635208570151",
    "checkout-timestamp": "2018-07-06T10:01:31.904Z",
}
VECTOR_1_BODY = json.dumps(
    {
        "stamp": "unique-identifier-for-merchant",
        "reference": "3759170",
        "amount": 1525,
        "currency": "EUR",
        "language": "FI",
        "items": [
            {
                "unitPrice": 1525,
                "units": 1,
                "vatPercentage": 25.5,
                "productCode": "#1234",
                "deliveryDate": "2018-09-01",
            }
        ],
        "customer": {"email": "test.customer@example.com"},
        "redirectUrls": {
            "success": "https://ecom.example.com/cart/success",
            "cancel": "https://ecom.example.com/cart/cancel",
        },
    },
    separators=(",", ":"),
)
VECTOR_1_SIGNATURE = "9a4a7735279de4c99268e4566a5526ae887e73e6e58f2918cb2309ccac366129"
# Vector 2: a redirect/callback query (empty body).
VECTOR_2_QUERY = (
    "checkout-account=375917&checkout-algorithm=sha256&checkout-amount=2964"
    "&checkout-stamp=15336332710015&checkout-reference=192387192837195"
    "&checkout-transaction-id=4b300af6-9a22-11e8-9184-abb6de7fd2d0"
    "&checkout-status=ok&checkout-provider=nordea"
)
VECTOR_2_SIGNATURE = "b2d3ecdda2c04563a4638fcade3d4e77dfdc58829b429ad2c2cb422d0fc64080"


def test_paytrail_hmac_vectors() -> None:
    # Vector 1 as a request: header names as a server may see them, plus a non-signed header.
    request_headers = {key.title(): value for key, value in VECTOR_1_HEADERS.items()}
    request_headers["Content-Type"] = "application/json; charset=utf-8"
    assert sign(request_headers, VECTOR_1_BODY, SECRET) == VECTOR_1_SIGNATURE
    assert is_valid(request_headers, VECTOR_1_BODY, VECTOR_1_SIGNATURE, SECRET, "sha256")
    # Vector 2 as a query (order as sent, signature checked over the sorted set).
    query = dict(parse_qsl(VECTOR_2_QUERY))
    assert sign(query, "", SECRET) == VECTOR_2_SIGNATURE
    assert is_valid(
        {**query, "signature": VECTOR_2_SIGNATURE}, "", VECTOR_2_SIGNATURE, SECRET, "sha256"
    )


def test_vector_2_payload_is_the_documented_text() -> None:
    expected = (
        "checkout-account:375917\ncheckout-algorithm:sha256\ncheckout-amount:2964\n"
        "checkout-provider:nordea\ncheckout-reference:192387192837195\n"
        "checkout-stamp:15336332710015\ncheckout-status:ok\n"
        "checkout-transaction-id:4b300af6-9a22-11e8-9184-abb6de7fd2d0\n"
    )

    assert signing_payload(dict(parse_qsl(VECTOR_2_QUERY)), "") == expected


def test_tampering_and_wrong_inputs_fail_verification() -> None:
    query = dict(parse_qsl(VECTOR_2_QUERY))

    assert not is_valid(
        {**query, "checkout-amount": "2965"}, "", VECTOR_2_SIGNATURE, SECRET, "sha256"
    )
    assert not is_valid(
        {**query, "checkout-status": "fail"}, "", VECTOR_2_SIGNATURE, SECRET, "sha256"
    )
    assert not is_valid({**query, "checkout-foo": "bar"}, "", VECTOR_2_SIGNATURE, SECRET, "sha256")
    assert not is_valid(query, "", VECTOR_2_SIGNATURE, "other-secret", "sha256")
    assert not is_valid(query, "", VECTOR_2_SIGNATURE, SECRET, "md5")
    assert not is_valid(query, "", "ä" * 64, SECRET, "sha256")
    assert is_valid(query, "", VECTOR_2_SIGNATURE.upper(), SECRET, "sha256")


def test_sha512_signs_the_same_payload() -> None:
    query = dict(parse_qsl(VECTOR_2_QUERY))

    signature = sign(query, "", SECRET, "sha512")

    assert len(signature) == 128
    assert is_valid(query, "", signature, SECRET, "sha512")
    assert not is_valid(query, "", signature, SECRET, "sha256")


def test_only_checkout_parameters_are_signed() -> None:
    params = {"Checkout-Foo": "bar", "signature": "x", "platform-name": "ropo"}

    assert checkout_params(params) == {"checkout-foo": "bar"}


async def test_the_api_accepts_vector_1_as_sent_at_its_own_time() -> None:
    # The vector's timestamp is 2018: with the clock set there, the exact request
    # of the reference passes authentication and creates a payment.
    clock = FakeClock()
    clock.now = datetime.fromisoformat("2018-07-06T10:01:40.000Z").timestamp()
    app = create_app(SandboxSettings(), clock=clock, log_stream=io.StringIO())
    headers = {**VECTOR_1_HEADERS, "signature": VECTOR_1_SIGNATURE}
    headers["content-type"] = "application/json; charset=utf-8"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        created = await client.post(
            "/psp/payments", content=VECTOR_1_BODY.encode(), headers=headers
        )
        replayed = await client.post(
            "/psp/payments", content=VECTOR_1_BODY.encode(), headers=headers
        )

    assert created.status_code == 201, created.text
    assert created.json()["reference"] == "3759170"
    assert replayed.status_code == 401
    assert replayed.json() == {"status": "error", "message": "checkout-nonce was already used"}
