"""Disputes and payment monitoring of ``ropo.invoice.v1.InvoiceService`` (a servicer mixin).

``DisputeInvoice``, ``ResolveDispute``, ``ListDisputes``, ``GetDisputeAttachment`` and
``StartPaymentMonitoring``: validate every field at once (``INVALID_ARGUMENT`` with
``BadRequest`` field violations), call the use case, map the result. Whether the
files really are what they claim is checked by the use case (it parses them).
Who may dispute or resolve what is the gateway's decision, as for payment time;
here only the shape of each actor is checked. Descriptions never repeat a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from google.type import date_pb2
from ropo.invoice.v1 import dispute_pb2, invoice_pb2, invoice_service_pb2
from ropo_platform.errors import ValidationFailed, Violations
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto, optional_money_from_proto

from ropo_invoice.domain.dispute import (
    MAX_MESSAGE_LENGTH,
    MAX_REASON_LENGTH,
    Attachment,
    Dispute,
    DisputeOutcome,
    DisputeState,
    attachment_violations,
    text_violations,
)
from ropo_invoice.domain.model import INVOICES_PREFIX, MAX_JUDGMENT_REFERENCE_LENGTH, Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.entrypoints import validation
from ropo_invoice.entrypoints.proto_mapping import View, invoice_to_proto, letter_to_proto
from ropo_invoice.service_layer.disputes import (
    DisputeHandlers,
    DisputeInvoice,
    ListDisputes,
    ResolveDispute,
    StartPaymentMonitoring,
)
from ropo_invoice.service_layer.proto_values import timestamp_to_proto

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information

_DISPUTE = re.compile(
    r"^invoices/([A-Za-z0-9][A-Za-z0-9-]{0,63})/disputes/([A-Za-z0-9][A-Za-z0-9-]{0,63})$"
)
_DISPUTE_FORM = '"invoices/{invoice}/disputes/{dispute}"'
_STATE = dispute_pb2.Dispute.State
_STATES: dict[DisputeState, dispute_pb2.Dispute.State.ValueType] = {
    DisputeState.OPEN: _STATE.STATE_OPEN,
    DisputeState.ACCEPTED: _STATE.STATE_ACCEPTED,
    DisputeState.PARTIALLY_ACCEPTED: _STATE.STATE_PARTIALLY_ACCEPTED,
    DisputeState.REJECTED: _STATE.STATE_REJECTED,
}
_STATES_FROM_PROTO = {wire: state for state, wire in _STATES.items()}
_OUTCOMES: dict[int, DisputeOutcome] = {
    invoice_service_pb2.DISPUTE_OUTCOME_ACCEPTED: DisputeOutcome.ACCEPTED,
    invoice_service_pb2.DISPUTE_OUTCOME_PARTIALLY_ACCEPTED: DisputeOutcome.PARTIALLY_ACCEPTED,
    invoice_service_pb2.DISPUTE_OUTCOME_REJECTED: DisputeOutcome.REJECTED,
}


# ------------------------------------------------------------------------------ mapping


def dispute_to_proto(dispute: Dispute) -> dispute_pb2.Dispute:
    """The ``Dispute`` message (files by name, type and size; never their bytes)."""
    message = dispute_pb2.Dispute(
        name=dispute.resource_name,
        state=_STATES[dispute.state],
        reason=dispute.reason,
        attachment_filenames=[a.filename for a in dispute.attachments],
        attachment_media_types=[a.media_type for a in dispute.attachments],
        attachment_sizes=[a.size for a in dispute.attachments],
        disputer=dispute.disputer,
        resolution_message=dispute.resolution_message,
        create_time=timestamp_to_proto(dispute.created_at),
        resolver=dispute.resolver,
    )
    if dispute.disputed_amount is not None:
        message.disputed_amount.CopyFrom(money_to_proto(dispute.disputed_amount))
    if dispute.credited_amount is not None:
        message.credited_amount.CopyFrom(money_to_proto(dispute.credited_amount))
    if dispute.resolved_at is not None:
        message.resolve_time.CopyFrom(timestamp_to_proto(dispute.resolved_at))
    return message


def invoice_with_dispute(invoice: Invoice, dispute: Dispute | None) -> invoice_pb2.Invoice:
    """The full ``Invoice`` with its open or latest dispute."""
    message = invoice_to_proto(invoice, Language.FI, View.FULL)
    if dispute is not None:
        message.dispute.CopyFrom(dispute_to_proto(dispute))
    return message


# ----------------------------------------------------------------------------- validation


def _dispute_ids(violations: Violations, field: str, name: str) -> tuple[str, str]:
    match = _DISPUTE.match(name)
    if match is None:
        violations.add(field, f"must be {_DISPUTE_FORM}")
        return "", ""
    return match.group(1), match.group(2)


def _invoice_id(violations: Violations, name: str) -> str:
    invoice_id = validation.resource_id(name, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
        return ""
    return invoice_id


def _staff_actor(violations: Violations, actor: str) -> None:
    if not actor:
        violations.add("actor", "is required")
    elif validation.resource_id(actor, validation.STAFF_USERS_PREFIX) is None:
        violations.add("actor", 'must be "staffUsers/{user}"')


def _money(violations: Violations, request: Any, field: str) -> Money | None:
    try:
        amount = optional_money_from_proto(request, field)
    except ValidationFailed as error:
        violations.extend(error.violations)
        return None
    if amount is not None and not amount.is_positive():
        violations.add(field, "must be more than zero")
        return None
    return amount


def _text(violations: Violations, field: str, text: str, max_length: int) -> None:
    for violation in text_violations(field, text, max_length):
        violations.add(violation.field, violation.description)


def check_dispute_invoice(request: invoice_service_pb2.DisputeInvoiceRequest) -> DisputeInvoice:
    """``DisputeInvoiceRequest`` → command; file contents are the use case's to check."""
    violations = Violations()
    validation.check_request_id(violations, request.request_id)
    invoice_id = _invoice_id(violations, request.invoice)
    if not request.actor:
        violations.add("actor", "is required")
    elif not validation.is_debtor_party(request.actor):
        violations.add("actor", 'must be "persons/{key}" or "organizations/{business_id}"')
    amount = _money(violations, request, "disputed_amount")
    _text(violations, "reason", request.reason, MAX_REASON_LENGTH)
    attachments = tuple(
        Attachment(file.filename, file.media_type, file.content) for file in request.attachments
    )
    for violation in attachment_violations([a.info for a in attachments]):
        violations.add(violation.field, violation.description)
    violations.raise_if_any()
    return DisputeInvoice(
        invoice_id=invoice_id,
        actor=request.actor,
        reason=request.reason,
        attachments=attachments,
        disputed_amount=amount,
        request_id=request.request_id,
    )


def check_resolve_dispute(request: invoice_service_pb2.ResolveDisputeRequest) -> ResolveDispute:
    """``ResolveDisputeRequest`` → command; only staff resolve disputes."""
    violations = Violations()
    validation.check_request_id(violations, request.request_id)
    invoice_id, dispute_id = _dispute_ids(violations, "name", request.name)
    _staff_actor(violations, request.actor)
    outcome = _OUTCOMES.get(int(request.outcome))
    if outcome is None:
        violations.add("outcome", "must be ACCEPTED, PARTIALLY_ACCEPTED or REJECTED")
    credited = _money(violations, request, "credited_amount")
    partial = outcome is DisputeOutcome.PARTIALLY_ACCEPTED
    has_credit = request.HasField("credited_amount")
    if partial and not has_credit:
        violations.add("credited_amount", "is required for a partial acceptance")
    elif outcome is not None and not partial and has_credit:
        violations.add("credited_amount", "is only for a partial acceptance")
    _text(violations, "message", request.message, MAX_MESSAGE_LENGTH)
    violations.raise_if_any()
    assert outcome is not None
    return ResolveDispute(
        invoice_id=invoice_id,
        dispute_id=dispute_id,
        actor=request.actor,
        outcome=outcome,
        message=request.message,
        credited_amount=credited,
        request_id=request.request_id,
    )


def check_list_disputes(request: invoice_service_pb2.ListDisputesRequest) -> ListDisputes:
    """``ListDisputesRequest`` → query (the page token is checked by the use case)."""
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    invoice_id = ""
    if request.invoice:
        invoice_id = _invoice_id(violations, request.invoice)
    states: list[DisputeState] = []
    for index, wire in enumerate(request.states):
        state = _STATES_FROM_PROTO.get(wire)
        if state is None:
            violations.add(f"states[{index}]", "is not a known Dispute.State")
        elif state not in states:
            states.append(state)
    violations.raise_if_any()
    return ListDisputes(invoice_id, tuple(states), request.page_size, request.page_token)


def check_get_attachment(
    request: invoice_service_pb2.GetDisputeAttachmentRequest,
) -> tuple[str, str, int]:
    """``GetDisputeAttachmentRequest`` → (invoice id, dispute id, index)."""
    violations = Violations()
    invoice_id, dispute_id = _dispute_ids(violations, "dispute", request.dispute)
    if request.index < 0:
        violations.add("index", "must not be negative")
    violations.raise_if_any()
    return invoice_id, dispute_id, request.index


def _judgment_date(violations: Violations, value: date_pb2.Date) -> date | None:
    if value.year == 0 and value.month == 0 and value.day == 0:
        violations.add("judgment_date", "is required")
        return None
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        violations.add("judgment_date", "must be a valid calendar date")
        return None


def check_start_payment_monitoring(
    request: invoice_service_pb2.StartPaymentMonitoringRequest,
) -> StartPaymentMonitoring:
    """``StartPaymentMonitoringRequest`` → command; only staff record judgments."""
    violations = Violations()
    validation.check_request_id(violations, request.request_id)
    invoice_id = _invoice_id(violations, request.invoice)
    _staff_actor(violations, request.actor)
    judgment_date = _judgment_date(violations, request.judgment_date)
    reference = request.judgment_reference.strip()
    _text(violations, "judgment_reference", reference, MAX_JUDGMENT_REFERENCE_LENGTH)
    violations.raise_if_any()
    assert judgment_date is not None
    return StartPaymentMonitoring(
        invoice_id=invoice_id,
        actor=request.actor,
        judgment_date=judgment_date,
        judgment_reference=reference,
        request_id=request.request_id,
    )


# ------------------------------------------------------------------------------- servicer


class DisputesServicer:
    """Adds the dispute and payment-monitoring RPCs; the servicer sets ``_disputes``."""

    _disputes: DisputeHandlers

    async def _add_latest_disputes(
        self, messages: Sequence[invoice_pb2.Invoice], view: View
    ) -> None:
        """Give each full-view invoice its open or latest dispute (one query for all)."""
        if view is not View.FULL or not messages:
            return
        ids = [message.name.removeprefix(INVOICES_PREFIX) for message in messages]
        latest = await self._disputes.latest(ids)
        for invoice_id, message in zip(ids, messages, strict=True):
            if invoice_id in latest:
                message.dispute.CopyFrom(dispute_to_proto(latest[invoice_id]))

    async def DisputeInvoice(
        self, request: invoice_service_pb2.DisputeInvoiceRequest, context: Context
    ) -> invoice_service_pb2.DisputeInvoiceResponse:
        result = await self._disputes.dispute_invoice(check_dispute_invoice(request))
        return invoice_service_pb2.DisputeInvoiceResponse(
            dispute=dispute_to_proto(result.dispute),
            invoice=invoice_with_dispute(result.invoice, result.dispute),
        )

    async def ResolveDispute(
        self, request: invoice_service_pb2.ResolveDisputeRequest, context: Context
    ) -> invoice_service_pb2.ResolveDisputeResponse:
        result = await self._disputes.resolve_dispute(check_resolve_dispute(request))
        return invoice_service_pb2.ResolveDisputeResponse(
            dispute=dispute_to_proto(result.dispute),
            invoice=invoice_with_dispute(result.invoice, result.dispute),
        )

    async def ListDisputes(
        self, request: invoice_service_pb2.ListDisputesRequest, context: Context
    ) -> invoice_service_pb2.ListDisputesResponse:
        page = await self._disputes.list_disputes(check_list_disputes(request))
        return invoice_service_pb2.ListDisputesResponse(
            disputes=[dispute_to_proto(dispute) for dispute in page.disputes],
            next_page_token=page.next_page_token,
        )

    async def GetDisputeAttachment(
        self, request: invoice_service_pb2.GetDisputeAttachmentRequest, context: Context
    ) -> invoice_service_pb2.GetDisputeAttachmentResponse:
        invoice_id, dispute_id, index = check_get_attachment(request)
        attachment = await self._disputes.attachment(invoice_id, dispute_id, index)
        return invoice_service_pb2.GetDisputeAttachmentResponse(
            attachment=dispute_pb2.DisputeAttachment(
                filename=attachment.filename,
                media_type=attachment.media_type,
                content=attachment.content,
            )
        )

    async def StartPaymentMonitoring(
        self, request: invoice_service_pb2.StartPaymentMonitoringRequest, context: Context
    ) -> invoice_service_pb2.StartPaymentMonitoringResponse:
        result = await self._disputes.start_payment_monitoring(
            check_start_payment_monitoring(request)
        )
        latest = (await self._disputes.latest([result.invoice.id])).get(result.invoice.id)
        return invoice_service_pb2.StartPaymentMonitoringResponse(
            invoice=invoice_with_dispute(result.invoice, latest),
            letter=letter_to_proto(result.delivery, Language.FI),
        )
