"""Every word printed on invoice images and letters, in Finnish, Swedish and English,
and the display forms of dates, numbers and account numbers.

Labels are one frozen dataclass per language, so a label missing in one language is
a construction error at import time rather than a blank on somebody's letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from ropo_platform.money import InvalidMoney, Money, minor_units

SUPPORTED_LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True, slots=True)
class Labels:
    """The fixed texts of one language."""

    # Document facts
    invoice_title: str
    invoice_number: str
    issue_date: str
    due_date: str
    reference: str
    case_number: str
    myropo_id: str
    status: str
    creditor: str
    business_id: str
    personal_id: str
    payee_account: str
    bic: str
    page: str
    # Rows, VAT and totals
    description: str
    quantity: str
    unit_price: str
    vat_percent: str
    vat_excluded: str
    row_total: str
    vat_breakdown: str
    vat: str
    total: str
    total_excluding_vat: str
    total_vat: str
    total_including_vat: str
    amount_due: str
    # Bank transfer form
    form_payee_account: str
    form_payee: str
    form_payer: str
    form_signature: str
    form_from_account: str
    form_reference: str
    form_due_date: str
    form_euro: str
    # Letters
    reminder_title: str
    payment_demand_title: str
    payment_monitoring_letter_title: str
    letter_date: str
    letter_sequence: str
    original_due_date: str
    pay_by: str
    capital: str
    penalty_interest: str
    fees: str
    total_to_pay: str
    explanation_heading: str
    reminder_intro: str
    payment_demand_intro: str
    payment_monitoring_intro: str
    already_paid_notice: str
    dispute_notice: str
    myropo_notice: str


_FINNISH = Labels(
    invoice_title="Lasku",
    invoice_number="Laskun numero",
    issue_date="Laskun päivämäärä",
    due_date="Eräpäivä",
    reference="Viitenumero",
    case_number="Asianumero",
    myropo_id="MyRopo-tunnus",
    status="Laskun tila",
    creditor="Laskuttaja",
    business_id="Y-tunnus",
    personal_id="Henkilötunnus",
    payee_account="Saajan tilinumero (IBAN)",
    bic="BIC",
    page="Sivu",
    description="Kuvaus",
    quantity="Määrä",
    unit_price="À-hinta",
    vat_percent="ALV %",
    vat_excluded="Veroton",
    row_total="Yhteensä",
    vat_breakdown="ALV-erittely",
    vat="ALV",
    total="Yhteensä",
    total_excluding_vat="Veroton yhteensä",
    total_vat="ALV yhteensä",
    total_including_vat="Yhteensä (sis. ALV)",
    amount_due="Maksettava",
    form_payee_account="Saajan tilinumero",
    form_payee="Saaja",
    form_payer="Maksajan nimi ja osoite",
    form_signature="Allekirjoitus",
    form_from_account="Tililtä nro",
    form_reference="Viitenumero",
    form_due_date="Eräpäivä",
    form_euro="Euroa",
    reminder_title="Maksumuistutus",
    payment_demand_title="Maksuvaatimus",
    payment_monitoring_letter_title="Maksuvalvontakirje",
    letter_date="Päiväys",
    letter_sequence="Kirje nro",
    original_due_date="Alkuperäinen eräpäivä",
    pay_by="Maksettava viimeistään",
    capital="Pääoma",
    penalty_interest="Viivästyskorko",
    fees="Kulut",
    total_to_pay="Maksettava yhteensä",
    explanation_heading="Korkojen ja kulujen laskenta",
    reminder_intro=(
        "Laskuttajan kirjanpidon mukaan alla oleva lasku on vielä maksamatta. "
        "Pyydämme maksamaan sen viimeistään {pay_by}."
    ),
    payment_demand_intro=(
        "Saatava on siirretty perintään. Pyydämme maksamaan alla eritellyn summan "
        "viimeistään {pay_by}. Jos saatavaa ei makseta, perintä jatkuu ja siitä voi "
        "aiheutua lisäkuluja."
    ),
    payment_monitoring_intro=(
        "Saatavasta on annettu tuomioistuimen ratkaisu, ja se on maksuvalvonnassa. "
        "Pyydämme maksamaan alla eritellyn summan viimeistään {pay_by}."
    ),
    already_paid_notice="Jos olet jo maksanut, tämä kirje on aiheeton.",
    dispute_notice=(
        "Jos pidät vaatimusta virheellisenä, ilmoita siitä ennen eräpäivää. "
        "Asian käsittely keskeytetään selvityksen ajaksi."
    ),
    myropo_notice="Voit maksaa ja hoitaa asiaa MyRopossa MyRopo-tunnuksella.",
)

_SWEDISH = Labels(
    invoice_title="Faktura",
    invoice_number="Fakturanummer",
    issue_date="Fakturadatum",
    due_date="Förfallodag",
    reference="Referensnummer",
    case_number="Ärendenummer",
    myropo_id="MyRopo-kod",
    status="Fakturans status",
    creditor="Fakturerare",
    business_id="FO-nummer",
    personal_id="Personbeteckning",
    payee_account="Mottagarens kontonummer (IBAN)",
    bic="BIC",
    page="Sida",
    description="Beskrivning",
    quantity="Antal",
    unit_price="À-pris",
    vat_percent="Moms %",
    vat_excluded="Exkl. moms",
    row_total="Totalt",
    vat_breakdown="Momsspecifikation",
    vat="Moms",
    total="Totalt",
    total_excluding_vat="Totalt exkl. moms",
    total_vat="Moms totalt",
    total_including_vat="Totalt inkl. moms",
    amount_due="Att betala",
    form_payee_account="Mottagarens kontonummer",
    form_payee="Mottagare",
    form_payer="Betalarens namn och adress",
    form_signature="Underskrift",
    form_from_account="Från konto nr",
    form_reference="Ref.nr",
    form_due_date="Förfallodag",
    form_euro="Euro",
    reminder_title="Betalningspåminnelse",
    payment_demand_title="Betalningskrav",
    payment_monitoring_letter_title="Betalningsövervakningsbrev",
    letter_date="Datum",
    letter_sequence="Brev nr",
    original_due_date="Ursprunglig förfallodag",
    pay_by="Betalas senast",
    capital="Kapital",
    penalty_interest="Dröjsmålsränta",
    fees="Kostnader",
    total_to_pay="Att betala totalt",
    explanation_heading="Beräkning av ränta och kostnader",
    reminder_intro=(
        "Enligt fakturerarens bokföring är fakturan nedan fortfarande obetald. "
        "Vi ber dig betala den senast {pay_by}."
    ),
    payment_demand_intro=(
        "Fordran har överlämnats för indrivning. Vi ber dig betala det specificerade "
        "beloppet senast {pay_by}. Om fordran inte betalas fortsätter indrivningen och "
        "ytterligare kostnader kan uppstå."
    ),
    payment_monitoring_intro=(
        "Fordran har fastställts genom domstolsbeslut och står under betalningsövervakning. "
        "Vi ber dig betala det specificerade beloppet senast {pay_by}."
    ),
    already_paid_notice="Om du redan har betalat är detta brev obefogat.",
    dispute_notice=(
        "Om du anser att kravet är felaktigt, meddela det före förfallodagen. "
        "Ärendet avbryts medan det utreds."
    ),
    myropo_notice="Du kan betala och sköta ärendet i MyRopo med MyRopo-koden.",
)

_ENGLISH = Labels(
    invoice_title="Invoice",
    invoice_number="Invoice number",
    issue_date="Invoice date",
    due_date="Due date",
    reference="Reference number",
    case_number="Case number",
    myropo_id="MyRopo ID",
    status="Invoice status",
    creditor="Biller",
    business_id="Business ID",
    personal_id="Personal identity code",
    payee_account="Payee's account (IBAN)",
    bic="BIC",
    page="Page",
    description="Description",
    quantity="Quantity",
    unit_price="Unit price",
    vat_percent="VAT %",
    vat_excluded="Excl. VAT",
    row_total="Total",
    vat_breakdown="VAT breakdown",
    vat="VAT",
    total="Total",
    total_excluding_vat="Total excl. VAT",
    total_vat="VAT total",
    total_including_vat="Total incl. VAT",
    amount_due="Amount due",
    form_payee_account="Payee's account number",
    form_payee="Payee",
    form_payer="Payer's name and address",
    form_signature="Signature",
    form_from_account="From account no.",
    form_reference="Reference",
    form_due_date="Due date",
    form_euro="Euro",
    reminder_title="Payment reminder",
    payment_demand_title="Payment demand",
    payment_monitoring_letter_title="Payment monitoring letter",
    letter_date="Date",
    letter_sequence="Letter no.",
    original_due_date="Original due date",
    pay_by="Pay by",
    capital="Capital",
    penalty_interest="Penalty interest",
    fees="Fees",
    total_to_pay="Total to pay",
    explanation_heading="How interest and costs were calculated",
    reminder_intro=(
        "According to the biller's records the invoice below is still unpaid. "
        "Please pay it by {pay_by} at the latest."
    ),
    payment_demand_intro=(
        "The receivable has been passed to collection. Please pay the itemised amount "
        "by {pay_by} at the latest. If it is not paid, collection continues and further "
        "costs may arise."
    ),
    payment_monitoring_intro=(
        "A court has ruled on the receivable and it is under payment monitoring. "
        "Please pay the itemised amount by {pay_by} at the latest."
    ),
    already_paid_notice="If you have already paid, please disregard this letter.",
    dispute_notice=(
        "If you consider the demand incorrect, tell us before the due date. "
        "Collection is put on hold while the matter is looked into."
    ),
    myropo_notice="You can pay and manage the matter in MyRopo with the MyRopo ID.",
)

_LABELS: MappingProxyType[str, Labels] = MappingProxyType(
    {"fi": _FINNISH, "sv": _SWEDISH, "en": _ENGLISH}
)

# The Finnish bank transfer form is bilingual: Finnish documents carry the Swedish
# labels as a second line and Swedish documents the Finnish ones.
_FORM_SECOND_LANGUAGE: MappingProxyType[str, str] = MappingProxyType({"fi": "sv", "sv": "fi"})

# Decimal separator and digit-group separator per language; they match the CLDR
# locales Money.format uses (fi_FI, sv_FI, en_IE), so row amounts and totals agree.
_NUMBER_SEPARATORS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {"fi": (",", "\xa0"), "sv": (",", "\xa0"), "en": (".", ",")}
)


def labels_for(language: str) -> Labels:
    """The labels of ``language`` (``fi``, ``sv`` or ``en``); ``KeyError`` otherwise."""
    return _LABELS[language]


def form_second_labels(language: str) -> Labels | None:
    """Labels printed as the second line of the transfer form, or ``None``."""
    second = _FORM_SECOND_LANGUAGE.get(language)
    return _LABELS[second] if second else None


def format_date(value: date) -> str:
    """``d.m.yyyy`` (no leading zeros), the form used in all three languages."""
    return f"{value.day}.{value.month}.{value.year}"


def format_decimal(value: Decimal, language: str, min_decimals: int = 0) -> str:
    """An exact decimal with the language's separators; trailing zeros beyond
    ``min_decimals`` are dropped and no digit is ever rounded away."""
    if not value.is_finite():
        raise ValueError("only finite numbers can be printed")
    decimal_separator, group_separator = _NUMBER_SEPARATORS[language]
    text = format(value, "f")  # positional notation, all digits, never an exponent
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0").ljust(min_decimals, "0")
    groups: list[str] = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    groups.insert(0, whole)
    number = group_separator.join(groups)
    if fraction:
        number += decimal_separator + fraction
    if negative and value != 0:
        number = "-" + number
    return number


def format_amount(value: Decimal, currency: str, language: str) -> str:
    """A decimal amount with its currency, as ``Money.format`` prints it when the amount
    fits the currency's minor unit; finer amounts keep every digit."""
    try:
        return Money(value, currency).format(language)
    except InvalidMoney:
        return f"{format_decimal(value, language, minor_units(currency))} {currency}"


def format_percent(value: Decimal, language: str) -> str:
    """``25,5 %`` (fi, sv) or ``25.5%`` (en)."""
    number = format_decimal(value, language)
    return f"{number}%" if language == "en" else f"{number}\xa0%"


def format_iban(iban: str) -> str:
    """The IBAN in groups of four, as printed on paper: ``FI21 1234 5600 0007 85``."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
