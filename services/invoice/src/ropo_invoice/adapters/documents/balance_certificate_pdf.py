"""The balance certificate (*saldotodistus*) as an A4 PDF in Finnish, Swedish or English.

It draws ``domain.balance.BalanceCertificate`` as it is: those value objects are
already plain, immutable and checked, so no second document model sits between.
The page is not a letter (no address window, no transfer form): a header with the
title, the date and the debtor, then a summary, one block per case and the
explanation of how interest and costs were calculated. Amounts are printed with
``Money.format`` like every other document of the suite; all text goes through
``printable`` (the helpers of ``layout`` do that).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from ropo_platform.money import Money

from ropo_invoice.adapters.documents.layout import (
    BOLD,
    CELL_STYLE,
    CONTENT_WIDTH,
    FONT,
    HEADING_STYLE,
    LATER_BODY_BOTTOM,
    LEFT,
    PAGE_COUNT_FORM,
    PAGE_HEIGHT,
    PRODUCER,
    RIGHT,
    Fact,
    draw_facts,
    draw_page_number,
    draw_text,
    facts_bottom,
    fitting_size,
    paragraph,
)
from ropo_invoice.adapters.documents.printable import printable
from ropo_invoice.adapters.documents.texts import (
    format_date,
    format_decimal,
    format_percent,
    labels_for,
)
from ropo_invoice.domain.balance import (
    BalanceCertificate,
    CaseBalance,
    CurrencyTotal,
    GroupBalance,
    InterestRun,
    RatePeriod,
)
from ropo_invoice.domain.costs import CapitalTier, CollectionAction, CostTable
from ropo_invoice.domain.ledger import component_label
from ropo_invoice.domain.party import DebtorKind, Language
from ropo_invoice.domain.stage import display_status

_TITLE_SIZE = 15.0
_HEADER_TOP = PAGE_HEIGHT - 22 * mm
_LATER_TOP = PAGE_HEIGHT - 25 * mm
_AMOUNT_COLUMNS = (50 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm)
_COST_COLUMNS = (70 * mm, 30 * mm, 35 * mm, 35 * mm)
_INTEREST_COLUMNS = (38 * mm, 72 * mm, 30 * mm, 30 * mm)
_FACT_COLUMNS = (50 * mm, CONTENT_WIDTH - 50 * mm)
_SUMMARY_COLUMNS = (100 * mm, 35 * mm)


@dataclass(frozen=True, slots=True)
class _Texts:
    """The certificate's own words in one language."""

    title: str
    date: str
    debtor: str
    open_cases: str
    intro: str
    no_cases: str
    summary: str
    capital_open: str
    interest_open: str
    costs_open: str
    total_open: str
    grand_total: str
    creditor: str
    status: str
    current_due_date: str
    component: str
    charged: str
    paid: str
    credited: str
    open: str
    capital: str
    interest: str
    costs: str
    total: str
    cost_item: str
    day: str
    interest_period: str
    rate: str
    charged_through: str
    rate_unknown: str
    cost_cap: str
    explanation: str
    interest_rule: str
    margin_person: str
    margin_organization: str
    rates_rule: str
    allocation_rule: str
    consumer_costs: str
    company_costs: str
    reminder_cap: str
    demand_cap: str
    repeat_demand: str
    demand_count: str
    extension_cap: str
    plan_cap: str
    total_cap: str
    fixed_compensation: str
    capital_up_to: str
    capital_over: str


_FINNISH = _Texts(
    title="Saldotodistus",
    date="Päiväys",
    debtor="Velallinen",
    open_cases="Avoimia asioita",
    intro=(
        "Tämä todistus näyttää velallisen kaikkien avointen asioiden saldot {date} "
        "tilanteen mukaan: pääoma, viivästyskorko ja perintäkulut eriteltyinä sekä se, "
        "miten korot ja kulut on laskettu (saatavien perinnästä annetun lain 4 a §). "
        "Maksut, jotka eivät ole vielä kirjautuneet, eivät näy todistuksessa."
    ),
    no_cases="Velallisella ei ole avoimia asioita {date}.",
    summary="Yhteenveto",
    capital_open="Avoin pääoma",
    interest_open="Avoin viivästyskorko",
    costs_open="Avoimet perintäkulut",
    total_open="Avoinna yhteensä",
    grand_total="Kaikki avoimet asiat yhteensä",
    creditor="Alkuperäinen velkoja",
    status="Tila",
    current_due_date="Nykyinen eräpäivä",
    component="Erä",
    charged="Veloitettu",
    paid="Maksettu",
    credited="Hyvitetty",
    open="Avoinna",
    capital="Pääoma",
    interest="Viivästyskorko",
    costs="Perintäkulut",
    total="Yhteensä",
    cost_item="Perintäkulu",
    day="Päivä",
    interest_period="Korkojakso",
    rate="Korko (viitekorko + lisä)",
    charged_through="veloitettu {date} asti",
    rate_unknown="ei tiedossa",
    cost_cap="Perintäkulujen enimmäismäärä tälle saatavalle: {cap}; veloitettu {charged}.",
    explanation="Korkojen ja kulujen laskenta",
    interest_rule=(
        "Viivästyskorko on korkolain (633/1982) mukainen: Suomen Pankin vahvistama "
        "viitekorko + {margins}. Korkoa lasketaan avoimelle pääomalle eräpäivää "
        "seuraavasta päivästä alkaen todellisten päivien mukaan (365 tai 366 päivää "
        "vuodessa), ja kukin veloitus pyöristetään sentteihin. Korkoa ei kerry "
        "riitautuksen eikä maksusuunnitelman aikana."
    ),
    margin_person="{points} prosenttiyksikköä kuluttajasaatavassa (4 §)",
    margin_organization="{points} prosenttiyksikköä yritysten välisessä saatavassa (4 a §)",
    rates_rule=(
        "Viitekorko vahvistetaan puolivuosittain (1.1. ja 1.7.), ja kunkin päivän korko on "
        "sen puolivuotiskauden viitekorko lisättynä lisällä. Korkojaksot ja niiden korot "
        "on eritelty kunkin asian kohdalla."
    ),
    allocation_rule=(
        "Maksut kohdistetaan kuluttajasaatavassa ensin pääomaan, sitten korkoon ja "
        "viimeiseksi perintäkuluihin; yrityssaatavassa ensin perintäkuluihin, sitten "
        "korkoon ja viimeiseksi pääomaan."
    ),
    consumer_costs=(
        "Kuluttajasaatavan perintäkulut ovat enintään saatavien perinnästä annetun lain "
        "(513/1999) 10 a–10 d §:n mukaiset: {rules}."
    ),
    company_costs=(
        "Yrityssaatavan perintäkulut ovat enintään saatavien perinnästä annetun lain "
        "(513/1999) mukaiset: {rules}."
    ),
    reminder_cap="maksumuistutus enintään {amount}",
    demand_cap="maksuvaatimus enintään {tiers}",
    repeat_demand="myöhempi maksuvaatimus enintään {share} ensimmäisen enimmäismäärästä",
    demand_count="maksullisia maksuvaatimuksia enintään {count}",
    extension_cap="eräpäivän siirto enintään {amount}",
    plan_cap="maksusuunnitelma enintään {small} ({count} erää tai vähemmän), muuten {tiers}",
    total_cap="perintäkulut yhteensä enintään {tiers}",
    fixed_compensation="lisäksi kiinteä korvaus {amount} kerran laskua kohden",
    capital_up_to="pääoma enintään",
    capital_over="pääoma yli",
)

_SWEDISH = _Texts(
    title="Saldointyg",
    date="Datum",
    debtor="Gäldenär",
    open_cases="Öppna ärenden",
    intro=(
        "Detta intyg visar saldona för alla gäldenärens öppna ärenden per {date}: "
        "kapital, dröjsmålsränta och indrivningskostnader var för sig samt hur räntan och "
        "kostnaderna har beräknats (4 a § i lagen om indrivning av fordringar). "
        "Betalningar som ännu inte har bokförts syns inte i intyget."
    ),
    no_cases="Gäldenären har inga öppna ärenden den {date}.",
    summary="Sammandrag",
    capital_open="Öppet kapital",
    interest_open="Öppen dröjsmålsränta",
    costs_open="Öppna indrivningskostnader",
    total_open="Öppet totalt",
    grand_total="Alla öppna ärenden totalt",
    creditor="Ursprunglig borgenär",
    status="Status",
    current_due_date="Nuvarande förfallodag",
    component="Post",
    charged="Debiterat",
    paid="Betalt",
    credited="Krediterat",
    open="Öppet",
    capital="Kapital",
    interest="Dröjsmålsränta",
    costs="Indrivningskostnader",
    total="Totalt",
    cost_item="Indrivningskostnad",
    day="Datum",
    interest_period="Ränteperiod",
    rate="Ränta (referensränta + tillägg)",
    charged_through="debiterad till {date}",
    rate_unknown="inte känd",
    cost_cap=(
        "Högsta belopp för indrivningskostnader för denna fordran: {cap}; debiterat {charged}."
    ),
    explanation="Beräkning av ränta och kostnader",
    interest_rule=(
        "Dröjsmålsräntan följer räntelagen (633/1982): referensräntan som Finlands Bank "
        "fastställer + {margins}. Räntan beräknas på öppet kapital från dagen efter "
        "förfallodagen enligt faktiska dagar (365 eller 366 dagar per år), och varje "
        "debitering avrundas till cent. Ingen ränta löper under en bestridning eller "
        "en betalningsplan."
    ),
    margin_person="{points} procentenheter för en konsumentfordran (4 §)",
    margin_organization="{points} procentenheter för en fordran mellan företag (4 a §)",
    rates_rule=(
        "Referensräntan fastställs för varje halvår (1.1 och 1.7), och varje dags ränta är "
        "halvårets referensränta plus tillägget. Ränteperioderna och deras räntor "
        "specificeras för varje ärende."
    ),
    allocation_rule=(
        "Betalningar på en konsumentfordran dras först av från kapitalet, sedan från räntan "
        "och sist från indrivningskostnaderna; på en företagsfordran först från "
        "indrivningskostnaderna, sedan från räntan och sist från kapitalet."
    ),
    consumer_costs=(
        "Indrivningskostnaderna för en konsumentfordran är högst de som 10 a–10 d § i lagen "
        "om indrivning av fordringar (513/1999) tillåter: {rules}."
    ),
    company_costs=(
        "Indrivningskostnaderna för en företagsfordran är högst de som lagen om indrivning "
        "av fordringar (513/1999) tillåter: {rules}."
    ),
    reminder_cap="betalningspåminnelse högst {amount}",
    demand_cap="betalningskrav högst {tiers}",
    repeat_demand="ett senare betalningskrav högst {share} av det första kravets maximum",
    demand_count="högst {count} avgiftsbelagda betalningskrav",
    extension_cap="flyttad förfallodag högst {amount}",
    plan_cap="betalningsplan högst {small} ({count} rater eller färre), annars {tiers}",
    total_cap="indrivningskostnader totalt högst {tiers}",
    fixed_compensation="dessutom en fast ersättning på {amount} en gång per faktura",
    capital_up_to="kapital högst",
    capital_over="kapital över",
)

_ENGLISH = _Texts(
    title="Balance certificate",
    date="Date",
    debtor="Debtor",
    open_cases="Open cases",
    intro=(
        "This certificate shows the balances of all the debtor's open cases as of {date}: "
        "capital, penalty interest and collection costs separately, and how the interest "
        "and costs were calculated (Debt Collection Act, section 4 a). Payments not yet "
        "booked are not shown."
    ),
    no_cases="The debtor has no open cases on {date}.",
    summary="Summary",
    capital_open="Open capital",
    interest_open="Open penalty interest",
    costs_open="Open collection costs",
    total_open="Total open",
    grand_total="All open cases in total",
    creditor="Original creditor",
    status="Status",
    current_due_date="Current due date",
    component="Item",
    charged="Charged",
    paid="Paid",
    credited="Credited",
    open="Open",
    capital="Capital",
    interest="Penalty interest",
    costs="Collection costs",
    total="Total",
    cost_item="Collection cost",
    day="Date",
    interest_period="Interest period",
    rate="Rate (reference rate + margin)",
    charged_through="charged through {date}",
    rate_unknown="not known",
    cost_cap="Cap on collection costs for this receivable: {cap}; charged {charged}.",
    explanation="How interest and costs were calculated",
    interest_rule=(
        "Penalty interest follows the Interest Act (633/1982): the reference rate set by "
        "the Bank of Finland + {margins}. Interest runs on the open capital from the day "
        "after the due date by actual days (365 or 366 a year), and each charge is rounded "
        "to the cent. No interest runs during a dispute or a payment plan."
    ),
    margin_person="{points} percentage points for a consumer receivable (section 4)",
    margin_organization=(
        "{points} percentage points for a receivable between businesses (section 4 a)"
    ),
    rates_rule=(
        "The reference rate is set for each half-year (1 January and 1 July), and each "
        "day's rate is its half-year's reference rate plus the margin. The interest periods "
        "and their rates are itemised for each case."
    ),
    allocation_rule=(
        "Payments on a consumer receivable cover the capital first, then interest and "
        "collection costs last; on a business receivable collection costs first, then "
        "interest and capital last."
    ),
    consumer_costs=(
        "Collection costs of a consumer receivable are at most what sections 10 a–10 d of "
        "the Debt Collection Act (513/1999) allow: {rules}."
    ),
    company_costs=(
        "Collection costs of a business receivable are at most what the Debt Collection "
        "Act (513/1999) allows: {rules}."
    ),
    reminder_cap="payment reminder at most {amount}",
    demand_cap="payment demand at most {tiers}",
    repeat_demand="a later payment demand at most {share} of the first one's cap",
    demand_count="at most {count} chargeable payment demands",
    extension_cap="due date extension at most {amount}",
    plan_cap="payment plan at most {small} ({count} instalments or fewer), otherwise {tiers}",
    total_cap="collection costs in total at most {tiers}",
    fixed_compensation="and a fixed compensation of {amount} once per invoice",
    capital_up_to="capital up to",
    capital_over="capital over",
)

_TEXTS = {Language.FI: _FINNISH, Language.SV: _SWEDISH, Language.EN: _ENGLISH}


def texts_for(language: Language) -> _Texts:
    """The certificate's words in ``language``."""
    return _TEXTS[language]


class BalanceCertificatePdfRenderer:
    """Implements the service layer's ``BalanceCertificateRenderer`` port."""

    def render_balance_certificate(
        self, certificate: BalanceCertificate, language: Language
    ) -> bytes:
        """The certificate as a PDF in ``language``."""
        return render_balance_certificate_pdf(certificate, language)


def render_balance_certificate_pdf(certificate: BalanceCertificate, language: Language) -> bytes:
    """The certificate as an A4 PDF; the same certificate gives the same bytes."""
    words = texts_for(language)
    facts = _facts(certificate, words, language)
    heading = f"{words.title} {format_date(certificate.issued_on)}"
    labels = labels_for(language.value)

    def first_page(canvas: Canvas, _document: BaseDocTemplate) -> None:
        size = fitting_size(words.title, BOLD, _TITLE_SIZE, 85 * mm)
        draw_text(canvas, LEFT, _HEADER_TOP, words.title, font=BOLD, size=size)
        draw_page_number(canvas, PAGE_HEIGHT - 12 * mm, labels)
        draw_facts(canvas, facts)

    def later_pages(canvas: Canvas, _document: BaseDocTemplate) -> None:
        y = PAGE_HEIGHT - 15 * mm
        draw_text(canvas, LEFT, y, heading, font=BOLD, size=9, max_width=120 * mm)
        draw_page_number(canvas, y, labels)
        canvas.setLineWidth(0.5)
        canvas.line(LEFT, y - 3 * mm, RIGHT, y - 3 * mm)

    body_top = min(facts_bottom(len(facts)) - 6 * mm, _HEADER_TOP - 12 * mm)
    return _build(
        _story(certificate, words, language),
        title=heading,
        subject=certificate.debtor_name or words.title,
        language=language.value,
        issued_on=certificate.issued_on,
        first_page=first_page,
        later_pages=later_pages,
        body_top=body_top,
    )


def _facts(certificate: BalanceCertificate, words: _Texts, language: Language) -> list[Fact]:
    facts = [Fact(words.date, format_date(certificate.issued_on), emphasised=True)]
    if certificate.debtor_name:
        facts.append(Fact(words.debtor, certificate.debtor_name))
    if certificate.business_id:
        facts.append(Fact(labels_for(language.value).business_id, certificate.business_id))
    facts.append(Fact(words.open_cases, str(len(certificate.cases))))
    return facts


# ------------------------------------------------------------------------------ story


def _story(certificate: BalanceCertificate, words: _Texts, language: Language) -> list[Flowable]:
    when = format_date(certificate.issued_on)
    if not certificate.cases:
        return [paragraph(words.no_cases.format(date=when))]
    story: list[Flowable] = [paragraph(words.intro.format(date=when)), Spacer(0, 3 * mm)]
    story.append(paragraph(words.summary, HEADING_STYLE))
    for total in certificate.totals:
        story += [_summary_table(total, words, language), Spacer(0, 3 * mm)]
    for case in certificate.cases:
        story += _case_block(case, words, language)
    story += _explanation(certificate, words, language)
    return story


def _summary_table(total: CurrencyTotal, words: _Texts, language: Language) -> Table:
    rows = [
        (words.capital_open, total.capital_open),
        (words.interest_open, total.interest_open),
        (words.costs_open, total.costs_open),
        (words.grand_total, total.total_open),
    ]
    return _table(
        [[label, _money(amount, language)] for label, amount in rows],
        _SUMMARY_COLUMNS,
        amount_columns=1,
        header=False,
        total_row=True,
    )


def _case_block(case: CaseBalance, words: _Texts, language: Language) -> list[Flowable]:
    labels = labels_for(language.value)
    title = f"{case.creditor_name}, {labels.invoice_number} {case.invoice_number}"
    facts = [
        (words.creditor, case.creditor_name),
        (labels.invoice_number, case.invoice_number),
        (labels.case_number, case.case_number),
        (labels.original_due_date, format_date(case.original_due_date)),
    ]
    if case.due_date != case.original_due_date:
        facts.append((words.current_due_date, format_date(case.due_date)))
    facts.append((words.status, display_status(case.stage, case.paid_in_myropo, language)))
    head: list[Flowable] = [
        Spacer(0, 4 * mm),
        paragraph(title, HEADING_STYLE),
        _fact_table(facts),
        Spacer(0, 2 * mm),
        _amounts_table(case, words, language),
    ]
    block: list[Flowable] = [KeepTogether(head)]
    if case.cost_items:
        block += [Spacer(0, 2 * mm), _cost_table(case, words, language)]
    if case.cost_cap is not None:
        cap = words.cost_cap.format(
            cap=_money(case.cost_cap, language), charged=_money(case.costs.charged, language)
        )
        block += [Spacer(0, 1 * mm), paragraph(cap)]
    if case.interest_runs:
        block += [Spacer(0, 2 * mm), _interest_table(case, words, language)]
    return block


def _fact_table(facts: Sequence[tuple[str, str]]) -> Table:
    table = Table(
        [[_cell(label), _cell(value)] for label, value in facts],
        colWidths=_FACT_COLUMNS,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _amounts_table(case: CaseBalance, words: _Texts, language: Language) -> Table:
    groups: list[tuple[str, GroupBalance]] = [
        (words.capital, case.capital),
        (words.interest, case.interest),
        (words.costs, case.costs),
    ]
    rows: list[list[Any]] = [
        [words.component, words.charged, words.paid, words.credited, words.open]
    ]
    for label, group in groups:
        rows.append([label, *(_money(m, language) for m in _figures(group))])
    charged = Money.sum((g.charged for _, g in groups), case.currency)
    paid = Money.sum((g.paid for _, g in groups), case.currency)
    credited = Money.sum((g.credited for _, g in groups), case.currency)
    rows.append(
        [
            words.total_open,
            _money(charged, language),
            _money(paid, language),
            _money(credited, language),
            _money(case.total_open, language),
        ]
    )
    return _table(rows, _AMOUNT_COLUMNS, amount_columns=4, header=True, total_row=True)


def _figures(group: GroupBalance) -> tuple[Money, Money, Money, Money]:
    return group.charged, group.paid, group.credited, group.open


def _cost_table(case: CaseBalance, words: _Texts, language: Language) -> Table:
    rows: list[list[Any]] = [[words.cost_item, words.day, words.charged, words.open]]
    for item in case.cost_items:
        rows.append(
            [
                component_label(item.type, language),
                format_date(item.charge_date),
                _money(item.amount, language),
                _money(item.open_amount, language),
            ]
        )
    return _table(rows, _COST_COLUMNS, amount_columns=2, header=True, total_row=False)


def _interest_table(case: CaseBalance, words: _Texts, language: Language) -> Table:
    rows: list[list[Any]] = [[words.interest_period, words.rate, words.charged, words.open]]
    for run in case.interest_runs:
        rows.append(
            [
                _cell(_run_period(run, words)),
                _cell("\n".join(_rate_lines(run, words, language))),
                _money(run.charged, language),
                _money(run.open_amount, language),
            ]
        )
    return _table(rows, _INTEREST_COLUMNS, amount_columns=2, header=True, total_row=False)


def _run_period(run: InterestRun, words: _Texts) -> str:
    if run.start is None:
        return words.charged_through.format(date=format_date(run.end))
    return f"{format_date(run.start)}–{format_date(run.end)}"


def _rate_lines(run: InterestRun, words: _Texts, language: Language) -> list[str]:
    if not run.rates:
        return [words.rate_unknown]
    if len(run.rates) == 1:
        return [_rate_text(run.rates[0], words, language)]
    return [
        f"{format_date(p.start)}–{format_date(p.end)}: {_rate_text(p, words, language)}"
        for p in run.rates
    ]


def _rate_text(period: RatePeriod, words: _Texts, language: Language) -> str:
    """``2,15 % + 7 = 9,15 %``."""
    if period.reference_rate is None or period.rate is None:
        return words.rate_unknown
    reference = format_percent(period.reference_rate, language.value)
    margin = format_decimal(period.margin, language.value)
    return f"{reference} + {margin} = {format_percent(period.rate, language.value)}"


def _explanation(
    certificate: BalanceCertificate, words: _Texts, language: Language
) -> list[Flowable]:
    margin_texts = {
        DebtorKind.PERSON: words.margin_person,
        DebtorKind.ORGANIZATION: words.margin_organization,
    }
    margins = "; ".join(
        margin_texts[kind].format(points=format_decimal(points, language.value))
        for kind, points in certificate.interest_margins
    )
    parts: list[Flowable] = [
        Spacer(0, 5 * mm),
        paragraph(words.explanation, HEADING_STYLE),
        paragraph(words.interest_rule.format(margins=margins)),
        paragraph(words.rates_rule),
        paragraph(words.allocation_rule),
    ]
    parts += [paragraph(_cost_rules(table, words, language)) for table in certificate.cost_tables]
    return parts


def _cost_rules(table: CostTable, words: _Texts, language: Language) -> str:
    def euros(amount: Decimal) -> str:
        return _money(Money(amount, table.currency), language)

    def tiers(values: tuple[CapitalTier, ...]) -> str:
        return _tiers(values, table.currency, words, language)

    rules = [
        words.reminder_cap.format(amount=euros(table.reminder)),
        words.demand_cap.format(tiers=tiers(table.payment_demand)),
        words.repeat_demand.format(
            share=format_percent(table.repeat_demand_factor * 100, language.value)
        ),
    ]
    demand_limit = table.max_chargeable.get(CollectionAction.PAYMENT_DEMAND)
    if demand_limit is not None:
        rules.append(words.demand_count.format(count=demand_limit))
    rules += [
        words.extension_cap.format(amount=euros(table.due_date_extension)),
        words.plan_cap.format(
            small=euros(table.payment_plan[0].amount),
            count=table.small_plan_instalments,
            tiers=tiers(table.payment_plan),
        ),
    ]
    if table.total_caps is not None:
        rules.append(words.total_cap.format(tiers=tiers(table.total_caps)))
    if table.fixed_compensation is not None:
        rules.append(words.fixed_compensation.format(amount=euros(table.fixed_compensation)))
    template = (
        words.consumer_costs if table.debtor_kind is DebtorKind.PERSON else words.company_costs
    )
    return template.format(rules="; ".join(rules))


def _tiers(tiers: tuple[CapitalTier, ...], currency: str, words: _Texts, language: Language) -> str:
    """``14,00 € (pääoma enintään 100,00 €), …, 50,00 € (pääoma yli 1 000,00 €)``."""
    shown: list[str] = []
    previous: Decimal | None = None
    for tier in tiers:
        amount = _money(Money(tier.amount, currency), language)
        if tier.up_to is not None:
            limit = _money(Money(tier.up_to, currency), language)
            shown.append(f"{amount} ({words.capital_up_to} {limit})")
        elif previous is not None:
            limit = _money(Money(previous, currency), language)
            shown.append(f"{amount} ({words.capital_over} {limit})")
        else:
            shown.append(amount)
        previous = tier.up_to
    return ", ".join(shown)


# ------------------------------------------------------------------------------ parts


def _money(amount: Money, language: Language) -> str:
    return amount.format(language.value)


def _cell(text: str) -> Paragraph:
    """A wrapping table cell; line breaks in ``text`` are kept."""
    lines = (escape(printable(line)) for line in text.split("\n"))
    return Paragraph("<br/>".join(lines), CELL_STYLE)


def _table(
    rows: list[list[Any]],
    widths: tuple[float, ...],
    *,
    amount_columns: int,
    header: bool,
    total_row: bool,
) -> Table:
    """Text cells made printable, the last ``amount_columns`` right-aligned."""
    shown = [[printable(v) if isinstance(v, str) else v for v in row] for row in rows]
    table = Table(shown, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    first_amount = len(widths) - amount_columns
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("ALIGN", (first_amount, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ]
    if total_row:
        style += [
            ("FONT", (0, -1), (-1, -1), BOLD, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


# ------------------------------------------------------------------------------ file


class _CertificateCanvas(Canvas):  # type: ignore[misc]
    """Output that depends only on the certificate: fixed file ID (invariant mode), the
    certificate's date as creation date, the page total filled in when saved."""

    def __init__(self, *args: Any, creation_date: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stamp = f"D:{creation_date:%Y%m%d}000000+00'00'"
        self.setDateFormatter(lambda *_parts: stamp)
        self.finished_pages = 0

    def showPage(self) -> None:
        self.finished_pages += 1
        super().showPage()

    def save(self) -> None:
        self.beginForm(PAGE_COUNT_FORM)
        self.setFont(FONT, 8)
        self.drawString(0, 0, str(self.finished_pages))
        self.endForm()
        super().save()


def _build(
    story: list[Flowable],
    *,
    title: str,
    subject: str,
    language: str,
    issued_on: date,
    first_page: Any,
    later_pages: Any,
    body_top: float,
) -> bytes:
    # Not layout.build_pdf: its first page keeps the bottom free for a transfer form,
    # which a certificate does not have.
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        title=printable(title),
        author=PRODUCER,
        subject=printable(subject),
        creator=PRODUCER,
        producer=PRODUCER,
        lang=language,
        displayDocTitle=1,
    )
    padding = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    height_first = body_top - LATER_BODY_BOTTOM
    height_later = _LATER_TOP - LATER_BODY_BOTTOM
    first = Frame(LEFT, LATER_BODY_BOTTOM, CONTENT_WIDTH, height_first, id="first", **padding)
    later = Frame(LEFT, LATER_BODY_BOTTOM, CONTENT_WIDTH, height_later, id="later", **padding)
    document.addPageTemplates(
        [
            PageTemplate(
                id="first", frames=[first], onPage=first_page, autoNextPageTemplate="later"
            ),
            PageTemplate(id="later", frames=[later], onPage=later_pages),
        ]
    )
    document.build(story, canvasmaker=partial(_CertificateCanvas, creation_date=issued_on))
    return buffer.getvalue()
