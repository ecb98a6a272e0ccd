"""*Ilmoita tilinumero* in the MyRopo JSON API (``/api/myropo/v1/refund-cases...``): the same
three steps as the pages, AIP-193 errors with readable messages and field violations, the
same 404 for a case the person did not verify (audited), and the OpenAPI description."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from myropo_fakes import (
    CASE_NUMBER,
    GOOD_IBAN,
    MAIJA,
    MATTI,
    REFUND_MYROPO_ID,
    Harness,
    running_gateway,
)
from ropo_gateway.audit.model import Channel, Purpose
from ropo_gateway.clients.refunds import RefundState

API = "/api/myropo/v1/refund-cases"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


def error_info(body: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in body["error"]["details"] if d["@type"].endswith("ErrorInfo"))


def violations(body: dict[str, Any]) -> list[dict[str, str]]:
    found = [d for d in body["error"]["details"] if d["@type"].endswith("BadRequest")]
    return list(found[0]["fieldViolations"]) if found else []


async def test_the_three_steps_in_json(gateway: Harness) -> None:
    opened = gateway.refunds.open_case(debtor=MAIJA.subject)
    verified = await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": "4kq7 9xmp 2d3h"}
    )
    assert verified.status_code == 200, verified.text
    case = verified.json()["refund_case"]
    assert case["id"] == opened.id and case["state"] == "AWAITING_ACCOUNT"
    assert case["payout_amount"] == {"amount": "20.00", "currency": "EUR"}
    assert case["handling_fee"] == {"amount": "5.00", "currency": "EUR"}
    assert case["next_page"] == f"/tilinumero/{opened.id}/tili"

    read = await gateway.client.get(f"{API}/{opened.id}")
    assert read.status_code == 200 and read.json()["refund_case"]["case_number"] == CASE_NUMBER

    submitted = await gateway.client.post(
        f"{API}/{opened.id}/account",
        json={"iban": GOOD_IBAN, "holder_name": "Maija Meikäläinen"},
    )
    assert submitted.status_code == 200, submitted.text
    account = submitted.json()["refund_case"]["account"]
    assert account == {
        "masked_iban": "FI49 **** **** **** 30",
        "bic": "OKOYFIHH",
        "holder_name": "Maija Meikäläinen",
        "confirmed": False,
    }
    assert "500094" not in submitted.text
    etag = submitted.json()["refund_case"]["etag"]
    request_id = "7f0c6a5e-5b1a-4c3e-9f1d-2a4b6c8d0e1f"
    confirmed = await gateway.client.post(
        f"{API}/{opened.id}/confirm", json={"etag": etag, "request_id": request_id}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["refund_case"]["state"] == "AWAITING_APPROVAL"
    replay = await gateway.client.post(
        f"{API}/{opened.id}/confirm", json={"etag": etag, "request_id": request_id}
    )
    assert replay.status_code == 200 and replay.json() == confirmed.json()
    assert gateway.refunds.view(opened.name).state is RefundState.AWAITING_APPROVAL


async def test_every_miss_is_the_same_404_then_429(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject)
    bodies = []
    for myropo_id in ("AAAA-BBBB-CCCC", "", "4KQ7-9XMP-2D3J", "x", "y"):
        miss = await gateway.client.post(
            f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": myropo_id}
        )
        assert miss.status_code == 404
        bodies.append(miss.json())
    assert all(body == bodies[0] for body in bodies)
    assert error_info(bodies[0])["reason"] == "REFUND_CASE_NOT_FOUND"
    assert bodies[0]["error"]["message"] == "No refund case matches the case number and MyRopo ID."
    locked = await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"
    assert error_info(locked.json())["reason"] == "REFUND_VERIFICATION_LOCKED"


async def test_account_problems_are_field_violations_in_the_request_language(
    gateway: Harness,
) -> None:
    opened = gateway.refunds.open_case(debtor=MAIJA.subject)
    await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    gateway.client.cookies.set("ropo_lang", "en")
    refused = await gateway.client.post(
        f"{API}/{opened.id}/account",
        json={"iban": "FI49 5000 9420 0287 31", "holder_name": "M"},
    )
    assert refused.status_code == 400
    body = refused.json()
    info = error_info(body)
    assert info["reason"] == "REFUND_ACCOUNT_INVALID"
    assert info["metadata"] == {"iban_problem": "checksum"}
    assert violations(body) == [
        {
            "field": "iban",
            "description": "The account number's check digits do not match. Check the number.",
            "reason": "CHECKSUM",
        },
        {
            "field": "holder_name",
            "description": (
                "Enter the account holder's name (2–70 characters: letters, digits, spaces "
                "and - ' . & ,)."
            ),
        },
    ]
    assert "FI49 5000" not in refused.text


async def test_a_stale_etag_and_a_second_confirmation_are_409(gateway: Harness) -> None:
    opened = gateway.refunds.open_case(debtor=MAIJA.subject)
    await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    await gateway.client.post(
        f"{API}/{opened.id}/account", json={"iban": GOOD_IBAN, "holder_name": "Maija"}
    )
    stale = await gateway.client.post(f"{API}/{opened.id}/confirm", json={"etag": "old"})
    assert stale.status_code == 409
    assert error_info(stale.json())["reason"] == "REFUND_CASE_CHANGED"
    etag = gateway.refunds.view(opened.name).etag
    assert (await gateway.client.post(f"{API}/{opened.id}/confirm", json={"etag": etag})).is_success
    again = await gateway.client.post(f"{API}/{opened.id}/confirm", json={"etag": etag})
    assert again.status_code == 409
    assert error_info(again.json())["reason"] == "REFUND_ACCOUNT_ALREADY_CONFIRMED"
    assert again.json()["error"]["message"] == "The account has already been confirmed."


async def test_an_unverified_person_gets_the_404_of_a_missing_case(gateway: Harness) -> None:
    opened = gateway.refunds.open_case(debtor=MAIJA.subject)
    await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    matti = await gateway.login(MATTI)
    try:
        theirs = await matti.get(f"{API}/{opened.id}")
        missing = await matti.get(f"{API}/00000000-0000-4000-8000-0000000000ff")
        submit = await matti.post(
            f"{API}/{opened.id}/account", json={"iban": GOOD_IBAN, "holder_name": "Matti"}
        )
    finally:
        await matti.aclose()
    assert theirs.status_code == missing.status_code == submit.status_code == 404
    assert theirs.json() == missing.json() == submit.json()
    assert error_info(theirs.json())["reason"] == "REFUND_CASE_NOT_FOUND"
    denials = [
        r.event for r in await gateway.audit_records() if r.event.purpose is Purpose.ACCESS_DENIED
    ]
    assert [(e.actor, e.resource, e.channel) for e in denials] == [
        (MATTI.subject, opened.name, Channel.MYROPO_API),
        (MATTI.subject, "refundCases/00000000-0000-4000-8000-0000000000ff", Channel.MYROPO_API),
        (MATTI.subject, opened.name, Channel.MYROPO_API),
    ]
    assert not gateway.refunds.submitted


async def test_json_only_and_login_required(gateway: Harness) -> None:
    form = await gateway.client.post(
        f"{API}:verify", data={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    assert form.status_code == 415
    gateway.client.cookies.clear()
    anonymous = await gateway.client.post(
        f"{API}:verify", json={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    assert anonymous.status_code == 401
    assert not [call for call in gateway.refunds.calls if call[0] == "VerifyRefundCase"]


async def test_the_openapi_document_describes_the_refund_endpoints(gateway: Harness) -> None:
    paths = (await gateway.client.get("/api/openapi.json")).json()["paths"]
    verify = paths[f"{API}:verify"]["post"]
    assert {"200", "401", "404", "415", "429"} <= set(verify["responses"])
    assert verify["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VerifyRefundCaseRequest"
    )
    assert "get" in paths[f"{API}/{{refund_case_id}}"]
    account = paths[f"{API}/{{refund_case_id}}/account"]["post"]
    assert {"400", "404", "409"} <= set(account["responses"])
    assert "409" in paths[f"{API}/{{refund_case_id}}/confirm"]["post"]["responses"]
    for page in ("/tilinumero", "/tilinumero/{refund_case_id}/tili"):
        assert page not in paths
