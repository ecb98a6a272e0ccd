"""The invoice image (*Avaa lasku*) rendered from the invoice data, as a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, Spacer, Table, TableStyle
from ropo_platform.money import minor_units

from ropo_invoice.adapters.documents.layout import (
    BOLD,
    CELL_PADDING,
    CELL_STYLE,
    FONT,
    Fact,
    PdfMetadata,
    account_text,
    amounts_table,
    build_pdf,
    draw_address_window,
    draw_facts,
    draw_later_header,
    draw_sender_header,
    first_body_top,
    fitted,
    identifier_label,
    paragraph,
)
from ropo_invoice.adapters.documents.model import DocumentLine, InvoiceDocument, VatRateTotal
from ropo_invoice.adapters.documents.printable import printable
from ropo_invoice.adapters.documents.texts import (
    Labels,
    format_amount,
    format_date,
    format_decimal,
    format_percent,
    labels_for,
)
from ropo_invoice.adapters.documents.transfer_form import TransferForm, draw_transfer_form

_ROW_COLUMNS = (64 * mm, 20 * mm, 22 * mm, 14 * mm, 24 * mm, 26 * mm)
_VAT_COLUMNS = (50 * mm, 30 * mm, 30 * mm, 30 * mm)
_TOTAL_COLUMNS = (60 * mm, 35 * mm)
_RULE = colors.Color(0.75, 0.75, 0.75)
# A table row cannot break across pages, so a row must fit on one: about 40 lines
# of description, far beyond any real invoice row (Finvoice caps its row texts).
MAX_DESCRIPTION_CHARACTERS = 1500


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as an A4 PDF in ``doc.language``: header, address, facts, rows over
    as many pages as needed, VAT breakdown, totals and the bank transfer form with its
    barcode on the first page. The same ``doc`` always gives the same bytes."""
    labels = labels_for(doc.language)
    title = f"{labels.invoice_title} {doc.invoice_number}"
    facts = _facts(doc, labels)

    def first_page(canvas: Canvas, _document: BaseDocTemplate) -> None:
        draw_sender_header(canvas, doc.creditor, labels.invoice_title, labels)
        draw_address_window(canvas, doc.debtor)
        draw_facts(canvas, facts)
        draw_transfer_form(canvas, _transfer_form(doc, labels))

    def later_pages(canvas: Canvas, _document: BaseDocTemplate) -> None:
        draw_later_header(canvas, doc.creditor.name, title, labels)

    metadata = PdfMetadata(
        title=title,
        author=doc.creditor.name,
        subject=f"{title}, {labels.due_date} {format_date(doc.due_date)}",
        language=doc.language,
        creation_date=doc.issue_date,
    )
    return build_pdf(
        _story(doc, labels),
        metadata,
        first_page=first_page,
        later_pages=later_pages,
        body_top=first_body_top(len(facts)),
    )


def _facts(doc: InvoiceDocument, labels: Labels) -> list[Fact]:
    facts = [
        Fact(labels.issue_date, format_date(doc.issue_date)),
        Fact(labels.invoice_number, doc.invoice_number),
        Fact(labels.due_date, format_date(doc.due_date), emphasised=True),
        Fact(labels.reference, doc.reference),
        Fact(labels.case_number, doc.case_number),
        Fact(labels.myropo_id, doc.myropo_id),
    ]
    if doc.debtor.identifier is not None:
        facts.append(Fact(identifier_label(doc.debtor, labels), doc.debtor.identifier.value))
    if doc.status_text:
        facts.append(Fact(labels.status, doc.status_text))
    facts.append(Fact(labels.amount_due, doc.amount_due.format(doc.language), emphasised=True))
    return facts


def _transfer_form(doc: InvoiceDocument, labels: Labels) -> TransferForm:
    return TransferForm(
        language=doc.language,
        iban=doc.account.iban,
        bic=doc.account.bic,
        payee=doc.creditor,
        payer=doc.debtor,
        reference=doc.reference,
        due_date=doc.due_date,
        amount=doc.amount_due,
        barcode=doc.barcode,
        notes=(
            f"{labels.invoice_number} {doc.invoice_number}",
            f"{labels.myropo_id} {doc.myropo_id}",
        ),
    )


def _story(doc: InvoiceDocument, labels: Labels) -> list[Flowable]:
    story: list[Flowable] = []
    if doc.lines:
        story += [_rows_table(doc.lines, doc.language, labels), Spacer(0, 5 * mm)]
    closing: list[Flowable] = []
    vat_totals = doc.vat_totals
    if vat_totals:
        closing += [_vat_table(vat_totals, doc, labels), Spacer(0, 3 * mm)]
    closing += [_totals_table(doc, vat_totals, labels), Spacer(0, 4 * mm)]
    closing.append(paragraph(account_text(doc.account, labels)))
    story.append(KeepTogether(closing))
    return story


def _shortened(description: str) -> str:
    if len(description) <= MAX_DESCRIPTION_CHARACTERS:
        return description
    return description[:MAX_DESCRIPTION_CHARACTERS].rstrip() + "\u2026"


def _numbers(value: Decimal | None, language: str, min_decimals: int = 0) -> str:
    return "" if value is None else format_decimal(value, language, min_decimals)


def _rows_table(lines: Sequence[DocumentLine], language: str, labels: Labels) -> Table:
    header = [
        labels.description,
        labels.quantity,
        labels.unit_price,
        labels.vat_percent,
        labels.vat_excluded,
        labels.row_total,
    ]
    body: list[list[object]] = [[printable(text) for text in header]]
    for line in lines:
        decimals = minor_units(line.currency)
        quantity = _numbers(line.quantity, language)
        if quantity and line.unit.strip():
            quantity = f"{quantity} {line.unit.strip()}"
        body.append(
            [
                paragraph(_shortened(line.description), CELL_STYLE),
                fitted(quantity, _ROW_COLUMNS[1] - CELL_PADDING, FONT, 8.5),
                _numbers(line.unit_price, language, decimals),
                ""
                if line.vat_rate_percent is None
                else format_percent(line.vat_rate_percent, language),
                _numbers(line.net_amount, language, decimals),
                _numbers(line.shown_amount, language, decimals),
            ]
        )
    table = Table(body, colWidths=_ROW_COLUMNS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), FONT, 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, _RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _vat_table(vat_totals: Sequence[VatRateTotal], doc: InvoiceDocument, labels: Labels) -> Table:
    language, currency = doc.language, doc.currency
    body: list[list[object]] = [
        [labels.vat_breakdown, labels.vat_excluded, labels.vat, labels.total]
    ]
    for rate in vat_totals:
        body.append(
            [
                f"{labels.vat} {format_percent(rate.rate_percent, language)}",
                format_amount(rate.net, currency, language),
                format_amount(rate.vat, currency, language),
                format_amount(rate.gross, currency, language),
            ]
        )
    table = Table(
        [[printable(str(cell)) for cell in row] for row in body],
        colWidths=_VAT_COLUMNS,
        hAlign="RIGHT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), FONT, 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _totals_table(
    doc: InvoiceDocument, vat_totals: Sequence[VatRateTotal], labels: Labels
) -> Table:
    language, currency = doc.language, doc.currency
    rows: list[tuple[str, str]] = []
    if vat_totals:
        net = sum((rate.net for rate in vat_totals), Decimal(0))
        vat = sum((rate.vat for rate in vat_totals), Decimal(0))
        rows.append((labels.total_excluding_vat, format_amount(net, currency, language)))
        rows.append((labels.total_vat, format_amount(vat, currency, language)))
        total_label = labels.total_including_vat
    else:
        total_label = labels.total
    rows.append((total_label, doc.total_including_vat.format(language)))
    rows += [(row.label, row.amount.format(language)) for row in doc.adjustments]
    rows.append((labels.amount_due, doc.amount_due.format(language)))
    return amounts_table(rows, _TOTAL_COLUMNS, "RIGHT")
