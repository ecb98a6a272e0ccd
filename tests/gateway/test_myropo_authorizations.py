"""*Valtuutus* in MyRopo: the section on the debtor's invoice page, the form and its errors,
*Peru valtuutus*, the JSON twins — and that nobody else gets anywhere: a stranger, an
authorized person, a lookup-grant holder and a malformed id all get the one 404 with exactly
one audit record, and a henkilötunnus never leaves the POST body."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from myropo_fakes import (
    LIISA_HETU,
    LIISA_SUBJECT,
    MAIJA,
    MAIJA_HETU,
    MATTI,
    MATTI_HETU,
    Harness,
    State,
    make_invoice,
    running_gateway,
)
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.authorization import Action
from ropo_platform.redaction import HETU_PATTERN

PAGE = "/laskut/own-1"
FORM = "/laskut/own-1/valtuutukset"
API = "/api/myropo/v1/invoices/own-1/authorizations"
LIISA = {"name": "Liisa Virtanen", "national_id": LIISA_HETU}


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as harness:
        for invoice_id in ("own-1", "own-2"):
            harness.invoices.add(make_invoice(invoice_id, debtor=MAIJA.subject))
            harness.access.allow(MAIJA, f"invoices/{invoice_id}")
        harness.invoices.add(make_invoice("own-paid", state=State.STATE_PAID, open_amount="0.00"))
        harness.access.allow(MAIJA, "invoices/own-paid")
        harness.invoices.add(make_invoice("matti-1", debtor=MATTI.subject))
        harness.access.allow(MATTI, "invoices/matti-1")
        yield harness


async def csrf(gateway: Harness, client: httpx.AsyncClient | None = None) -> str:
    return await gateway.csrf_token(client)


async def authorize(gateway: Harness, **fields: str) -> httpx.Response:
    return await gateway.client.post(FORM, data={"csrf_token": await csrf(gateway), **fields})


def valtuutus_section(html: str) -> str:
    start = html.index('<section aria-labelledby="valtuutus-heading"')
    return html[start : html.index("</section>", start)]


async def denials(gateway: Harness) -> list[tuple[str, str, str]]:
    return [
        (r.event.actor, r.event.resource, r.event.reason)
        for r in await gateway.audit_records()
        if r.event.outcome is Outcome.DENIED
    ]


# --- the section -------------------------------------------------------------------------


async def test_the_debtor_sees_the_valtuutus_section_with_the_real_wording(
    gateway: Harness,
) -> None:
    page = await gateway.client.get(PAGE)
    assert page.status_code == 200
    section = valtuutus_section(page.text)
    assert '<h2 id="valtuutus-heading">Valtuutus</h2>' in section
    assert "Valtuutus koskee vain tätä laskua" in section
    assert "asiakaspalvelun chatissa (Avaa Chat)" in section
    assert f'<form method="post" action="{FORM}"' in section
    for field, label in (
        ("name", "Nimi"),
        ("national_id", "Henkilötunnus"),
        ("expire_date", "Voimassa asti (valinnainen)"),
    ):
        assert f'<label for="grantee-{field}">{label}</label>' in section
        assert f'id="grantee-{field}" name="{field}"' in section
    assert 'type="date" id="grantee-expire_date"' in section
    assert 'name="csrf_token"' in section and ">Tallenna</button>" in section
    assert "Et ole valtuuttanut ketään" in section
    # Exactly one heading on the page says "Valtuutus" (the browser test finds it by name).
    assert page.text.lower().count('valtuutus-heading">') == 1
    # The probe for the form asked AUTHORIZE; nothing was recorded.
    assert (MAIJA.subject, "invoices/own-1", Action.AUTHORIZE) in gateway.access.checks
    assert await gateway.audit_records() == []


async def test_a_paid_invoice_lists_authorizations_but_offers_no_form(gateway: Harness) -> None:
    gateway.access.add_authorization("invoices/own-paid", MAIJA, LIISA_SUBJECT, state="ENDED")
    section = valtuutus_section((await gateway.client.get("/laskut/own-paid")).text)
    assert "<form" not in section and "ei voi enää antaa valtuutusta" in section
    assert "Liisa Virtanen" in section and "Päättynyt" in section


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_the_section_in_swedish_and_english(gateway: Harness, language: str) -> None:
    await gateway.client.get(f"/kieli/{language}?next=/")
    section = valtuutus_section((await gateway.client.get(PAGE)).text)
    expected = {
        "sv": ("Fullmakten gäller endast den här fakturan", "chatt", ">Spara</button>"),
        "en": ("applies to this invoice only", "chat", ">Save</button>"),
    }[language]
    for text in expected:
        assert text in section


async def test_an_authorized_person_sees_a_note_and_no_valtuutus(gateway: Harness) -> None:
    gateway.access.add_authorization("invoices/own-1", MAIJA, MATTI.subject)
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get(PAGE)
    finally:
        await matti.aclose()
    assert page.status_code == 200
    assert "hoitamaan tätä laskua laskun saajan puolesta" in page.text
    assert "valtuutus-heading" not in page.text and 'name="national_id"' not in page.text
    # The page did not even ask whether Matti may authorize: only the debtor is offered it.
    assert (MATTI.subject, "invoices/own-1", Action.AUTHORIZE) not in gateway.access.checks


# --- giving one --------------------------------------------------------------------------


async def test_the_debtor_authorizes_a_person_and_sees_it_masked(
    gateway: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await authorize(
        gateway, name="  Liisa   Virtanen ", national_id=LIISA_HETU.lower(), expire_date=""
    )
    assert response.status_code == 303 and response.headers["location"] == PAGE
    (sent,) = gateway.access.grant_requests
    assert (sent.name, sent.national_id, sent.expire_date) == ("Liisa Virtanen", LIISA_HETU, None)
    page = await gateway.client.get(PAGE)
    section = valtuutus_section(page.text)
    assert "Valtuutus on tallennettu." in section
    assert "Liisa Virtanen" in section and "010105-****" in section and "Voimassa" in section
    assert "Toistaiseksi" in section and ">Peru valtuutus" in section
    assert not HETU_PATTERN.search(page.text)
    # The confirmation is shown once.
    again = await gateway.client.get(PAGE)
    assert "Valtuutus on tallennettu." not in again.text
    assert LIISA_HETU not in caplog.text and LIISA_HETU.lower() not in caplog.text
    assert all(LIISA_HETU not in str(r.event) for r in await gateway.audit_records())


async def test_a_valid_until_date_in_either_format_reaches_the_service(gateway: Harness) -> None:
    await authorize(gateway, **LIISA, expire_date="2025-06-30")
    await authorize(gateway, name="Matti M", national_id=MATTI_HETU, expire_date="1.7.2025")
    dates = [str(request.expire_date) for request in gateway.access.grant_requests]
    assert dates == ["2025-06-30", "2025-07-01"]
    assert "30.6.2025" in valtuutus_section((await gateway.client.get(PAGE)).text)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "", "national_id": LIISA_HETU}, "name", "Täytä kenttä."),
        (
            {"name": LIISA_HETU, "national_id": LIISA_HETU},
            "name",
            "ei henkilötunnusta",
        ),
        ({"name": "Liisa", "national_id": "010105B925X"}, "national_id", "ei ole oikein"),
        ({"name": "Liisa", "national_id": ""}, "national_id", "Täytä kenttä."),
        ({"name": "Maija", "national_id": MAIJA_HETU}, "national_id", "Et voi valtuuttaa itseäsi"),
        (
            {"name": "Liisa", "national_id": LIISA_HETU, "expire_date": "31.2.2025"},
            "expire_date",
            "Päivämäärä ei ole oikein",
        ),
        (
            {"name": "Liisa", "national_id": LIISA_HETU, "expire_date": "2024-12-31"},
            "expire_date",
            "ei voi olla menneisyydessä",
        ),
    ],
)
async def test_each_wrong_field_is_explained_and_the_hetu_is_not_echoed(
    gateway: Harness, fields: dict[str, str], field: str, message: str
) -> None:
    response = await authorize(gateway, **fields)
    assert response.status_code == 400
    section = valtuutus_section(response.text)
    error = section.split(f'id="grantee-{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert f'id="grantee-{field}" name="{field}"' in section
    assert 'aria-invalid="true"' in section.split(f'id="grantee-{field}"', 1)[1].split(">")[0]
    # The typed hetu is neither put back into the form nor anywhere else on the page.
    for typed in fields.values():
        if HETU_PATTERN.search(typed) or typed == "010105B925X":
            assert typed not in response.text
    assert not HETU_PATTERN.search(response.text)
    national_input = section.split('id="grantee-national_id"', 1)[1].split(">", 1)[0]
    assert "value=" not in national_input
    if fields["name"] and not HETU_PATTERN.search(fields["name"]):
        assert f'value="{fields["name"]}"' in section  # the typed name is kept


async def test_already_authorized_and_closed_invoice_answer_409(gateway: Harness) -> None:
    assert (await authorize(gateway, **LIISA)).status_code == 303
    again = await authorize(gateway, **LIISA)
    assert again.status_code == 409
    assert "on jo voimassa oleva valtuutus" in valtuutus_section(again.text)
    assert LIISA_HETU not in again.text
    gateway.access.closed.add("invoices/own-1")
    closed = await authorize(gateway, name="Matti", national_id=MATTI_HETU)
    assert closed.status_code == 409 and "ei voi enää antaa valtuutusta" in closed.text


async def test_without_the_csrf_token_nothing_is_sent(gateway: Harness) -> None:
    for token in ("", "forged"):
        response = await gateway.client.post(FORM, data={"csrf_token": token, **LIISA})
        assert response.status_code == 403
        assert LIISA_HETU not in response.text
    assert gateway.access.grant_requests == []


# --- revoking ----------------------------------------------------------------------------


async def test_revoking_ends_it_and_the_grantees_next_request_is_refused(
    gateway: Harness,
) -> None:
    await authorize(gateway, name="Matti Meikäläinen", national_id=MATTI_HETU)
    (given,) = gateway.access.authorizations.values()
    matti = await gateway.login(MATTI)
    try:
        assert (await matti.get(PAGE)).status_code == 200
        revoke = await gateway.client.post(
            f"{FORM}/{given.id}/peru", data={"csrf_token": await csrf(gateway)}
        )
        assert revoke.status_code == 303 and revoke.headers["location"] == PAGE
        assert gateway.access.revoke_calls == [(given.name, MAIJA.subject)]
        section = valtuutus_section((await gateway.client.get(PAGE)).text)
        assert "Valtuutus on peruttu." in section and "Peruttu" in section
        assert "Peru valtuutus" not in section
        refused = await matti.get(PAGE)
        missing = await matti.get("/laskut/no-such-invoice")
        assert refused.status_code == missing.status_code == 404
        assert refused.content == missing.content
    finally:
        await matti.aclose()
    assert (MATTI.subject, "invoices/own-1", "NO_RELATION") in await denials(gateway)


async def test_revoking_an_ended_one_answers_409(gateway: Harness) -> None:
    ended = gateway.access.add_authorization(
        "invoices/own-1", MAIJA, LIISA_SUBJECT, state="REVOKED"
    )
    response = await gateway.client.post(
        f"{FORM}/{ended.id}/peru", data={"csrf_token": await csrf(gateway)}
    )
    assert response.status_code == 409 and "Valtuutus on jo päättynyt." in response.text
    assert gateway.access.revoke_calls == []


async def test_only_an_authorization_of_this_invoice_can_be_revoked_here(
    gateway: Harness,
) -> None:
    other_invoice = gateway.access.add_authorization("invoices/own-2", MAIJA, LIISA_SUBJECT)
    mattis = gateway.access.add_authorization("invoices/matti-1", MATTI, LIISA_SUBJECT)
    continuous = gateway.access.add_authorization("", MAIJA, LIISA_SUBJECT, type="CONTINUOUS")
    token = await csrf(gateway)
    baseline = await gateway.client.post(f"{FORM}/{'0' * 32}/peru", data={"csrf_token": token})
    assert baseline.status_code == 404
    for authorization in (other_invoice, mattis, continuous):
        response = await gateway.client.post(
            f"{FORM}/{authorization.id}/peru", data={"csrf_token": token}
        )
        assert response.status_code == 404
        assert response.content == baseline.content
    malformed = await gateway.client.post(f"{FORM}/not%20an%20id/peru", data={"csrf_token": token})
    assert malformed.status_code == 404 and malformed.content == baseline.content
    assert gateway.access.revoke_calls == []
    assert [(resource, reason) for _, resource, reason in await denials(gateway)] == [
        (f"authorizations/{'0' * 32}", "AUTHORIZATION_NOT_ON_INVOICE"),
        (other_invoice.name, "AUTHORIZATION_NOT_ON_INVOICE"),
        (mattis.name, "AUTHORIZATION_NOT_ON_INVOICE"),
        (continuous.name, "AUTHORIZATION_NOT_ON_INVOICE"),
        ("authorizations/-", "MALFORMED_ID"),
    ]
    # A continuous authorization is listed (customer service manages it), without a button.
    section = valtuutus_section((await gateway.client.get(PAGE)).text)
    assert "Jatkuva valtuutus: kaikki laskusi" in section


# --- nobody else -------------------------------------------------------------------------


async def test_strangers_delegates_and_lookup_holders_get_the_missing_invoice_answer(
    gateway: Harness,
) -> None:
    given = gateway.access.add_authorization("invoices/own-1", MAIJA, MATTI.subject)
    liisa_key = LIISA_SUBJECT.removeprefix("persons/")
    liisa = Identity(liisa_key, "Liisa Virtanen", "010105-****", "loa2")
    await gateway.access.grant_lookup_access(liisa.subject, "invoices/own-1", "r")
    stranger_key = "d" * 64
    stranger = Identity(stranger_key, "Outo Henkilö", "010170-****", "loa2")
    calls = [
        ("POST", FORM, {"name": "X Y", "national_id": LIISA_HETU}),
        ("POST", f"{FORM}/{given.id}/peru", {}),
        ("GET", API, None),
        ("POST", API, {"name": "X Y", "national_id": LIISA_HETU}),
        ("POST", f"{API}/{given.id}/revoke", {}),
    ]
    for person, expected_reason in (
        (MATTI, "ACTION_NOT_ALLOWED"),
        (liisa, "LOOKUP_GRANT_ACTION_NOT_ALLOWED"),
        (stranger, "NO_RELATION"),
    ):
        client = await gateway.login(person)
        try:
            token = await gateway.csrf_token(client)
            for method, url, body in calls:
                missing_url = url.replace("own-1", "no-such-invoice")
                answers = []
                for target in (missing_url, url):
                    before = len(await denials(gateway))
                    if method == "GET":
                        response = await client.get(target)
                    elif target.startswith("/api/"):
                        response = await client.post(target, json=body)
                    else:
                        response = await client.post(
                            target, data={"csrf_token": token, **(body or {})}
                        )
                    recorded = (await denials(gateway))[before:]
                    assert len(recorded) == 1, (person.display_name, method, target)
                    answers.append(response)
                assert recorded[0] == (person.subject, "invoices/own-1", expected_reason)
                assert answers[1].status_code == 404, (person.display_name, method, url)
                assert answers[1].content == answers[0].content
                assert LIISA_HETU not in answers[1].text
        finally:
            await client.aclose()
    assert gateway.access.grant_requests == [] and gateway.access.revoke_calls == []
    assert gateway.access.authorizations[given.name].active


# --- the JSON API ------------------------------------------------------------------------


async def test_api_creates_lists_and_revokes_without_ever_returning_a_hetu(
    gateway: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await gateway.client.post(API, json={**LIISA, "expire_date": "2025-12-31"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["grantee_masked_identifier"] == "010105-****"
    assert body["grantee_display_name"] == "Liisa Virtanen"
    assert body["state"] == "ACTIVE" and body["type"] == "INVOICE" and body["revocable"]
    assert body["expire_date"] == "2025-12-31" and body["invoice"] == "invoices/own-1"
    assert set(body) == {
        "id",
        "name",
        "type",
        "state",
        "grantee_display_name",
        "grantee_masked_identifier",
        "invoice",
        "expire_date",
        "create_time",
        "end_time",
        "revocable",
    }
    listed = await gateway.client.get(API)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["authorizations"]] == [body["id"]]
    revoked = await gateway.client.post(f"{API}/{body['id']}/revoke", json={})
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "REVOKED" and not revoked.json()["revocable"]
    again = await gateway.client.post(f"{API}/{body['id']}/revoke", json={})
    assert again.status_code == 409
    assert again.json()["error"]["details"][0]["reason"] == "AUTHORIZATION_NOT_ACTIVE"
    for response in (created, listed, revoked, again):
        assert not HETU_PATTERN.search(response.text)
    assert LIISA_HETU not in caplog.text


async def test_api_refuses_bad_input_by_field_without_echoing_it(gateway: Harness) -> None:
    wrong = "131052-308U"  # a check character that does not match
    response = await gateway.client.post(API, json={"name": "Testi", "national_id": wrong})
    assert response.status_code == 400
    assert wrong not in response.text
    violations = response.json()["error"]["details"][1]["fieldViolations"]
    assert violations == [
        {
            "field": "national_id",
            "description": "is not a valid Finnish personal identity code",
            "reason": "INVALID_NATIONAL_ID",
        }
    ]
    yourself = await gateway.client.post(API, json={"name": "M", "national_id": MAIJA_HETU})
    assert yourself.status_code == 400 and MAIJA_HETU not in yourself.text
    assert yourself.json()["error"]["details"][1]["fieldViolations"][0]["reason"] == (
        "SELF_AUTHORIZATION"
    )
    extra = await gateway.client.post(API, json={**LIISA, "grantor": MATTI.subject})
    assert extra.status_code == 400 and LIISA_HETU not in extra.text
    form = await gateway.client.post(API, data=LIISA)
    assert form.status_code == 415
    assert len(gateway.access.grant_requests) == 1  # only "yourself" reached the service
    duplicate = await gateway.client.post(API, json=LIISA)
    assert duplicate.status_code == 201
    conflict = await gateway.client.post(API, json=LIISA)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["details"][0]["reason"] == "AUTHORIZATION_ALREADY_ACTIVE"


async def test_api_revoke_needs_json_and_this_invoices_authorization(gateway: Harness) -> None:
    given = gateway.access.add_authorization("invoices/own-1", MAIJA, LIISA_SUBJECT)
    elsewhere = gateway.access.add_authorization("invoices/own-2", MAIJA, LIISA_SUBJECT)
    form_post = await gateway.client.post(f"{API}/{given.id}/revoke")
    assert form_post.status_code == 415
    wrong_invoice = await gateway.client.post(f"{API}/{elsewhere.id}/revoke", json={})
    missing = await gateway.client.post(f"{API}/{'0' * 32}/revoke", json={})
    assert wrong_invoice.status_code == missing.status_code == 404
    assert wrong_invoice.content == missing.content
    assert gateway.access.revoke_calls == []
    records = [r for r in await gateway.audit_records() if r.event.outcome is Outcome.DENIED]
    assert {r.event.channel for r in records} == {Channel.MYROPO_API}
    assert {r.event.purpose for r in records} == {Purpose.ACCESS_DENIED}


async def test_openapi_documents_the_authorization_and_payment_endpoints(
    gateway: Harness,
) -> None:
    document = (await gateway.client.get("/api/openapi.json")).json()
    paths = document["paths"]
    base = "/api/myropo/v1/invoices/{invoice_id}"
    expected = {
        (f"{base}/authorizations", "get"): ("200", "AuthorizationList", {"401", "404"}),
        (f"{base}/authorizations", "post"): (
            "201",
            "Authorization",
            {"400", "401", "404", "409", "415"},
        ),
        (f"{base}/authorizations/{{authorization_id}}/revoke", "post"): (
            "200",
            "Authorization",
            {"401", "404", "409", "415"},
        ),
        (f"{base}/payment", "get"): ("200", "PaymentDetails", {"401", "404"}),
    }
    for (path, method), (status, model, errors) in expected.items():
        operation = paths[path][method]
        assert operation["summary"] and operation["description"]
        content = operation["responses"][status]["content"]["application/json"]["schema"]
        assert content["$ref"].endswith(f"/{model}")
        assert errors <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["AuthorizationRequest"]["properties"]) == {
        "name",
        "national_id",
        "expire_date",
    }
    assert "national_id" not in schemas["Authorization"]["properties"]
