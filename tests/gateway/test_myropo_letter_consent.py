"""*Sähköiset kirjeet*: the person's own consent to electronic letters — the page explains
what it means, gives it with a checked e-mail address (a clear message per problem, in the
person's language), changes the address, withdraws it; CSRF-protected, audited without the
address, channel ``myropo`` with the person as actor; and its JSON twin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from myropo_fakes import MAIJA, MATTI, Harness, running_gateway, upstream
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.clients.letters import CHANNEL_MYROPO
from ropo_gateway.myropo.letter_consent import email_problem

PATH = "/asetukset/sahkoiset-kirjeet"
API = "/api/myropo/v1/letter-consent"
EMAIL = "maija.meikalainen@example.fi"


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


def hidden(html: str, name: str, occurrence: int = 0) -> str:
    values = re.findall(rf'name="{name}" value="([^"]*)"', html)
    assert values, f"no {name} field"
    return unescape(values[occurrence])


def error_text(html: str) -> str:
    match = re.search(r'<p class="error-message" id="consent-email-error">([^<]*)</p>', html)
    return unescape(match.group(1)) if match else ""


async def give(gateway: Harness, email: str, *, csrf: bool = True) -> tuple[str, int, str]:
    page = await gateway.client.get(PATH)
    data = {"request_id": hidden(page.text, "request_id"), "action": "give"}
    data["notification_email"] = email
    if csrf:
        data["csrf_token"] = hidden(page.text, "csrf_token")
    response = await gateway.client.post(PATH, data=data)
    return response.headers.get("location", ""), response.status_code, response.text


@pytest.mark.parametrize(
    ("language", "heading", "explains", "state"),
    [
        (
            "fi",
            "Sähköiset kirjeet",
            "tulevat vain MyRopon Viestikeskukseen",
            "Kirjeet lähetetään sinulle paperilla.",
        ),
        (
            "sv",
            "Elektroniska brev",
            "endast till meddelandecentret i MyRopo",
            "Breven skickas till dig på papper.",
        ),
        (
            "en",
            "Electronic letters",
            "arrive only in the MyRopo message centre",
            "Letters are sent to you on paper.",
        ),
    ],
)
async def test_the_page_explains_the_consent(
    gateway: Harness, language: str, heading: str, explains: str, state: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    page = await gateway.client.get(PATH)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert explains in page.text
    assert state in page.text
    assert 'data-electronic="false"' in page.text
    assert 'type="email" id="consent-email" name="notification_email"' in page.text
    assert "consent-withdraw" not in page.text


async def test_the_front_page_and_the_message_centre_lead_to_it(gateway: Harness) -> None:
    assert f'<a class="card" href="{PATH}">' in (await gateway.client.get("/")).text
    assert f'<a href="{PATH}">' in (await gateway.client.get("/viestit")).text


async def test_giving_changing_and_withdrawing_the_consent(gateway: Harness) -> None:
    location, status, _ = await give(gateway, f"  {EMAIL} ")
    assert status == 303 and location == f"{PATH}?tallennettu=annettu"
    page = await gateway.client.get(location)
    assert "Suostumus tallennettu. Kirjeet tulevat jatkossa Viestikeskukseen." in page.text
    assert f"Ilmoitukset lähetetään osoitteeseen {EMAIL}." in page.text
    assert 'data-electronic="true"' in page.text
    assert "Muutettu 1.3.2025 klo 14.00." in page.text
    assert ">Vaihda sähköpostiosoite</button>" in page.text
    change = gateway.letters.consent_changes[-1]
    assert change.person == MAIJA.subject and change.actor == MAIJA.subject
    assert change.channel == CHANNEL_MYROPO == "myropo"
    assert change.electronic and change.notification_email == EMAIL

    location, status, _ = await give(gateway, "uusi.osoite@example.fi")
    assert status == 303
    assert "uusi.osoite@example.fi" in (await gateway.client.get(PATH)).text

    page = await gateway.client.get(PATH)
    withdraw = await gateway.client.post(
        PATH,
        data={
            "csrf_token": hidden(page.text, "csrf_token"),
            "request_id": hidden(page.text, "request_id", 1),
            "action": "withdraw",
        },
    )
    assert withdraw.status_code == 303
    assert withdraw.headers["location"] == f"{PATH}?tallennettu=peruttu"
    after = await gateway.client.get(withdraw.headers["location"])
    assert "Suostumus peruttu. Kirjeet lähetetään jatkossa paperilla." in after.text
    assert 'data-electronic="false"' in after.text
    last = gateway.letters.consent_changes[-1]
    assert not last.electronic and last.notification_email == ""
    assert len(gateway.letters.consents[MAIJA.subject].changes) == 3

    records = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.LETTER_CONSENT
    ]
    assert [event.reason for event in records] == [
        "CONSENT_GIVEN",
        "CONSENT_GIVEN",
        "CONSENT_WITHDRAWN",
    ]
    for event in records:
        assert event.actor == MAIJA.subject == event.data_subject
        assert event.resource == f"{MAIJA.subject}/letterConsent"
        assert event.outcome is Outcome.ALLOWED
        # Never the address, anywhere in the record.
        assert "@" not in repr(event)


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("fi", "", "Anna sähköpostiosoite."),
        ("fi", "maija.example.fi", "Sähköpostiosoite ei ole kelvollinen."),
        ("fi", "maija@localhost", "Sähköpostiosoite ei ole kelvollinen."),
        ("fi", "a" * 250 + "@x.fi", "Sähköpostiosoite on liian pitkä (enintään 254 merkkiä)."),
        ("sv", "maija@@example.fi", "E-postadressen är inte giltig."),
        ("en", "", "Enter an e-mail address."),
        ("en", "maija@exa mple.fi", "The e-mail address is not valid."),
    ],
)
async def test_a_bad_address_gets_a_clear_message_and_nothing_changes(
    gateway: Harness, language: str, typed: str, message: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    _, status, html = await give(gateway, typed)
    assert status == 400
    assert error_text(html).startswith(message)
    assert 'aria-invalid="true"' in html
    assert gateway.letters.consent_changes == []
    assert not [
        r for r in await gateway.audit_records() if r.event.purpose is Purpose.LETTER_CONSENT
    ]


async def test_the_service_refusing_the_address_is_shown_too(gateway: Harness) -> None:
    _, status, html = await give(gateway, "maija@refused.fi")
    assert status == 400
    assert error_text(html).startswith("Sähköpostiosoite ei ole kelvollinen.")
    # The typed address is shown back for correction.
    assert 'value="maija@refused.fi"' in html
    assert MAIJA.subject not in gateway.letters.consents


async def test_the_form_needs_the_csrf_token(gateway: Harness) -> None:
    _, status, _ = await give(gateway, EMAIL, csrf=False)
    assert status == 403
    assert gateway.letters.consent_changes == []


async def test_a_person_only_ever_sees_their_own_consent(gateway: Harness) -> None:
    await give(gateway, EMAIL)
    matti = await gateway.login(MATTI)
    try:
        page = await matti.get(PATH)
        assert EMAIL not in page.text
        assert 'data-electronic="false"' in page.text
        api = await matti.get(API)
        assert api.json()["letter_consent"]["electronic"] is False
    finally:
        await matti.aclose()


async def test_the_json_twin_reads_and_changes_the_consent(gateway: Harness) -> None:
    assert (await gateway.client.get(API)).json() == {
        "letter_consent": {"electronic": False, "notification_email": "", "update_time": None}
    }
    not_json = await gateway.client.put(API, data={"electronic": "true"})
    assert not_json.status_code == 415
    given = await gateway.client.put(API, json={"electronic": True, "notification_email": EMAIL})
    assert given.status_code == 200
    assert given.json()["letter_consent"] == {
        "electronic": True,
        "notification_email": EMAIL,
        "update_time": "2025-03-01T12:00:00Z",
    }
    withdrawn = await gateway.client.put(API, json={"electronic": False})
    assert withdrawn.json()["letter_consent"]["electronic"] is False
    assert withdrawn.json()["letter_consent"]["notification_email"] == ""
    assert [change.channel for change in gateway.letters.consent_changes] == ["myropo", "myropo"]
    channels = {
        record.event.channel.value
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.LETTER_CONSENT
    }
    assert channels == {"myropo_api"}


@pytest.mark.parametrize(
    ("language", "email", "reason", "description"),
    [
        ("fi", "", "REQUIRED", "Anna sähköpostiosoite."),
        ("sv", "ei-osoite", "INVALID", "E-postadressen är inte giltig."),
        ("en", "maija@refused.fi", "INVALID", "The e-mail address is not valid."),
    ],
)
async def test_the_json_twin_names_the_bad_address(
    gateway: Harness, language: str, email: str, reason: str, description: str
) -> None:
    gateway.client.cookies.set("ropo_lang", language)
    refused = await gateway.client.put(API, json={"electronic": True, "notification_email": email})
    assert refused.status_code == 400
    details = refused.json()["error"]["details"]
    violations = next(item for item in details if item["@type"].endswith("BadRequest"))
    (violation,) = violations["fieldViolations"]
    assert violation["field"] == "notification_email"
    assert violation["reason"] == reason
    assert violation["description"].startswith(description)
    assert not email or email not in refused.text


async def test_a_failing_service_is_a_readable_page(gateway: Harness) -> None:
    gateway.letters.fail_with = upstream(grpc.StatusCode.UNAVAILABLE)
    page = await gateway.client.get(PATH)
    assert page.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä" in page.text


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("maija@example.fi", ""),
        ("first.last+tag@sub.example.co.uk", ""),
        ("", "required"),
        ("no-at-sign", "invalid"),
        ("two@@example.fi", "invalid"),
        (".dot@example.fi", "invalid"),
        ("dot.@example.fi", "invalid"),
        ("a..b@example.fi", "invalid"),
        ("maija@example", "invalid"),
        ("maija@-example.fi", "invalid"),
        ("maija@example.f1", "invalid"),
        ("maija@exam_ple.fi", "invalid"),
        ('"quoted"@example.fi', "invalid"),
        ("a" * 65 + "@example.fi", "invalid"),
        ("a" * 64 + "@" + "b" * 190 + ".fi", "too_long"),
    ],
)
def test_the_address_rule(value: str, problem: str) -> None:
    assert email_problem(value) == problem
