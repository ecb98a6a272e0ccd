"""Render the letters an invoice gained in a unit of work, keep them as sent and
deliver them.

Collection letters, payment-time confirmations and payment-plan reminders are all
drawn when issued and stored with the case (``DocumentKind.LETTER``), so that the
letter fetched later is exactly the one sent. Each also gets its delivery in the
message centre (paper or electronic by the recipient's consent, with the e-mail
for an electronic one) in the same transaction.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from ropo_invoice.domain.letters import Letter
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer.message_centre import deliver_letter
from ropo_invoice.service_layer.ports import DocumentKind, StoredDocument
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork

PDF = "application/pdf"


class LetterRenderer(Protocol):
    """Port: draws a letter (an adapter implements it with a PDF library)."""

    def render_letter(self, invoice: Invoice, letter: Letter) -> bytes:
        """The letter as a PDF in the debtor's language."""
        ...


def letter_ids(invoice: Invoice) -> frozenset[str]:
    """The ids of the letters ``invoice`` has now (taken before a change)."""
    return frozenset(letter.id for letter in invoice.letters)


async def keep_new_letters(
    uow: AbstractUnitOfWork,
    renderer: LetterRenderer,
    invoice: Invoice,
    before: frozenset[str],
    now: datetime,
) -> list[Letter]:
    """Render, store and deliver every letter of ``invoice`` not in ``before``; returns
    them."""
    new = [letter for letter in invoice.letters if letter.id not in before]
    for letter in new:
        # Drawing takes milliseconds of CPU: off the event loop.
        content = await asyncio.to_thread(renderer.render_letter, invoice, letter)
        uow.documents.add(
            StoredDocument(
                invoice_id=invoice.id,
                kind=DocumentKind.LETTER,
                media_type=PDF,
                content=content,
                created_at=now,
                letter_id=letter.id,
            )
        )
        await deliver_letter(uow, invoice, letter, now)
    return new
