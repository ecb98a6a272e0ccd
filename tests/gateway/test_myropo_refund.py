"""*Ilmoita tilinumero* in MyRopo: the three steps, the receipt and their refusals.

Step 1 proves the person holds the letter (case number + MyRopo ID; every miss the same
404 page, too many misses 429); step 2 takes the account (IBAN problems named per field in
the page's language, the values kept); step 3 confirms exactly what was shown (etag, the
page's request_id: a replay lands on the receipt, a stale etag shows step 3 again). A case
the person did not verify is the 404 of a missing one with one audit denial."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio
from myropo_fakes import (
    CASE_NUMBER,
    GOOD_IBAN,
    MAIJA,
    MATTI,
    NON_SEPA_IBAN,
    REFUND_MYROPO_ID,
    Harness,
    refund_error,
    running_gateway,
)
from ropo_gateway.audit.model import Outcome, Purpose
from ropo_gateway.clients.refunds import RefundCaseView, RefundState


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return unescape(match.group(1))


def heading(html: str) -> str:
    match = re.search(r"<h1>([^<]*)</h1>", html)
    assert match, "no heading"
    return unescape(match.group(1))


def field_errors(html: str) -> dict[str, str]:
    return {
        name: unescape(text)
        for name, text in re.findall(
            r'<p class="error-message" id="([a-z_]+)-error">([^<]*)</p>', html
        )
    }


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input type="text" id="{name}" name="{name}"[^>]*>', html, re.S)
    assert match, f"no {name} input"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else None


async def verify(
    gateway: Harness,
    case_number: str = CASE_NUMBER,
    myropo_id: str = REFUND_MYROPO_ID,
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    browser = client or gateway.client
    page = await browser.get("/tilinumero")
    return await browser.post(
        "/tilinumero",
        data={
            "csrf_token": hidden(page.text, "csrf_token"),
            "case_number": case_number,
            "myropo_id": myropo_id,
        },
    )


async def submit_account(
    gateway: Harness,
    case: RefundCaseView,
    iban: str,
    bic: str = "",
    holder: str = "Maija Meikäläinen",
) -> httpx.Response:
    page = await gateway.client.get(f"/tilinumero/{case.id}/tili")
    assert page.status_code == 200, page.text
    return await gateway.client.post(
        f"/tilinumero/{case.id}/tili",
        data={
            "csrf_token": hidden(page.text, "csrf_token"),
            "request_id": hidden(page.text, "request_id"),
            "iban": iban,
            "bic": bic,
            "holder_name": holder,
        },
    )


async def test_the_whole_wizard_from_the_letter_to_the_receipt(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    start = await gateway.client.get("/tilinumero")
    assert start.status_code == 200
    assert heading(start.text) == "Ilmoita tilinumero 1/3"
    assert 'name="case_number"' in start.text and 'name="myropo_id"' in start.text
    assert ">Seuraava vaihe</button>" in start.text

    verified = await verify(gateway, "9000 0000 17", "4kq7-9xmp-2d3h")
    assert verified.status_code == 303
    assert verified.headers["location"] == f"/tilinumero/{case.id}/tili"

    step2 = await gateway.client.get(f"/tilinumero/{case.id}/tili")
    assert heading(step2.text) == "Ilmoita tilinumero 2/3"
    for label, amount in (
        ("refundable_amount", "25,00\xa0€"),
        ("handling_fee", "5,00\xa0€"),
        ("payout_amount", "20,00\xa0€"),
    ):
        assert re.search(rf'data-field="{label}">(<strong>)?{amount}', step2.text), label
    assert "Suomalaisille tileille ei tarvita." in step2.text
    assert ">Seuraava vaihe</button>" in step2.text

    submitted = await submit_account(gateway, case, GOOD_IBAN)
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"/tilinumero/{case.id}/vahvista"
    assert gateway.refunds.submitted[0].iban == GOOD_IBAN

    step3 = await gateway.client.get(f"/tilinumero/{case.id}/vahvista")
    assert heading(step3.text) == "Ilmoita tilinumero 3/3"
    assert "FI49 **** **** **** 30" in step3.text
    assert "OKOYFIHH" in step3.text and "Maija Meikäläinen" in step3.text
    assert "20,00\xa0€" in step3.text and "5,00\xa0€" in step3.text
    assert ">Vahvista</button>" in step3.text
    assert f'href="/tilinumero/{case.id}/tili"' in step3.text
    # The full IBAN is never shown back after it was submitted.
    assert "5000 9420" not in step3.text and "50009420" not in step3.text
    assert hidden(step3.text, "etag") == gateway.refunds.view(case.name).etag

    confirmed = await gateway.client.post(
        f"/tilinumero/{case.id}/vahvista",
        data={
            "csrf_token": hidden(step3.text, "csrf_token"),
            "etag": hidden(step3.text, "etag"),
            "request_id": hidden(step3.text, "request_id"),
        },
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/tilinumero/{case.id}/valmis"
    assert gateway.refunds.view(case.name).state is RefundState.AWAITING_APPROVAL

    receipt = await gateway.client.get(f"/tilinumero/{case.id}/valmis")
    assert receipt.status_code == 200
    assert heading(receipt.text) == "Kiitos! Tilinumero on vastaanotettu"
    assert "FI49 **** **** **** 30" in receipt.text and "20,00\xa0€" in receipt.text
    assert "Käsittelemme palautuksen." in receipt.text


async def test_the_case_number_is_prefilled_from_the_notice_link(gateway: Harness) -> None:
    page = await gateway.client.get("/tilinumero", params={"asia": CASE_NUMBER})
    assert input_value(page.text, "case_number") == CASE_NUMBER
    # Only something that looks like a case number is written back into the page.
    odd = await gateway.client.get("/tilinumero", params={"asia": '"><script>x</script>'})
    assert input_value(odd.text, "case_number") is None and "<script>x" not in odd.text


async def test_every_failed_verification_is_the_same_page(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject)
    wrong_id = await verify(gateway, CASE_NUMBER, "AAAA-BBBB-CCCC")
    unknown_case = await verify(gateway, CASE_NUMBER, REFUND_MYROPO_ID.replace("4", "5"))
    malformed = await verify(gateway, CASE_NUMBER, "")
    assert wrong_id.status_code == unknown_case.status_code == malformed.status_code == 404
    assert wrong_id.text == unknown_case.text == malformed.text
    assert "Asianumero tai MyRopo-tunnus ei täsmää" in wrong_id.text
    assert heading(wrong_id.text) == "Ilmoita tilinumero 1/3"
    # The case number stays in its field; the MyRopo ID typed is not shown back.
    assert input_value(wrong_id.text, "case_number") == CASE_NUMBER
    assert input_value(wrong_id.text, "myropo_id") is None
    assert "AAAA-BBBB-CCCC" not in wrong_id.text


async def test_too_many_attempts_answer_429_with_retry_after(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    for _ in range(5):
        assert (await verify(gateway, CASE_NUMBER, "AAAA-BBBB-CCCC")).status_code == 404
    locked = await verify(gateway)  # even the right ID: the person is locked out for now
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"
    assert "Liian monta epäonnistunutta yritystä" in locked.text
    assert "ei täsmää" not in locked.text
    assert (MAIJA.subject, case.name) not in gateway.refunds.verified


@pytest.mark.parametrize(
    ("language", "iban", "problem", "message"),
    [
        ("fi", "", "missing", "Anna tilinumero."),
        (
            "fi",
            "FI49 5000 9420 0287 31",
            "checksum",
            "Tilinumeron tarkiste ei täsmää. Tarkista numero.",
        ),
        ("fi", "FI49 5000 9420 0287 3", "length", "Tilinumerosta puuttuu tai on liikaa merkkejä."),
        ("fi", NON_SEPA_IBAN, "not_sepa", "Palautuksia maksetaan vain SEPA-alueen tileille."),
        ("fi", "12345", "format", "Tilinumero ei ole IBAN-muodossa"),
        ("en", "", "missing", "Enter the account number."),
        (
            "en",
            "FI49 5000 9420 0287 31",
            "checksum",
            "The account number's check digits do not match. Check the number.",
        ),
        (
            "en",
            "FI49 5000 9420 0287 3",
            "length",
            "The account number has characters missing or too many.",
        ),
        ("en", NON_SEPA_IBAN, "not_sepa", "Refunds are paid only to accounts in the SEPA area."),
        ("en", "12345", "format", "The account number is not an IBAN"),
    ],
)
async def test_every_iban_problem_is_named_in_the_page_language(
    gateway: Harness, language: str, iban: str, problem: str, message: str
) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    gateway.client.cookies.set("ropo_lang", language)
    assert (await verify(gateway)).status_code == 303
    refused = await submit_account(gateway, case, iban, holder="Maija Meikäläinen")
    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert list(errors) == ["iban"]
    assert errors["iban"].startswith(message)
    # The form comes back with what was typed, the IBAN exactly as typed.
    assert input_value(refused.text, "iban") == (iban or None)
    assert input_value(refused.text, "holder_name") == "Maija Meikäläinen"
    assert 'aria-invalid="true"' in refused.text
    assert gateway.refunds.view(case.name).state is RefundState.AWAITING_ACCOUNT
    heading_text = "Ilmoita tilinumero 2/3" if language == "fi" else "Report an account number 2/3"
    assert heading(refused.text) == heading_text


async def test_bic_and_holder_problems_are_named_per_field(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    refused = await submit_account(gateway, case, GOOD_IBAN, bic="NOT A BIC", holder="x")
    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert set(errors) == {"bic", "holder_name"}
    assert errors["bic"].startswith("BIC ei kelpaa.")
    assert errors["holder_name"].startswith("Anna tilinomistajan nimi")
    assert input_value(refused.text, "iban") == GOOD_IBAN
    assert input_value(refused.text, "bic") == "NOT A BIC"


async def test_a_corrected_account_is_a_new_request(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    refused = await submit_account(gateway, case, "FI49 5000 9420 0287 31")
    first_key = hidden(refused.text, "request_id")
    fixed = await gateway.client.post(
        f"/tilinumero/{case.id}/tili",
        data={
            "csrf_token": hidden(refused.text, "csrf_token"),
            "request_id": first_key,
            "iban": GOOD_IBAN,
            "holder_name": "Maija Meikäläinen",
        },
    )
    assert fixed.status_code == 303
    assert gateway.refunds.view(case.name).state is RefundState.ACCOUNT_SUBMITTED


async def test_a_replayed_confirmation_lands_on_the_receipt(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    await submit_account(gateway, case, GOOD_IBAN)
    step3 = await gateway.client.get(f"/tilinumero/{case.id}/vahvista")
    form = {
        "csrf_token": hidden(step3.text, "csrf_token"),
        "etag": hidden(step3.text, "etag"),
        "request_id": hidden(step3.text, "request_id"),
    }
    first = await gateway.client.post(f"/tilinumero/{case.id}/vahvista", data=form)
    again = await gateway.client.post(f"/tilinumero/{case.id}/vahvista", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == f"/tilinumero/{case.id}/valmis"
    confirms = [call for call in gateway.refunds.calls if call[0] == "ConfirmRefundAccount"]
    assert len(confirms) == 2
    assert gateway.refunds.view(case.name).state is RefundState.AWAITING_APPROVAL


async def test_a_new_confirmation_of_a_confirmed_account_says_so(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    await submit_account(gateway, case, GOOD_IBAN)
    step3 = await gateway.client.get(f"/tilinumero/{case.id}/vahvista")
    form = {
        "csrf_token": hidden(step3.text, "csrf_token"),
        "etag": hidden(step3.text, "etag"),
        "request_id": hidden(step3.text, "request_id"),
    }
    await gateway.client.post(f"/tilinumero/{case.id}/vahvista", data=form)
    form["request_id"] = "0b6f0f3e-0000-4000-8000-000000000001"
    twice = await gateway.client.post(f"/tilinumero/{case.id}/vahvista", data=form)
    assert twice.status_code == 409
    assert "Tilinumero on jo vahvistettu." in twice.text
    assert heading(twice.text) == "Kiitos! Tilinumero on vastaanotettu"
    # Step 2 of a confirmed case is the receipt too.
    again = await submit_account_after_confirmation(gateway, case)
    assert again.status_code == 409 and "Tilinumero on jo vahvistettu." in again.text


async def submit_account_after_confirmation(
    gateway: Harness, case: RefundCaseView
) -> httpx.Response:
    token = hidden((await gateway.client.get("/tilinumero")).text, "csrf_token")
    return await gateway.client.post(
        f"/tilinumero/{case.id}/tili",
        data={"csrf_token": token, "iban": GOOD_IBAN, "holder_name": "Maija Meikäläinen"},
    )


async def test_a_stale_etag_shows_step_3_again(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    await submit_account(gateway, case, GOOD_IBAN)
    step3 = await gateway.client.get(f"/tilinumero/{case.id}/vahvista")
    old_etag = hidden(step3.text, "etag")
    # Another tab submits another account meanwhile.
    await submit_account(gateway, case, "DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX")
    stale = await gateway.client.post(
        f"/tilinumero/{case.id}/vahvista",
        data={
            "csrf_token": hidden(step3.text, "csrf_token"),
            "etag": old_etag,
            "request_id": hidden(step3.text, "request_id"),
        },
    )
    assert stale.status_code == 409
    assert "Tiedot muuttuivat, tarkista ja vahvista uudelleen" in stale.text
    assert heading(stale.text) == "Ilmoita tilinumero 3/3"
    assert "DE89 **** **** **** **** 00" in stale.text
    assert hidden(stale.text, "etag") == gateway.refunds.view(case.name).etag != old_etag
    assert gateway.refunds.view(case.name).state is RefundState.ACCOUNT_SUBMITTED


async def test_a_holder_name_that_does_not_match_goes_to_manual_review(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    await submit_account(gateway, case, GOOD_IBAN, holder="Matti Virtanen")
    step3 = await gateway.client.get(f"/tilinumero/{case.id}/vahvista")
    await gateway.client.post(
        f"/tilinumero/{case.id}/vahvista",
        data={
            "csrf_token": hidden(step3.text, "csrf_token"),
            "etag": hidden(step3.text, "etag"),
            "request_id": hidden(step3.text, "request_id"),
        },
    )
    receipt = await gateway.client.get(f"/tilinumero/{case.id}/valmis")
    assert "Tarkistamme tilinomistajan nimen" in receipt.text


async def test_steps_lead_to_the_right_page_for_the_state(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)
    # No account yet: the confirmation and the receipt lead to step 2.
    for path in ("vahvista", "valmis"):
        response = await gateway.client.get(f"/tilinumero/{case.id}/{path}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/tilinumero/{case.id}/tili"
    await submit_account(gateway, case, GOOD_IBAN)
    receipt = await gateway.client.get(f"/tilinumero/{case.id}/valmis")
    assert receipt.headers["location"] == f"/tilinumero/{case.id}/vahvista"


async def test_a_confirmed_case_verifies_to_its_receipt(gateway: Harness) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject, state=RefundState.APPROVED)
    verified = await verify(gateway)
    assert verified.status_code == 303
    assert verified.headers["location"] == f"/tilinumero/{case.id}/valmis"
    step2 = await gateway.client.get(f"/tilinumero/{case.id}/tili")
    assert step2.headers["location"] == f"/tilinumero/{case.id}/valmis"


async def test_an_unverified_person_gets_the_missing_case_page_and_a_denial(
    gateway: Harness,
) -> None:
    case = gateway.refunds.open_case(debtor=MAIJA.subject)
    await verify(gateway)  # Maija verified it; Matti did not.
    matti = await gateway.login(MATTI)
    try:
        token = hidden((await matti.get("/tilinumero")).text, "csrf_token")
        answers = [
            await matti.get(f"/tilinumero/{case.id}/tili"),
            await matti.get(f"/tilinumero/{case.id}/vahvista"),
            await matti.get(f"/tilinumero/{case.id}/valmis"),
            await matti.post(
                f"/tilinumero/{case.id}/tili",
                data={"csrf_token": token, "iban": GOOD_IBAN, "holder_name": "Matti"},
            ),
            await matti.post(
                f"/tilinumero/{case.id}/vahvista", data={"csrf_token": token, "etag": "x"}
            ),
        ]
        missing = await matti.get("/tilinumero/00000000-0000-4000-8000-0000000000ff/tili")
        malformed = await matti.get("/tilinumero/not-a-case/tili")
    finally:
        await matti.aclose()
    for answer in [*answers, missing, malformed]:
        assert answer.status_code == 404
        assert answer.text == missing.text
    assert "Palautusta ei löytynyt" in missing.text
    denials = [
        record.event
        for record in await gateway.audit_records()
        if record.event.purpose is Purpose.ACCESS_DENIED
    ]
    assert len(denials) == 7
    assert all(
        event.actor == MATTI.subject and event.outcome is Outcome.DENIED for event in denials
    )
    assert [event.resource for event in denials[:5]] == [case.name] * 5
    assert denials[-1].resource == "refundCases/-" and denials[-1].reason == "MALFORMED_ID"
    assert not gateway.refunds.submitted
    # Maija, who verified it, still sees her case.
    assert (await gateway.client.get(f"/tilinumero/{case.id}/tili")).status_code == 200


async def test_the_wizard_requires_a_login(gateway: Harness) -> None:
    gateway.client.cookies.clear()
    response = await gateway.client.get("/tilinumero")
    assert response.status_code == 401
    assert "Kirjaudu" in response.text


async def test_a_form_without_the_csrf_token_is_refused(gateway: Harness) -> None:
    gateway.refunds.open_case(debtor=MAIJA.subject)
    refused = await gateway.client.post(
        "/tilinumero", data={"case_number": CASE_NUMBER, "myropo_id": REFUND_MYROPO_ID}
    )
    assert refused.status_code == 403
    assert not [call for call in gateway.refunds.calls if call[0] == "VerifyRefundCase"]


async def test_the_refund_service_down_is_a_readable_page(gateway: Harness) -> None:
    gateway.refunds.fail_with = refund_error(grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE")
    response = await verify(gateway)
    assert response.status_code == 503
    assert "Palvelu ei ole juuri nyt käytettävissä" in response.text


async def test_swedish_headings_and_buttons(gateway: Harness) -> None:
    gateway.client.cookies.set("ropo_lang", "sv")
    page = await gateway.client.get("/tilinumero")
    assert heading(page.text) == "Meddela kontonummer 1/3"
    assert ">Nästa steg</button>" in page.text
