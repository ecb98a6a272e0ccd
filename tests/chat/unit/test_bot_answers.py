"""The bot's answers: helpful text in the customer's language, links to the MyRopo pages that
do it, and, for a logged-in person, their own open invoices."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from ropo_chat.domain.bot import (
    BotAnswer,
    Chatbot,
    Intent,
    InvoiceFact,
    Link,
    PersonFacts,
    answer_for,
    paths,
)
from ropo_chat.domain.bot.answers import MAX_LISTED, format_date, handoff_answer
from ropo_platform.money import Money

LANGUAGES = ("fi", "sv", "en")
NBSP = "\u00a0"
GATEWAY_TEMPLATES = (
    Path(__file__).resolve().parents[3] / "gateway" / "src" / "ropo_gateway" / "templates"
)


def invoice(
    invoice_id: str = "inv-1",
    number: str = "100234",
    amount: str = "1696.32",
    due: date = date(2026, 3, 5),
    *,
    extension: bool | None = None,
    plan: bool | None = None,
    creditor: str = "Testi-yritys Oy",
) -> InvoiceFact:
    return InvoiceFact(
        invoice_id=invoice_id,
        invoice_number=number,
        creditor_name=creditor,
        open_amount=Money.eur(amount),
        due_date=due,
        extension_possible=extension,
        plan_possible=plan,
    )


def paths_of(answer: BotAnswer) -> list[str]:
    return [link.path for link in answer.links]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("facts", [None, PersonFacts((invoice(),))], ids=["visitor", "person"])
def test_every_intent_has_an_answer_in_every_language(
    intent: Intent, language: str, facts: PersonFacts | None
) -> None:
    answer = answer_for(intent, language, facts)

    assert answer.text.strip()
    assert "{" not in answer.text  # every placeholder filled
    for link in answer.links:
        assert link.label.strip()
        assert link.path.startswith("/")


def test_the_three_languages_answer_differently() -> None:
    for intent in Intent:
        texts = {answer_for(intent, language, None).text for language in LANGUAGES}
        assert len(texts) == 3, intent


@pytest.mark.parametrize(
    ("intent", "path"),
    [
        (Intent.REFUND_ACCOUNT, "/tilinumero"),
        (Intent.FIND_INVOICE, "/hae-lasku"),
        (Intent.PAY_INVOICE, "/"),
        (Intent.DUE_DATE_EXTENSION, "/"),
        (Intent.UNKNOWN, "/"),
    ],
)
def test_a_visitor_is_sent_to_the_page_that_does_it(intent: Intent, path: str) -> None:
    for language in LANGUAGES:
        assert paths_of(answer_for(intent, language, None)) == [path]


def test_a_request_for_a_person_has_no_links() -> None:
    assert answer_for(Intent.CONTACT_HUMAN, "fi", None).links == ()


@pytest.mark.parametrize(
    ("intent", "path"),
    [
        (Intent.PAY_INVOICE, "/laskut/inv-1/maksa"),
        (Intent.DUE_DATE_EXTENSION, "/laskut/inv-1#maksuaika"),
        (Intent.PAYMENT_PLAN, "/laskut/inv-1#maksuaika"),
        (Intent.AUTHORIZATION, "/laskut/inv-1#valtuutus"),
        (Intent.INVOICE_IMAGE, "/laskut/inv-1/lasku.pdf"),
        (Intent.COLLECTION_COSTS, "/laskut/inv-1"),
        (Intent.DISPUTE, "/laskut/inv-1"),
        (Intent.REFUND_ACCOUNT, "/tilinumero"),
        (Intent.FIND_INVOICE, "/hae-lasku"),
    ],
)
def test_a_person_gets_a_link_to_each_of_their_invoices(intent: Intent, path: str) -> None:
    answer = answer_for(intent, "fi", PersonFacts((invoice(),)))

    assert paths_of(answer) == [path]


def test_the_invoice_lines_show_money_and_dates_in_each_language() -> None:
    facts = PersonFacts((invoice(extension=True),))

    finnish = answer_for(Intent.DUE_DATE_EXTENSION, "fi", facts)
    swedish = answer_for(Intent.DUE_DATE_EXTENSION, "sv", facts)
    english = answer_for(Intent.DUE_DATE_EXTENSION, "en", facts)

    assert f"Testi-yritys Oy, lasku 100234: 1{NBSP}696,32{NBSP}€, eräpäivä 5.3.2026" in finnish.text
    assert f"faktura 100234: 1{NBSP}696,32{NBSP}€, förfallodag 5.3.2026" in swedish.text
    assert "invoice 100234: €1,696.32, due 5 March 2026" in english.text
    assert finnish.links == (Link("Eräpäivän siirto: lasku 100234", "/laskut/inv-1#maksuaika"),)


def test_extension_answer_says_per_invoice_whether_it_is_possible() -> None:
    facts = PersonFacts(
        (
            invoice("a", "1", due=date(2026, 3, 1), extension=True),
            invoice("b", "2", due=date(2026, 3, 2), extension=False),
            invoice("c", "3", due=date(2026, 3, 3), extension=None),
        )
    )

    answer = answer_for(Intent.DUE_DATE_EXTENSION, "fi", facts)

    lines = answer.text.splitlines()
    assert any("lasku 1:" in line and "siirto on mahdollinen" in line for line in lines)
    assert any("lasku 2:" in line and "eräpäivää ei voi siirtää" in line for line in lines)
    assert any("lasku 3:" in line and "laskun sivulta" in line for line in lines)
    # Where moving is impossible the link opens the invoice instead of the extension form.
    assert paths_of(answer) == ["/laskut/a#maksuaika", "/laskut/b", "/laskut/c#maksuaika"]


def test_payment_plan_answer_uses_plan_possibility() -> None:
    facts = PersonFacts((invoice(plan=False, extension=True),))

    answer = answer_for(Intent.PAYMENT_PLAN, "en", facts)

    assert "a payment plan is not possible" in answer.text
    assert paths_of(answer) == ["/laskut/inv-1"]


def test_only_open_invoices_are_listed_soonest_due_first() -> None:
    facts = PersonFacts(
        (
            invoice("late", "3", due=date(2026, 5, 1)),
            invoice("paid", "9", amount="0.00", due=date(2026, 1, 1)),
            invoice("soon", "1", due=date(2026, 2, 1)),
        )
    )

    answer = answer_for(Intent.PAY_INVOICE, "fi", facts)

    assert paths_of(answer) == ["/laskut/soon/maksa", "/laskut/late/maksa"]
    assert "lasku 9" not in answer.text


def test_with_no_open_invoices_the_answer_says_so() -> None:
    facts = PersonFacts((invoice(amount="0.00"),))

    for language, phrase in [("fi", "ei ole nyt avoimia"), ("sv", "inga öppna"), ("en", "no open")]:
        answer = answer_for(Intent.DUE_DATE_EXTENSION, language, facts)
        assert phrase in answer.text
        assert paths_of(answer) == ["/hae-lasku"]


def test_a_long_list_is_cut_and_points_to_all_invoices() -> None:
    many = tuple(invoice(f"i{n}", str(n), due=date(2026, 1, n + 1)) for n in range(MAX_LISTED + 2))

    answer = answer_for(Intent.PAY_INVOICE, "sv", PersonFacts(many))

    assert len(answer.links) == MAX_LISTED + 1
    assert answer.links[-1] == Link("Fakturor", "/")
    assert "Dessutom 2 andra öppna fakturor." in answer.text


def test_the_greeting_counts_a_persons_open_invoices() -> None:
    two = PersonFacts((invoice("a", "1"), invoice("b", "2")))

    assert "Sinulla on 2 avointa laskua." in answer_for(Intent.GREETING, "fi", two).text
    assert (
        "You have one open invoice."
        in answer_for(Intent.GREETING, "en", PersonFacts((invoice(),))).text
    )
    assert answer_for(Intent.GREETING, "en", None).links == ()


def test_the_costs_answer_quotes_the_legal_caps_as_money() -> None:
    assert f"5,00{NBSP}€" in answer_for(Intent.COLLECTION_COSTS, "fi", None).text
    assert "€5.00" in answer_for(Intent.COLLECTION_COSTS, "en", None).text


def test_an_invoice_id_is_escaped_in_the_path() -> None:
    answer = answer_for(Intent.PAY_INVOICE, "fi", PersonFacts((invoice("a/b?c"),)))

    assert paths_of(answer) == ["/laskut/a%2Fb%3Fc/maksa"]


@pytest.mark.parametrize(
    ("day", "language", "text"),
    [
        (date(2026, 12, 24), "fi", "24.12.2026"),
        (date(2026, 1, 2), "sv", "2.1.2026"),
        (date(2026, 1, 2), "en", "2 January 2026"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(
    day: date, language: str, text: str
) -> None:
    assert format_date(day, language) == text


@pytest.mark.parametrize(
    "text",
    [
        "Minun nimeni on Zyxwvut Qwertyson ja lasku on väärin",
        "Jag heter Zyxwvut Qwertyson, fakturan är fel",
        "<b>Zyxwvut</b> wants to pay the bill",
        "Zyxwvut Qwertyson",
    ],
)
def test_the_bot_never_echoes_what_the_customer_wrote(text: str) -> None:
    facts = PersonFacts((invoice(),))

    reply = Chatbot().reply(text, "fi", facts, ())

    written = reply.answer.text + " ".join(link.label for link in reply.answer.links)
    assert "Zyxwvut" not in written
    assert "Qwertyson" not in written
    assert "<b>" not in written


def test_the_handoff_answer_is_in_the_customers_language() -> None:
    assert "asiakaspalvelijalle" in handoff_answer("fi").text
    assert "kundtjänstmedarbetare" in handoff_answer("sv").text
    assert "customer service agent" in handoff_answer("en").text


def test_refuses_an_unsupported_language() -> None:
    with pytest.raises(ValueError, match="language"):
        answer_for(Intent.GREETING, "de", None)


def test_links_point_at_routes_and_sections_the_gateway_has() -> None:
    gateway = pytest.importorskip("ropo_gateway.myropo.routes")
    payment = pytest.importorskip("ropo_gateway.myropo.payment_routes")
    refund = pytest.importorskip("ropo_gateway.myropo.refund_routes")
    get_routes = {
        route.path
        for router in (gateway.router, payment.router, refund.router)
        for route in router.routes
        if "GET" in getattr(route, "methods", set())
    }

    def route_of(path: str) -> str:
        return re.sub(r"^/laskut/[^/#]+", "/laskut/{invoice_id}", path.split("#")[0])

    for path in (
        paths.FRONT_PAGE,
        paths.FIND_INVOICE,
        paths.REPORT_ACCOUNT,
        paths.invoice("x"),
        paths.pay("x"),
        paths.invoice_document("x"),
        paths.payment_time("x"),
        paths.authorizations("x"),
    ):
        assert route_of(path) in get_routes, path
    assert paths.invoice("x") == gateway.invoice_path("x")
    # The sections the anchors jump to (they are part of the invoice page).
    assert 'id="maksuaika"' in (GATEWAY_TEMPLATES / "_maksuaika.html").read_text("utf-8")
    assert 'id="valtuutus"' in (GATEWAY_TEMPLATES / "_valtuutus.html").read_text("utf-8")
