"""A message from customer service (e.g. the outcome of a dispute) as a PDF letter.

It carries the agent's words, not figures to pay: no itemised amounts, no pay-by
date and no transfer form, only the open amount after the decision for reference.
The words are printed as typed (paragraphs on blank lines, markup escaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Spacer
from ropo_platform.money import Money

from ropo_invoice.adapters.documents.layout import (
    Fact,
    PdfMetadata,
    build_pdf,
    draw_address_window,
    draw_facts,
    draw_later_header,
    draw_sender_header,
    first_body_top,
    paragraph,
)
from ropo_invoice.adapters.documents.model import DocumentDataError, PartyBlock
from ropo_invoice.adapters.documents.texts import SUPPORTED_LANGUAGES, format_date, labels_for

MESSAGE_TITLES = MappingProxyType(
    {
        "fi": "Asiakaspalvelun viesti",
        "sv": "Meddelande från kundtjänsten",
        "en": "Message from customer service",
    }
)
_OPEN_NOW = MappingProxyType({"fi": "Avoinna nyt", "sv": "Öppet nu", "en": "Open now"})


@dataclass(frozen=True, slots=True)
class MessageDocument:
    """Everything printed on a customer-service message."""

    language: str
    letter_date: date
    creditor: PartyBlock
    debtor: PartyBlock
    invoice_number: str
    case_number: str
    myropo_id: str
    body: str
    open_amount: Money

    def __post_init__(self) -> None:
        if self.language not in SUPPORTED_LANGUAGES:
            raise DocumentDataError("language", "is not one of fi, sv, en")
        if not self.body.strip():
            raise DocumentDataError("body", "is empty")
        if not self.invoice_number.strip():
            raise DocumentDataError("invoice_number", "is empty")


def render_message_pdf(doc: MessageDocument) -> bytes:
    """The message as an A4 PDF in ``doc.language``; the same ``doc`` gives the same bytes."""
    labels = labels_for(doc.language)
    title = MESSAGE_TITLES[doc.language]
    facts = [
        Fact(labels.letter_date, format_date(doc.letter_date)),
        Fact(labels.creditor, doc.creditor.name),
        Fact(labels.invoice_number, doc.invoice_number),
        Fact(labels.case_number, doc.case_number),
        Fact(labels.myropo_id, doc.myropo_id),
        Fact(_OPEN_NOW[doc.language], doc.open_amount.format(doc.language), emphasised=True),
    ]

    def first_page(canvas: Canvas, _document: BaseDocTemplate) -> None:
        draw_sender_header(canvas, doc.creditor, title, labels)
        draw_address_window(canvas, doc.debtor)
        draw_facts(canvas, facts)

    def later_pages(canvas: Canvas, _document: BaseDocTemplate) -> None:
        heading = f"{title}, {labels.invoice_number} {doc.invoice_number}"
        draw_later_header(canvas, doc.creditor.name, heading, labels)

    metadata = PdfMetadata(
        title=f"{title}, {labels.invoice_number} {doc.invoice_number}",
        author=doc.creditor.name,
        subject=title,
        language=doc.language,
        creation_date=doc.letter_date,
    )
    return build_pdf(
        _story(doc),
        metadata,
        first_page=first_page,
        later_pages=later_pages,
        body_top=first_body_top(len(facts)),
    )


def _story(doc: MessageDocument) -> list[Flowable]:
    story: list[Flowable] = []
    for block in doc.body.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        story += [paragraph(line) for line in lines]
        if lines:
            story.append(Spacer(0, 2 * mm))
    story += [Spacer(0, 3 * mm), paragraph(labels_for(doc.language).myropo_notice)]
    return story
