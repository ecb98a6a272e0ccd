"""Page geometry and drawing shared by invoices and letters.

A4 portrait. The first page carries the sender header, the recipient's address in
the window position of a C5/C65 window envelope (20 mm from the left, 45 mm from the
top), the facts box on the right and the bank transfer form in the bottom 101.6 mm
(the standard Finnish form height); body text flows in the space between and
continues on later pages, which have a slim header only.

All text goes through ``printable`` before it is drawn, so every helper here is
safe for any input string.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from ropo_invoice.adapters.documents.model import IdentifierKind, PartyBlock, PaymentAccount
from ropo_invoice.adapters.documents.printable import printable
from ropo_invoice.adapters.documents.texts import Labels, format_iban

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 20 * mm
RIGHT = PAGE_WIDTH - 20 * mm
CONTENT_WIDTH = RIGHT - LEFT
FORM_HEIGHT = 101.6 * mm

ADDRESS_LEFT = 20 * mm
ADDRESS_TOP = PAGE_HEIGHT - 45 * mm
ADDRESS_WIDTH = 85 * mm
ADDRESS_MAX_LINES = 7
ADDRESS_LEADING = 4.6 * mm

FACTS_LEFT = 110 * mm
FACTS_VALUE_LEFT = 150 * mm
FACTS_TOP = PAGE_HEIGHT - 38 * mm
FACTS_ROW = 4.4 * mm

FIRST_BODY_TOP = PAGE_HEIGHT - 92 * mm
FIRST_BODY_BOTTOM = FORM_HEIGHT + 6 * mm
LATER_BODY_TOP = PAGE_HEIGHT - 25 * mm
LATER_BODY_BOTTOM = 18 * mm

TITLE_SIZE = 15.0
MIN_TITLE_SIZE = 9.0
PAGE_COUNT_FORM = "pageCount"
PAGE_NUMBER_LEFT = 170 * mm
PRODUCER = "MyRopo"
ELLIPSIS = "\u2026"

BODY_STYLE = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=3)
HEADING_STYLE = ParagraphStyle(
    "heading", fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2
)
CELL_STYLE = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10.5)

CELL_PADDING = 12  # points of left and right padding in a table cell, together

PagePainter = Callable[[Canvas, BaseDocTemplate], None]


# ------------------------------------------------------------------------------ text


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    # Binary search on the kept length: a pathological input (a whole file pasted
    # into a name) must not cost quadratic time.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def fitted(text: str, width: float, font: str = FONT, size: float = 9) -> str:
    """Printable ``text`` shortened to ``width``, for table cells that do not wrap."""
    return fit_text(printable(text), font, size, width)


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    *,
    font: str = FONT,
    size: float = 9,
    max_width: float | None = None,
    align_right: bool = False,
) -> None:
    """Draw one line of text made printable (and shortened to ``max_width``)."""
    shown = printable(text)
    if max_width is not None:
        shown = fit_text(shown, font, size, max_width)
    canvas.setFont(font, size)
    if align_right:
        canvas.drawRightString(x, y, shown)
    else:
        canvas.drawString(x, y, shown)


def paragraph(text: str, style: ParagraphStyle = BODY_STYLE) -> Paragraph:
    """A flowing paragraph of plain text (made printable, markup characters escaped)."""
    return Paragraph(escape(printable(text)), style)


def identifier_label(party: PartyBlock, labels: Labels) -> str:
    """*Y-tunnus* or *Henkilötunnus* (in the document's language) for the party's identifier."""
    if party.identifier is None:
        return ""
    if party.identifier.kind is IdentifierKind.BUSINESS_ID:
        return labels.business_id
    return labels.personal_id


def account_text(account: PaymentAccount, labels: Labels) -> str:
    """``Saajan tilinumero (IBAN): FI21 1234 5600 0007 85, BIC: NDEAFIHH``."""
    text = f"{labels.payee_account}: {format_iban(account.iban)}"
    if account.bic:
        text += f", {labels.bic}: {account.bic}"
    return text


def amounts_table(
    rows: Sequence[tuple[str, str]], widths: tuple[float, float], align: str
) -> Table:
    """Label and amount per row, the last row (the sum to pay) bold under a rule.
    Labels are cut to their column: these cells do not wrap."""
    label_width = widths[0] - CELL_PADDING
    table = Table(
        [[fitted(label, label_width, BOLD, 10), printable(amount)] for label, amount in rows],
        colWidths=widths,
        hAlign=align,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("FONT", (0, -1), (-1, -1), BOLD, 10),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


# --------------------------------------------------------------------------- page parts


@dataclass(frozen=True, slots=True)
class Fact:
    """One row of the facts box."""

    label: str
    value: str
    emphasised: bool = False


def draw_sender_header(canvas: Canvas, sender: PartyBlock, title: str, labels: Labels) -> None:
    """First-page header: the sender with address and business ID, the title and page."""
    y = PAGE_HEIGHT - 18 * mm
    draw_text(canvas, LEFT, y, sender.name, font=BOLD, size=11, max_width=85 * mm)
    details = list(sender.postal_lines)
    if sender.identifier is not None:
        details.append(f"{identifier_label(sender, labels)} {sender.identifier.value}")
    for line in details[:4]:
        y -= 3.6 * mm
        draw_text(canvas, LEFT, y, line, size=8, max_width=85 * mm)
    draw_page_number(canvas, PAGE_HEIGHT - 12 * mm, labels)
    shown_title = printable(title)
    size = fitting_size(shown_title, BOLD, TITLE_SIZE, RIGHT - FACTS_LEFT)
    draw_text(
        canvas,
        FACTS_LEFT,
        PAGE_HEIGHT - 22 * mm,
        shown_title,
        font=BOLD,
        size=size,
        max_width=RIGHT - FACTS_LEFT,
    )


def fitting_size(text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` (at least ``MIN_TITLE_SIZE``) at which ``text``
    fits ``width``: long titles shrink rather than lose words."""
    natural = float(stringWidth(text, font, size))
    if natural <= width:
        return size
    return max(MIN_TITLE_SIZE, size * width / natural)


def draw_later_header(canvas: Canvas, sender_name: str, heading: str, labels: Labels) -> None:
    """Header of the continuation pages: sender, document and page number."""
    y = PAGE_HEIGHT - 15 * mm
    draw_text(canvas, LEFT, y, sender_name, font=BOLD, size=9, max_width=85 * mm)
    draw_text(
        canvas, FACTS_LEFT, y, heading, size=9, max_width=PAGE_NUMBER_LEFT - FACTS_LEFT - 2 * mm
    )
    draw_page_number(canvas, y, labels)
    canvas.setLineWidth(0.5)
    canvas.line(LEFT, y - 3 * mm, RIGHT, y - 3 * mm)


def draw_page_number(canvas: Canvas, y: float, labels: Labels) -> None:
    """``Sivu 2/3``; the total is a form XObject filled in when the document is saved."""
    text = f"{labels.page} {canvas.getPageNumber()}/"
    draw_text(canvas, PAGE_NUMBER_LEFT, y, text, size=8)
    canvas.saveState()
    canvas.translate(PAGE_NUMBER_LEFT + stringWidth(printable(text), FONT, 8), y)
    canvas.doForm(PAGE_COUNT_FORM)
    canvas.restoreState()


def draw_address_window(canvas: Canvas, party: PartyBlock) -> None:
    """The recipient's name and postal address where the envelope window shows it."""
    lines = (party.name, *party.postal_lines)[:ADDRESS_MAX_LINES]
    y = ADDRESS_TOP - 4 * mm
    for line in lines:
        draw_text(canvas, ADDRESS_LEFT, y, line, size=10, max_width=ADDRESS_WIDTH)
        y -= ADDRESS_LEADING


def facts_bottom(count: int) -> float:
    """Lowest point of a facts box with ``count`` rows."""
    return float(FACTS_TOP - 2 * mm - count * FACTS_ROW)


def first_body_top(fact_count: int) -> float:
    """Where the first page's body starts: below the address window and the facts box."""
    return float(min(facts_bottom(fact_count) - 5 * mm, FIRST_BODY_TOP))


def draw_facts(canvas: Canvas, facts: Sequence[Fact]) -> None:
    """The facts box: label on the left, value on the right, one row each."""
    y = FACTS_TOP - 4 * mm
    for fact in facts:
        font = BOLD if fact.emphasised else FONT
        draw_text(
            canvas,
            FACTS_LEFT,
            y,
            fact.label,
            font=font,
            size=8,
            max_width=FACTS_VALUE_LEFT - FACTS_LEFT - 2 * mm,
        )
        draw_text(
            canvas,
            FACTS_VALUE_LEFT,
            y,
            fact.value,
            font=font,
            size=9,
            max_width=RIGHT - FACTS_VALUE_LEFT,
        )
        y -= FACTS_ROW
    canvas.setLineWidth(0.4)
    canvas.setStrokeGray(0.6)
    canvas.roundRect(
        FACTS_LEFT - 2 * mm,
        facts_bottom(len(facts)),
        RIGHT - FACTS_LEFT + 4 * mm,
        FACTS_TOP - facts_bottom(len(facts)),
        1.5 * mm,
        stroke=1,
        fill=0,
    )
    canvas.setStrokeGray(0)


# ------------------------------------------------------------------------- the file


class _DocumentCanvas(Canvas):  # type: ignore[misc]
    """A canvas whose output depends only on the document.

    Invariant mode fixes the file ID; the creation date is the document's own date
    rather than the rendering time; and the total page count, unknown while pages are
    drawn, is written once into a form XObject every page refers to.
    """

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


@dataclass(frozen=True, slots=True)
class PdfMetadata:
    """What the PDF says about itself (document properties)."""

    title: str
    author: str
    subject: str
    language: str
    creation_date: date


def build_pdf(
    story: Iterable[Flowable],
    metadata: PdfMetadata,
    *,
    first_page: PagePainter,
    later_pages: PagePainter,
    body_top: float = FIRST_BODY_TOP,
) -> bytes:
    """Lay ``story`` out on the first page's body frame and as many later pages as
    needed, with the painters drawing each page's fixed parts; returns the PDF bytes."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        title=printable(metadata.title),
        author=printable(metadata.author),
        subject=printable(metadata.subject),
        creator=PRODUCER,
        producer=PRODUCER,
        lang=metadata.language,
        displayDocTitle=1,
    )
    padding = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    first_frame = Frame(
        LEFT,
        FIRST_BODY_BOTTOM,
        CONTENT_WIDTH,
        body_top - FIRST_BODY_BOTTOM,
        id="first-body",
        **padding,
    )
    later_frame = Frame(
        LEFT,
        LATER_BODY_BOTTOM,
        CONTENT_WIDTH,
        LATER_BODY_TOP - LATER_BODY_BOTTOM,
        id="later-body",
        **padding,
    )
    document.addPageTemplates(
        [
            PageTemplate(
                id="first", frames=[first_frame], onPage=first_page, autoNextPageTemplate="later"
            ),
            PageTemplate(id="later", frames=[later_frame], onPage=later_pages),
        ]
    )
    document.build(
        list(story), canvasmaker=partial(_DocumentCanvas, creation_date=metadata.creation_date)
    )
    return buffer.getvalue()
