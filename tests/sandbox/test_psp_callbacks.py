"""Callback delivery to a real HTTP receiver: signed GETs, duplicates, drop, delay, retry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ropo_sandbox.psp.signing import is_valid
from sandbox_support import free_port
from test_psp_harness import (
    SECRET,
    MerchantClient,
    Receiver,
    RunningPsp,
    order,
    query_params,
    running_psp,
    running_receiver,
    wait_until,
)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def psp() -> Iterator[RunningPsp]:
    with running_psp() as running:
        yield running


@pytest.fixture
def merchant(psp: RunningPsp) -> Iterator[MerchantClient]:
    client = MerchantClient(psp)
    yield client
    # Back to the defaults, whatever the test changed.
    reset = {
        "callbackDelaySeconds": 0,
        "callbackDuplicates": 1,
        "dropCallbacks": False,
        "extraParameters": {},
    }
    assert client.http.put("/control/settings", json=reset).status_code == 200
    client.close()


def configure(merchant: MerchantClient, **settings: Any) -> None:
    response = merchant.http.put("/control/settings", json=settings)
    assert response.status_code == 200, response.text


def payment_with_callbacks(
    merchant: MerchantClient, receiver: Receiver, **extra: Any
) -> tuple[str, str, str]:
    """(transaction id, success callback path, cancel callback path)."""
    success, cancel = receiver.new_path(), receiver.new_path()
    body = order(
        callback_success=receiver.url(success) + "?shop=1",
        callback_cancel=receiver.url(cancel),
        **extra,
    )
    created = merchant.create(body)
    assert created.status_code == 201, created.text
    return created.json()["transactionId"], success, cancel


def complete(merchant: MerchantClient, transaction_id: str, outcome: str) -> dict[str, Any]:
    response = merchant.http.post(
        f"/control/payments/{transaction_id}/complete", json={"outcome": outcome}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_signed(params: dict[str, str], transaction_id: str, status: str) -> None:
    assert is_valid(params, "", params["signature"], SECRET, params["checkout-algorithm"])
    assert params["checkout-transaction-id"] == transaction_id
    assert params["checkout-status"] == status


def test_success_callback_is_a_signed_get(merchant: MerchantClient, receiver: Receiver) -> None:
    transaction_id, success, cancel = payment_with_callbacks(merchant, receiver)

    result = complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 1)
    time.sleep(0.2)
    [callback] = receiver.at(success)
    assert callback.method == "GET"
    assert callback.params["shop"] == "1"  # the merchant's own query is kept
    assert_signed(callback.params, transaction_id, "ok")
    assert callback.params["checkout-provider"] == "nordea"
    assert len(receiver.at(success)) == 1
    assert receiver.at(cancel) == []
    # The callback carries the same signed data as the browser redirect.
    redirect = query_params(result["redirectUrl"])
    assert {k: v for k, v in callback.params.items() if k != "shop"} == redirect


def test_cancel_calls_the_cancel_url(merchant: MerchantClient, receiver: Receiver) -> None:
    transaction_id, success, cancel = payment_with_callbacks(merchant, receiver)

    complete(merchant, transaction_id, "cancel")

    assert wait_until(lambda: len(receiver.at(cancel)) == 1)
    assert_signed(receiver.at(cancel)[0].params, transaction_id, "fail")
    assert receiver.at(success) == []


def test_pending_then_success_calls_back_twice(
    merchant: MerchantClient, receiver: Receiver
) -> None:
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver)

    complete(merchant, transaction_id, "pending")
    assert wait_until(lambda: len(receiver.at(success)) == 1)
    complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 2)
    statuses = [received.params["checkout-status"] for received in receiver.at(success)]
    assert statuses == ["pending", "ok"]


def test_duplicates_deliver_n_times(merchant: MerchantClient, receiver: Receiver) -> None:
    configure(merchant, callbackDuplicates=5)
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver)

    complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 5)
    time.sleep(0.2)
    deliveries = receiver.at(success)
    assert len(deliveries) == 5
    for delivery in deliveries:
        assert_signed(delivery.params, transaction_id, "ok")


def test_dropped_callbacks_never_arrive_but_the_redirect_works(
    psp: RunningPsp, merchant: MerchantClient, receiver: Receiver
) -> None:
    configure(merchant, dropCallbacks=True)
    transaction_id, success, cancel = payment_with_callbacks(merchant, receiver)
    page = merchant.http.get(f"/pay/{transaction_id}")
    assert page.status_code == 200

    with httpx.Client(base_url=psp.base_url, follow_redirects=False) as browser:
        response = browser.post(
            f"/psp/pay/{transaction_id}", data={"provider": "op", "outcome": "success"}
        )

    assert response.status_code == 303
    assert_signed(query_params(response.headers["location"]), transaction_id, "ok")
    time.sleep(0.5)
    assert receiver.at(success) == [] and receiver.at(cancel) == []
    assert merchant.status(transaction_id).json()["status"] == "ok"


def test_delay_is_honoured_and_does_not_hold_up_the_redirect(
    psp: RunningPsp, merchant: MerchantClient, receiver: Receiver
) -> None:
    configure(merchant, callbackDelaySeconds=1.0)
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver)

    with httpx.Client(base_url=psp.base_url, follow_redirects=False) as browser:
        started = time.monotonic()
        response = browser.post(
            f"/psp/pay/{transaction_id}", data={"provider": "op", "outcome": "success"}
        )
        answered = time.monotonic() - started

    assert response.status_code == 303
    assert answered < 0.5
    assert receiver.at(success) == []
    assert wait_until(lambda: len(receiver.at(success)) == 1, timeout=5)
    assert receiver.at(success)[0].at - started >= 1.0


def test_payment_callback_delay_wins_over_the_default(
    merchant: MerchantClient, receiver: Receiver
) -> None:
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver, callbackDelay=1)

    started = time.monotonic()
    complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 1, timeout=5)
    assert receiver.at(success)[0].at - started >= 1.0


def test_extra_parameters_are_signed_into_callbacks(
    merchant: MerchantClient, receiver: Receiver
) -> None:
    configure(merchant, extraParameters={"checkout-foo": "bar"})
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver)

    complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 1)
    params = receiver.at(success)[0].params
    assert params["checkout-foo"] == "bar"
    assert_signed(params, transaction_id, "ok")
    params.pop("checkout-foo")
    assert not is_valid(params, "", params["signature"], SECRET, "sha256")


def test_a_failing_receiver_is_retried(merchant: MerchantClient, receiver: Receiver) -> None:
    transaction_id, success, _ = payment_with_callbacks(merchant, receiver)
    receiver.fail(success, times=1)

    complete(merchant, transaction_id, "success")

    assert wait_until(lambda: len(receiver.at(success)) == 2, timeout=5)
    time.sleep(0.3)
    attempts = receiver.at(success)
    assert len(attempts) == 2  # one 500, then one success, then no more
    assert attempts[0].params == attempts[1].params
    assert_signed(attempts[1].params, transaction_id, "ok")


def test_an_unreachable_receiver_is_retried_without_harm(
    merchant: MerchantClient, psp: RunningPsp
) -> None:
    body = order(callback_success=f"http://127.0.0.1:{free_port()}/cb")
    transaction_id = merchant.create(body).json()["transactionId"]

    assert complete(merchant, transaction_id, "success")["status"] == "ok"
    assert wait_until(lambda: "psp_callback_failed" in psp.logs.getvalue())


def test_pending_callbacks_are_cancelled_when_the_server_stops(receiver: Receiver) -> None:
    with running_psp(psp_callback_delay_seconds=30) as psp:
        merchant = MerchantClient(psp)
        transaction_id, success, _ = payment_with_callbacks(merchant, receiver)
        complete(merchant, transaction_id, "success")
        merchant.close()
        assert psp.app.state.psp.callbacks.pending == 1

    assert psp.app.state.psp.callbacks.pending == 0
    assert receiver.at(success) == []
