"""Fakes of the invoice service's dispute, payment-monitoring and letter calls as Ropo One uses
them (a plain module: conftest names collide across folders). They keep state on the
invoices of ``FakeCases`` and answer like the real service: disputes newest first, a
decision only on an open dispute, credits within the disputed amount, payment monitoring
only from collection, a letter for every outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf import timestamp_pb2
from ropo.invoice.v1 import invoice_pb2, letter_pb2
from ropo_gateway.clients.disputes import (
    AttachmentFile,
    AttachmentInfo,
    DisputeOutcome,
    DisputePage,
    DisputeResult,
    DisputeState,
    DisputeView,
    MonitoringOrder,
    MonitoringResult,
    Resolution,
    dispute_name,
)
from ropo_gateway.clients.letters import (
    LetterChannel,
    LetterConsentChangeView,
    LetterConsentView,
    LetterPage,
    LetterQuery,
    LetterType,
    LetterView,
    letter_consent_name,
)
from ropo_gateway.errors import UpstreamError
from ropo_platform.errors import FieldViolation
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto, optional_money_from_proto
from ropo_platform.rpc.errors import ErrorInfo, RpcError

State = invoice_pb2.Invoice.State
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
BASE_TIME = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def invoice_error(
    code: grpc.StatusCode, reason: str = "", *violations: tuple[str, str]
) -> UpstreamError:
    """The error the invoice client raises for a refused call."""
    return UpstreamError(
        "invoice",
        RpcError(
            code=code,
            message="invoice service says no",
            error_info=ErrorInfo(reason, "invoice.ropo") if reason else None,
            field_violations=tuple(FieldViolation(f, d) for f, d in violations),
        ),
    )


def _eur(amount: str) -> Money:
    return Money(amount, "EUR")


@dataclass
class FakeLetters:
    """``ListLetters`` and ``GetLetterConsent``: letters kept per invoice, consents per person."""

    letters: list[LetterView] = field(default_factory=list)
    consents: dict[str, LetterConsentView] = field(default_factory=dict)
    queries: list[LetterQuery] = field(default_factory=list)
    consent_reads: list[str] = field(default_factory=list)
    fail_with: UpstreamError | None = None

    def add(
        self,
        invoice: str,
        letter_id: str,
        *,
        type: LetterType = LetterType.REMINDER,
        title: str = "Maksumuistutus",
        recipient: str = "",
        channel: LetterChannel = LetterChannel.PAPER,
        read: bool = False,
        minutes: int = 0,
        body: str = "",
    ) -> LetterView:
        letter = LetterView(
            name=f"{invoice}/letters/{letter_id}",
            type=type,
            title=title,
            recipient_party=recipient,
            channel=channel,
            read=read,
            create_time=BASE_TIME + timedelta(minutes=minutes),
            read_time=BASE_TIME + timedelta(minutes=minutes + 30) if read else None,
            body=body,
        )
        self.letters.append(letter)
        return letter

    def consent(
        self, person: str, changes: Sequence[tuple[bool, str, str]], email: str = ""
    ) -> LetterConsentView:
        """Record a consent whose history is ``changes`` (electronic, channel, actor)."""
        history = tuple(
            LetterConsentChangeView(
                electronic=electronic,
                channel=channel,
                actor=actor,
                change_time=BASE_TIME + timedelta(days=index),
            )
            for index, (electronic, channel, actor) in enumerate(changes)
        )
        view = LetterConsentView(
            name=letter_consent_name(person),
            electronic=history[-1].electronic if history else False,
            notification_email=email,
            changes=history,
            update_time=history[-1].change_time if history else None,
        )
        self.consents[person] = view
        return view

    async def list_letters(self, query: LetterQuery, language_code: str) -> LetterPage:
        self.queries.append(query)
        if self.fail_with is not None:
            raise self.fail_with
        found = [
            letter
            for letter in self.letters
            if (not query.recipient_party or letter.recipient_party == query.recipient_party)
            and (not query.invoice or letter.invoice == query.invoice)
        ]
        found.sort(key=lambda letter: letter.create_time or BASE_TIME, reverse=True)
        return LetterPage(found[: query.page_size or 50])

    async def get_letter_consent(self, person: str) -> LetterConsentView:
        self.consent_reads.append(person)
        if self.fail_with is not None:
            raise self.fail_with
        return self.consents.get(
            person,
            LetterConsentView(letter_consent_name(person), False, "", (), None),
        )


@dataclass
class FakeDisputes:
    """Disputes of the invoices of ``cases`` and payment monitoring; records every call."""

    cases: Any
    letters: FakeLetters
    disputes: dict[str, DisputeView] = field(default_factory=dict)
    files: dict[str, list[AttachmentFile]] = field(default_factory=dict)
    previous_states: dict[str, int] = field(default_factory=dict)
    lists: list[dict[str, Any]] = field(default_factory=list)
    downloads: list[tuple[str, int]] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    monitorings: list[MonitoringOrder] = field(default_factory=list)
    fail_with: UpstreamError | None = None
    resolve_error: UpstreamError | None = None
    _done: dict[str, object] = field(default_factory=dict)

    def open(
        self,
        invoice_id: str,
        dispute_id: str,
        *,
        amount: str | None = None,
        reason: str = "Tuote ei vastannut tilausta.",
        files: Sequence[AttachmentFile] = (),
        disputer: str = "",
        minutes: int = 0,
    ) -> DisputeView:
        """A dispute as DisputeInvoice leaves it: open, the invoice on hold."""
        invoice = self.cases.invoices[f"invoices/{invoice_id}"]
        self.previous_states.setdefault(invoice.name, invoice.state)
        invoice.state = State.STATE_DISPUTED
        view = DisputeView(
            name=dispute_name(invoice_id, dispute_id),
            invoice_id=invoice_id,
            dispute_id=dispute_id,
            state=DisputeState.OPEN,
            disputed_amount=None if amount is None else _eur(amount),
            reason=reason,
            attachments=tuple(
                AttachmentInfo(item.filename, item.media_type, len(item.content)) for item in files
            ),
            disputer=disputer or invoice.debtor.party,
            resolution_message="",
            credited_amount=None,
            resolver="",
            create_time=BASE_TIME + timedelta(minutes=minutes),
            resolve_time=None,
        )
        self.disputes[view.name] = view
        self.files[view.name] = list(files)
        return view

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    async def list_disputes(
        self,
        *,
        invoice: str = "",
        states: Sequence[DisputeState] = (),
        page_size: int = 50,
        page_token: str = "",
    ) -> DisputePage:
        self.lists.append({"invoice": invoice, "states": tuple(states), "page_size": page_size})
        self._check()
        found = sorted(
            (
                item
                for item in self.disputes.values()
                if (not invoice or item.invoice == invoice) and (not states or item.state in states)
            ),
            key=lambda item: item.create_time or BASE_TIME,
            reverse=True,
        )
        start = int(page_token or 0)
        end = start + page_size
        return DisputePage(tuple(found[start:end]), str(end) if end < len(found) else "")

    async def get_dispute_attachment(self, dispute: str, index: int) -> AttachmentFile:
        self.downloads.append((dispute, index))
        self._check()
        files = self.files.get(dispute, [])
        if not 0 <= index < len(files):
            raise invoice_error(grpc.StatusCode.NOT_FOUND)
        return files[index]

    def _invoice(self, name: str) -> invoice_pb2.Invoice:
        invoice: invoice_pb2.Invoice = self.cases.invoices[name]
        return invoice

    async def resolve_dispute(self, resolution: Resolution) -> DisputeResult:
        self.resolutions.append(resolution)
        self._check()
        if self.resolve_error is not None:
            raise self.resolve_error
        if resolution.request_id in self._done:
            return self._done[resolution.request_id]  # type: ignore[return-value]
        dispute = self.disputes.get(resolution.name)
        if dispute is None:
            raise invoice_error(grpc.StatusCode.NOT_FOUND)
        if not dispute.open:
            raise invoice_error(grpc.StatusCode.FAILED_PRECONDITION, "DISPUTE_NOT_OPEN")
        invoice = self._invoice(dispute.invoice)
        open_amount = optional_money_from_proto(invoice, "open_amount") or _eur("0")
        limit = dispute.disputed_amount or open_amount
        credited: Money | None = None
        state = DisputeState.REJECTED
        if resolution.outcome is DisputeOutcome.ACCEPTED:
            credited, state = limit, DisputeState.ACCEPTED
        elif resolution.outcome is DisputeOutcome.PARTIALLY_ACCEPTED:
            amount = resolution.credited_amount
            if amount is None or not amount.is_positive() or amount > limit:
                raise invoice_error(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "",
                    ("credited_amount", "must be within the disputed amount"),
                )
            credited, state = amount, DisputeState.PARTIALLY_ACCEPTED
        remaining = open_amount - credited if credited is not None else open_amount
        invoice.open_amount.CopyFrom(money_to_proto(remaining))
        invoice.state = (
            State.STATE_CREDITED
            if remaining.is_zero()
            else self.previous_states.pop(invoice.name, State.STATE_COLLECTION)  # type: ignore[assignment]
        )
        resolved = replace(
            dispute,
            state=state,
            credited_amount=credited,
            resolution_message=resolution.message,
            resolver=resolution.actor,
            resolve_time=BASE_TIME + timedelta(days=1),
        )
        self.disputes[resolved.name] = resolved
        self.letters.add(
            invoice.name,
            f"msg-{len(self.resolutions)}",
            type=LetterType.CUSTOMER_SERVICE_MESSAGE,
            title="Asiakaspalvelun viesti",
            recipient=invoice.debtor.party,
            minutes=60 * 24,
            body=resolution.message,
        )
        result = DisputeResult(resolved, invoice)
        self._done[resolution.request_id] = result
        return result

    async def start_payment_monitoring(self, order: MonitoringOrder) -> MonitoringResult:
        self.monitorings.append(order)
        self._check()
        if order.request_id in self._done:
            return self._done[order.request_id]  # type: ignore[return-value]
        invoice = self._invoice(order.invoice)
        if invoice.state != State.STATE_COLLECTION:
            raise invoice_error(grpc.StatusCode.FAILED_PRECONDITION, "INVOICE_NOT_IN_COLLECTION")
        invoice.state = State.STATE_PAYMENT_MONITORING
        invoice.display_status = "Maksuvalvonta"
        letter = self.letters.add(
            invoice.name,
            f"pm-{len(self.monitorings)}",
            type=LetterType.PAYMENT_MONITORING_LETTER,
            title="Maksuvalvontakirje",
            recipient=invoice.debtor.party,
            minutes=60 * 48,
        )
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(letter.create_time or BASE_TIME)
        result = MonitoringResult(
            invoice,
            letter_pb2.Letter(
                name=letter.name,
                type=letter_pb2.LETTER_TYPE_PAYMENT_MONITORING_LETTER,
                title=letter.title,
                recipient_party=letter.recipient_party,
                channel=letter_pb2.LETTER_CHANNEL_PAPER,
                create_time=stamp,
            ),
        )
        self._done[order.request_id] = result
        return result
