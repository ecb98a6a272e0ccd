"""Broken object level authorization (OWASP API1), end to end with real processes.

Every gateway route that takes an object id — the JSON routes from the OpenAPI
description the gateway serves, and the page routes from the gateway's own route
table — is called on person A's invoice (and A's authorization and payment) by:

- B, another person (with invoices of their own);
- C, a person A had authorized and then revoked (C's very next request);
- a user of another creditor, on the Ropo One routes.

Each answer must be exactly the answer for an object that does not exist (status
and body; the only difference allowed is the request's own path, which some pages
echo in their language links), and each call must leave exactly one denial in
the gateway's audit log.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import APIRoute
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.app import create_app
from ropo_gateway.config import GatewaySettings
from ropo_platform.money_proto import money_from_proto
from ropo_sandbox.persons import person_by_id
from ropo_stack import Stack, one_page_pdf, person_subject

pytestmark = pytest.mark.slow

OWNER, STRANGER, REVOKED, ACTIVE_GRANTEE = (
    "anna-andersson",
    "aino-korhonen",
    "ville-nieminen",
    "liisa-virtanen",
)
CREDITOR_USERS = {"Testi-yritys Oy": "kaisa-kirjanpitaja", "Oy Yritys X Ab": "yrjo-yrittaja"}
MISSING_INVOICE = "bola-missing-0000"
REFUND_IBAN = "FI2112345600000785"
MISSING_AUTHORIZATION = "0" * 32
MISSING_PAYMENT = "0" * 32
MISSING_REFUND_CASE = "00000000-0000-4000-8000-000000000000"
MISSING_PAYOUT_BATCH = "00000000-0000-4000-8000-000000000001"
MISSING_CONVERSATION = "00000000-0000-4000-8000-000000000002"
MISSING_LETTER = "00000000-0000-4000-8000-000000000003"
MISSING_DISPUTE = "00000000-0000-4000-8000-000000000004"
PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")
OBJECT_PARAMETERS = frozenset(
    {
        "invoice_id",
        "authorization_id",
        "payment_id",
        "refund_case_id",
        "payout_batch_id",
        "conversation_id",
        "letter_id",
        "dispute_id",
    }
)
#: Path parameters that name no one's object (``/kieli/{code}``: the language; ``{index}``:
#: the position of a file within a dispute, which the dispute's id already names).
NOT_OBJECTS = frozenset({"code", "index"})
CUSTOMER_PREFIXES = ("/laskut/", "/tilinumero/", "/chat/", "/viestit/", "/api/myropo/")
STAFF_PREFIXES = ("/ropo-one/", "/api/ropo-one/")


MISSING_IDS = {
    "invoice_id": MISSING_INVOICE,
    "authorization_id": MISSING_AUTHORIZATION,
    "payment_id": MISSING_PAYMENT,
    "refund_case_id": MISSING_REFUND_CASE,
    "payout_batch_id": MISSING_PAYOUT_BATCH,
    "conversation_id": MISSING_CONVERSATION,
    "letter_id": MISSING_LETTER,
    "dispute_id": MISSING_DISPUTE,
    "index": "0",
}


@dataclass(frozen=True)
class ObjectRoute:
    method: str
    path: str
    #: Form fields (page routes) or JSON body fields (API routes) the route reads.
    fields: tuple[str, ...]
    json_body: bool

    @property
    def staff(self) -> bool:
        return self.path.startswith(STAFF_PREFIXES)

    def url(self, **ids: str) -> str:
        return PATH_PARAMETER.sub(lambda match: ids[match.group(1)], self.path)


def _route_contexts(routes: list[Any]) -> Iterator[Any]:
    """Every endpoint of the app, through included routers (``effective_route_contexts``)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        elif isinstance(route, APIRoute):
            yield route


def page_routes() -> list[ObjectRoute]:
    """Page routes with a path parameter, from the gateway's own route table (they are not
    in the OpenAPI description)."""
    app = create_app(GatewaySettings())
    found = []
    for context in _route_contexts(list(app.routes)):
        if context.include_in_schema or "{" not in context.path:
            continue
        fields = tuple(str(param.alias) for param in context.dependant.body_params)
        for method in sorted(set(context.methods) - {"HEAD"}):
            found.append(ObjectRoute(method, context.path, fields, json_body=False))
    return found


def _schema(description: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = description["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def api_routes(stack: Stack) -> list[ObjectRoute]:
    """JSON routes with a path parameter, from the OpenAPI description the gateway serves."""
    description = httpx.get(f"{stack.gateway_url}/api/openapi.json", timeout=10).json()
    found = []
    for path, operations in description["paths"].items():
        if "{" not in path:
            continue
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            fields = tuple(_schema(description, body).get("properties", {})) if body else ()
            found.append(ObjectRoute(method.upper(), path, fields, json_body=True))
    return found


def all_routes(stack: Stack) -> list[ObjectRoute]:
    """Every route with a path parameter."""
    return page_routes() + api_routes(stack)


def object_routes(stack: Stack) -> list[ObjectRoute]:
    """Routes whose path names an object of someone's: an invoice, an authorization, a
    payment, a refund case, a payout batch or a conversation."""
    return [
        route
        for route in all_routes(stack)
        if set(PATH_PARAMETER.findall(route.path)) & OBJECT_PARAMETERS
    ]


def body_for(route: ObjectRoute, csrf: str) -> dict[str, Any]:
    """Well-formed input, so that the answer depends on the object alone: a body that fails
    validation would be refused before the access check for every object alike."""
    grantee = person_by_id(ACTIVE_GRANTEE)
    assert grantee is not None
    values: dict[str, Any] = {}
    for name in route.fields:
        lowered = name.lower()
        if "csrf" in lowered:
            values[name] = csrf
        elif lowered == "request_id":
            values[name] = str(uuid.uuid4())
        elif lowered == "iban":
            values[name] = REFUND_IBAN
        elif "national_id" in lowered or "hetu" in lowered:
            values[name] = grantee.hetu
        elif "name" in lowered:
            values[name] = grantee.name
        elif "due_date" in lowered:
            values[name] = (date.today() + timedelta(days=7)).isoformat()
        elif "date" in lowered or "conversation" in lowered or lowered.endswith("_amount"):
            continue
        elif "fee" in lowered:
            values[name] = "0.00"
        elif "count" in lowered:
            values[name] = 3 if route.json_body else "3"
        elif "creditor" in lowered or lowered.endswith("_only"):
            values[name] = False if route.json_body else ""
        else:
            values[name] = "x"
    return values


def call(
    client: httpx.Client, stack: Stack, route: ObjectRoute, url: str, csrf: str
) -> httpx.Response:
    target = f"{stack.gateway_url}{url}"
    if route.method == "GET":
        return client.get(target)
    body = body_for(route, csrf)
    if route.json_body:
        return client.post(target, json=body)
    return client.post(target, data=body)


def normalised(response: httpx.Response, url: str) -> tuple[int, str, bytes]:
    body = response.content
    for echo in (url, quote(url, safe=""), quote(url)):
        body = body.replace(echo.encode(), b"{path}")
    return response.status_code, response.headers.get("content-type", ""), body


class AuditLog:
    """The gateway's audit table, read straight from its database file."""

    def __init__(self, stack: Stack) -> None:
        self._path = stack.tmp_dir / "gateway.db"

    def denials(self, actor: str) -> int:
        with sqlite3.connect(self._path) as connection:
            (count,) = connection.execute(
                "SELECT count(*) FROM audit_log WHERE actor = ? AND outcome = 'denied'", (actor,)
            ).fetchone()
        return int(count)


def person_login(stack: Stack, person_id: str) -> httpx.Client:
    client = stack.client()
    assert stack.login(client, person_id).status_code == 303
    return client


def staff_login(stack: Stack, user_id: str) -> httpx.Client:
    client = stack.client()
    assert stack.staff_login(client, user_id).status_code == 303
    return client


def csrf_of(client: httpx.Client, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match, f"no CSRF token on {url}"
    return unescape(match.group(1))


def open_invoice(invoices: list[invoice_pb2.Invoice]) -> invoice_pb2.Invoice:
    return next(i for i in invoices if money_from_proto(i.open_amount).is_positive())


def authorize(client: httpx.Client, stack: Stack, invoice_id: str, person_id: str) -> str:
    person = person_by_id(person_id)
    assert person is not None
    response = client.post(
        f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}/authorizations",
        json={"name": person.name, "national_id": person.hetu},
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def paid_out_refund(client: httpx.Client, stack: Stack) -> tuple[str, str]:
    """(refund case id, payout batch id): an overpayment of the owner's, reported by the
    owner in the wizard's JSON twin, approved and exported."""
    invoice = stack.run_sync(stack.import_fresh_invoice(OWNER))
    case = stack.run_sync(stack.overpay(invoice, 1234))
    case_number, myropo_id = stack.run_sync(stack.refund_credentials(case.name))
    api = f"{stack.gateway_url}/api/myropo/v1/refund-cases"
    verified = client.post(
        f"{api}:verify", json={"case_number": case_number, "myropo_id": myropo_id}
    )
    assert verified.status_code == 200, verified.text
    case_id = str(verified.json()["refund_case"]["id"])
    submitted = client.post(
        f"{api}/{case_id}/account", json={"iban": REFUND_IBAN, "holder_name": "Anna Andersson"}
    )
    assert submitted.status_code == 200, submitted.text
    etag = submitted.json()["refund_case"]["etag"]
    confirmed = client.post(f"{api}/{case_id}/confirm", json={"etag": etag})
    assert confirmed.status_code == 200, confirmed.text
    reported = stack.run_sync(stack.get_refund_case(case.name))
    stack.run_sync(stack.approve_refund(reported))
    exported = stack.run_sync(stack.export_payouts())
    return case_id, exported.payout_batch.name.removeprefix("payoutBatches/")


def start_payment(client: httpx.Client, stack: Stack, invoice_id: str) -> str:
    response = client.post(
        f"{stack.gateway_url}/api/myropo/v1/payments",
        json={"invoice_ids": [invoice_id], "request_id": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["payment"]["id"])


def open_dispute(client: httpx.Client, stack: Stack) -> tuple[str, str]:
    """(invoice id, dispute id): the owner disputes a fresh invoice with a receipt attached."""
    invoice = stack.run_sync(stack.import_fresh_invoice(OWNER))
    invoice_id = invoice.name.removeprefix("invoices/")
    url = f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}/disputes"
    token = client.get(url).json()["csrf_token"]
    response = client.post(
        url,
        headers={"X-CSRF-Token": token},
        data={"reason": "Tuote palautettiin kaupalle."},
        files=[("attachments", ("kuitti.pdf", one_page_pdf(), "application/pdf"))],
    )
    assert response.status_code == 201, response.text
    return invoice_id, str(response.json()["dispute"]["id"])


@dataclass
class Scene:
    invoice_id: str
    authorization_id: str
    payment_id: str
    refund_case_id: str
    payout_batch_id: str
    conversation_id: str
    #: A letter of A's: the invoice's own delivery (its letter id is the invoice's id).
    letter_id: str
    #: A's dispute with one attached file, on an invoice of its own (a disputed invoice is
    #: on hold, which the other routes of the matrix should not see).
    disputed_invoice_id: str
    dispute_id: str
    stranger_invoice_id: str
    stranger: httpx.Client
    revoked: httpx.Client
    creditor_user: httpx.Client
    creditor_user_id: str

    def ids(self, route: ObjectRoute | None = None) -> dict[str, str]:
        """Person A's objects, by path parameter (a dispute's route names its own invoice)."""
        disputed = route is not None and "{dispute_id}" in route.path
        return {
            "invoice_id": self.disputed_invoice_id if disputed else self.invoice_id,
            "dispute_id": self.dispute_id,
            "index": "0",
            "authorization_id": self.authorization_id,
            "payment_id": self.payment_id,
            "refund_case_id": self.refund_case_id,
            "payout_batch_id": self.payout_batch_id,
            "conversation_id": self.conversation_id,
            "letter_id": self.letter_id,
        }


@pytest.fixture(scope="module")
def scene(stack: Stack) -> Iterator[Scene]:
    invoices = stack.ensure_demo_invoices_sync(OWNER)
    invoice = open_invoice(invoices)
    invoice_id = invoice.name.removeprefix("invoices/")
    to_pay = stack.run_sync(stack.import_fresh_invoice(OWNER)).name.removeprefix("invoices/")
    stranger_invoice = stack.ensure_demo_invoices_sync(STRANGER)[0]
    owner = person_login(stack, OWNER)
    revoked = person_login(stack, REVOKED)
    stranger = person_login(stack, STRANGER)
    other_creditor = next(name for name in CREDITOR_USERS if name != invoice.creditor_display_name)
    creditor_user = staff_login(stack, CREDITOR_USERS[other_creditor])
    try:
        active = authorize(owner, stack, invoice_id, ACTIVE_GRANTEE)
        payment_id = start_payment(owner, stack, to_pay)
        refund_case_id, payout_batch_id = paid_out_refund(owner, stack)
        conversation = stack.run_sync(stack.start_chat(OWNER))
        to_revoke = authorize(owner, stack, invoice_id, REVOKED)
        # A opens the letter the matrix names (the invoice's own, in A's Viestikeskus).
        own_letter = owner.get(f"{stack.gateway_url}/viestit/{invoice_id}/{invoice_id}")
        assert own_letter.status_code == 200, own_letter.text
        disputed_invoice_id, dispute_id = open_dispute(owner, stack)
        # C could open the invoice while authorized ...
        assert revoked.get(f"{stack.gateway_url}/laskut/{invoice_id}").status_code == 200
        revoke = owner.post(
            f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}"
            f"/authorizations/{to_revoke}/revoke",
            json={},
        )
        assert revoke.status_code == 200, revoke.text
        # ... and C's next request is the first of the matrix below.
        yield Scene(
            invoice_id=invoice_id,
            authorization_id=active,
            payment_id=payment_id,
            refund_case_id=refund_case_id,
            payout_batch_id=payout_batch_id,
            conversation_id=conversation.removeprefix("conversations/"),
            letter_id=invoice_id,
            disputed_invoice_id=disputed_invoice_id,
            dispute_id=dispute_id,
            stranger_invoice_id=stranger_invoice.name.removeprefix("invoices/"),
            stranger=stranger,
            revoked=revoked,
            creditor_user=creditor_user,
            creditor_user_id=f"staffUsers/{CREDITOR_USERS[other_creditor]}",
        )
        # Leave no authorization behind for the other tests of the session.
        owner.post(
            f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice_id}"
            f"/authorizations/{active}/revoke",
            json={},
        )
    finally:
        for client in (owner, revoked, stranger, creditor_user):
            client.close()


def test_the_matrix_covers_customer_and_staff_routes(stack: Stack) -> None:
    covered = {route.path for route in object_routes(stack)}
    # Every path parameter either names an invoice or an authorization (the matrix below) or is
    # known to name nothing of anyone's: a route with a new kind of id must join the matrix.
    for path in {route.path for route in all_routes(stack)}:
        assert set(PATH_PARAMETER.findall(path)) <= OBJECT_PARAMETERS | NOT_OBJECTS, path
    assert any(path.startswith(CUSTOMER_PREFIXES) for path in covered)
    assert any(path.startswith(STAFF_PREFIXES) for path in covered)


def _check(
    stack: Stack,
    client: httpx.Client,
    actor: str,
    route: ObjectRoute,
    csrf: str,
    ids: dict[str, str],
    missing: dict[str, str],
) -> list[str]:
    audit = AuditLog(stack)
    problems = []
    url_missing = route.url(**missing)
    baseline = normalised(call(client, stack, route, url_missing, csrf), url_missing)
    before = audit.denials(actor)
    url = route.url(**ids)
    answer = normalised(call(client, stack, route, url, csrf), url)
    recorded = audit.denials(actor) - before
    where = f"{route.method} {url} as {actor}"
    if answer[0] != 404:
        problems.append(f"{where}: status {answer[0]}")
    if answer != baseline:
        problems.append(f"{where}: differs from a missing object")
    if recorded != 1:
        problems.append(f"{where}: {recorded} audit denials, expected 1")
    return problems


def test_another_person_gets_not_found_and_an_audit_record(stack: Stack, scene: Scene) -> None:
    actor = person_subject(STRANGER)
    csrf = csrf_of(scene.stranger, f"{stack.gateway_url}/hae-lasku")
    problems: list[str] = []
    routes = [route for route in object_routes(stack) if route.path.startswith(CUSTOMER_PREFIXES)]
    for route in routes:
        ids = scene.ids(route)
        missing = dict(MISSING_IDS)
        problems += _check(stack, scene.stranger, actor, route, csrf, ids, missing)
        if "{authorization_id}" in route.path:
            # Their own invoice with A's authorization id: still someone else's object.
            own = {"invoice_id": scene.stranger_invoice_id}
            problems += _check(
                stack,
                scene.stranger,
                actor,
                route,
                csrf,
                {**own, "authorization_id": scene.authorization_id},
                {**own, "authorization_id": MISSING_AUTHORIZATION},
            )
    assert not problems, "\n".join(problems)


def test_a_revoked_authorized_person_gets_not_found_and_an_audit_record(
    stack: Stack, scene: Scene
) -> None:
    actor = person_subject(REVOKED)
    csrf = csrf_of(scene.revoked, f"{stack.gateway_url}/hae-lasku")
    problems: list[str] = []
    for route in object_routes(stack):
        if not route.path.startswith(CUSTOMER_PREFIXES):
            continue
        problems += _check(
            stack,
            scene.revoked,
            actor,
            route,
            csrf,
            scene.ids(route),
            MISSING_IDS,
        )
    assert not problems, "\n".join(problems)


def test_another_creditors_user_gets_not_found_and_an_audit_record(
    stack: Stack, scene: Scene
) -> None:
    csrf = csrf_of(scene.creditor_user, f"{stack.gateway_url}/ropo-one")
    problems: list[str] = []
    for route in object_routes(stack):
        if not route.staff:
            continue
        problems += _check(
            stack,
            scene.creditor_user,
            scene.creditor_user_id,
            route,
            csrf,
            scene.ids(route),
            MISSING_IDS,
        )
    assert not problems, "\n".join(problems)


def test_a_malformed_id_answers_like_a_missing_one(stack: Stack, scene: Scene) -> None:
    actor = person_subject(STRANGER)
    audit = AuditLog(stack)
    before = audit.denials(actor)
    odd = scene.stranger.get(f"{stack.gateway_url}/api/myropo/v1/invoices/{uuid.uuid4()}!x")
    missing = scene.stranger.get(f"{stack.gateway_url}/api/myropo/v1/invoices/{MISSING_INVOICE}")
    assert odd.status_code == missing.status_code == 404
    assert odd.content == missing.content
    assert audit.denials(actor) - before == 2
