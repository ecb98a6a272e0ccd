"""Request and response bodies of the Ropo One JSON API's disputes and payment monitoring
(pydantic, described in OpenAPI; same conventions as ``schemas``)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field
from ropo.invoice.v1 import invoice_pb2

from ropo_gateway.clients.disputes import DisputeView
from ropo_gateway.clients.letters import LetterView
from ropo_gateway.ropo_one.dispute_resolution import MAX_MESSAGE_LENGTH
from ropo_gateway.ropo_one.payment_monitoring import MAX_REFERENCE_LENGTH
from ropo_gateway.ropo_one.schemas import CaseOut, MoneyOut


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DisputeAttachmentOut(_Out):
    """A file attached to a dispute (the file itself: the page's download link)."""

    index: int = Field(description="Position in the dispute, from 0.")
    filename: str
    media_type: str = Field(description="application/pdf, image/jpeg or image/png.")
    size: int = Field(description="Bytes.")


class DisputeOut(_Out):
    """A dispute (reklamaatio) of all or part of an invoice."""

    name: str = Field(description="'invoices/{invoice}/disputes/{dispute}'.")
    invoice: str = Field(description="'invoices/{invoice}'.")
    state: str = Field(description="OPEN, ACCEPTED, PARTIALLY_ACCEPTED or REJECTED.")
    disputed_amount: MoneyOut | None = Field(description="null: the whole invoice is disputed.")
    reason: str = Field(description="The customer's reason, plain text.")
    attachments: list[DisputeAttachmentOut]
    disputer: str = Field(description="'persons/{key}' of the debtor or an authorized person.")
    resolution_message: str = Field(description="The agent's message to the customer.")
    credited_amount: MoneyOut | None
    resolver: str = Field(description="'staffUsers/{id}' once resolved.")
    create_time: dt.datetime | None
    resolve_time: dt.datetime | None
    invoice_number: str = Field(default="", description="Of the invoice, when listed.")
    case_number: str = Field(default="", description="Asianumero, when listed.")
    debtor_name: str = Field(default="", description="The invoice's debtor, when listed.")

    @classmethod
    def of(cls, dispute: DisputeView, invoice: invoice_pb2.Invoice | None = None) -> DisputeOut:
        return cls(
            name=dispute.name,
            invoice=dispute.invoice,
            state=dispute.state.value,
            disputed_amount=None
            if dispute.disputed_amount is None
            else MoneyOut.of(dispute.disputed_amount),
            reason=dispute.reason,
            attachments=[
                DisputeAttachmentOut(
                    index=index, filename=item.filename, media_type=item.media_type, size=item.size
                )
                for index, item in enumerate(dispute.attachments)
            ],
            disputer=dispute.disputer,
            resolution_message=dispute.resolution_message,
            credited_amount=None
            if dispute.credited_amount is None
            else MoneyOut.of(dispute.credited_amount),
            resolver=dispute.resolver,
            create_time=dispute.create_time,
            resolve_time=dispute.resolve_time,
            invoice_number=invoice.invoice_number if invoice is not None else "",
            case_number=invoice.case_number if invoice is not None else "",
            debtor_name=invoice.debtor.display_name if invoice is not None else "",
        )


class DisputesOut(_Out):
    """One page of disputes."""

    disputes: list[DisputeOut]
    next_page_token: str = Field(description="Pass as page_token for the next page; '' at end.")


class MoneyIn(_In):
    """An exact amount."""

    amount: str = Field(max_length=20, description="Decimal string, e.g. '12.50'.")
    currency: str = Field(default="EUR", max_length=3, description="ISO 4217 code.")


class ResolveDisputeIn(_In):
    """An agent's decision on an open dispute."""

    # Checked after the access check (not by the schema), so that a refused value answers
    # alike for every dispute, the missing one included.
    outcome: str = Field(max_length=40, description="ACCEPTED, PARTIALLY_ACCEPTED or REJECTED.")
    credited_amount: MoneyIn | None = Field(
        default=None,
        description="For PARTIALLY_ACCEPTED only: more than zero and at most the disputed "
        "amount (the open amount when the whole invoice is disputed).",
    )
    message: str = Field(
        max_length=2 * MAX_MESSAGE_LENGTH,
        description=f"To the customer (sent as a letter); required, at most "
        f"{MAX_MESSAGE_LENGTH} characters, never a personal identity code.",
    )
    request_id: uuid.UUID | None = Field(
        default=None, description="Idempotency key: a retry with the same key acts once."
    )


class ResolvedDisputeOut(_Out):
    """The dispute resolved and the case after the decision."""

    dispute: DisputeOut
    case: CaseOut


class PaymentMonitoringIn(_In):
    """The court judgment a case in collection moves to payment monitoring with."""

    judgment_date: dt.date | None = Field(
        default=None, description="Required; not in the future (checked after the access check)."
    )
    judgment_reference: str = Field(
        max_length=2 * MAX_REFERENCE_LENGTH,
        description=f"The court and its case number as printed on the letter, 1–"
        f"{MAX_REFERENCE_LENGTH} characters, e.g. 'Helsingin käräjäoikeus L 27/1234'.",
    )
    request_id: uuid.UUID | None = Field(
        default=None, description="Idempotency key: a retry with the same key acts once."
    )


class LetterOut(_Out):
    """A letter sent to the debtor."""

    name: str = Field(description="'invoices/{invoice}/letters/{letter}'.")
    type: str = Field(description="INVOICE, REMINDER, PAYMENT_MONITORING_LETTER, ...")
    title: str
    channel: str = Field(description="PAPER or ELECTRONIC.")
    read: bool
    create_time: dt.datetime | None
    read_time: dt.datetime | None

    @classmethod
    def of(cls, letter: LetterView) -> LetterOut:
        return cls(
            name=letter.name,
            type=letter.type.value,
            title=letter.title,
            channel=letter.channel.value,
            read=letter.read,
            create_time=letter.create_time,
            read_time=letter.read_time,
        )


class PaymentMonitoringOut(_Out):
    """The case now in payment monitoring and the letter sent."""

    case: CaseOut
    letter: LetterOut
