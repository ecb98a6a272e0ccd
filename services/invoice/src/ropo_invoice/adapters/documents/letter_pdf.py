"""Collection letters as PDF: payment reminder, payment demand and payment-monitoring
letter, each with its itemised amounts, pay-by date, explanation and transfer form."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, Spacer, Table

from ropo_invoice.adapters.documents.layout import (
    HEADING_STYLE,
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
    identifier_label,
    paragraph,
)
from ropo_invoice.adapters.documents.model import LetterDocument, LetterKind
from ropo_invoice.adapters.documents.texts import (
    Labels,
    format_date,
    labels_for,
)
from ropo_invoice.adapters.documents.transfer_form import TransferForm, draw_transfer_form

_AMOUNT_COLUMNS = (100 * mm, 35 * mm)

_TITLES: dict[LetterKind, Callable[[Labels], str]] = {
    LetterKind.REMINDER: lambda labels: labels.reminder_title,
    LetterKind.PAYMENT_DEMAND: lambda labels: labels.payment_demand_title,
    LetterKind.PAYMENT_MONITORING_LETTER: lambda labels: labels.payment_monitoring_letter_title,
}
# Payment-time letters: their intro comes from ``LetterDocument.intro``.
_PAYMENT_TIME_TITLES: dict[LetterKind, dict[str, str]] = {
    LetterKind.PAYMENT_TIME_CONFIRMATION: {
        "fi": "Vahvistus maksuajasta",
        "sv": "Bekräftelse av betalningstid",
        "en": "Payment time confirmation",
    },
    LetterKind.PAYMENT_PLAN_REMINDER: {
        "fi": "Muistutus maksusuunnitelman erästä",
        "sv": "Påminnelse om betalningsplanens rat",
        "en": "Payment plan instalment reminder",
    },
}


def _title(kind: LetterKind, language: str, labels: Labels) -> str:
    if kind in _PAYMENT_TIME_TITLES:
        return _PAYMENT_TIME_TITLES[kind][language]
    return _TITLES[kind](labels)


_INTROS: dict[LetterKind, Callable[[Labels], str]] = {
    LetterKind.REMINDER: lambda labels: labels.reminder_intro,
    LetterKind.PAYMENT_DEMAND: lambda labels: labels.payment_demand_intro,
    LetterKind.PAYMENT_MONITORING_LETTER: lambda labels: labels.payment_monitoring_intro,
}


def letter_title(kind: LetterKind, language: str) -> str:
    """*Maksumuistutus*, *Maksuvaatimus* or *Maksuvalvontakirje* in ``language``."""
    return _title(kind, language, labels_for(language))


def render_letter_pdf(doc: LetterDocument) -> bytes:
    """The letter as an A4 PDF in ``doc.language``; the same ``doc`` gives the same bytes."""
    labels = labels_for(doc.language)
    title = _title(doc.kind, doc.language, labels)
    sender = doc.sender or doc.creditor
    facts = _facts(doc, labels)

    def first_page(canvas: Canvas, _document: BaseDocTemplate) -> None:
        draw_sender_header(canvas, sender, title, labels)
        draw_address_window(canvas, doc.debtor)
        draw_facts(canvas, facts)
        draw_transfer_form(canvas, _transfer_form(doc, labels))

    def later_pages(canvas: Canvas, _document: BaseDocTemplate) -> None:
        draw_later_header(
            canvas, sender.name, f"{title}, {labels.invoice_number} {doc.invoice_number}", labels
        )

    metadata = PdfMetadata(
        title=f"{title}, {labels.invoice_number} {doc.invoice_number}",
        author=doc.creditor.name,
        subject=f"{title}, {labels.pay_by} {format_date(doc.pay_by_date)}",
        language=doc.language,
        creation_date=doc.letter_date,
    )
    return build_pdf(
        _story(doc, labels),
        metadata,
        first_page=first_page,
        later_pages=later_pages,
        body_top=first_body_top(len(facts)),
    )


def _facts(doc: LetterDocument, labels: Labels) -> list[Fact]:
    facts = [
        Fact(labels.letter_date, format_date(doc.letter_date)),
        Fact(labels.letter_sequence, str(doc.sequence_number)),
    ]
    if doc.sender is not None:
        facts.append(Fact(labels.creditor, doc.creditor.name))
    facts += [
        Fact(labels.invoice_number, doc.invoice_number),
        Fact(labels.original_due_date, format_date(doc.original_due_date)),
        Fact(labels.reference, doc.reference),
        Fact(labels.case_number, doc.case_number),
        Fact(labels.myropo_id, doc.myropo_id),
    ]
    if doc.debtor.identifier is not None:
        facts.append(Fact(identifier_label(doc.debtor, labels), doc.debtor.identifier.value))
    facts += [
        Fact(labels.pay_by, format_date(doc.pay_by_date), emphasised=True),
        Fact(labels.total_to_pay, doc.total_to_pay.format(doc.language), emphasised=True),
    ]
    return facts


def _transfer_form(doc: LetterDocument, labels: Labels) -> TransferForm:
    return TransferForm(
        language=doc.language,
        iban=doc.account.iban,
        bic=doc.account.bic,
        payee=doc.sender or doc.creditor,
        payer=doc.debtor,
        reference=doc.reference,
        due_date=doc.pay_by_date,
        amount=doc.total_to_pay,
        barcode=doc.barcode,
        notes=(
            f"{labels.invoice_number} {doc.invoice_number}",
            f"{labels.case_number} {doc.case_number}",
            f"{labels.myropo_id} {doc.myropo_id}",
        ),
    )


def _story(doc: LetterDocument, labels: Labels) -> list[Flowable]:
    pay_by = format_date(doc.pay_by_date)
    story: list[Flowable] = [
        paragraph(doc.intro or _INTROS[doc.kind](labels).format(pay_by=pay_by)),
        Spacer(0, 4 * mm),
        _amounts_table(doc, labels),
        Spacer(0, 4 * mm),
    ]
    account = account_text(doc.account, labels)
    story.append(paragraph(f"{account}. {labels.reference}: {doc.reference}."))
    if doc.explanation.strip():
        story.append(
            KeepTogether(
                [paragraph(labels.explanation_heading, HEADING_STYLE), paragraph(doc.explanation)]
            )
        )
    notices = [labels.already_paid_notice]
    if doc.kind is LetterKind.PAYMENT_DEMAND:
        notices.append(labels.dispute_notice)
    notices.append(labels.myropo_notice)
    story += [Spacer(0, 3 * mm), *(paragraph(notice) for notice in notices)]
    return story


def _amounts_table(doc: LetterDocument, labels: Labels) -> Table:
    rows = [(item.label, item.amount.format(doc.language)) for item in doc.items]
    rows.append((labels.total_to_pay, doc.total_to_pay.format(doc.language)))
    return amounts_table(rows, _AMOUNT_COLUMNS, "LEFT")
