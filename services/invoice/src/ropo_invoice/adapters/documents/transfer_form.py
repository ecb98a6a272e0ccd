"""The bank transfer form (*tilisiirtolomake*) at the bottom of the first page, with
the virtual bank barcode drawn as Code 128 and its digits printed under it.

The layout follows the Finnish standard form: labels in a narrow left column, the
payee's account, the payee and the payer on the left, reference, due date and amount
on the right, the barcode below. Finnish and Swedish documents label the form in both
national languages, as the standard form does; English ones in English.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from ropo_platform.money import Money, minor_units

from ropo_invoice.adapters.documents.layout import (
    BOLD,
    FONT,
    FORM_HEIGHT,
    PAGE_WIDTH,
    draw_text,
)
from ropo_invoice.adapters.documents.model import BARCODE_LENGTH, PartyBlock
from ropo_invoice.adapters.documents.printable import printable
from ropo_invoice.adapters.documents.texts import (
    Labels,
    form_second_labels,
    format_date,
    format_decimal,
    format_iban,
    labels_for,
)

# Code 128: 54 digits are 27 symbol characters of subset C; with start, check and stop
# the symbol is 332 modules, 99.6 mm at 0.3 mm, inside 6.4 mm quiet zones.
BARCODE_MODULE = 0.3 * mm
BARCODE_HEIGHT = 13 * mm
BARCODE_QUIET_ZONE = 6.4 * mm
BARCODE_LEFT = 14 * mm
BARCODE_BOTTOM = 13 * mm
CODE128_START_C = 105
_CODE128_SYMBOLS_FOR_54_DIGITS = 1 + BARCODE_LENGTH // 2 + 1 + 1  # start, pairs, check, stop

_LABEL_LEFT = 5 * mm
_VALUE_LEFT = 27 * mm
_MIDDLE = 111.4 * mm
_RIGHT_EDGE = PAGE_WIDTH - 5 * mm
_AMOUNT_DIVIDER = 160 * mm
# Tops of the form's rows, from the payee's account down to the bottom rule.
_ACCOUNT_TOP = FORM_HEIGHT - 4 * mm
_PAYEE_TOP = 84.7 * mm
_PAYER_TOP = 72.0 * mm
_REFERENCE_TOP = 50.8 * mm
_DUE_DATE_TOP = 42.3 * mm
_FORM_BOTTOM = 33.8 * mm
_LABEL_SIZE = 6
_LABEL_LEADING = 2.3 * mm
_LABEL_MAX_LINES = 4
_LEFT_VALUE_WIDTH = _MIDDLE - _VALUE_LEFT - 2 * mm
_RIGHT_LABEL_WIDTH = 24 * mm

LabelPair = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class TransferForm:
    """What the form shows; the barcode is empty when the payment has none."""

    language: str
    iban: str
    bic: str
    payee: PartyBlock
    payer: PartyBlock
    reference: str
    due_date: date
    amount: Money
    barcode: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _FormLabels:
    """The form's labels in the document's language, with the second national
    language under them on Finnish and Swedish documents."""

    main: Labels
    second: Labels | None

    @classmethod
    def of(cls, language: str) -> _FormLabels:
        return cls(labels_for(language), form_second_labels(language))

    def pair(self, pick: Callable[[Labels], str]) -> LabelPair:
        return pick(self.main), pick(self.second) if self.second is not None else None


def draw_transfer_form(canvas: Canvas, form: TransferForm) -> None:
    """Draw the whole form, barcode included, in the bottom 101.6 mm of the page."""
    labels = _FormLabels.of(form.language)
    canvas.saveState()
    canvas.setStrokeGray(0)
    canvas.setFillGray(0)
    _draw_grid(canvas)
    _draw_account(canvas, form, labels)
    _draw_parties(canvas, form, labels)
    _draw_payment(canvas, form, labels)
    if form.barcode:
        draw_barcode(canvas, form.barcode, BARCODE_LEFT, BARCODE_BOTTOM)
    canvas.restoreState()


def _draw_grid(canvas: Canvas) -> None:
    canvas.setLineWidth(0.4)
    canvas.setDash(2, 2)
    canvas.line(0, FORM_HEIGHT, PAGE_WIDTH, FORM_HEIGHT)  # where to cut the form off
    canvas.setDash()
    canvas.setLineWidth(0.8)
    for top in (_ACCOUNT_TOP, _REFERENCE_TOP, _DUE_DATE_TOP, _FORM_BOTTOM):
        canvas.line(_LABEL_LEFT, top, _RIGHT_EDGE, top)
    for top in (_PAYEE_TOP, _PAYER_TOP):
        canvas.line(_VALUE_LEFT - 1 * mm, top, _MIDDLE, top)
    canvas.line(_VALUE_LEFT - 1 * mm, _FORM_BOTTOM, _VALUE_LEFT - 1 * mm, _ACCOUNT_TOP)
    canvas.line(_MIDDLE, _FORM_BOTTOM, _MIDDLE, _ACCOUNT_TOP)
    canvas.line(_AMOUNT_DIVIDER, _FORM_BOTTOM, _AMOUNT_DIVIDER, _DUE_DATE_TOP)
    canvas.setLineWidth(0.4)
    signature_y = _REFERENCE_TOP - 6.5 * mm
    canvas.line(_VALUE_LEFT + 2 * mm, signature_y, _MIDDLE - 4 * mm, signature_y)


def _draw_label(
    canvas: Canvas,
    x: float,
    top: float,
    texts: LabelPair,
    width: float = _VALUE_LEFT - _LABEL_LEFT - 1 * mm,
) -> None:
    # Labels wrap rather than shrink: the form keeps one small size for all of them.
    primary, secondary = texts
    lines = simpleSplit(printable(primary), FONT, _LABEL_SIZE, width)
    if secondary and secondary != primary:
        lines += simpleSplit(printable(secondary), FONT, _LABEL_SIZE, width)
    y = top - 2.4 * mm
    for line in lines[:_LABEL_MAX_LINES]:
        draw_text(canvas, x, y, line, size=_LABEL_SIZE, max_width=width)
        y -= _LABEL_LEADING


def _draw_account(canvas: Canvas, form: TransferForm, labels: _FormLabels) -> None:
    top = _ACCOUNT_TOP
    _draw_label(canvas, _LABEL_LEFT, top, labels.pair(lambda t: t.form_payee_account))
    draw_text(canvas, _VALUE_LEFT, top - 3 * mm, "IBAN", size=6)
    draw_text(canvas, _VALUE_LEFT, top - 8 * mm, format_iban(form.iban), font=BOLD, size=10)
    if form.bic:
        draw_text(canvas, 82 * mm, top - 3 * mm, labels.main.bic, size=6)
        draw_text(canvas, 82 * mm, top - 8 * mm, form.bic, font=BOLD, size=10)
    y = top - 4 * mm
    for note in form.notes[:4]:
        draw_text(
            canvas, _MIDDLE + 3 * mm, y, note, size=8, max_width=_RIGHT_EDGE - _MIDDLE - 4 * mm
        )
        y -= 4 * mm


def _draw_parties(canvas: Canvas, form: TransferForm, labels: _FormLabels) -> None:
    _draw_label(canvas, _LABEL_LEFT, _PAYEE_TOP, labels.pair(lambda t: t.form_payee))
    draw_text(
        canvas,
        _VALUE_LEFT,
        _PAYEE_TOP - 4.5 * mm,
        form.payee.name,
        font=BOLD,
        size=9,
        max_width=_LEFT_VALUE_WIDTH,
    )
    payee_address = ", ".join(form.payee.postal_lines)
    if payee_address:
        draw_text(
            canvas,
            _VALUE_LEFT,
            _PAYEE_TOP - 8.5 * mm,
            payee_address,
            size=7.5,
            max_width=_LEFT_VALUE_WIDTH,
        )
    _draw_label(canvas, _LABEL_LEFT, _PAYER_TOP, labels.pair(lambda t: t.form_payer))
    y = _PAYER_TOP - 4.5 * mm
    for line in (form.payer.name, *form.payer.postal_lines)[:5]:
        draw_text(canvas, _VALUE_LEFT, y, line, size=9, max_width=_LEFT_VALUE_WIDTH)
        y -= 3.8 * mm
    _draw_label(canvas, _LABEL_LEFT, _REFERENCE_TOP, labels.pair(lambda t: t.form_signature))
    _draw_label(canvas, _LABEL_LEFT, _DUE_DATE_TOP, labels.pair(lambda t: t.form_from_account))


def _draw_payment(canvas: Canvas, form: TransferForm, labels: _FormLabels) -> None:
    label_left = _MIDDLE + 2 * mm
    _draw_label(
        canvas,
        label_left,
        _REFERENCE_TOP,
        labels.pair(lambda t: t.form_reference),
        _RIGHT_LABEL_WIDTH,
    )
    draw_text(
        canvas,
        _MIDDLE + 28 * mm,
        _REFERENCE_TOP - 5.5 * mm,
        form.reference,
        font=BOLD,
        size=10,
        max_width=_RIGHT_EDGE - _MIDDLE - 30 * mm,
    )
    _draw_label(
        canvas,
        label_left,
        _DUE_DATE_TOP,
        labels.pair(lambda t: t.form_due_date),
        _RIGHT_LABEL_WIDTH,
    )
    draw_text(
        canvas,
        _MIDDLE + 24 * mm,
        _DUE_DATE_TOP - 5.5 * mm,
        format_date(form.due_date),
        font=BOLD,
        size=10,
    )
    currency = form.amount.currency
    amount_label = labels.pair(lambda t: t.form_euro) if currency == "EUR" else (currency, None)
    _draw_label(canvas, _AMOUNT_DIVIDER + 1.5 * mm, _DUE_DATE_TOP, amount_label, 12 * mm)
    # The box is labelled with the currency, so the figure stands without its sign.
    amount = format_decimal(form.amount.amount, form.language, minor_units(currency))
    draw_text(
        canvas,
        _RIGHT_EDGE - 2 * mm,
        _DUE_DATE_TOP - 5.5 * mm,
        amount,
        font=BOLD,
        size=10,
        align_right=True,
    )


def code128_symbol(digits: str) -> Code128:
    """The Code 128 symbol of the 54 barcode digits, checked to be subset C throughout
    (start C, two digits per symbol character) as the bank barcode guide requires."""
    symbol = Code128(
        digits,
        barWidth=BARCODE_MODULE,
        barHeight=BARCODE_HEIGHT,
        quiet=1,
        lquiet=BARCODE_QUIET_ZONE,
        rquiet=BARCODE_QUIET_ZONE,
        humanReadable=0,
    )
    symbol.validate()
    encoded = symbol.encode()
    if encoded[0] != CODE128_START_C or len(encoded) != _CODE128_SYMBOLS_FOR_54_DIGITS:
        raise RuntimeError("the barcode was not encoded in Code 128 subset C")
    return symbol


def draw_barcode(canvas: Canvas, digits: str, x: float, y: float) -> None:
    """The barcode symbol with its lower-left corner (quiet zone included) at x, y,
    and the digits in plain text under the bars."""
    code128_symbol(digits).drawOn(canvas, x, y)
    draw_text(canvas, x + BARCODE_QUIET_ZONE, y - 4 * mm, digits, size=8)
