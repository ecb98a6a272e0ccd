"""A continuous authorization made in Ropo One, end to end with real processes.

A supervisor authorizes a person for every invoice of a debtor from one creditor (as customer
service does after the debtor asked in a chat). The person then sees exactly those invoices in
MyRopo, marked as handled on the debtor's behalf, and each read is in the audit log with the
debtor's pseudonym; a creditor user cannot make one; when the supervisor revokes it, the
person's very next request no longer shows them.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from ropo_platform.money_proto import money_from_proto
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack, person_subject

pytestmark = pytest.mark.slow
DEBTOR, GRANTEE = "maija-meikalainen", "liisa-virtanen"
SUPERVISOR, CREDITOR_USER = "eero-esihenkilo", "kaisa-kirjanpitaja"
API = "/api/ropo-one/v1"


def staff_login(stack: Stack, user_id: str) -> httpx.Client:
    client = stack.client()
    assert stack.staff_login(client, user_id).status_code == 303
    return client


def delegate_reads(stack: Stack, actor: str, resource: str) -> list[str]:
    with sqlite3.connect(stack.tmp_dir / "gateway.db") as connection:
        rows = connection.execute(
            "SELECT data_subject FROM audit_log"
            " WHERE actor = ? AND resource = ? AND purpose = 'delegate_view'",
            (actor, resource),
        ).fetchall()
    return [row[0] for row in rows]


def test_a_supervisor_authorizes_a_person_for_one_creditors_invoices(stack: Stack) -> None:
    grantee = person_by_id(GRANTEE)
    assert grantee is not None
    invoices = stack.ensure_demo_invoices_sync(DEBTOR)
    case = next(i for i in invoices if money_from_proto(i.open_amount).is_positive())
    same_creditor = {i.name for i in invoices if i.creditor == case.creditor}
    case_id = case.name.removeprefix("invoices/")
    body = {
        "grantee_name": grantee.name,
        "grantee_national_id": grantee.hetu,
        "creditor_only": True,
    }

    creditor_user = staff_login(stack, CREDITOR_USER)
    supervisor = staff_login(stack, SUPERVISOR)
    person = stack.client()
    try:
        refused = creditor_user.post(
            f"{stack.gateway_url}{API}/invoices/{case_id}/continuous-authorizations", json=body
        )
        assert refused.status_code == 404

        created = supervisor.post(
            f"{stack.gateway_url}{API}/invoices/{case_id}/continuous-authorizations", json=body
        )
        assert created.status_code == 201, created.text
        made = created.json()
        assert made["type"] == "CONTINUOUS" and made["state"] == "ACTIVE"
        assert made["creditor"] == case.creditor
        assert made["creator"] == f"staffUsers/{SUPERVISOR}"
        assert grantee.hetu not in created.text

        listed = supervisor.get(f"{stack.gateway_url}{API}/invoices/{case_id}/authorizations")
        assert made["id"] in [item["id"] for item in listed.json()["authorizations"]]

        assert stack.login(person, GRANTEE).status_code == 303
        seen = person.get(f"{stack.gateway_url}/api/myropo/v1/invoices").json()["invoices"]
        delegated = {item["name"] for item in seen if item["access"] == "CONTINUOUS_AUTHORIZATION"}
        assert delegated == {name for name in same_creditor if name in {i["name"] for i in seen}}
        assert case.name in delegated
        assert not delegated - same_creditor

        opened = person.get(f"{stack.gateway_url}/api/myropo/v1/invoices/{case_id}")
        assert opened.status_code == 200
        assert delegate_reads(stack, person_subject(GRANTEE), case.name) == [person_subject(DEBTOR)]

        revoked = supervisor.post(
            f"{stack.gateway_url}{API}/invoices/{case_id}/authorizations/{made['id']}/revoke",
            json={},
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "REVOKED"
        after = person.get(f"{stack.gateway_url}/api/myropo/v1/invoices").json()["invoices"]
        assert not {item["name"] for item in after} & same_creditor
        assert (
            person.get(f"{stack.gateway_url}/api/myropo/v1/invoices/{case_id}").status_code == 404
        )
    finally:
        for client in (creditor_user, supervisor, person):
            client.close()
