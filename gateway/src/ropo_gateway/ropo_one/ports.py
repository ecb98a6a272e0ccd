"""What Ropo One needs from the invoice, authorization and payment services and the audit log
(the gRPC clients and ``AuditTrail`` implement these; tests fake the services)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from ropo.invoice.v1 import creditor_pb2, invoice_event_pb2, invoice_pb2

from ropo_gateway.audit.model import AuditEvent, AuditRecord
from ropo_gateway.clients.authorization import (
    AccessDecision,
    Action,
    AuthorizationView,
    GranteeDetails,
)
from ropo_gateway.clients.disputes import (
    AttachmentFile,
    DisputePage,
    DisputeResult,
    DisputeState,
    MonitoringOrder,
    MonitoringResult,
    Resolution,
)
from ropo_gateway.clients.invoices import InvoicePage, InvoiceSearch
from ropo_gateway.clients.letters import LetterConsentView, LetterPage, LetterQuery
from ropo_gateway.clients.payment_time import PaymentPlanView
from ropo_gateway.clients.payments import PaymentView
from ropo_gateway.clients.refunds import (
    AccountInput,
    PayoutBatchPage,
    PayoutFile,
    PayoutStatusImport,
    RefundCasePage,
    RefundCaseView,
    RefundLetter,
    RefundState,
    StaffActor,
)


class CaseSource(Protocol):
    """Cases: one invoice, the staff search and the timeline (``InvoiceClient``)."""

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice: ...

    async def search_invoices(self, search: InvoiceSearch, language_code: str) -> InvoicePage: ...

    async def list_invoice_events(
        self, invoice: str, language_code: str, limit: int = ...
    ) -> list[invoice_event_pb2.InvoiceEvent]: ...


class CreditorDirectory(Protocol):
    """Creditors by business id: binds a creditor user to its creditor at login."""

    async def creditor_by_business_id(self, business_id: str) -> creditor_pb2.Creditor | None: ...


class AccessChecker(Protocol):
    """``CheckAccess`` of the authorization service: asked before any case is read."""

    async def check_access(
        self,
        subject: str,
        invoice: str,
        action: Action = ...,
        roles: Iterable[str] = ...,
    ) -> AccessDecision: ...


class Authorizations(AccessChecker, Protocol):
    """The authorization service as the case page uses it (``AuthorizationClient``)."""

    async def list_authorizations(
        self,
        *,
        invoice: str = ...,
        grantor: str = ...,
        grantee: str = ...,
        active_only: bool = ...,
        limit: int = ...,
    ) -> list[AuthorizationView]: ...

    async def revoke_authorization(
        self, name: str, actor: str, request_id: str, actor_roles: Iterable[str] = ...
    ) -> AuthorizationView: ...

    async def create_continuous_authorization(
        self,
        *,
        actor: str,
        actor_roles: Iterable[str],
        grantor: str,
        grantee: GranteeDetails,
        creditor: str,
        request_id: str,
        conversation: str = ...,
    ) -> AuthorizationView: ...


class PaymentPlans(Protocol):
    """Cancelling a payment plan (``InvoiceClient.cancel_payment_plan``)."""

    async def cancel_payment_plan(
        self, request_id: str, name: str, actor: str, reason: str
    ) -> PaymentPlanView: ...


class PaymentLedger(Protocol):
    """The payments of a case (``PaymentClient.list_payments``)."""

    async def list_payments(
        self, *, invoice: str = ..., payer: str = ..., limit: int = ...
    ) -> list[PaymentView]: ...


class AuditSink(Protocol):
    """Where audit events go (``AuditTrail``: durable, request id from the logging context)."""

    async def record(self, event: AuditEvent) -> AuditRecord: ...


class RefundDesk(Protocol):
    """The refund service as Ropo One uses it (``RefundClient``): cases, letters, staff
    actions and payout batches."""

    async def list_refund_cases(
        self,
        *,
        states: Sequence[RefundState] = ...,
        debtor_party: str = ...,
        invoice: str = ...,
        page_size: int = ...,
        page_token: str = ...,
    ) -> RefundCasePage: ...

    async def get_refund_case(self, name: str, subject: str = ...) -> RefundCaseView: ...

    async def get_refund_letter(self, refund_case: str, language_code: str) -> RefundLetter: ...

    async def approve_refund(
        self, request_id: str, name: str, actor: StaffActor, etag: str
    ) -> RefundCaseView: ...

    async def reject_refund(
        self, request_id: str, name: str, actor: StaffActor, reason: str
    ) -> RefundCaseView: ...

    async def change_refund_account(
        self, request_id: str, name: str, actor: StaffActor, account: AccountInput, reason: str
    ) -> RefundCaseView: ...

    async def list_payout_batches(
        self, *, page_size: int = ..., page_token: str = ...
    ) -> PayoutBatchPage: ...

    async def get_payout_batch(self, name: str) -> PayoutFile: ...

    async def export_payout_batch(
        self, request_id: str, actor: StaffActor, execution_date: date | None = ...
    ) -> PayoutFile: ...

    async def import_payout_status(
        self, request_id: str, actor: StaffActor, content: bytes
    ) -> PayoutStatusImport: ...


class DisputeDesk(Protocol):
    """Disputes and payment monitoring as Ropo One uses them (``DisputeClient``)."""

    async def list_disputes(
        self,
        *,
        invoice: str = ...,
        states: Sequence[DisputeState] = ...,
        page_size: int = ...,
        page_token: str = ...,
    ) -> DisputePage: ...

    async def get_dispute_attachment(self, dispute: str, index: int) -> AttachmentFile: ...

    async def resolve_dispute(self, resolution: Resolution) -> DisputeResult: ...

    async def start_payment_monitoring(self, order: MonitoringOrder) -> MonitoringResult: ...


class CaseLetters(Protocol):
    """A debtor's letters and consent to electronic letters, read-only (``LetterClient``)."""

    async def list_letters(self, query: LetterQuery, language_code: str) -> LetterPage: ...

    async def get_letter_consent(self, person: str) -> LetterConsentView: ...
