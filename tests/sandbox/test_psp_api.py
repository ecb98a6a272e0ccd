"""Conformance of the sandbox's signed merchant API, over real HTTP (uvicorn)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from ropo_sandbox.psp.signing import sign
from test_psp_harness import (
    SECRET,
    MerchantClient,
    RunningPsp,
    order,
    response_signature_ok,
    running_psp,
)


@pytest.fixture(scope="module")
def psp() -> Iterator[RunningPsp]:
    with running_psp() as running:
        yield running


@pytest.fixture
def merchant(psp: RunningPsp) -> Iterator[MerchantClient]:
    client = MerchantClient(psp)
    yield client
    client.close()


def stamp_counts(merchant: MerchantClient, stamp: str) -> dict[str, object]:
    response = merchant.http.get(f"/control/stamps/{stamp}")
    assert response.status_code == 200
    counts: dict[str, object] = response.json()
    return counts


def test_create_answers_a_signed_payment_with_the_hosted_page(
    psp: RunningPsp, merchant: MerchantClient
) -> None:
    response = merchant.create(order(reference="1232"))

    assert response.status_code == 201, response.text
    assert response_signature_ok(response)
    assert response.headers["checkout-account"] == "375917"
    assert uuid.UUID(response.headers["request-id"])
    body = response.json()
    transaction_id = body["transactionId"]
    assert uuid.UUID(transaction_id).version == 4
    assert body["href"] == f"{psp.base_url}/psp/pay/{transaction_id}"
    assert body["reference"] == "1232"
    assert body["groups"] == []
    assert {"nordea", "op", "danske"} <= {provider["id"] for provider in body["providers"]}
    assert all(provider["url"] == body["href"] for provider in body["providers"])


def test_status_of_a_new_payment_is_signed(merchant: MerchantClient) -> None:
    body = order(amount=2964, reference="192387192837195")
    transaction_id = merchant.create(body).json()["transactionId"]

    response = merchant.status(transaction_id)

    assert response.status_code == 200, response.text
    assert response_signature_ok(response)
    assert response.headers["request-id"]
    status = response.json()
    assert status["transactionId"] == transaction_id
    assert status["status"] == "new"
    assert status["amount"] == 2964
    assert status["currency"] == "EUR"
    assert status["stamp"] == body["stamp"]
    assert status["reference"] == "192387192837195"
    assert status["createdAt"].endswith("Z")
    assert status["provider"] is None
    assert status["paidAt"] is None


def test_status_of_a_paid_payment_has_provider_and_paid_at(merchant: MerchantClient) -> None:
    transaction_id = merchant.create(order()).json()["transactionId"]
    completed = merchant.http.post(
        f"/control/payments/{transaction_id}/complete",
        json={"outcome": "success", "provider": "op"},
    )
    assert completed.status_code == 200

    status = merchant.status(transaction_id).json()

    assert status["status"] == "ok"
    assert status["provider"] == "op"
    assert status["paidAt"].endswith("Z")


def test_unknown_transaction_is_404_and_signed(merchant: MerchantClient) -> None:
    response = merchant.status(str(uuid.uuid4()))

    assert response.status_code == 404
    assert response_signature_ok(response)
    assert response.json()["status"] == "error"


def test_status_needs_the_transaction_id_header(merchant: MerchantClient) -> None:
    transaction_id = merchant.create(order()).json()["transactionId"]
    headers = merchant.headers("GET")  # signed, but without checkout-transaction-id

    response = merchant.http.get(f"/payments/{transaction_id}", headers=headers)

    assert response.status_code == 401
    assert "checkout-transaction-id" in response.json()["message"]


def test_bad_hmac_is_401(merchant: MerchantClient) -> None:
    response = merchant.create(order(), secret="not-the-secret")

    assert response.status_code == 401
    assert response.json() == {"status": "error", "message": "signature verification failed"}
    assert response_signature_ok(response)


def test_tampered_body_is_401(merchant: MerchantClient) -> None:
    body = order(amount=1000)
    text = json.dumps(body, separators=(",", ":"))
    headers = merchant.headers("POST", text)
    headers["content-type"] = "application/json; charset=utf-8"
    tampered = text.replace("1000", "1")

    response = merchant.http.post("/payments", content=tampered.encode(), headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "checkout-account",
        "checkout-algorithm",
        "checkout-method",
        "checkout-nonce",
        "checkout-timestamp",
        "signature",
    ],
)
def test_missing_header_is_401(merchant: MerchantClient, header: str) -> None:
    text = json.dumps(order(), separators=(",", ":"))
    headers = merchant.headers("POST", text)
    del headers[header]
    if header != "signature":
        # Re-sign without it, so only the missing header is wrong.
        headers["signature"] = sign(
            headers, text, SECRET, headers.get("checkout-algorithm", "sha256")
        )
    headers["content-type"] = "application/json; charset=utf-8"

    response = merchant.http.post("/payments", content=text.encode(), headers=headers)

    assert response.status_code == 401
    assert header in response.json()["message"]


def test_unknown_account_and_wrong_method_are_401(merchant: MerchantClient) -> None:
    text = json.dumps(order(), separators=(",", ":"))
    for change in (
        {"checkout-account": "695861"},
        {"checkout-method": "GET"},
        {"checkout-algorithm": "md5"},
    ):
        headers = merchant.headers("POST", text)
        headers.update(change)
        headers["signature"] = sign(headers, text, SECRET, "sha256")
        headers["content-type"] = "application/json; charset=utf-8"

        response = merchant.http.post("/payments", content=text.encode(), headers=headers)

        assert response.status_code == 401, change


def test_reused_nonce_is_401(merchant: MerchantClient) -> None:
    nonce = uuid.uuid4().hex

    first = merchant.create(order(), nonce=nonce)
    second = merchant.create(order(), nonce=nonce)

    assert first.status_code == 201
    assert second.status_code == 401
    assert second.json()["message"] == "checkout-nonce was already used"


def test_nonce_is_forgotten_after_ten_minutes() -> None:
    with running_psp() as psp:
        merchant = MerchantClient(psp)
        nonce = uuid.uuid4().hex
        assert merchant.create(order(), nonce=nonce).status_code == 201
        psp.clock.advance(599)
        assert merchant.create(order(), nonce=nonce).status_code == 401
        psp.clock.advance(2)
        assert merchant.create(order(), nonce=nonce).status_code == 201
        merchant.close()


@pytest.mark.parametrize("skew", [301.0, -301.0])
def test_timestamp_skew_over_300_seconds_is_401(merchant: MerchantClient, skew: float) -> None:
    response = merchant.create(order(), skew=skew)

    assert response.status_code == 401
    assert "checkout-timestamp" in response.json()["message"]


@pytest.mark.parametrize("skew", [299.0, -299.0])
def test_timestamp_skew_under_300_seconds_is_accepted(
    merchant: MerchantClient, skew: float
) -> None:
    assert merchant.create(order(), skew=skew).status_code == 201


def test_sha512_is_accepted_and_answered_in_sha512(psp: RunningPsp) -> None:
    merchant = MerchantClient(psp, algorithm="sha512")
    created = merchant.create(order())
    status = merchant.status(created.json()["transactionId"])
    merchant.close()

    assert created.status_code == 201, created.text
    assert created.headers["checkout-algorithm"] == "sha512"
    assert len(created.headers["signature"]) == 128
    assert response_signature_ok(created)
    assert status.status_code == 200
    assert response_signature_ok(status)


def test_duplicate_stamp_with_the_same_body_returns_the_same_transaction(
    merchant: MerchantClient,
) -> None:
    body = order()

    first = merchant.create(body)
    second = merchant.create(body)

    assert first.status_code == second.status_code == 201
    assert first.json()["transactionId"] == second.json()["transactionId"]
    assert stamp_counts(merchant, body["stamp"]) == {
        "stamp": body["stamp"],
        "transactions": 1,
        "creates": 2,
    }


def test_duplicate_stamp_with_a_different_body_is_400(merchant: MerchantClient) -> None:
    body = order(amount=1000)
    assert merchant.create(body).status_code == 201

    response = merchant.create(order(body["stamp"], amount=2000))

    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": "duplicate stamp"}
    assert stamp_counts(merchant, body["stamp"])["transactions"] == 1


def test_unknown_stamp_has_no_counts(merchant: MerchantClient) -> None:
    assert stamp_counts(merchant, "never-used") == {
        "stamp": "never-used",
        "transactions": 0,
        "creates": 0,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": 1526}, "amount does not match the sum of the items"),
        ({"amount": 0, "items": []}, "amount must be between 1 and 99999998"),
        ({"amount": 99_999_999, "items": []}, "amount must be between 1 and 99999998"),
        ({"amount": 15.25}, "amount must be an integer"),
        ({"currency": "SEK"}, "currency must be EUR"),
        ({"language": "DE"}, "language must be FI, SV or EN"),
        ({"stamp": ""}, "stamp is required"),
        ({"reference": None}, "reference is required"),
        ({"customer": {}}, "customer.email is required"),
        ({"redirectUrls": {"success": "http://a.example/ok"}}, "redirectUrls.cancel is required"),
        (
            {
                "redirectUrls": {
                    "success": "http://a.example/" + "x" * 300,
                    "cancel": "http://a.example/c",
                }
            },
            "redirectUrls.success is longer than 300 characters",
        ),
        (
            {"callbackUrls": {"success": "ftp://a.example/cb", "cancel": "http://a.example/cb"}},
            "callbackUrls.success must be an absolute http(s) URL",
        ),
        ({"callbackDelay": 901}, "callbackDelay must be between 0 and 900"),
    ],
)
def test_invalid_body_is_400(
    merchant: MerchantClient, change: dict[str, object], message: str
) -> None:
    body = order(amount=1525)
    body.update(change)

    response = merchant.create(body)

    assert response.status_code == 400
    assert response.json() == {"status": "error", "message": message}
    assert response_signature_ok(response)


def test_several_items_must_add_up(merchant: MerchantClient) -> None:
    body = order(amount=3000)
    body["items"] = [
        {"unitPrice": 1000, "units": 2, "vatPercentage": 0, "productCode": "inv-1"},
        {
            "unitPrice": 1000,
            "units": 1,
            "vatPercentage": 25.5,
            "productCode": "inv-2",
            "stamp": "x",
        },
    ]

    assert merchant.create(body).status_code == 201


def test_body_that_is_not_json_is_400(merchant: MerchantClient) -> None:
    text = "{not json"
    headers = merchant.headers("POST", text)
    headers["content-type"] = "application/json; charset=utf-8"

    response = merchant.http.post("/payments", content=text.encode(), headers=headers)

    assert response.status_code == 400
    assert response.json()["message"] == "body is not JSON"
