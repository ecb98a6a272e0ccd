"""Ropo One's *Reklamaatiot*: the queue of open disputes (oldest first, invoice number, debtor,
amount, date, files), a dispute's page with the invoice's figures and its files as safe
downloads, the decision (accept in full / in part / reject) with its validation messages,
CSRF, role limits (a creditor user: 403 on the queue, the missing-case 404 with an audit
denial everywhere else) and the audit records."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import grpc
import lxml.html
import pytest_asyncio
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.clients.disputes import AttachmentFile, DisputeOutcome, DisputeState
from ropo_gateway.ropo_one.dispute_texts import DISPUTE_STAFF_TEXTS
from ropo_one_dispute_fakes import PDF, PNG, invoice_error
from ropo_one_support import (
    AGENT,
    DEBTOR,
    SUPERVISOR,
    TESTI_USER,
    Console,
    State,
    captured_logs,
    console,
    csrf_token,
    make_invoice,
    text,
)

QUEUE = "/ropo-one/reklamaatiot"
PAGE = f"{QUEUE}/inv-1/d-1"
RECEIPT = AttachmentFile("kuitti ä.pdf", "application/pdf", PDF)
PHOTO = AttachmentFile("../../etc/kuva.png", "image/png", PNG)


@pytest_asyncio.fixture
async def one(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        running.cases.add(make_invoice("inv-1", state=State.STATE_COLLECTION))
        running.cases.add(
            make_invoice(
                "inv-2",
                invoice_number="100202",
                case_number="202500000025",
                debtor_name="Matti Virtanen",
                open_amount="80.00",
            )
        )
        yield running


@contextmanager
def quiet_test_client() -> Iterator[None]:
    """Silence the test client's own request log while a test puts a henkilötunnus into a
    URL on purpose (that line would print the URL the test built)."""
    client_log = logging.getLogger("httpx")
    level = client_log.level
    client_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        client_log.setLevel(level)


def rows(html: str, table: str = "one-disputes") -> list[list[str]]:
    tree = lxml.html.fromstring(html)
    return [
        [
            " ".join(cell.text_content().replace("\xa0", " ").split())
            for cell in row.xpath("./th|./td")
        ]
        for row in tree.xpath(f"//table[contains(@class, '{table}')]/tbody/tr")
    ]


def field(html: str, name: str) -> str:
    found = lxml.html.fromstring(html).xpath(f"//*[@data-field='{name}']")
    assert found, f"no {name}"
    return " ".join(found[0].text_content().replace("\xa0", " ").split())


def resolve_form(html: str) -> dict[str, str]:
    tree = lxml.html.fromstring(html)
    inputs = tree.xpath("//form[contains(@class, 'dispute-resolve')]//input[@type='hidden']")
    return {str(item.get("name")): str(item.get("value")) for item in inputs}


async def resolve(one: Console, **fields: str) -> tuple[str, str]:
    """Open the dispute page and submit its form with ``fields``; (page before, answer)."""
    page = await one.client.get(PAGE)
    assert page.status_code == 200, page.text
    answer = await one.client.post(f"{PAGE}/ratkaise", data={**resolve_form(page.text), **fields})
    return page.text, answer.text if answer.status_code == 200 else f"{answer.status_code}:" + (
        answer.text
    )


async def test_the_queue_lists_open_disputes_oldest_first(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", amount="100.00", files=[RECEIPT, PHOTO], minutes=30)
    one.disputes.open("inv-2", "d-2", minutes=0)
    one.disputes.open("inv-1", "d-old", minutes=-5)
    old = one.disputes.disputes["invoices/inv-1/disputes/d-old"]
    one.disputes.disputes[old.name] = replace(old, state=DisputeState.REJECTED)
    await one.login_staff(AGENT)
    page = await one.client.get(QUEUE)
    assert page.status_code == 200, page.text
    assert rows(page.text) == [
        ["100202", "Matti Virtanen", "Koko lasku (80,00 €)", "10.3.2025 11.00", "0"],
        ["100101", "Maija Meikäläinen", "100,00 €", "10.3.2025 11.30", "2"],
    ]
    assert field(page.text, "open_count") == "(2)"
    links = lxml.html.fromstring(page.text).xpath("//table//a/@href")
    assert links == [f"{QUEUE}/inv-2/d-2", PAGE]
    assert one.disputes.lists[0]["states"] == (DisputeState.OPEN,)
    listed = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_VIEW]
    assert [(e.resource, e.result_count, e.reason, e.channel) for e in listed] == [
        ("disputes", 2, "DISPUTES_LISTED", Channel.ROPO_ONE)
    ]
    home = await one.client.get("/ropo-one")
    assert lxml.html.fromstring(home.text).xpath(f"//header//a[@href='{QUEUE}']")


async def test_the_queue_is_paged_and_says_when_empty(one: Console) -> None:
    await one.login_staff(AGENT)
    empty = await one.client.get(QUEUE)
    assert "Avoimia reklamaatioita ei ole." in text(empty.text)
    for number in range(55):
        one.cases.add(make_invoice(f"p-{number}", invoice_number=f"7{number:05d}"))
        one.disputes.open(f"p-{number}", "d", minutes=number)
    first = await one.client.get(QUEUE)
    assert [row[0] for row in rows(first.text)][:2] == ["700000", "700001"]
    assert len(rows(first.text)) == 50
    (next_link,) = lxml.html.fromstring(first.text).xpath("//a[@rel='next']/@href")
    second = await one.client.get(str(next_link))
    assert [row[0] for row in rows(second.text)] == [f"7000{n}" for n in range(50, 55)]
    assert not lxml.html.fromstring(second.text).xpath("//a[@rel='next']")


async def test_the_dispute_page_shows_the_dispute_the_invoice_and_the_files(
    one: Console,
) -> None:
    one.disputes.open("inv-1", "d-1", amount="100.00", files=[RECEIPT, PHOTO])
    await one.login_staff(AGENT)
    page = await one.client.get(PAGE)
    assert page.status_code == 200
    assert field(page.text, "state") == "Avoin"
    assert field(page.text, "disputer") == "Velallinen"
    assert field(page.text, "disputed_amount") == "100,00 €"
    assert field(page.text, "reason") == "Tuote ei vastannut tilausta."
    assert field(page.text, "invoice_number") == "100101"
    assert field(page.text, "debtor_name") == "Maija Meikäläinen"
    assert field(page.text, "open_amount") == "1 701,32 €"
    assert field(page.text, "capital") == "1 696,32 €"
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//ul[@class='one-files']//a/@href") == [
        f"{PAGE}/liitteet/0",
        f"{PAGE}/liitteet/1",
    ]
    assert [
        " ".join(li.text_content().split()) for li in tree.xpath("//ul[@class='one-files']/li")
    ] == [
        "kuitti ä.pdf (PDF, 1 kt)",
        "../../etc/kuva.png (PNG-kuva, 1 kt)",
    ]
    assert tree.xpath("//form[contains(@class, 'dispute-resolve')]")
    viewed = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_VIEW]
    assert [(e.actor, e.resource, e.data_subject, e.reason) for e in viewed] == [
        (f"staffUsers/{AGENT}", "invoices/inv-1/disputes/d-1", DEBTOR, "DISPUTE_VIEWED")
    ]


async def test_an_attachment_is_a_download_with_safe_headers(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", files=[RECEIPT, PHOTO])
    await one.login_staff(AGENT)
    pdf = await one.client.get(f"{PAGE}/liitteet/0")
    assert pdf.status_code == 200
    assert pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="kuitti-a.pdf"'
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["content-security-policy"] == "sandbox"
    assert pdf.headers["cache-control"] == "no-store"
    png = await one.client.get(f"{PAGE}/liitteet/1")
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="etc-kuva.png"'
    assert one.disputes.downloads == [
        ("invoices/inv-1/disputes/d-1", 0),
        ("invoices/inv-1/disputes/d-1", 1),
    ]
    reasons = [r.event.reason for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_VIEW]
    assert reasons == ["DISPUTE_ATTACHMENT_VIEWED"] * 2
    for missing in ("2", "-1", "x", "999"):
        answer = await one.client.get(f"{PAGE}/liitteet/{missing}")
        assert answer.status_code == 404
    assert len(one.disputes.downloads) == 2


async def test_a_stored_file_of_an_unexpected_type_is_served_as_opaque_bytes(
    one: Console,
) -> None:
    one.disputes.open(
        "inv-1", "d-1", files=[AttachmentFile("x.html", "text/html", b"<script>1</script>")]
    )
    await one.login_staff(AGENT)
    answer = await one.client.get(f"{PAGE}/liitteet/0")
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"] == 'attachment; filename="x.bin"'


async def test_accepting_in_full_credits_and_resumes_and_is_audited(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    _, answer = await resolve(
        one, outcome="ACCEPTED", message="Hyvitämme laskun kokonaan.\nPahoittelemme."
    )
    assert "Reklamaatio hyväksyttiin." in text(answer)
    assert field(answer, "outcome") == "Hyväksytty"
    assert field(answer, "credited_amount") == "1 701,32 €"
    assert field(answer, "resolver") == AGENT
    assert field(answer, "resolution_message") == "Hyvitämme laskun kokonaan. Pahoittelemme."
    assert not lxml.html.fromstring(answer).xpath("//form[contains(@class, 'dispute-resolve')]")
    (sent,) = one.disputes.resolutions
    assert sent.outcome is DisputeOutcome.ACCEPTED
    assert sent.actor == f"staffUsers/{AGENT}"
    assert sent.credited_amount is None
    assert sent.message == "Hyvitämme laskun kokonaan.\nPahoittelemme."
    assert one.cases.invoices["invoices/inv-1"].state == State.STATE_CREDITED
    admin = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_ADMIN]
    assert [(e.resource, e.reason, e.outcome, e.data_subject) for e in admin] == [
        ("invoices/inv-1/disputes/d-1", "DISPUTE_ACCEPTED", Outcome.ALLOWED, DEBTOR)
    ]
    # The message is a letter to the customer, not an audit text.
    assert all("Pahoittelemme" not in r.event.reason for r in await one.audit())


async def test_accepting_in_part_sends_the_amount_typed_in_euros(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", amount="100.00")
    await one.login_staff(SUPERVISOR)
    _, answer = await resolve(
        one, outcome="PARTIALLY_ACCEPTED", credited_amount="12,50 €", message="Osa hyvitetään."
    )
    assert "Reklamaatio hyväksyttiin osittain." in text(answer)
    assert field(answer, "credited_amount") == "12,50 €"
    (sent,) = one.disputes.resolutions
    assert sent.credited_amount is not None and str(sent.credited_amount) == "12.50 EUR"
    assert one.cases.invoices["invoices/inv-1"].state == State.STATE_COLLECTION


async def test_rejecting_resumes_collection(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    _, answer = await resolve(one, outcome="REJECTED", message="Lasku on oikein.")
    assert "Reklamaatio hylättiin." in text(answer)
    assert field(answer, "outcome") == "Hylätty"
    assert one.cases.invoices["invoices/inv-1"].state == State.STATE_COLLECTION


async def test_the_decision_is_checked_with_messages_next_to_the_fields(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", amount="100.00")
    await one.login_staff(AGENT)
    cases = [
        ({"message": "Viesti"}, ["Valitse ratkaisu."]),
        ({"outcome": "MAYBE", "message": "Viesti"}, ["Valitse ratkaisu listasta."]),
        (
            {"outcome": "PARTIALLY_ACCEPTED", "message": "Viesti"},
            ["Anna hyvitettävä summa, kun hyväksyt reklamaation osittain."],
        ),
        (
            {"outcome": "PARTIALLY_ACCEPTED", "credited_amount": "12,505", "message": "Viesti"},
            ["Anna summa euroina, esimerkiksi 12,50."],
        ),
        (
            {"outcome": "PARTIALLY_ACCEPTED", "credited_amount": "0", "message": "Viesti"},
            ["Hyvitettävän summan on oltava suurempi kuin nolla."],
        ),
        (
            {"outcome": "PARTIALLY_ACCEPTED", "credited_amount": "100,01", "message": "x"},
            ["Hyvitettävä summa on suurempi kuin reklamoitu summa."],
        ),
        ({"outcome": "REJECTED", "message": "  "}, ["Kirjoita viesti asiakkaalle."]),
        (
            {"outcome": "REJECTED", "message": "x" * 4001},
            ["Viesti on liian pitkä (enintään 4000 merkkiä)."],
        ),
        (
            {"outcome": "REJECTED", "message": "Hetu 150385-902A ei kuulu tänne."},
            ["Viestiin ei saa kirjoittaa henkilötunnusta."],
        ),
    ]
    for fields, expected in cases:
        page = await one.client.get(PAGE)
        answer = await one.client.post(
            f"{PAGE}/ratkaise", data={**resolve_form(page.text), **fields}
        )
        assert answer.status_code == 400, fields
        tree = lxml.html.fromstring(answer.text)
        summary = [
            " ".join(a.text_content().split())
            for a in tree.xpath("//div[@class='one-error-summary']//a")
        ]
        assert summary == expected, fields
        assert tree.xpath("//*[@aria-invalid='true']")
    # The refused henkilötunnus is not written back into the form.
    assert "150385-902A" not in answer.text
    assert one.disputes.resolutions == []
    assert not [r for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_ADMIN]


async def test_a_typed_message_is_kept_but_a_henkilotunnus_is_refused(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    page = await one.client.get(PAGE)
    answer = await one.client.post(
        f"{PAGE}/ratkaise",
        data={**resolve_form(page.text), "outcome": "PARTIALLY_ACCEPTED", "message": "Tarkistettu"},
    )
    assert answer.status_code == 400
    tree = lxml.html.fromstring(answer.text)
    assert tree.xpath("//textarea[@name='message']/text()") == ["Tarkistettu"]
    assert tree.xpath("//input[@id='outcome-PARTIALLY_ACCEPTED']/@checked")


async def test_an_already_resolved_dispute_is_refused_readably(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    page = await one.client.get(PAGE)
    form = resolve_form(page.text)
    first = await one.client.post(
        f"{PAGE}/ratkaise", data={**form, "outcome": "REJECTED", "message": "Ei."}
    )
    assert first.status_code == 200
    # The same form sent again with a new key (another tab): the dispute is no longer open.
    again = await one.client.post(
        f"{PAGE}/ratkaise",
        data={**form, "request_id": "", "outcome": "ACCEPTED", "message": "Kyllä."},
    )
    assert again.status_code == 409
    assert "Reklamaatio on jo ratkaistu." in text(again.text)
    assert len(one.disputes.resolutions) == 1


async def test_the_services_refusal_is_shown_on_the_field(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    one.disputes.resolve_error = invoice_error(
        grpc.StatusCode.INVALID_ARGUMENT, "", ("message", "too long")
    )
    await one.login_staff(AGENT)
    _, answer = await resolve(one, outcome="REJECTED", message="Ei.")
    assert answer.startswith("400:")
    assert "Viestiä ei voitu tallentaa. Tarkista viesti." in text(answer[4:])
    admin = [r.event for r in await one.audit() if r.event.purpose is Purpose.DISPUTE_ADMIN]
    assert [(e.outcome, e.resource) for e in admin] == [
        (Outcome.DENIED, "invoices/inv-1/disputes/d-1")
    ]


async def test_a_double_submission_acts_once(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    page = await one.client.get(PAGE)
    form = {**resolve_form(page.text), "outcome": "REJECTED", "message": "Ei."}
    first = await one.client.post(f"{PAGE}/ratkaise", data=form)
    second = await one.client.post(f"{PAGE}/ratkaise", data=form)
    assert first.status_code == 200
    assert second.status_code == 409  # the gateway sees it resolved already
    assert [r.request_id for r in one.disputes.resolutions] == [form["request_id"]]


async def test_the_decision_needs_the_csrf_token(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    page = await one.client.get(PAGE)
    form = {**resolve_form(page.text), "outcome": "REJECTED", "message": "Ei."}
    for token in ("", "forged"):
        answer = await one.client.post(f"{PAGE}/ratkaise", data={**form, "csrf_token": token})
        assert answer.status_code == 403
    assert one.disputes.resolutions == []
    assert one.disputes.disputes["invoices/inv-1/disputes/d-1"].open


async def test_a_creditor_user_gets_403_on_the_queue_and_404_on_every_dispute_route(
    one: Console,
) -> None:
    one.disputes.open("inv-1", "d-1", files=[RECEIPT])
    await one.login_staff(TESTI_USER)
    queue = await one.client.get(QUEUE)
    assert queue.status_code == 403
    assert "Reklamaatioita käsittelee vain Ropon asiakaspalvelu." in text(queue.text)
    home = await one.client.get("/ropo-one")
    assert not lxml.html.fromstring(home.text).xpath(f"//a[@href='{QUEUE}']")
    token = csrf_token(home.text)
    answers = [
        await one.client.get(PAGE),
        await one.client.get(f"{PAGE}/liitteet/0"),
        await one.client.post(
            f"{PAGE}/ratkaise",
            data={"csrf_token": token, "outcome": "ACCEPTED", "message": "x"},
        ),
    ]
    missing = await one.client.get("/ropo-one/tapaukset/no-such-case")
    for answer in answers:
        assert answer.status_code == 404
        assert answer.text == missing.text
    creditor = [
        (d.event.resource, d.event.reason)
        for d in await one.denials()
        if d.event.actor == f"staffUsers/{TESTI_USER}"
    ]
    assert creditor[:3] == [("invoices/inv-1/disputes/d-1", "DISPUTES_STAFF_ONLY")] * 3
    assert one.disputes.lists == [] and one.disputes.downloads == []
    assert one.disputes.resolutions == []


async def test_unknown_and_malformed_disputes_answer_404_with_a_denial(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    await one.login_staff(AGENT)
    unknown = await one.client.get(f"{QUEUE}/inv-1/d-9")
    other_invoice = await one.client.get(f"{QUEUE}/inv-2/d-1")
    with quiet_test_client(), captured_logs() as logs:
        malformed = await one.client.get(f"{QUEUE}/inv-1/150385-902A")
    assert "150385-902A" not in str(logs())
    no_case = await one.client.get(f"{QUEUE}/nope/d-1")
    for answer in (unknown, other_invoice, malformed, no_case):
        assert answer.status_code == 404
    denials = [(d.event.resource, d.event.reason) for d in await one.denials()]
    assert denials == [
        ("invoices/inv-1/disputes/d-9", "DISPUTE_NOT_FOUND"),
        ("invoices/inv-2/disputes/d-1", "DISPUTE_NOT_FOUND"),
        ("invoices/-/disputes/-", "MALFORMED_ID"),
        ("invoices/nope", "NO_RELATION"),
    ]
    assert all("150385" not in resource for resource, _ in denials)


async def test_without_a_staff_session_the_pages_ask_for_login(one: Console) -> None:
    one.disputes.open("inv-1", "d-1")
    for path in (QUEUE, PAGE, f"{PAGE}/liitteet/0"):
        answer = await one.client.get(path)
        assert answer.status_code == 401
    answer = await one.client.post(f"{PAGE}/ratkaise", data={"outcome": "ACCEPTED"})
    assert answer.status_code == 401
    assert one.disputes.lists == []


async def test_the_queue_shows_an_unavailable_service_as_an_error_page(one: Console) -> None:
    one.disputes.fail_with = invoice_error(grpc.StatusCode.UNAVAILABLE)
    await one.login_staff(AGENT)
    answer = await one.client.get(QUEUE)
    assert answer.status_code == 503


def test_every_text_exists_in_every_language() -> None:
    keys = {language: set(texts) for language, texts in DISPUTE_STAFF_TEXTS.items()}
    assert keys["sv"] == keys["fi"] == keys["en"]
    for texts in DISPUTE_STAFF_TEXTS.values():
        assert all(value.strip() for value in texts.values())


async def test_every_page_is_fully_translated_in_each_language(one: Console) -> None:
    one.disputes.open("inv-1", "d-1", amount="10.00", files=[RECEIPT])
    one.disputes.open("inv-2", "d-2")
    one.letters.add("invoices/inv-1", "r-1", recipient=DEBTOR)
    one.letters.consent(DEBTOR, [(True, "myropo", DEBTOR)], email="m@example.fi")
    await one.login_staff(AGENT)
    page = await one.client.get(f"{QUEUE}/inv-2/d-2")
    await one.client.post(
        f"{QUEUE}/inv-2/d-2/ratkaise",
        data={**resolve_form(page.text), "outcome": "REJECTED", "message": "Ei."},
    )
    headings = {"fi": "Avoimet reklamaatiot", "sv": "Öppna reklamationer", "en": "Open disputes"}
    for language, heading in headings.items():
        await one.client.get(f"/kieli/{language}?next=/ropo-one")
        queue = await one.client.get(QUEUE)
        assert heading in text(queue.text)
        for path in (QUEUE, PAGE, f"{QUEUE}/inv-2/d-2", "/ropo-one/tapaukset/inv-1"):
            answer = await one.client.get(path)
            assert answer.status_code == 200
            assert "one." not in text(answer.text), (language, path)
