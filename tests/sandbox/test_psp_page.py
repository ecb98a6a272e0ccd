"""The hosted payment page over real HTTP: what it shows, and the signed browser redirect."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ropo_sandbox.psp.signing import is_valid
from test_psp_harness import SECRET, MerchantClient, RunningPsp, order, query_params, running_psp

SUCCESS_URL = "http://shop.example:8080/maksu/paluu?tilaus=7"
CANCEL_URL = "http://shop.example:8080/maksu/peruttu"


@pytest.fixture(scope="module")
def psp() -> Iterator[RunningPsp]:
    with running_psp() as running:
        yield running


@pytest.fixture
def merchant(psp: RunningPsp) -> Iterator[MerchantClient]:
    client = MerchantClient(psp)
    yield client
    client.close()


@pytest.fixture
def browser(psp: RunningPsp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=psp.base_url, follow_redirects=False, timeout=10) as client:
        yield client


def new_payment(merchant: MerchantClient, amount: int = 1525) -> tuple[str, str]:
    """(transaction id, href path) of a new payment to the shop's URLs."""
    created = merchant.create(
        order(amount=amount, reference="1232", success_url=SUCCESS_URL, cancel_url=CANCEL_URL)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return body["transactionId"], httpx.URL(body["href"]).path


def assert_signed_return(location: str, transaction_id: str, status: str, provider: str) -> None:
    params = query_params(location)
    assert is_valid(params, "", params["signature"], SECRET, params["checkout-algorithm"])
    assert params["checkout-account"] == "375917"
    assert params["checkout-transaction-id"] == transaction_id
    assert params["checkout-status"] == status
    assert params["checkout-provider"] == provider
    assert params["checkout-reference"] == "1232"
    assert params["checkout-amount"] == "1525"
    assert params["checkout-stamp"]


def test_page_shows_amount_reference_and_buttons(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    _, path = new_payment(merchant, amount=169632)

    page = browser.get(path)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "1\xa0696,32\xa0€" in page.text
    assert "1232" in page.text
    for label in ("Nordea", "OP", "Danske Bank", "Peruuta maksu", "Odottava maksu (pending)"):
        assert f">{label}</button>" in page.text
    assert 'name="outcome" value="success"' in page.text
    assert 'name="outcome" value="cancel"' in page.text
    assert 'name="outcome" value="pending"' in page.text
    # The browser is sent on to the shop after the POST: CSP must allow that origin.
    assert "form-action 'self' http://shop.example:8080" in page.headers["content-security-policy"]
    assert browser.get("/psp/assets/psp.css").status_code == 200


def test_small_amount_is_shown_exactly(merchant: MerchantClient, browser: httpx.Client) -> None:
    _, path = new_payment(merchant, amount=1525)

    assert "15,25\xa0€" in browser.get(path).text


def test_success_redirects_to_the_success_url_with_a_signed_query(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    transaction_id, path = new_payment(merchant)

    response = browser.post(path, data={"provider": "nordea", "outcome": "success"})

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("http://shop.example:8080/maksu/paluu?tilaus=7&checkout-")
    assert_signed_return(location, transaction_id, "ok", "nordea")
    assert merchant.status(transaction_id).json()["status"] == "ok"


def test_cancel_fails_the_payment_and_redirects_to_the_cancel_url(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    transaction_id, path = new_payment(merchant)

    response = browser.post(path, data={"provider": "paytrail", "outcome": "cancel"})

    assert response.status_code == 303
    assert response.headers["location"].startswith(CANCEL_URL + "?")
    assert_signed_return(response.headers["location"], transaction_id, "fail", "paytrail")
    assert merchant.status(transaction_id).json()["status"] == "fail"


def test_pending_then_success(merchant: MerchantClient, browser: httpx.Client) -> None:
    transaction_id, path = new_payment(merchant)

    pending = browser.post(path, data={"provider": "walley", "outcome": "pending"})
    page = browser.get(path)
    paid = browser.post(path, data={"provider": "op", "outcome": "success"})

    assert pending.status_code == 303
    assert pending.headers["location"].startswith(SUCCESS_URL)
    assert_signed_return(pending.headers["location"], transaction_id, "pending", "walley")
    assert ">Nordea</button>" in page.text  # a pending payment can still be finished
    assert paid.status_code == 303
    assert_signed_return(paid.headers["location"], transaction_id, "ok", "op")


def test_a_finished_payment_offers_no_buttons_and_refuses_a_second_post(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    transaction_id, path = new_payment(merchant)
    assert browser.post(path, data={"provider": "op", "outcome": "success"}).status_code == 303

    page = browser.get(path)
    again = browser.post(path, data={"provider": "paytrail", "outcome": "cancel"})

    assert page.status_code == 200
    assert "Maksu on jo maksettu" in page.text
    assert "<button" not in page.text
    assert again.status_code == 409
    assert "location" not in again.headers
    assert merchant.status(transaction_id).json()["status"] == "ok"


def test_unknown_payment_and_bad_form_are_refused(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    _, path = new_payment(merchant)

    assert browser.get("/psp/pay/00000000-0000-4000-8000-000000000000").status_code == 404
    assert browser.post(path, data={"provider": "nordea", "outcome": "steal"}).status_code == 400
    assert browser.post(path, data={"provider": "evil", "outcome": "success"}).status_code == 400
    assert "Nordea" in browser.get(path).text  # still payable


def test_extra_parameters_are_signed_into_the_redirect(
    merchant: MerchantClient, browser: httpx.Client
) -> None:
    settings = merchant.http.put(
        "/control/settings", json={"extraParameters": {"checkout-foo": "bar"}}
    )
    assert settings.status_code == 200
    try:
        transaction_id, path = new_payment(merchant)
        location = browser.post(path, data={"provider": "nordea", "outcome": "success"}).headers[
            "location"
        ]
    finally:
        merchant.http.put("/control/settings", json={"extraParameters": {}})

    params = query_params(location)
    assert params["checkout-foo"] == "bar"
    assert_signed_return(location, transaction_id, "ok", "nordea")
    without_foo = {key: value for key, value in params.items() if key != "checkout-foo"}
    assert not is_valid(without_foo, "", params["signature"], SECRET, "sha256")
