"""The case's authorizations in Ropo One's JSON API, with fakes of the services, the real gateway
app and its real audit log on SQLite: list, make a continuous one, revoke; JSON bodies only;
refusals name the field and never echo a henkilötunnus; creditor users get exactly the
answer for a missing case with one audit record; the operations are described in OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest_asyncio
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.audit.model import Channel, Purpose
from ropo_gateway.clients.authorization import Action
from ropo_one_support import (
    AGENT,
    DEBTOR,
    SUPERVISOR,
    TESTI,
    TESTI_USER,
    YRITYS_X,
    YRITYS_X_USER,
    Console,
    authorization_error,
    captured_logs,
    console,
    make_authorization,
    make_invoice,
)

API = "/api/ropo-one/v1"
LIST = f"{API}/invoices/inv-1/authorizations"
CREATE = f"{API}/invoices/inv-1/continuous-authorizations"
GRANTEE_HETU = "050595-9469"
BODY = {"grantee_name": "Liisa Virtanen", "grantee_national_id": GRANTEE_HETU}


def revoke_url(authorization_id: str, invoice_id: str = "inv-1") -> str:
    return f"{API}/invoices/{invoice_id}/authorizations/{authorization_id}/revoke"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        running.cases.add(make_invoice("inv-2"))
        running.cases.add(
            make_invoice("inv-x", creditor=YRITYS_X, kind=invoice_pb2.DEBTOR_KIND_ORGANIZATION)
        )
        running.authz.add(make_authorization("auth-1"))
        running.authz.add(make_authorization("auth-2", invoice="invoices/inv-2"))
        yield running


def violations(body: dict[str, Any]) -> list[dict[str, str]]:
    detail = next(d for d in body["error"]["details"] if d["@type"].endswith("BadRequest"))
    return list(detail["fieldViolations"])


def reason(body: dict[str, Any]) -> str:
    detail = next(d for d in body["error"]["details"] if d["@type"].endswith("ErrorInfo"))
    return str(detail["reason"])


async def test_an_agent_lists_the_case_authorizations(one: Console) -> None:
    await one.login_staff(AGENT)
    response = await one.client.get(LIST)
    assert response.status_code == 200, response.text
    (item,) = response.json()["authorizations"]
    assert item == {
        "id": "auth-1",
        "name": "authorizations/auth-1",
        "type": "INVOICE",
        "state": "ACTIVE",
        "grantee_name": "Liisa Virtanen",
        "grantee_masked_identifier": "050595-****",
        "invoice": "invoices/inv-1",
        "creditor": "",
        "expire_date": None,
        "created_by_debtor": True,
        "creator": "",
        "create_time": "2025-03-01T10:00:00Z",
        "end_time": None,
        "revoker": "",
    }
    assert one.authz.checks[-1][2] == Action.ADMINISTER
    (record,) = await one.audit()
    assert record.event.purpose == Purpose.CASE_VIEW
    assert record.event.channel == Channel.ROPO_ONE_API and record.event.data_subject == DEBTOR


async def test_a_supervisor_makes_a_continuous_authorization(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    with captured_logs() as logs:
        response = await one.client.post(
            CREATE,
            json={
                **BODY,
                "creditor_only": True,
                "expire_date": "2099-06-30",
                "conversation": "conversations/c-1",
            },
        )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == "CONTINUOUS" and body["state"] == "ACTIVE"
    assert body["grantee_masked_identifier"] == "050595-****"
    assert body["creditor"] == TESTI and body["expire_date"] == "2099-06-30"
    assert body["creator"] == f"staffUsers/{SUPERVISOR}" and not body["created_by_debtor"]
    assert GRANTEE_HETU not in response.text
    (sent,) = one.authz.created
    assert sent["grantor"] == DEBTOR and sent["grantee"].national_id == GRANTEE_HETU
    assert sent["creditor"] == TESTI and sent["conversation"] == "conversations/c-1"
    assert one.authz.checks[-1][2] == Action.AUTHORIZE
    assert GRANTEE_HETU not in " ".join(str(line) for line in logs())
    (record,) = await one.audit()
    assert record.event.purpose == Purpose.AUTHORIZATION_ADMIN
    assert record.event.resource == body["name"] and record.event.data_subject == DEBTOR
    # It is listed with the case now.
    listed = (await one.client.get(LIST)).json()["authorizations"]
    assert [item["id"] for item in listed] == [body["id"], "auth-1"]


async def test_only_json_bodies_are_taken(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    form = await one.client.post(CREATE, data=BODY)
    assert form.status_code == 415 and reason(form.json()) == "UNSUPPORTED_MEDIA_TYPE"
    revoke = await one.client.post(revoke_url("auth-1"))
    assert revoke.status_code == 415
    assert one.authz.calls == 0


async def test_refused_input_names_the_field_and_never_the_value(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    typo = "050595-9468"
    with captured_logs() as logs:
        bad = await one.client.post(CREATE, json={**BODY, "grantee_national_id": typo})
        extra = await one.client.post(CREATE, json={**BODY, "state": "ACTIVE"})
        past = await one.client.post(CREATE, json={**BODY, "expire_date": "2001-01-01"})
    assert bad.status_code == 400
    assert violations(bad.json()) == [
        {
            "field": "grantee_national_id",
            "description": "is not a valid Finnish personal identity code",
        }
    ]
    assert typo not in bad.text and "9468" not in bad.text
    # No mass assignment: an unknown field is refused, before anything is asked.
    assert extra.status_code == 400
    assert [v["field"] for v in violations(extra.json())] == ["state"]
    assert violations(past.json()) == [
        {"field": "expire_date", "description": "must not be in the past"}
    ]
    assert one.authz.created == []
    assert typo not in " ".join(str(line) for line in logs())


async def test_the_service_refusals_pass_on_by_reason(one: Console) -> None:
    await one.login_staff(AGENT)
    one.authz.create_error = authorization_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        ("grantee_national_id", f"{GRANTEE_HETU} is the grantor's own", "SELF_AUTHORIZATION"),
    )
    own = await one.client.post(CREATE, json=BODY)
    assert own.status_code == 400
    assert violations(own.json()) == [
        {
            "field": "grantee_national_id",
            "description": "must not be the debtor's own personal identity code",
            "reason": "SELF_AUTHORIZATION",
        }
    ]
    assert GRANTEE_HETU not in own.text  # the service's own words are not passed on

    one.authz.create_error = authorization_error(
        grpc.StatusCode.FAILED_PRECONDITION, "AUTHORIZATION_ALREADY_ACTIVE"
    )
    twice = await one.client.post(CREATE, json=BODY)
    assert twice.status_code == 400
    assert reason(twice.json()) == "AUTHORIZATION_ALREADY_ACTIVE"

    company = await one.client.post(f"{API}/invoices/inv-x/continuous-authorizations", json=BODY)
    assert company.status_code == 400 and reason(company.json()) == "DEBTOR_NOT_A_PERSON"
    assert Purpose.AUTHORIZATION_ADMIN not in {r.event.purpose for r in await one.audit()}


async def test_revoking_through_the_api(one: Console) -> None:
    await one.login_staff(AGENT)
    revoked = await one.client.post(revoke_url("auth-1"), json={})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "REVOKED"
    assert revoked.json()["revoker"] == f"staffUsers/{AGENT}"
    (call,) = one.authz.revoked
    assert call[0] == "authorizations/auth-1" and call[3] == ("agent",)
    (record,) = await one.audit()
    assert (record.event.purpose, record.event.resource) == (
        Purpose.AUTHORIZATION_ADMIN,
        "authorizations/auth-1",
    )

    again = await one.client.post(revoke_url("auth-1"), json={})
    assert again.status_code == 400 and reason(again.json()) == "AUTHORIZATION_NOT_ACTIVE"

    missing = await one.client.post(revoke_url("auth-1", "inv-missing"), json={})
    for other in ("auth-2", "0" * 32, "bad!id"):
        answer = await one.client.post(revoke_url(other), json={})
        assert answer.status_code == 404 and answer.content == missing.content
    assert len(one.authz.revoked) == 2


async def test_creditor_users_get_the_missing_case_answer_and_one_record_each(
    one: Console,
) -> None:
    for user in (TESTI_USER, YRITYS_X_USER):
        await one.login_staff(user)
        calls = [
            ("GET", LIST, None),
            ("POST", CREATE, BODY),
            ("POST", revoke_url("auth-1"), {}),
        ]
        for method, url, body in calls:
            missing_url = url.replace("inv-1", "inv-missing").replace("auth-1", "0" * 32)
            baseline = await one.client.request(method, missing_url, json=body)
            before = len(await one.denials())
            answer = await one.client.request(method, url, json=body)
            denials = (await one.denials())[before:]
            assert answer.status_code == baseline.status_code == 404, (user, url)
            assert answer.content == baseline.content, (user, url)
            assert [(d.event.actor, d.event.resource) for d in denials] == [
                (f"staffUsers/{user}", "invoices/inv-1")
            ]
        one.client.cookies.clear()
    assert one.authz.created == [] and one.authz.revoked == [] and one.authz.listed == []


async def test_the_operations_are_described_in_openapi(one: Console) -> None:
    spec = (await one.client.get("/api/openapi.json")).json()
    paths = spec["paths"]
    listed = paths[f"{API}/invoices/{{invoice_id}}/authorizations"]["get"]["responses"]
    assert listed["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AuthorizationsOut"
    )
    create = paths[f"{API}/invoices/{{invoice_id}}/continuous-authorizations"]["post"]
    body_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("/ContinuousAuthorizationIn")
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AuthorizationOut"
    )
    assert {"400", "401", "403", "404", "415"} <= set(create["responses"])
    assert "SELF_AUTHORIZATION" in create["responses"]["400"]["description"]
    revoke = paths[f"{API}/invoices/{{invoice_id}}/authorizations/{{authorization_id}}/revoke"]
    assert {p["name"] for p in revoke["post"]["parameters"]} == {"invoice_id", "authorization_id"}
    assert revoke["post"]["responses"]["404"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/ErrorResponse")
    schemas = spec["components"]["schemas"]
    assert schemas["ContinuousAuthorizationIn"]["additionalProperties"] is False
    assert (
        "never returned"
        in schemas["ContinuousAuthorizationIn"]["properties"]["grantee_national_id"]["description"]
    )
    assert "grantee_national_id" not in schemas["AuthorizationOut"]["properties"]
