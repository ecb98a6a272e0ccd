"""*Valtuutukset* on Ropo One's case page, with fakes of the services, the real gateway app and
its real audit log on SQLite: agents and supervisors see the case's authorizations, make a
continuous one and revoke one (CSRF-protected POST forms); a henkilötunnus never reaches a
URL, a log line or the re-rendered page; creditor users see and do nothing of it, and
another creditor's user gets exactly the answer for a missing case with one audit record."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import grpc
import httpx
import lxml.html
import pytest
import pytest_asyncio
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.audit.model import Channel, Outcome, Purpose
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
    assert_in_no_url,
    authorization_error,
    captured_logs,
    console,
    csrf_token,
    make_authorization,
    make_invoice,
    text,
    urls_seen,
)

CASE = "/ropo-one/tapaukset/inv-1"
CREATE = CASE + "/jatkuvat-valtuutukset"
GRANTEE_HETU = "050595-9469"  # Liisa Virtanen, a sandbox test person
GRANTEE = {"grantee_name": "Liisa Virtanen", "grantee_national_id": GRANTEE_HETU}


def revoke_path(authorization_id: str, invoice_id: str = "inv-1") -> str:
    return f"/ropo-one/tapaukset/{invoice_id}/valtuutukset/{authorization_id}/peru"


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1"))
        running.cases.add(make_invoice("inv-2", case_number="202500000025"))
        running.cases.add(
            make_invoice(
                "inv-x",
                creditor=YRITYS_X,
                case_number="202500000099",
                debtor_name="Kuvitteellinen Rakennus Oy",
                kind=invoice_pb2.DEBTOR_KIND_ORGANIZATION,
                masked="1732050-2",
            )
        )
        # Made by the debtor in MyRopo for inv-1, one revoked by the debtor, one for another
        # invoice, and a continuous one by staff covering all the debtor's invoices.
        running.authz.add(make_authorization("auth-1", expire_date=date(2025, 12, 31)))
        running.authz.add(make_authorization("auth-old", state="REVOKED", revoker=DEBTOR))
        running.authz.add(make_authorization("auth-2", invoice="invoices/inv-2"))
        running.authz.add(
            make_authorization(
                "cont-0",
                type="CONTINUOUS",
                grantee_name="Ville Nieminen",
                masked="090959Y971L",  # even a full code from upstream is cut to the birth date
                creditor=TESTI,
                creator=f"staffUsers/{SUPERVISOR}",
            )
        )
        yield running


def rows(html: str) -> dict[str, dict[str, str]]:
    """The authorizations table: id → field → text."""
    document = lxml.html.fromstring(html)
    found = {}
    for row in document.xpath("//table[contains(@class,'one-authorizations')]/tbody/tr"):
        cells = {
            cell.get("data-field"): " ".join(cell.text_content().replace("\xa0", " ").split())
            for cell in row.xpath("./*[@data-field]")
        }
        cells["revoke"] = "yes" if row.xpath(".//form[contains(@class,'one-revoke')]") else ""
        found[row.get("data-authorization")] = cells
    return found


async def form_token(one: Console, path: str = CASE) -> str:
    return csrf_token((await one.client.get(path)).text)


async def create(one: Console, **fields: str) -> httpx.Response:
    token = await form_token(one)
    return await one.client.post(CREATE, data={"csrf_token": token, **fields})


async def test_an_agent_sees_the_case_authorizations(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    assert page.status_code == 200, page.text
    document = lxml.html.fromstring(page.text)
    assert document.xpath("//section[@id='valtuutukset']/h2")[0].text_content() == "Valtuutukset"
    headers = [
        th.text_content()
        for th in document.xpath("//table[contains(@class,'one-authorizations')]//thead//th")
    ]
    assert headers == [
        "Tyyppi",
        "Valtuutettu",
        "Henkilötunnus",
        "Tila",
        "Voimassa asti",
        "Tehnyt",
        "Tehty",
        "Toiminnot",
    ]
    listed = rows(page.text)
    # inv-2's own authorization is not this case's.
    assert set(listed) == {"auth-1", "auth-old", "cont-0"}
    assert listed["auth-1"] == {
        "type": "Laskukohtainen",
        "grantee": "Liisa Virtanen",
        "identifier": "050595-****",
        "state": "Voimassa",
        "valid_until": "31.12.2025",
        "creator": "Velallinen",
        "created": "1.3.2025 12.00",
        "revoke": "yes",
    }
    assert listed["auth-old"]["state"] == "Peruttu" and listed["auth-old"]["revoke"] == ""
    assert listed["cont-0"]["type"] == "Jatkuva: vain laskuttajan Testi-yritys Oy laskut"
    assert listed["cont-0"]["identifier"] == "090959-****"
    assert listed["cont-0"]["valid_until"] == "Toistaiseksi"
    assert listed["cont-0"]["creator"] == f"Asiakaspalvelu ({SUPERVISOR})"
    assert "090959Y971L" not in page.text
    # The revoke button says which authorization it ends.
    button = document.xpath("//tr[@data-authorization='auth-1']//button")[0]
    assert button.text_content() == "Peru"
    assert button.get("aria-label") == "Peru valtuutus: Liisa Virtanen"
    # One case view is recorded for the whole page, authorizations included.
    (record,) = await one.audit()
    assert record.event.purpose == Purpose.CASE_VIEW and record.event.data_subject == DEBTOR
    assert one.authz.listed == ["invoices/inv-1"]


async def test_the_continuous_form_is_labelled_and_needs_no_script(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    page = await one.client.get(CASE)
    document = lxml.html.fromstring(page.text)
    assert not document.xpath("//script")
    (form,) = document.xpath("//form[contains(@class,'one-continuous')]")
    assert form.get("method") == "post" and form.get("action") == CREATE
    assert document.xpath("//h3[@id='continuous-heading']")[0].text_content() == (
        "Uusi jatkuva valtuutus"
    )
    labels = {
        field.get("name"): document.xpath(f"//label[@for='{field.get('id')}']")[0]
        .text_content()
        .strip()
        for field in form.xpath(".//input[@type!='hidden']")
    }
    assert labels == {
        "grantee_name": "Valtuutetun nimi",
        "grantee_national_id": "Valtuutetun henkilötunnus",
        "expire_date": "Voimassa asti (valinnainen)",
        "conversation": "Keskustelun tunnus (valinnainen)",
        "creditor_only": "Vain laskuttajan Testi-yritys Oy laskut",
    }
    assert form.xpath(".//button")[0].text_content() == "Tallenna"
    hidden = {i.get("name") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"csrf_token", "request_id"}


async def test_a_supervisor_makes_a_continuous_authorization(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    seen = urls_seen(one.client)
    with captured_logs() as logs:
        made = await create(
            one,
            grantee_name="  Liisa   Virtanen ",
            grantee_national_id=" 050595-9469 ",
            creditor_only="true",
            expire_date="31.12.2099",
            conversation="conv-42",
            request_id="0b7c6f0e-8a47-4a4e-9a53-3f1f0e7d2c11",
        )
        assert made.status_code == 303, made.text
        assert made.headers["location"] == CASE
        after = await one.client.get(made.headers["location"])
    # The service got the request, from the supervisor, for the case's debtor.
    (sent,) = one.authz.created
    assert sent["actor"] == f"staffUsers/{SUPERVISOR}"
    assert sent["actor_roles"] == ("agent", "supervisor")  # the sandbox supervisor's roles
    assert sent["grantor"] == DEBTOR
    assert sent["grantee"].name == "Liisa Virtanen"
    assert sent["grantee"].national_id == GRANTEE_HETU
    assert sent["grantee"].expire_date == date(2099, 12, 31)
    assert sent["creditor"] == TESTI
    assert sent["conversation"] == "conversations/conv-42"
    assert sent["request_id"] == "0b7c6f0e-8a47-4a4e-9a53-3f1f0e7d2c11"
    # Asked first, with the action the form needs.
    roles = ("agent", "supervisor")
    assert (f"staffUsers/{SUPERVISOR}", "invoices/inv-1", Action.AUTHORIZE, roles) in (
        one.authz.checks
    )
    # Listed on the case page, masked.
    listed = rows(after.text)
    assert listed["cont-1"]["grantee"] == "Liisa Virtanen"
    assert listed["cont-1"]["identifier"] == "050595-****"
    assert listed["cont-1"]["state"] == "Voimassa"
    assert listed["cont-1"]["valid_until"] == "31.12.2099"
    # The henkilötunnus went nowhere else: no URL, no log line, no page.
    assert_in_no_url(seen, GRANTEE_HETU, "050595")
    assert GRANTEE_HETU not in " ".join(str(line) for line in logs())
    assert GRANTEE_HETU not in after.text
    # After the form's page: one record for the creation (with the debtor's pseudonym), one
    # for the page after.
    records = (await one.audit())[1:]
    assert [(r.event.purpose, r.event.resource) for r in records] == [
        (Purpose.AUTHORIZATION_ADMIN, "authorizations/cont-1"),
        (Purpose.CASE_VIEW, "invoices/inv-1"),
    ]
    assert records[0].event.data_subject == DEBTOR
    assert records[0].event.actor == f"staffUsers/{SUPERVISOR}"
    assert records[0].event.channel == Channel.ROPO_ONE
    assert GRANTEE_HETU not in str(records)


async def test_an_agent_may_make_one_too_for_all_creditors(one: Console) -> None:
    await one.login_staff(AGENT)
    made = await create(one, **GRANTEE)
    assert made.status_code == 303
    (sent,) = one.authz.created
    assert sent["actor_roles"] == ("agent",) and sent["creditor"] == ""
    assert sent["grantee"].expire_date is None and sent["conversation"] == ""
    # Without a key of its own the submission gets a fresh one.
    assert len(sent["request_id"]) == 36


async def test_a_wrong_code_is_shown_at_the_field_and_never_echoed(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    typo = "050595-9468"  # wrong check character
    token = await form_token(one)
    before = len(await one.audit())
    with captured_logs() as logs:
        page = await one.client.post(
            CREATE,
            data={
                "csrf_token": token,
                "grantee_name": "Liisa Virtanen",
                "grantee_national_id": typo,
                "expire_date": "31.2.2099",
            },
        )
    assert page.status_code == 400
    assert one.authz.created == []
    document = lxml.html.fromstring(page.text)
    summary = document.xpath("//*[@role='alert' and contains(@class,'one-error-summary')]")[0]
    assert "Tarkista valtuutuksen tiedot" in summary.text_content()
    assert [a.get("href") for a in summary.xpath(".//a")] == [
        "#authz-grantee_national_id",
        "#authz-expire_date",
    ]
    code_input = document.xpath("//input[@id='authz-grantee_national_id']")[0]
    assert code_input.get("value") == "" and code_input.get("aria-invalid") == "true"
    assert "authz-grantee_national_id-error" in code_input.get("aria-describedby")
    error = document.xpath("//p[@id='authz-grantee_national_id-error']")[0].text_content()
    assert error.startswith("Henkilötunnus ei ole oikein.")
    assert "Anna päivämäärä muodossa pp.kk.vvvv." in text(page.text)
    # The typed name is kept; the code appears nowhere.
    assert document.xpath("//input[@id='authz-grantee_name']")[0].get("value") == "Liisa Virtanen"
    assert typo not in page.text and "9468" not in page.text
    assert typo not in " ".join(str(line) for line in logs())
    # The page shown again is a case read.
    assert [r.event.purpose for r in (await one.audit())[before:]] == [Purpose.CASE_VIEW]


async def test_missing_fields_and_a_code_in_the_name_are_refused(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    page = await create(
        one,
        grantee_name="Liisa 050595-9469",
        grantee_national_id="",
        # A code typed into the wrong field is not written back either.
        expire_date=GRANTEE_HETU,
        conversation=GRANTEE_HETU,
    )
    assert page.status_code == 400 and one.authz.created == []
    assert "Kirjoita nimeen vain nimi, ei henkilötunnusta." in text(page.text)
    assert "Anna valtuutetun henkilötunnus." in text(page.text)
    assert "Anna päivämäärä muodossa pp.kk.vvvv." in text(page.text)
    assert "Keskustelun tunnus ei kelpaa." in text(page.text)
    assert GRANTEE_HETU not in page.text
    name_input = lxml.html.fromstring(page.text).xpath("//input[@id='authz-grantee_name']")[0]
    assert name_input.get("value") == ""


async def test_the_service_refusals_are_told_in_words(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    one.authz.create_error = authorization_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        ("grantee_national_id", "must not be the grantor's own", "SELF_AUTHORIZATION"),
    )
    own = await create(one, **GRANTEE)
    assert own.status_code == 400
    assert "Velallista ei voi valtuuttaa omiin laskuihinsa." in text(own.text)
    assert GRANTEE_HETU not in own.text
    # A fresh idempotency key for the corrected submission.
    key = lxml.html.fromstring(own.text).xpath("//input[@name='request_id']")[0].get("value")
    assert key != one.authz.created[-1]["request_id"]

    one.authz.create_error = authorization_error(
        grpc.StatusCode.FAILED_PRECONDITION, "AUTHORIZATION_ALREADY_ACTIVE"
    )
    await one.client.get("/kieli/sv?next=/ropo-one")
    twice = await create(one, **GRANTEE)
    assert twice.status_code == 400
    assert "Personen har redan en giltig fullmakt för dessa fakturor." in text(twice.text)
    await one.client.get("/kieli/en?next=/ropo-one")
    one.authz.create_error = authorization_error(grpc.StatusCode.FAILED_PRECONDITION, "ODD")
    odd = await create(one, **GRANTEE)
    assert "The authorization could not be saved." in text(odd.text)

    one.authz.create_error = authorization_error(grpc.StatusCode.UNAVAILABLE)
    down = await create(one, **GRANTEE)
    assert down.status_code == 503
    assert GRANTEE_HETU not in down.text
    # No authorization was made, so none was recorded as made.
    assert Purpose.AUTHORIZATION_ADMIN not in {r.event.purpose for r in await one.audit()}


async def test_a_company_case_offers_no_continuous_authorization(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    page = await one.client.get("/ropo-one/tapaukset/inv-x")
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.text).xpath("//form[contains(@class,'one-continuous')]")
    assert "Jatkuvan valtuutuksen voi tehdä vain yksityishenkilön laskuille." in text(page.text)
    token = csrf_token(page.text)
    refused = await one.client.post(
        "/ropo-one/tapaukset/inv-x/jatkuvat-valtuutukset", data={"csrf_token": token, **GRANTEE}
    )
    assert refused.status_code == 400 and one.authz.created == []


async def test_revoking_ends_the_authorization(one: Console) -> None:
    await one.login_staff(AGENT)
    page = await one.client.get(CASE)
    form = lxml.html.fromstring(page.text).xpath(
        "//tr[@data-authorization='auth-1']//form[contains(@class,'one-revoke')]"
    )[0]
    assert form.get("method") == "post" and form.get("action") == revoke_path("auth-1")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    revoked = await one.client.post(form.get("action"), data=fields)
    assert revoked.status_code == 303 and revoked.headers["location"] == CASE
    (call,) = one.authz.revoked
    assert call[0] == "authorizations/auth-1"
    assert call[1] == f"staffUsers/{AGENT}" and call[3] == ("agent",)
    assert call[2] == fields["request_id"]
    assert (f"staffUsers/{AGENT}", "invoices/inv-1", Action.ADMINISTER, ("agent",)) in (
        one.authz.checks
    )
    after = await one.client.get(CASE)
    assert rows(after.text)["auth-1"]["state"] == "Peruttu"
    assert rows(after.text)["auth-1"]["revoke"] == ""
    admin = [r for r in await one.audit() if r.event.purpose == Purpose.AUTHORIZATION_ADMIN]
    assert [(r.event.resource, r.event.data_subject, r.event.reason) for r in admin] == [
        ("authorizations/auth-1", DEBTOR, "AUTHORIZATION_REVOKED")
    ]

    # Revoking it again (a second tab): told in words, nothing recorded as done.
    again = await one.client.post(revoke_path("auth-1"), data={"csrf_token": fields["csrf_token"]})
    assert again.status_code == 400
    assert "Valtuutus ei ole enää voimassa, joten sitä ei voi perua." in text(again.text)


async def test_an_authorization_of_another_case_answers_like_a_missing_case(
    one: Console,
) -> None:
    await one.login_staff(AGENT)
    token = await form_token(one)
    missing_case = await one.client.get("/ropo-one/tapaukset/inv-missing")
    before = len(await one.denials())
    answers = [
        # inv-2's authorization through inv-1's page; an unknown one; a malformed one.
        await one.client.post(revoke_path("auth-2"), data={"csrf_token": token}),
        await one.client.post(revoke_path("nope"), data={"csrf_token": token}),
        await one.client.post(revoke_path("no!pe"), data={"csrf_token": token}),
    ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.content == missing_case.content
    assert one.authz.revoked == []
    denials = (await one.denials())[before:]
    assert [(d.event.resource, d.event.reason) for d in denials] == [
        ("authorizations/auth-2", "AUTHORIZATION_NOT_ON_INVOICE"),
        ("authorizations/nope", "AUTHORIZATION_NOT_ON_INVOICE"),
        ("authorizations/-", "MALFORMED_ID"),
    ]


async def test_a_creditor_user_sees_no_authorizations_and_can_do_nothing(one: Console) -> None:
    await one.login_staff(TESTI_USER)
    page = await one.client.get(CASE)
    assert page.status_code == 200
    assert "Valtuutukset" not in page.text and "Liisa" not in page.text
    assert one.authz.listed == []
    token = csrf_token(page.text)
    missing = await one.client.get("/ropo-one/tapaukset/inv-missing")
    made = await one.client.post(CREATE, data={"csrf_token": token, **GRANTEE})
    revoked = await one.client.post(revoke_path("auth-1"), data={"csrf_token": token})
    assert made.status_code == revoked.status_code == 404
    assert made.content == revoked.content == missing.content
    assert one.authz.created == [] and one.authz.revoked == []
    denials = await one.denials()
    assert [(d.event.resource, d.event.reason) for d in denials[-2:]] == [
        ("invoices/inv-1", "ACTION_NOT_ALLOWED"),
        ("invoices/inv-1", "ACTION_NOT_ALLOWED"),
    ]


async def test_another_creditors_user_gets_the_missing_case_answer_and_one_record(
    one: Console,
) -> None:
    await one.login_staff(YRITYS_X_USER)
    token = await form_token(one, "/ropo-one")
    calls: list[tuple[str, str, dict[str, str]]] = [
        ("GET", "/ropo-one/tapaukset/{id}", {}),
        ("POST", "/ropo-one/tapaukset/{id}/jatkuvat-valtuutukset", {**GRANTEE}),
        ("POST", "/ropo-one/tapaukset/{id}/valtuutukset/{auth}/peru", {}),
    ]
    for method, template, fields in calls:
        data = {"csrf_token": token, **fields}
        missing_url = template.format(id="inv-missing", auth="0" * 32)
        other_url = template.format(id="inv-1", auth="auth-1")
        baseline = await one.client.request(method, missing_url, data=data or None)
        before = await one.denials()
        answer = await one.client.request(method, other_url, data=data or None)
        after = await one.denials()
        assert answer.status_code == baseline.status_code == 404, other_url
        assert answer.content == baseline.content, other_url
        (denial,) = after[len(before) :]
        assert denial.event.actor == f"staffUsers/{YRITYS_X_USER}"
        assert denial.event.resource == "invoices/inv-1"
        assert denial.event.outcome == Outcome.DENIED and denial.event.reason == "NO_RELATION"
    assert "invoices/inv-1" not in one.cases.gets
    assert one.authz.created == [] and one.authz.revoked == [] and one.authz.listed == []
    assert Purpose.CASE_VIEW not in {r.event.purpose for r in await one.audit()}


async def test_without_the_csrf_token_nothing_is_asked_or_done(one: Console) -> None:
    await one.login_staff(SUPERVISOR)
    real = await form_token(one)
    calls, gets = one.authz.calls, len(one.cases.gets)
    for token in (None, "", "forged"):
        extra = {} if token is None else {"csrf_token": token}
        made = await one.client.post(CREATE, data={**GRANTEE, **extra})
        revoked = await one.client.post(revoke_path("auth-1"), data=extra or None)
        assert made.status_code == revoked.status_code == 403
        assert GRANTEE_HETU not in made.text
    assert one.authz.calls == calls and len(one.cases.gets) == gets
    assert one.authz.created == [] and one.authz.revoked == []
    # Another session's token is no better.
    one.client.cookies.clear()
    anonymous = await one.client.post(CREATE, data={"csrf_token": real, **GRANTEE})
    assert anonymous.status_code == 401 and one.authz.created == []


async def test_an_id_that_looks_like_a_code_goes_nowhere(
    one: Console, caplog: pytest.LogCaptureFixture
) -> None:
    await one.login_staff(AGENT)
    # The test client logs the URLs it asks for; this one it builds wrong on purpose.
    caplog.set_level(logging.WARNING, logger="httpx")
    page = await one.client.get(f"/ropo-one/tapaukset/{GRANTEE_HETU}")
    assert page.status_code == 404
    assert one.authz.checks == [] and one.cases.gets == []
    (denial,) = await one.denials()
    assert denial.event.resource == "invoices/-" and denial.event.reason == "MALFORMED_ID"
