"""The letter renderer port wired to the PDF module."""

from __future__ import annotations

from ropo_refund.adapters.letter_pdf import RefundLetter, render_refund_letter
from ropo_refund.service_layer.ports import LetterContent


class PdfLetters:
    """``LetterRenderer``: the refund letter as PDF."""

    def render(self, letter: LetterContent) -> bytes:
        return render_refund_letter(
            RefundLetter(
                case_number=letter.case_number,
                myropo_id=letter.myropo_id,
                recipient_name=letter.recipient_name,
                origin=letter.origin,
                refundable_amount=letter.refundable_amount,
                handling_fee=letter.handling_fee,
                payout_amount=letter.payout_amount,
                opened_on=letter.opened_on,
                portal_url=letter.portal_url,
                language=letter.language,
            )
        )
