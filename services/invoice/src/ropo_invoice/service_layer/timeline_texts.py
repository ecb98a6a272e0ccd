"""Wording of timeline entries in fi, sv and en, made at read time from stored values.

Stored entries keep values (stage, letter kind, dates), not sentences, so a
text can be corrected or a language added without rewriting history.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

from ropo_invoice.domain.ledger import ComponentType, component_label
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.stage import Stage, display_status
from ropo_invoice.service_layer.ports import TimelineEntry, TimelineType

_TITLES: MappingProxyType[TimelineType, tuple[str, str, str]] = MappingProxyType(
    {  # fi, sv, en
        TimelineType.IMPORTED: ("Lasku vastaanotettu", "Fakturan mottagen", "Invoice received"),
        TimelineType.STAGE_CHANGED: ("Tila muuttui", "Status ändrades", "Status changed"),
        TimelineType.LETTER_SENT: ("Kirje lähetetty", "Brev skickat", "Letter sent"),
        TimelineType.COST_ADDED: ("Kulu lisätty", "Kostnad tillagd", "Cost added"),
        TimelineType.INTEREST_CHARGED: (
            "Viivästyskorkoa kertynyt",
            "Dröjsmålsränta har lagts till",
            "Penalty interest charged",
        ),
        TimelineType.DUE_DATE_EXTENDED: (
            "Eräpäivää siirretty",
            "Förfallodagen flyttad",
            "Due date extended",
        ),
        TimelineType.PAYMENT_PLAN_CREATED: (
            "Maksusuunnitelma tehty",
            "Betalningsplan gjord",
            "Payment plan made",
        ),
        TimelineType.PAYMENT_PLAN_CANCELLED: (
            "Maksusuunnitelma peruttu",
            "Betalningsplanen annullerad",
            "Payment plan cancelled",
        ),
        TimelineType.PAYMENT_CONFIRMED: (
            "Maksettu MyRopossa",
            "Betald i MyRopo",
            "Paid in MyRopo",
        ),
        TimelineType.PAYMENT_RECEIVED: ("Maksu kirjattu", "Betalning bokförd", "Payment booked"),
        TimelineType.CREDIT_NOTE_APPLIED: (
            "Hyvityslasku kirjattu",
            "Kreditnota bokförd",
            "Credit note booked",
        ),
        TimelineType.OVERPAID: ("Liikasuoritus", "Överbetalning", "Overpayment"),
        TimelineType.PAID: ("Maksettu", "Betald", "Paid"),
        TimelineType.AUTHORIZATION_GRANTED: (
            "Valtuutus annettu",
            "Fullmakt given",
            "Authorization granted",
        ),
        TimelineType.AUTHORIZATION_REVOKED: (
            "Valtuutus päättyi",
            "Fullmakten upphörde",
            "Authorization ended",
        ),
        TimelineType.DISPUTED: ("Laskusta reklamoitu", "Fakturan bestriden", "Invoice disputed"),
        TimelineType.DISPUTE_RESOLVED: (
            "Reklamaatio käsitelty",
            "Bestridandet behandlat",
            "Dispute resolved",
        ),
    }
)

_LETTERS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "invoice": ("Lasku", "Faktura", "Invoice"),
        "reminder": ("Maksumuistutus", "Betalningspåminnelse", "Payment reminder"),
        "payment_demand": ("Maksuvaatimus", "Betalningskrav", "Payment demand"),
        "payment_plan_reminder": (
            "Maksusuunnitelman erä erääntynyt",
            "Betalningsplanens rat förfallen",
            "Payment plan instalment overdue",
        ),
        "payment_monitoring_letter": (
            "Maksuvalvontakirje",
            "Betalningsövervakningsbrev",
            "Payment monitoring letter",
        ),
    }
)

_DUE = ("Eräpäivä {date}", "Förfallodag {date}", "Due date {date}")
_PAY_BY = ("Maksettava viimeistään {date}", "Betalas senast {date}", "Pay by {date}")
_BOOKED = ("Kirjauspäivä {date}", "Bokföringsdag {date}", "Booked on {date}")
_CREDIT_NOTE = ("Hyvityslasku {number}", "Kreditnota {number}", "Credit note {number}")
_VALID_UNTIL = ("Voimassa {date} asti", "Gäller till och med {date}", "Valid until {date}")
_INSTALMENTS = (
    "{count} erää, ensimmäinen {date}",
    "{count} rater, den första {date}",
    "{count} instalments, the first on {date}",
)
_PLAN_CANCELLED: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "missed_instalment": (
            "Erä jäi maksamatta; perintä jatkuu",
            "En rat betalades inte; indrivningen fortsätter",
            "An instalment was not paid; collection continues",
        ),
        "staff": ("Peruttu asiakaspalvelussa", "Annullerad av kundtjänst", "Cancelled by staff"),
    }
)
_OPEN_ENDED = ("Voimassa toistaiseksi", "Gäller tills vidare", "Valid until further notice")
# Why an authorization ended, by ``details["end"]`` (values of ``AuthorizationEnd``).
_ENDS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "revoked": (
            "Valtuutus peruttu",
            "Fullmakten återkallades",
            "The authorization was revoked",
        ),
        "expired": ("Valtuutus vanhentui", "Fullmakten gick ut", "The authorization expired"),
        "paid": (
            "Valtuutus päättyi laskun maksun myötä",
            "Fullmakten upphörde när fakturan betalades",
            "The authorization ended when the invoice was paid",
        ),
        "closed": (
            "Valtuutus päättyi laskun sulkemisen myötä",
            "Fullmakten upphörde när fakturan stängdes",
            "The authorization ended when the invoice was closed",
        ),
    }
)
# What was disputed (``details["scope"]``) and how it was decided (``details["outcome"]``).
_DISPUTE_SCOPES: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "whole": (
            "Koko lasku; perintä keskeytetty",
            "Hela fakturan; indrivningen avbruten",
            "The whole invoice; collection on hold",
        ),
        "part": (
            "Osa laskusta; perintä keskeytetty",
            "En del av fakturan; indrivningen avbruten",
            "Part of the invoice; collection on hold",
        ),
    }
)
_DISPUTE_OUTCOMES: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {
        "accepted": ("Hyväksytty", "Godkänt", "Accepted"),
        "partially_accepted": ("Hyväksytty osittain", "Delvis godkänt", "Partly accepted"),
        "rejected": (
            "Hylätty; perintä jatkuu",
            "Avslaget; indrivningen fortsätter",
            "Rejected; collection continues",
        ),
    }
)
_INDEX = {Language.FI: 0, Language.SV: 1, Language.EN: 2}


def _date(value: str) -> str:
    parsed = date.fromisoformat(value)
    return f"{parsed.day}.{parsed.month}.{parsed.year}"


def describe(entry: TimelineEntry, language: Language) -> tuple[str, str]:
    """(title, description) of ``entry`` in ``language``; the description may be empty."""
    index = _INDEX[language]
    details = entry.details
    title = _TITLES[entry.type][index]
    description = ""
    if entry.type is TimelineType.STAGE_CHANGED and "stage" in details:
        title = display_status(Stage(details["stage"]), False, language)
    elif entry.type is TimelineType.LETTER_SENT and details.get("letter_type") in _LETTERS:
        title = _LETTERS[details["letter_type"]][index]
        if "due_date" in details:
            description = _PAY_BY[index].format(date=_date(details["due_date"]))
    elif entry.type is TimelineType.COST_ADDED and "cost" in details:
        description = component_label(ComponentType(details["cost"]), language)
    elif entry.type is TimelineType.INTEREST_CHARGED and "start" in details:
        description = f"{_date(details['start'])}–{_date(details['end'])}"
    elif entry.type is TimelineType.PAYMENT_RECEIVED and "booked_on" in details:
        description = _BOOKED[index].format(date=_date(details["booked_on"]))
    elif entry.type is TimelineType.AUTHORIZATION_GRANTED:
        # The authorized person is never named here: the timeline is also shown to them.
        if "expire_date" in details:
            description = _VALID_UNTIL[index].format(date=_date(details["expire_date"]))
        else:
            description = _OPEN_ENDED[index]
    elif entry.type is TimelineType.AUTHORIZATION_REVOKED:
        if details.get("end") in _ENDS:
            description = _ENDS[details["end"]][index]
    elif entry.type is TimelineType.PAYMENT_PLAN_CREATED and "instalments" in details:
        description = _INSTALMENTS[index].format(
            count=details["instalments"], date=_date(details["first_due_date"])
        )
    elif entry.type is TimelineType.PAYMENT_PLAN_CANCELLED and details.get("cause") in (
        _PLAN_CANCELLED
    ):
        description = _PLAN_CANCELLED[details["cause"]][index]
    elif entry.type is TimelineType.DISPUTED and details.get("scope") in _DISPUTE_SCOPES:
        description = _DISPUTE_SCOPES[details["scope"]][index]
    elif entry.type is TimelineType.DISPUTE_RESOLVED and (
        details.get("outcome") in _DISPUTE_OUTCOMES
    ):
        description = _DISPUTE_OUTCOMES[details["outcome"]][index]
    elif "credit_note" in details:
        description = _CREDIT_NOTE[index].format(number=details["credit_note"])
    elif "due_date" in details:
        description = _DUE[index].format(date=_date(details["due_date"]))
    return title, description
