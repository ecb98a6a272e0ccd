"""Paytrail signing and the verification of redirects and callbacks (domain/psp.py).

The known-answer vectors are the two worked examples of Paytrail's API documentation.
"""

from __future__ import annotations

import json

import pytest
from ropo_payment.domain.psp import (
    PspItem,
    PspPaymentRequest,
    PspReturn,
    PspStatus,
    SignatureInvalid,
    signature,
    verify_return,
)

ACCOUNT = "375917"
SECRET = "SAIPPUAKAUPPIAS"

VECTOR_1_HEADERS = {
    "checkout-account": "375917",
    "checkout-algorithm": "sha256",
    "checkout-method": "POST",
    "checkout-nonce": "564635208570151",
    "checkout-timestamp": "2018-07-06T10:01:31.904Z",
}
VECTOR_1_BODY = {
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
}
VECTOR_1_SIGNATURE = "9a4a7735279de4c99268e4566a5526ae887e73e6e58f2918cb2309ccac366129"

# Vector 2 in the order of the documented query string (signing sorts it).
VECTOR_2_QUERY = {
    "checkout-account": "375917",
    "checkout-algorithm": "sha256",
    "checkout-amount": "2964",
    "checkout-stamp": "15336332710015",
    "checkout-reference": "192387192837195",
    "checkout-transaction-id": "4b300af6-9a22-11e8-9184-abb6de7fd2d0",
    "checkout-status": "ok",
    "checkout-provider": "nordea",
}
VECTOR_2_SIGNATURE = "b2d3ecdda2c04563a4638fcade3d4e77dfdc58829b429ad2c2cb422d0fc64080"


def signed(query: dict[str, str], algorithm: str = "sha256") -> dict[str, str]:
    """``query`` with its ``signature`` (and ``checkout-algorithm``) added."""
    params = {**query, "checkout-algorithm": algorithm}
    return {**params, "signature": signature(params, "", SECRET, algorithm)}


def reason_of(query: dict[str, str]) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        verify_return(query, account=ACCOUNT, secret=SECRET)
    return caught.value.reason


def test_paytrail_hmac_vectors() -> None:
    body = json.dumps(VECTOR_1_BODY, separators=(",", ":"))
    assert signature(VECTOR_1_HEADERS, body, SECRET) == VECTOR_1_SIGNATURE
    assert signature(VECTOR_2_QUERY, "", SECRET) == VECTOR_2_SIGNATURE

    verified = verify_return(
        {**VECTOR_2_QUERY, "signature": VECTOR_2_SIGNATURE}, account=ACCOUNT, secret=SECRET
    )

    assert verified == PspReturn(
        transaction_id="4b300af6-9a22-11e8-9184-abb6de7fd2d0",
        stamp="15336332710015",
        reference="192387192837195",
        amount_minor=2964,
        status=PspStatus.OK,
        provider="nordea",
    )


def test_signature_ignores_other_parameters_and_lowercases_header_names() -> None:
    headers = {key.title(): value for key, value in VECTOR_1_HEADERS.items()}
    headers["content-type"] = "application/json; charset=utf-8"
    body = json.dumps(VECTOR_1_BODY, separators=(",", ":"))

    assert signature(headers, body, SECRET) == VECTOR_1_SIGNATURE


def test_signature_refuses_an_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        signature(VECTOR_2_QUERY, "", SECRET, "md5")


@pytest.mark.parametrize(
    ("name", "value"),
    [("checkout-amount", "2965"), ("checkout-status", "fail"), ("checkout-stamp", "other")],
)
def test_a_tampered_parameter_is_refused(name: str, value: str) -> None:
    query = {**VECTOR_2_QUERY, "signature": VECTOR_2_SIGNATURE, name: value}

    assert reason_of(query) == "BAD_SIGNATURE"


def test_a_missing_signature_is_refused() -> None:
    assert reason_of(dict(VECTOR_2_QUERY)) == "MISSING_SIGNATURE"
    assert reason_of({**VECTOR_2_QUERY, "signature": ""}) == "MISSING_SIGNATURE"


def test_a_signature_made_with_another_secret_is_refused() -> None:
    query = {**VECTOR_2_QUERY, "signature": signature(VECTOR_2_QUERY, "", "other secret")}

    assert reason_of(query) == "BAD_SIGNATURE"


def test_a_signature_that_is_not_hex_text_is_refused_not_crashed() -> None:
    assert reason_of({**VECTOR_2_QUERY, "signature": "ääkkönen"}) == "BAD_SIGNATURE"


def test_sha512_is_accepted() -> None:
    query = signed(VECTOR_2_QUERY, "sha512")

    assert len(query["signature"]) == 128
    assert verify_return(query, account=ACCOUNT, secret=SECRET).amount_minor == 2964


def test_a_sha256_signature_claimed_as_sha512_is_refused() -> None:
    query = {**VECTOR_2_QUERY, "checkout-algorithm": "sha512", "signature": VECTOR_2_SIGNATURE}

    assert reason_of(query) == "BAD_SIGNATURE"


def test_an_unsupported_algorithm_is_refused() -> None:
    query = {**VECTOR_2_QUERY, "checkout-algorithm": "md5", "signature": VECTOR_2_SIGNATURE}

    assert reason_of(query) == "UNSUPPORTED_ALGORITHM"


def test_an_unknown_signed_parameter_still_verifies() -> None:
    query = signed({**VECTOR_2_QUERY, "checkout-foo": "bar"})

    assert verify_return(query, account=ACCOUNT, secret=SECRET).transaction_id == (
        "4b300af6-9a22-11e8-9184-abb6de7fd2d0"
    )


def test_a_parameter_appended_after_signing_is_refused() -> None:
    query = {**VECTOR_2_QUERY, "signature": VECTOR_2_SIGNATURE, "checkout-foo": "bar"}

    assert reason_of(query) == "BAD_SIGNATURE"


def test_a_parameter_outside_checkout_is_not_signed_and_not_read() -> None:
    query = {**VECTOR_2_QUERY, "signature": VECTOR_2_SIGNATURE, "utm_source": "mail"}

    assert verify_return(query, account=ACCOUNT, secret=SECRET).status is PspStatus.OK


def test_another_merchant_account_is_refused() -> None:
    query = signed({**VECTOR_2_QUERY, "checkout-account": "695861"})

    assert reason_of(query) == "UNKNOWN_ACCOUNT"


@pytest.mark.parametrize("amount", ["29.64", "-5", "2964x", "", "²"])
def test_a_signed_amount_that_is_not_a_whole_number_of_cents_is_refused(amount: str) -> None:
    query = signed({**VECTOR_2_QUERY, "checkout-amount": amount})

    assert reason_of(query) in {"MALFORMED_PARAMETER", "MISSING_PARAMETER"}
    if amount:
        assert reason_of(query) == "MALFORMED_PARAMETER"


def test_an_unknown_status_is_refused() -> None:
    query = signed({**VECTOR_2_QUERY, "checkout-status": "paid"})

    assert reason_of(query) == "MALFORMED_PARAMETER"


@pytest.mark.parametrize(
    "name",
    [
        "checkout-stamp",
        "checkout-reference",
        "checkout-transaction-id",
        "checkout-status",
        "checkout-amount",
    ],
)
def test_a_missing_required_parameter_is_refused(name: str) -> None:
    query = signed({key: value for key, value in VECTOR_2_QUERY.items() if key != name})

    with pytest.raises(SignatureInvalid) as caught:
        verify_return(query, account=ACCOUNT, secret=SECRET)
    assert caught.value.reason == "MISSING_PARAMETER"
    assert caught.value.detail == name


def test_a_missing_account_or_algorithm_is_refused() -> None:
    without_account = {k: v for k, v in VECTOR_2_QUERY.items() if k != "checkout-account"}
    without_algorithm = {k: v for k, v in VECTOR_2_QUERY.items() if k != "checkout-algorithm"}

    assert reason_of({**without_account, "signature": VECTOR_2_SIGNATURE}) == "MISSING_PARAMETER"
    assert reason_of({**without_algorithm, "signature": VECTOR_2_SIGNATURE}) == "MISSING_PARAMETER"


def test_every_status_is_read() -> None:
    for status in PspStatus:
        query = signed({**VECTOR_2_QUERY, "checkout-status": status.value})
        assert verify_return(query, account=ACCOUNT, secret=SECRET).status is status


def test_the_provider_is_optional() -> None:
    query = signed({k: v for k, v in VECTOR_2_QUERY.items() if k != "checkout-provider"})

    assert verify_return(query, account=ACCOUNT, secret=SECRET).provider == ""


def payment_request(**changes: object) -> PspPaymentRequest:
    values: dict[str, object] = {
        "stamp": "intent-1",
        "reference": "13013",
        "amount_minor": 1525,
        "language": "FI",
        "items": (PspItem(1000, "invoices/1", "intent-1-1"), PspItem(525, "invoices/2", "i-2")),
        "customer_email": "noreply@example.com",
        "success_url": "http://localhost:8080/maksu/paluu",
        "cancel_url": "http://localhost:8080/maksu/paluu",
    }
    values.update(changes)
    return PspPaymentRequest(**values)  # type: ignore[arg-type]


def test_a_payment_request_must_add_up() -> None:
    assert payment_request().amount_minor == 1525
    with pytest.raises(ValueError, match="sum of the items"):
        payment_request(amount_minor=1526)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_minor": 0, "items": ()},
        {"amount_minor": 99_999_999, "items": ()},
        {"language": "DE"},
    ],
)
def test_a_payment_request_outside_paytrail_limits_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        payment_request(**changes)
