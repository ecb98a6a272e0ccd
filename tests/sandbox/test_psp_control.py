"""The sandbox PSP's control endpoints and settlement reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ropo_sandbox.psp.signing import is_valid
from test_psp_harness import SECRET, MerchantClient, RunningPsp, order, query_params, running_psp


@pytest.fixture(scope="module")
def psp() -> Iterator[RunningPsp]:
    with running_psp() as running:
        yield running


@pytest.fixture
def merchant(psp: RunningPsp) -> Iterator[MerchantClient]:
    client = MerchantClient(psp)
    yield client
    client.close()


def create(merchant: MerchantClient, amount: int = 1525, **extra: Any) -> dict[str, Any]:
    response = merchant.create(order(amount=amount, **extra))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def complete(merchant: MerchantClient, transaction_id: str, **body: str) -> Any:
    return merchant.http.post(f"/control/payments/{transaction_id}/complete", json=body)


def test_settings_read_and_change(psp: RunningPsp, merchant: MerchantClient) -> None:
    defaults = merchant.http.get("/control/settings")
    assert defaults.json() == {
        "callbackDelaySeconds": 0.0,
        "callbackDuplicates": 1,
        "dropCallbacks": False,
        "extraParameters": {},
    }

    changed = merchant.http.put(
        "/control/settings",
        json={
            "callbackDuplicates": 3,
            "dropCallbacks": True,
            "extraParameters": {"checkout-foo": "bar"},
        },
    )
    after = merchant.http.get("/control/settings").json()
    merchant.http.put(
        "/control/settings",
        json={"callbackDuplicates": 1, "dropCallbacks": False, "extraParameters": {}},
    )

    assert changed.status_code == 200
    assert after == {
        "callbackDelaySeconds": 0.0,
        "callbackDuplicates": 3,
        "dropCallbacks": True,
        "extraParameters": {"checkout-foo": "bar"},
    }


@pytest.mark.parametrize(
    "body",
    [
        {"callbackDuplicates": 0},
        {"callbackDuplicates": 21},
        {"callbackDuplicates": 2.5},
        {"callbackDelaySeconds": -1},
        {"callbackDelaySeconds": "soon"},
        {"dropCallbacks": "yes"},
        {"extraParameters": {"foo": "bar"}},
        {"extraParameters": {"checkout-status": "ok"}},
        {"extraParameters": {"checkout-foo": 1}},
        {"callbackDuplicates": 2, "unknown": True},
        [1, 2],
    ],
)
def test_bad_settings_are_400_and_change_nothing(merchant: MerchantClient, body: Any) -> None:
    response = merchant.http.put("/control/settings", json=body)

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert merchant.http.get("/control/settings").json()["callbackDuplicates"] == 1


def test_settings_defaults_come_from_configuration() -> None:
    with running_psp(
        psp_callback_delay_seconds=1.5, psp_callback_duplicates=4, psp_drop_callbacks=True
    ) as psp:
        merchant = MerchantClient(psp)
        settings = merchant.http.get("/control/settings").json()
        merchant.close()

    assert settings["callbackDelaySeconds"] == 1.5
    assert settings["callbackDuplicates"] == 4
    assert settings["dropCallbacks"] is True


def test_complete_answers_the_status_and_the_signed_redirect(merchant: MerchantClient) -> None:
    created = create(
        merchant, success_url="http://shop.example/ok", cancel_url="http://shop.example/cancel"
    )

    response = complete(merchant, created["transactionId"], outcome="success", provider="danske")

    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "ok"
    assert result["redirectUrl"].startswith("http://shop.example/ok?")
    params = query_params(result["redirectUrl"])
    assert is_valid(params, "", params["signature"], SECRET, "sha256")
    assert params["checkout-provider"] == "danske"
    assert params["checkout-status"] == "ok"


def test_complete_pending_then_cancel_and_refuse_a_finished_payment(
    merchant: MerchantClient,
) -> None:
    transaction_id = create(merchant, cancel_url="http://shop.example/cancel")["transactionId"]

    pending = complete(merchant, transaction_id, outcome="pending")
    failed = complete(merchant, transaction_id, outcome="cancel")
    again = complete(merchant, transaction_id, outcome="success")

    assert pending.json()["status"] == "pending"
    assert failed.json()["status"] == "fail"
    assert failed.json()["redirectUrl"].startswith("http://shop.example/cancel?")
    assert again.status_code == 409
    assert merchant.status(transaction_id).json()["status"] == "fail"


def test_complete_refuses_bad_requests(merchant: MerchantClient) -> None:
    transaction_id = create(merchant)["transactionId"]

    assert complete(merchant, str(uuid.uuid4()), outcome="success").status_code == 404
    assert complete(merchant, transaction_id, outcome="refund").status_code == 400
    assert complete(merchant, transaction_id, outcome="success", provider="").status_code == 400
    assert merchant.status(transaction_id).json()["status"] == "new"


def test_settlement_reports_each_paid_transaction_once(merchant: MerchantClient) -> None:
    # Settle whatever earlier tests paid, so this report holds only this test's payments.
    assert merchant.http.post("/control/settlements", json={}).status_code == 201
    paid_1 = create(merchant, amount=1525, reference="1232")
    paid_2 = create(merchant, amount=2964, reference="192387192837195")
    failed = create(merchant, amount=1000)
    pending = create(merchant, amount=2000)
    create(merchant, amount=3000)  # stays new
    complete(merchant, paid_1["transactionId"], outcome="success", provider="nordea")
    complete(merchant, paid_2["transactionId"], outcome="success", provider="op")
    complete(merchant, failed["transactionId"], outcome="cancel")
    complete(merchant, pending["transactionId"], outcome="pending")

    response = merchant.http.post("/control/settlements", json={})
    second = merchant.http.post("/control/settlements", json={}).json()

    assert response.status_code == 201
    report = response.json()
    assert report["type"] == "psp-settlement-report"
    assert report["version"] == 1
    assert uuid.UUID(report["settlementId"]).version == 4
    assert report["merchant"] == "375917"
    assert report["currency"] == "EUR"
    assert report["createdAt"].endswith("Z")
    assert report["createdAt"].startswith(report["settlementDate"])
    items = {item["transactionId"]: item for item in report["items"]}
    assert set(items) == {paid_1["transactionId"], paid_2["transactionId"]}
    assert items[paid_1["transactionId"]]["amount"] == 1525
    assert items[paid_1["transactionId"]]["reference"] == "1232"
    assert items[paid_1["transactionId"]]["provider"] == "nordea"
    assert items[paid_2["transactionId"]]["amount"] == 2964
    assert all(item["paidAt"].endswith("Z") and item["stamp"] for item in report["items"])
    assert report["total"] == 1525 + 2964 == sum(item["amount"] for item in report["items"])
    assert second["items"] == [] and second["total"] == 0

    download = merchant.http.get(f"/settlements/{report['settlementId']}")
    assert download.status_code == 200
    assert download.json() == report
    assert "attachment" in download.headers["content-disposition"]


def test_a_pending_payment_paid_later_is_settled_later(merchant: MerchantClient) -> None:
    merchant.http.post("/control/settlements", json={})
    pending = create(merchant, amount=4200)
    complete(merchant, pending["transactionId"], outcome="pending")

    before = merchant.http.post("/control/settlements", json={}).json()
    complete(merchant, pending["transactionId"], outcome="success")
    after = merchant.http.post("/control/settlements", json={}).json()

    assert before["items"] == []
    assert [item["transactionId"] for item in after["items"]] == [pending["transactionId"]]
    assert after["total"] == 4200


def test_unknown_settlement_is_404(merchant: MerchantClient) -> None:
    assert merchant.http.get(f"/settlements/{uuid.uuid4()}").status_code == 404


def test_the_log_carries_no_secret_or_signature(psp: RunningPsp, merchant: MerchantClient) -> None:
    transaction_id = create(merchant)["transactionId"]
    result = complete(merchant, transaction_id, outcome="success").json()
    signature = query_params(result["redirectUrl"])["signature"]

    log = psp.logs.getvalue()

    assert "psp_payment_completed" in log
    assert SECRET not in log
    assert signature not in log
