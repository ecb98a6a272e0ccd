"""The refund letter (*Palautus: ilmoita tilinumero*) as a one-page A4 PDF in fi, sv or en.

It tells the recipient why money is owed to them, how much (refundable amount, handling
fee, what is paid), and how to report an account: in MyRopo with strong identification,
with the case number and MyRopo ID printed here. It carries no account number and no
henkilötunnus; the recipient's name is masked should it contain anything that looks
like one. The same letter always gives the same bytes (reportlab's invariant mode).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from ropo_platform.money import Money
from ropo_platform.redaction import redact

FONT: Final = "Helvetica"
BOLD: Final = "Helvetica-Bold"
PORTAL_PATH: Final = "/tilinumero"
PRODUCER: Final = "MyRopo"
MYROPO_ID_GROUP: Final = 4
_ENCODING: Final = "cp1252"  # WinAnsiEncoding of the standard PDF fonts
# Letters without a Unicode decomposition to a base letter, and dashes WinAnsi lacks.
_SUBSTITUTES: Final = MappingProxyType(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "\u2212": "-"}
)


@dataclass(frozen=True, slots=True)
class RefundLetter:
    case_number: str
    myropo_id: str
    recipient_name: str
    origin: str
    refundable_amount: Money
    handling_fee: Money
    payout_amount: Money
    opened_on: date
    portal_url: str
    language: str


@dataclass(frozen=True, slots=True)
class _Texts:
    title: str
    reasons: MappingProxyType[str, str]
    date: str
    case_number: str
    myropo_id: str
    refundable_amount: str
    handling_fee: str
    payout_amount: str
    steps_heading: str
    steps: tuple[str, str, str]
    identification: str
    safety: str


_TEXTS: Final = MappingProxyType(
    {
        "fi": _Texts(
            title="Palautus: ilmoita tilinumero",
            reasons=MappingProxyType(
                {
                    "overpayment": "Olet maksanut laskusta enemmän kuin siitä oli maksettavaa. "
                    "Palautamme liikaa maksetun summan, kun olet ilmoittanut tilinumerosi.",
                    "unclear_payment": "Olemme saaneet maksun, jota emme pysty kohdistamaan "
                    "mihinkään laskuun. Palautamme maksun, kun olet ilmoittanut tilinumerosi.",
                    "credit_note": "Laskuttaja on hyvittänyt laskua, jonka olet jo maksanut. "
                    "Maksamme hyvityksen, kun olet ilmoittanut tilinumerosi.",
                }
            ),
            date="Päiväys",
            case_number="Asianumero",
            myropo_id="MyRopo-tunnus",
            refundable_amount="Palautettava summa",
            handling_fee="Käsittelykulu",
            payout_amount="Maksetaan tilillesi",
            steps_heading="Näin ilmoitat tilinumerosi",
            steps=(
                "Mene osoitteeseen {url} ja tunnistaudu verkkopankkitunnuksilla "
                "tai mobiilivarmenteella.",
                "Anna tämän kirjeen asianumero ja MyRopo-tunnus.",
                "Kirjoita tilinumero (IBAN) ja tilinomistajan nimi ja vahvista ne.",
            ),
            identification="Tilinumeron voi ilmoittaa vain vahvasti tunnistautuneena. "
            "Maksamme palautuksen, kun olemme tarkistaneet tiedot.",
            safety="Emme koskaan kysy tilinumeroa sähköpostilla, tekstiviestillä tai puhelimessa.",
        ),
        "sv": _Texts(
            title="Återbetalning: meddela kontonummer",
            reasons=MappingProxyType(
                {
                    "overpayment": "Du har betalat mer än vad som skulle betalas på fakturan. "
                    "Vi betalar tillbaka det överskjutande beloppet när du har meddelat "
                    "ditt kontonummer.",
                    "unclear_payment": "Vi har fått en betalning som vi inte kan koppla till "
                    "någon faktura. Vi betalar tillbaka beloppet när du har meddelat ditt "
                    "kontonummer.",
                    "credit_note": "Faktureraren har krediterat en faktura som du redan har "
                    "betalat. Vi betalar krediten när du har meddelat ditt kontonummer.",
                }
            ),
            date="Datum",
            case_number="Ärendenummer",
            myropo_id="MyRopo-kod",
            refundable_amount="Belopp att återbetala",
            handling_fee="Hanteringsavgift",
            payout_amount="Betalas till ditt konto",
            steps_heading="Så här meddelar du ditt kontonummer",
            steps=(
                "Gå till {url} och identifiera dig med bankkoder eller mobilcertifikat.",
                "Ange ärendenumret och MyRopo-koden i detta brev.",
                "Skriv kontonumret (IBAN) och kontoinnehavarens namn och bekräfta dem.",
            ),
            identification="Kontonumret kan meddelas endast med stark autentisering. "
            "Vi betalar återbetalningen när vi har kontrollerat uppgifterna.",
            safety="Vi frågar aldrig efter ditt kontonummer per e-post, sms eller telefon.",
        ),
        "en": _Texts(
            title="Refund: report your account number",
            reasons=MappingProxyType(
                {
                    "overpayment": "You have paid more than was due on the invoice. We will "
                    "refund the overpaid amount once you have reported your account number.",
                    "unclear_payment": "We have received a payment that we cannot match to any "
                    "invoice. We will refund it once you have reported your account number.",
                    "credit_note": "The biller has credited an invoice you have already paid. "
                    "We will pay the credit once you have reported your account number.",
                }
            ),
            date="Date",
            case_number="Case number",
            myropo_id="MyRopo ID",
            refundable_amount="Amount to refund",
            handling_fee="Handling fee",
            payout_amount="Paid to your account",
            steps_heading="How to report your account number",
            steps=(
                "Go to {url} and identify yourself with your online banking codes or mobile ID.",
                "Enter the case number and the MyRopo ID of this letter.",
                "Enter the account number (IBAN) and the account holder's name and confirm them.",
            ),
            identification="The account number can only be reported with strong "
            "identification. We pay the refund once we have checked the details.",
            safety="We never ask for your account number by email, text message or phone.",
        ),
    }
)

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=4)
_TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=17, leading=22, spaceAfter=8)
_HEADING = ParagraphStyle(
    "heading", fontName=BOLD, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3
)
_SENDER = ParagraphStyle("sender", fontName=BOLD, fontSize=10, leading=13, spaceAfter=10)


def render_refund_letter(letter: RefundLetter) -> bytes:
    """The letter as PDF bytes; ``ValueError`` for an unknown language or origin."""
    texts = _TEXTS.get(letter.language)
    if texts is None:
        raise ValueError("the letter's language must be fi, sv or en")
    reason = texts.reasons.get(letter.origin)
    if reason is None:
        raise ValueError("the letter's origin must be overpayment, unclear_payment or credit_note")
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        invariant=1,
        title=_printable(texts.title),
        author=PRODUCER,
        subject=_printable(f"{texts.case_number} {letter.case_number}"),
        creator=PRODUCER,
        producer=PRODUCER,
        lang=letter.language,
    )
    document.build(_story(letter, texts, reason))
    return buffer.getvalue()


def grouped_myropo_id(myropo_id: str) -> str:
    """``4KQ79XMP2D3H`` → ``4KQ7-9XMP-2D3H``."""
    return "-".join(
        myropo_id[start : start + MYROPO_ID_GROUP]
        for start in range(0, len(myropo_id), MYROPO_ID_GROUP)
    )


def _story(letter: RefundLetter, texts: _Texts, reason: str) -> list[Flowable]:
    url = letter.portal_url.rstrip("/") + PORTAL_PATH
    story: list[Flowable] = [_paragraph("MyRopo", _SENDER), _paragraph(texts.title, _TITLE)]
    if letter.recipient_name.strip():
        story.append(_paragraph(redact(letter.recipient_name.strip())))
    story += [
        Spacer(0, 3 * mm),
        _identifiers(letter, texts),
        Spacer(0, 5 * mm),
        _paragraph(reason),
        Spacer(0, 2 * mm),
        _amounts(letter, texts),
        _paragraph(texts.steps_heading, _HEADING),
    ]
    story += [
        _paragraph(f"{number}. {step.format(url=url)}")
        for number, step in enumerate(texts.steps, start=1)
    ]
    story += [Spacer(0, 3 * mm), _paragraph(texts.identification), _paragraph(texts.safety)]
    return story


def _identifiers(letter: RefundLetter, texts: _Texts) -> Table:
    """Case number and MyRopo ID large, as the recipient will type them."""
    rows = [
        [_printable(texts.case_number), _printable(letter.case_number)],
        [_printable(texts.myropo_id), _printable(grouped_myropo_id(letter.myropo_id))],
        [_printable(texts.date), _format_date(letter.opened_on)],
    ]
    table = Table(rows, colWidths=(55 * mm, 80 * mm), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), FONT, 10),
                ("FONT", (1, 0), (1, 1), BOLD, 15),
                ("FONT", (1, 2), (1, 2), FONT, 10),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _amounts(letter: RefundLetter, texts: _Texts) -> Table:
    rows: list[tuple[str, Money]] = [(texts.refundable_amount, letter.refundable_amount)]
    if not letter.handling_fee.is_zero():
        rows.append((texts.handling_fee, letter.handling_fee))
    rows.append((texts.payout_amount, letter.payout_amount))
    table = Table(
        [[_printable(label), _printable(amount.format(letter.language))] for label, amount in rows],
        colWidths=(80 * mm, 35 * mm),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("FONT", (0, -1), (-1, -1), BOLD, 11),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    return table


def _format_date(day: date) -> str:
    """``d.m.yyyy``, the form the portal uses in all three languages."""
    return f"{day.day}.{day.month}.{day.year}"


def _paragraph(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(_printable(text)), style)


def _printable(text: str) -> str:
    """``text`` in characters the standard fonts can draw: others folded to their base
    letter (``Łódź`` → ``Lodz``) or ``?``, control characters to spaces."""
    shown = []
    for character in unicodedata.normalize("NFC", text):
        if unicodedata.category(character) == "Cc":
            shown.append(" ")
            continue
        if _encodable(character):
            shown.append(character)
            continue
        if character in _SUBSTITUTES:
            shown.append(_SUBSTITUTES[character])
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", character)
            if not unicodedata.combining(part)
        )
        shown.append(base if base and _encodable(base) else "?")
    return "".join(shown)


def _encodable(text: str) -> bool:
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True
