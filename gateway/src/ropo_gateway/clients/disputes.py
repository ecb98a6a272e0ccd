"""Client of the dispute and payment-monitoring calls of ``ropo.invoice.v1.InvoiceService``.

*Reklamaatio* (a debtor disputes all or part of an invoice), its resolution by an agent and
*maksuvalvonta* after a court judgment. The answers are mapped once into plain values
(``Money``, ``datetime``) that the pages and the JSON APIs read. Like the other invoice
calls, the service trusts its caller: the gateway decides first who may see or act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

import grpc.aio
from google.protobuf.message import Message
from google.type import date_pb2
from ropo.invoice.v1 import (
    dispute_pb2,
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
    letter_pb2,
)
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto, optional_money_from_proto

from ropo_gateway.clients.base import translate_errors

PEER: Final = "invoice"
INVOICES_PREFIX: Final = "invoices/"
DISPUTES_SEGMENT: Final = "/disputes/"
#: The service's default and largest page.
DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 1000


class DisputeState(StrEnum):
    """Lifecycle of a dispute (``Dispute.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"
    REJECTED = "REJECTED"

    @property
    def proto(self) -> int:
        """The wire value (``Dispute.STATE_*``)."""
        return int(dispute_pb2.Dispute.State.Value(f"STATE_{self.value}"))


class DisputeOutcome(StrEnum):
    """What an agent decides (``DisputeOutcome`` without the prefix)."""

    ACCEPTED = "ACCEPTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"
    REJECTED = "REJECTED"

    @property
    def proto(self) -> int:
        """The wire value (``DISPUTE_OUTCOME_*``)."""
        return int(invoice_service_pb2.DisputeOutcome.Value(f"DISPUTE_OUTCOME_{self.value}"))


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What is known of an attached file without fetching it."""

    filename: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class DisputeView:
    """A dispute (``invoices/{invoice}/disputes/{dispute}``) as the pages and APIs show it."""

    name: str
    invoice_id: str
    dispute_id: str
    state: DisputeState
    disputed_amount: Money | None
    reason: str
    attachments: tuple[AttachmentInfo, ...]
    disputer: str
    resolution_message: str
    credited_amount: Money | None
    resolver: str
    create_time: datetime | None
    resolve_time: datetime | None

    @property
    def invoice(self) -> str:
        """The invoice's resource name."""
        return f"{INVOICES_PREFIX}{self.invoice_id}"

    @property
    def whole_invoice(self) -> bool:
        """True when the debtor disputes the whole invoice (no amount given)."""
        return self.disputed_amount is None

    @property
    def open(self) -> bool:
        return self.state is DisputeState.OPEN


@dataclass(frozen=True, slots=True)
class DisputePage:
    """One page of ``ListDisputes`` (newest first)."""

    disputes: tuple[DisputeView, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class AttachmentUpload:
    """A file the debtor attaches: original name, declared media type and the bytes."""

    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """One stored attachment, exactly as uploaded."""

    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class DisputeOrder:
    """What ``DisputeInvoice`` is asked for; ``disputed_amount`` ``None`` = the whole invoice.
    ``attachments`` may also be given as ``(filename, media_type, content)`` tuples."""

    request_id: str
    invoice: str
    actor: str
    reason: str
    disputed_amount: Money | None = None
    attachments: Sequence[AttachmentUpload | tuple[str, str, bytes]] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """What ``ResolveDispute`` is asked for; ``credited_amount`` only for a partial
    acceptance."""

    request_id: str
    name: str
    actor: str
    outcome: DisputeOutcome
    message: str
    credited_amount: Money | None = None


@dataclass(frozen=True, slots=True)
class MonitoringOrder:
    """What ``StartPaymentMonitoring`` is asked for."""

    request_id: str
    invoice: str
    actor: str
    judgment_date: date
    judgment_reference: str


@dataclass(frozen=True, slots=True)
class DisputeResult:
    """A dispute made or resolved, and the invoice after it."""

    dispute: DisputeView
    invoice: invoice_pb2.Invoice


@dataclass(frozen=True, slots=True)
class MonitoringResult:
    """The invoice now in payment monitoring and the letter sent."""

    invoice: invoice_pb2.Invoice
    letter: letter_pb2.Letter


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def dispute_state(value: int) -> DisputeState:
    """The state of a wire value (``UNSPECIFIED`` for one this gateway does not know)."""
    try:
        name = dispute_pb2.Dispute.State.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return DisputeState.UNSPECIFIED
    return DisputeState.__members__.get(name.removeprefix("STATE_"), DisputeState.UNSPECIFIED)


def split_dispute_name(name: str) -> tuple[str, str]:
    """``invoices/{invoice}/disputes/{dispute}`` → ``(invoice, dispute)``; ``("", "")`` when
    the name has another shape."""
    rest = name.removeprefix(INVOICES_PREFIX)
    invoice_id, separator, dispute_id = rest.partition(DISPUTES_SEGMENT)
    if rest == name or not separator or not invoice_id or not dispute_id or "/" in dispute_id:
        return "", ""
    return invoice_id, dispute_id


def dispute_name(invoice_id: str, dispute_id: str) -> str:
    """The resource name of a dispute."""
    return f"{INVOICES_PREFIX}{invoice_id}{DISPUTES_SEGMENT}{dispute_id}"


def dispute_view(message: dispute_pb2.Dispute) -> DisputeView:
    """Map the wire message; pages and APIs read only this."""
    invoice_id, dispute_id = split_dispute_name(message.name)
    sizes = list(message.attachment_sizes)
    media_types = list(message.attachment_media_types)
    attachments = tuple(
        AttachmentInfo(
            filename=filename,
            media_type=media_types[index] if index < len(media_types) else "",
            size=int(sizes[index]) if index < len(sizes) else 0,
        )
        for index, filename in enumerate(message.attachment_filenames)
    )
    return DisputeView(
        name=message.name,
        invoice_id=invoice_id,
        dispute_id=dispute_id,
        state=dispute_state(message.state),
        disputed_amount=optional_money_from_proto(message, "disputed_amount"),
        reason=message.reason,
        attachments=attachments,
        disputer=message.disputer,
        resolution_message=message.resolution_message,
        credited_amount=optional_money_from_proto(message, "credited_amount"),
        resolver=message.resolver,
        create_time=_time(message, "create_time"),
        resolve_time=_time(message, "resolve_time"),
    )


def _attachment_proto(
    item: AttachmentUpload | tuple[str, str, bytes],
) -> dispute_pb2.DisputeAttachment:
    if isinstance(item, AttachmentUpload):
        filename, media_type, content = item.filename, item.media_type, item.content
    else:
        filename, media_type, content = item
    return dispute_pb2.DisputeAttachment(filename=filename, media_type=media_type, content=content)


class DisputeClient:
    """Typed wrapper of the dispute calls of the invoice stub; every call has the channel's
    deadline."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        self._timeout = timeout_seconds

    async def dispute_invoice(self, order: DisputeOrder) -> DisputeResult:
        """*Reklamoi*: INVALID_ARGUMENT with field violations (``reason``,
        ``disputed_amount``, ``attachments[i].content`` ...), FAILED_PRECONDITION
        ``DISPUTE_ALREADY_OPEN`` or ``INVOICE_NOT_OPEN``."""
        request = invoice_service_pb2.DisputeInvoiceRequest(
            request_id=order.request_id,
            invoice=order.invoice,
            actor=order.actor,
            reason=order.reason,
            attachments=[_attachment_proto(item) for item in order.attachments],
        )
        if order.disputed_amount is not None:
            request.disputed_amount.CopyFrom(money_to_proto(order.disputed_amount))
        async with translate_errors(PEER):
            response = await self._stub.DisputeInvoice(request, timeout=self._timeout)
        return DisputeResult(dispute_view(response.dispute), response.invoice)

    async def resolve_dispute(self, resolution: Resolution) -> DisputeResult:
        """An agent's decision; the message goes to the debtor as a letter."""
        request = invoice_service_pb2.ResolveDisputeRequest(
            request_id=resolution.request_id,
            name=resolution.name,
            actor=resolution.actor,
            outcome=resolution.outcome.proto,  # type: ignore[arg-type]
            message=resolution.message,
        )
        if resolution.credited_amount is not None:
            request.credited_amount.CopyFrom(money_to_proto(resolution.credited_amount))
        async with translate_errors(PEER):
            response = await self._stub.ResolveDispute(request, timeout=self._timeout)
        return DisputeResult(dispute_view(response.dispute), response.invoice)

    async def list_disputes(
        self,
        *,
        invoice: str = "",
        states: Sequence[DisputeState] = (),
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> DisputePage:
        """One page of disputes, newest first: of ``invoice`` (every invoice when empty) in
        ``states`` (every state when empty)."""
        async with translate_errors(PEER):
            response = await self._stub.ListDisputes(
                invoice_service_pb2.ListDisputesRequest(
                    page_size=min(page_size, MAX_PAGE_SIZE),
                    page_token=page_token,
                    invoice=invoice,
                    states=[state.proto for state in states],  # type: ignore[misc]
                ),
                timeout=self._timeout,
            )
        return DisputePage(
            tuple(dispute_view(item) for item in response.disputes), response.next_page_token
        )

    async def all_disputes(
        self, *, invoice: str = "", states: Sequence[DisputeState] = (), limit: int = 1000
    ) -> tuple[DisputeView, ...]:
        """Every matching dispute (newest first), at most ``limit``."""
        result: list[DisputeView] = []
        token = ""
        while len(result) < limit:
            page = await self.list_disputes(
                invoice=invoice,
                states=states,
                page_size=min(MAX_PAGE_SIZE, limit - len(result)),
                page_token=token,
            )
            result.extend(page.disputes)
            token = page.next_page_token
            if not token:
                break
        return tuple(result[:limit])

    async def get_dispute_attachment(self, dispute: str, index: int) -> AttachmentFile:
        """File ``index`` (from 0) of ``dispute``; NOT_FOUND when there is none."""
        async with translate_errors(PEER):
            response = await self._stub.GetDisputeAttachment(
                invoice_service_pb2.GetDisputeAttachmentRequest(dispute=dispute, index=index),
                timeout=self._timeout,
            )
        attachment = response.attachment
        return AttachmentFile(attachment.filename, attachment.media_type, attachment.content)

    async def start_payment_monitoring(self, order: MonitoringOrder) -> MonitoringResult:
        """*Siirrä maksuvalvontaan*: FAILED_PRECONDITION unless the invoice is in collection;
        INVALID_ARGUMENT on ``judgment_date`` / ``judgment_reference``."""
        judgment = order.judgment_date
        async with translate_errors(PEER):
            response = await self._stub.StartPaymentMonitoring(
                invoice_service_pb2.StartPaymentMonitoringRequest(
                    request_id=order.request_id,
                    invoice=order.invoice,
                    actor=order.actor,
                    judgment_date=date_pb2.Date(
                        year=judgment.year, month=judgment.month, day=judgment.day
                    ),
                    judgment_reference=order.judgment_reference,
                ),
                timeout=self._timeout,
            )
        return MonitoringResult(response.invoice, response.letter)
