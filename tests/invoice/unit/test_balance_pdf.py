"""The balance certificate as PDF: title, date, debtor, every figure as the suite prints
money, the interest periods and rates, the cost rules — in Finnish, Swedish and English."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from ropo_invoice.adapters.documents.balance_certificate_pdf import (
    BalanceCertificatePdfRenderer,
    render_balance_certificate_pdf,
)
from ropo_invoice.adapters.documents.texts import format_date
from ropo_invoice.domain.balance import BalanceCertificate
from ropo_invoice.domain.ledger import component_label
from ropo_invoice.domain.party import Language
from ropo_platform.money import Money
from test_balance_model import (
    COMPANY,
    certificate_of,
    collect,
    collected_cases,
    make_invoice,
)

TITLES = {
    Language.FI: "Saldotodistus",
    Language.SV: "Saldointyg",
    Language.EN: "Balance certificate",
}
NO_CASES = {
    Language.FI: "Velallisella ei ole avoimia asioita 1.9.2026.",
    Language.SV: "Gäldenären har inga öppna ärenden den 1.9.2026.",
    Language.EN: "The debtor has no open cases on 1.9.2026.",
}
EXPLANATION = {
    Language.FI: "Korkojen ja kulujen laskenta",
    Language.SV: "Beräkning av ränta och kostnader",
    Language.EN: "How interest and costs were calculated",
}


def text_of(pdf: bytes) -> str:
    """All pages' text, whitespace collapsed (no-break spaces included)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def shown(money: Money, language: Language) -> str:
    return " ".join(money.format(language.value).split())


def collected() -> BalanceCertificate:
    invoices, recorded = collected_cases()
    return certificate_of(invoices, recorded)


@pytest.mark.parametrize("language", list(Language))
def test_every_figure_is_printed_as_the_suite_prints_money(language: Language) -> None:
    certificate = collected()

    text = text_of(render_balance_certificate_pdf(certificate, language))

    assert TITLES[language] in text and EXPLANATION[language] in text
    assert "1.9.2026" in text and "Matti Meikäläinen" in text
    for case in certificate.cases:
        for value in (case.invoice_number, case.case_number, case.creditor_name):
            assert value in text, value
        assert format_date(case.original_due_date) in text
        for figure in (case.capital.open, case.interest.open, case.costs.open, case.total_open):
            assert shown(figure, language) in text, figure
        for item in case.cost_items:
            row = (
                f"{component_label(item.type, language)} {format_date(item.charge_date)} "
                f"{shown(item.amount, language)} {shown(item.open_amount, language)}"
            )
            assert row in text, row
        for run in case.interest_runs:
            assert run.start is not None
            assert f"{format_date(run.start)}–{format_date(run.end)}" in text
            assert shown(run.charged, language) in text
    (total,) = certificate.totals
    for figure in (total.capital_open, total.interest_open, total.costs_open, total.total_open):
        assert shown(figure, language) in text, figure


def test_rates_and_rules_are_explained() -> None:
    invoice = make_invoice("8001", "1000.00", due=date(2026, 6, 20))
    certificate = certificate_of([invoice], {invoice.id: collect(invoice, date(2026, 7, 20))})

    finnish = text_of(render_balance_certificate_pdf(certificate, Language.FI))
    english = text_of(render_balance_certificate_pdf(certificate, Language.EN))

    assert "21.6.2026–30.6.2026: 2 % + 7 = 9 %" in finnish
    assert "1.7.2026–18.7.2026: 1,9 % + 7 = 8,9 %" in finnish
    assert "1.7.2026–18.7.2026: 1.9% + 7 = 8.9%" in english
    assert "viitekorko + 7 prosenttiyksikköä kuluttajasaatavassa (4 §)" in finnish
    assert "maksumuistutus enintään 5,00 €" in finnish
    assert "perintäkulut yhteensä enintään 60,00 € (pääoma enintään 100,00 €)" in finnish
    assert "Perintäkulujen enimmäismäärä tälle saatavalle: 120,00 €" in finnish
    assert "payment reminder at most €5.00" in english


def test_a_company_certificate_shows_the_business_id_and_its_rules() -> None:
    certificate = certificate_of(
        [make_invoice("8101", "600.00", debtor=COMPANY)], party=COMPANY.party
    )

    text = text_of(render_balance_certificate_pdf(certificate, Language.FI))

    assert "Y-tunnus 0112038-9" in text
    assert "viitekorko + 8 prosenttiyksikköä yritysten välisessä saatavassa (4 a §)" in text
    assert "kiinteä korvaus 40,00 €" in text
    assert "kuluttajasaatavassa (4 §)" not in text


@pytest.mark.parametrize("language", list(Language))
def test_a_party_without_open_cases_gets_a_certificate_saying_so(language: Language) -> None:
    text = text_of(render_balance_certificate_pdf(certificate_of([]), language))

    assert TITLES[language] in text and NO_CASES[language] in text
    assert EXPLANATION[language] not in text


def test_the_identity_code_is_never_printed() -> None:
    certificate = collected()
    text = text_of(
        BalanceCertificatePdfRenderer().render_balance_certificate(certificate, Language.FI)
    )
    assert "010190" not in text
    assert certificate.debtor_party.removeprefix("persons/") not in text


def test_many_cases_flow_over_pages_and_the_bytes_are_stable() -> None:
    invoices = [make_invoice(f"90{n:02d}", f"{n + 1}.00") for n in range(40)]
    certificate = certificate_of(invoices)

    pdf = render_balance_certificate_pdf(certificate, Language.FI)
    pages = PdfReader(io.BytesIO(pdf)).pages

    assert len(pages) > 2
    assert "Saldotodistus 1.9.2026" in pages[-1].extract_text()
    text = text_of(pdf)
    assert all(invoice.invoice_number in text for invoice in invoices)
    assert render_balance_certificate_pdf(certificate, Language.FI) == pdf
