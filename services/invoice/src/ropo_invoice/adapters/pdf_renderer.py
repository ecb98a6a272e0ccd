"""The invoice aggregate → the PDF documents adapter (``adapters.documents``).

Implements the service layer's ``InvoiceRenderer`` and ``LetterRenderer`` ports:
it decides what an invoice image and a letter show (amounts derived from the
ledger, the virtual bank barcode of what is open now, the masked identifier
only) and leaves the drawing to ``render_invoice_pdf``/``render_letter_pdf``.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

from ropo_platform.money import Money

from ropo_invoice.adapters.documents import (
    AmountRow,
    DocumentLine,
    InvoiceDocument,
    LetterDocument,
    LetterKind,
    PartyBlock,
    PartyIdentifier,
    PaymentAccount,
    render_invoice_pdf,
    render_letter_pdf,
)
from ropo_invoice.adapters.documents.message_pdf import MessageDocument, render_message_pdf
from ropo_invoice.adapters.documents.texts import format_date
from ropo_invoice.adapters.payment_time_letters import (
    is_payment_time_letter,
    payment_time_parts,
)
from ropo_invoice.domain.barcode import virtual_bank_barcode
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.ledger import ComponentType, component_label
from ropo_invoice.domain.letters import Letter, LetterType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import DebtorKind, Language

_PAID = {Language.FI: "Maksettu", Language.SV: "Betalt", Language.EN: "Paid"}
_CREDITED = {Language.FI: "Hyvitetty", Language.SV: "Krediterat", Language.EN: "Credited"}

# How interest and costs were calculated (Debt Collection Act §4 a: the debtor has
# a right to know). {margin} is 7 (consumer) or 8 (company) percentage points.
_EXPLANATION: MappingProxyType[Language, str] = MappingProxyType(
    {
        Language.FI: (
            "Viivästyskorko lasketaan erääntyneelle pääomalle eräpäivää seuraavasta päivästä "
            "alkaen korkolain mukaan: viitekorko + {margin} prosenttiyksikköä, todellisten "
            "päivien mukaan (365 tai 366 päivää vuodessa). Perintäkulut ovat enintään "
            "saatavien perinnästä annetun lain sallimat."
        ),
        Language.SV: (
            "Dröjsmålsränta beräknas på förfallet kapital från dagen efter förfallodagen "
            "enligt räntelagen: referensränta + {margin} procentenheter, enligt faktiska "
            "dagar (365 eller 366 dagar per år). Indrivningskostnaderna är högst de som "
            "lagen om indrivning av fordringar tillåter."
        ),
        Language.EN: (
            "Penalty interest runs on the overdue capital from the day after the due date "
            "under the Interest Act: the reference rate + {margin} percentage points, by "
            "actual days (365 or 366 a year). Collection costs are at most what the Debt "
            "Collection Act allows."
        ),
    }
)


# The payment-monitoring letter names the judgment it follows (court, case number, date).
_MONITORING_INTRO: MappingProxyType[Language, str] = MappingProxyType(
    {
        Language.FI: (
            "Saatavasta on annettu tuomioistuimen ratkaisu {date} ({reference}), ja saatava on "
            "nyt maksuvalvonnassa. Pyydämme maksamaan alla eritellyn summan viimeistään "
            "{pay_by}. Jos summaa ei makseta, saatava voidaan hakea ulosottoon tuomion "
            "perusteella."
        ),
        Language.SV: (
            "Fordran har fastställts genom domstolens avgörande {date} ({reference}) och står "
            "nu under betalningsövervakning. Vi ber dig betala det specificerade beloppet "
            "senast {pay_by}. Om beloppet inte betalas kan fordran sökas i utsökning med stöd "
            "av avgörandet."
        ),
        Language.EN: (
            "A court gave its judgment on the claim on {date} ({reference}), and the claim is "
            "now under payment monitoring. Please pay the amount itemised below by {pay_by}. "
            "If it is not paid, the claim may be sent for enforcement on the basis of the "
            "judgment."
        ),
    }
)


class PdfRenderer:
    """Draws invoice images and letters as PDF."""

    def render_invoice(self, invoice: Invoice, language: Language) -> bytes:
        """The invoice image in ``language``: rows as sent, amounts as they stand now."""
        return render_invoice_pdf(invoice_document(invoice, language))

    def render_letter(self, invoice: Invoice, letter: Letter) -> bytes:
        """A letter in the debtor's language, as of its issue."""
        if letter.type is LetterType.CUSTOMER_SERVICE_MESSAGE:
            return render_message_pdf(message_document(invoice, letter))
        return render_letter_pdf(letter_document(invoice, letter))


def invoice_document(invoice: Invoice, language: Language) -> InvoiceDocument:
    """What the invoice image shows."""
    ledger = invoice.ledger
    adjustments = [
        AmountRow(component_label(component.type, language), component.amount)
        for component in ledger.components
        if component.type is not ComponentType.CAPITAL
    ]
    if ledger.paid_amount.is_positive():
        adjustments.append(AmountRow(_PAID[language], -ledger.paid_amount))
    if ledger.credited_amount.is_positive():
        adjustments.append(AmountRow(_CREDITED[language], -ledger.credited_amount))
    return InvoiceDocument(
        language=language.value,
        creditor=PartyBlock(invoice.creditor_name),
        account=_account(invoice),
        debtor=_debtor(invoice),
        invoice_number=invoice.invoice_number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        reference=invoice.reference.printed,
        case_number=invoice.case_number.printed,
        myropo_id=invoice.myropo_id.printed,
        total_including_vat=ledger.capital,
        amount_due=ledger.open_amount,
        status_text=invoice.display_status(language),
        lines=tuple(
            DocumentLine(
                description=line.description,
                currency=line.currency,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_rate_percent=line.vat_rate_percent,
                net_amount=line.net_amount,
                vat_amount=line.vat_amount,
                gross_amount=line.gross_amount,
            )
            for line in invoice.lines
        ),
        adjustments=tuple(adjustments),
        barcode=_barcode(invoice, ledger.open_amount, invoice.due_date),
    )


def letter_document(invoice: Invoice, letter: Letter) -> LetterDocument:
    """What a letter shows: every open component and how they were calculated.

    Payment-time letters show the extension's new date and fee, the plan's schedule
    or the missed instalment instead (``payment_time_letters``).
    """
    language = invoice.debtor.language
    items = tuple(
        AmountRow(component_label(component.type, language), component.open_amount)
        for component in invoice.ledger.components
        if component.open_amount.is_positive()
    )
    kind, intro, explanation = LetterKind(letter.type.value), "", ""
    barcode_wanted = True
    if is_payment_time_letter(letter):
        parts = payment_time_parts(invoice, letter)
        kind, intro = parts.kind, parts.intro
        if parts.rows is not None:
            # An instalment or a schedule is not the open total: no barcode for it.
            items, barcode_wanted = parts.rows, False
    else:
        margin = "7" if invoice.debtor.kind is DebtorKind.PERSON else "8"
        explanation = _EXPLANATION[language].format(margin=margin)
        intro = _monitoring_intro(invoice, letter)
    total = Money.sum((item.amount for item in items), invoice.currency)
    return LetterDocument(
        language=language.value,
        kind=kind,
        letter_date=letter.issued_on,
        pay_by_date=letter.due_date,
        sequence_number=letter.sequence,
        creditor=PartyBlock(invoice.creditor_name),
        debtor=_debtor(invoice),
        account=_account(invoice),
        invoice_number=invoice.invoice_number,
        original_due_date=invoice.original_due_date,
        reference=invoice.reference.printed,
        case_number=invoice.case_number.printed,
        myropo_id=invoice.myropo_id.printed,
        items=items,
        total_to_pay=total,
        explanation=explanation,
        barcode=_barcode(invoice, total, letter.due_date) if barcode_wanted else "",
        intro=intro,
    )


def message_document(invoice: Invoice, letter: Letter) -> MessageDocument:
    """A customer-service message: the agent's words and the open amount as of its issue."""
    return MessageDocument(
        language=invoice.debtor.language.value,
        letter_date=letter.issued_on,
        creditor=PartyBlock(invoice.creditor_name),
        debtor=_debtor(invoice),
        invoice_number=invoice.invoice_number,
        case_number=invoice.case_number.printed,
        myropo_id=invoice.myropo_id.printed,
        body=letter.body,
        open_amount=letter.open_amount,
    )


def _monitoring_intro(invoice: Invoice, letter: Letter) -> str:
    """The opening of a payment-monitoring letter naming the judgment ("" for others)."""
    if letter.type is not LetterType.PAYMENT_MONITORING_LETTER or invoice.judgment_date is None:
        return ""
    return _MONITORING_INTRO[invoice.debtor.language].format(
        date=format_date(invoice.judgment_date),
        reference=invoice.judgment_reference,
        pay_by=format_date(letter.due_date),
    )


def _account(invoice: Invoice) -> PaymentAccount:
    return PaymentAccount(invoice.payee_account.iban, invoice.payee_account.bic)


def _debtor(invoice: Invoice) -> PartyBlock:
    debtor = invoice.debtor
    address = debtor.address
    return PartyBlock(
        name=debtor.name,
        address_lines=address.street_lines,
        postal_code=address.postal_code,
        town=address.town,
        country_code=address.country_code,
        identifier=PartyIdentifier.from_display(debtor.masked_identifier),
    )


def _barcode(invoice: Invoice, amount: Money, due: date) -> str:
    """The virtual bank barcode, or "" where the standard has none (a foreign account,
    another currency): the page then shows the transfer details without it."""
    try:
        return virtual_bank_barcode(invoice.payee_account.iban, amount, invoice.reference, due)
    except InvalidValue:
        return ""
