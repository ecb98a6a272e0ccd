"""What MyRopo needs from the services (implemented by the gRPC clients; fakes in tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2

from ropo_gateway.clients.authorization import (
    AccessDecision,
    Action,
    AuthorizationView,
    GranteeDetails,
    InvoiceAccess,
)
from ropo_gateway.clients.disputes import DisputeOrder, DisputePage, DisputeResult, DisputeState
from ropo_gateway.clients.invoices import InvoiceDocument, InvoiceListQuery, InvoicePage
from ropo_gateway.clients.letters import (
    BalanceCertificate,
    ConsentChange,
    LetterConsentView,
    LetterPage,
    LetterQuery,
    LetterView,
)
from ropo_gateway.clients.refunds import RefundLetter


class AccessSource(Protocol):
    """Who may see and do what, and the lookup grants of *Hae lasku*
    (``AuthorizationClient``)."""

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]: ...

    async def check_access(
        self,
        subject: str,
        invoice: str,
        action: Action = Action.VIEW,
        roles: Iterable[str] = (),
    ) -> AccessDecision: ...

    async def grant_lookup_access(
        self, subject: str, invoice: str, request_id: str
    ) -> datetime: ...


class AuthorizationSource(Protocol):
    """*Valtuutus*: the authorizations a debtor gives and revokes (``AuthorizationClient``)."""

    async def list_authorizations(
        self,
        *,
        invoice: str = "",
        grantor: str = "",
        grantee: str = "",
        active_only: bool = False,
        limit: int = 200,
    ) -> list[AuthorizationView]: ...

    async def grant_invoice_authorization(
        self, invoice: str, grantor: str, grantee: GranteeDetails, request_id: str
    ) -> AuthorizationView: ...

    async def revoke_authorization(
        self, name: str, actor: str, request_id: str, actor_roles: Iterable[str] = ()
    ) -> AuthorizationView: ...


class InvoiceSource(Protocol):
    """Invoices, their timeline, image and lookup (``InvoiceClient``)."""

    async def list_invoices(self, query: InvoiceListQuery, language_code: str) -> InvoicePage: ...

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice: ...

    async def list_invoice_events(
        self, invoice: str, language_code: str
    ) -> list[invoice_event_pb2.InvoiceEvent]: ...

    async def get_invoice_document(self, invoice: str) -> InvoiceDocument: ...

    async def lookup_by_details(
        self, invoice_number: str, reference: str, postal_code: str, language_code: str
    ) -> invoice_pb2.Invoice: ...

    async def lookup_by_myropo_id(
        self, myropo_id: str, language_code: str
    ) -> invoice_pb2.Invoice: ...


class LetterSource(Protocol):
    """*Viestikeskus*, the consent to electronic letters and the balance certificate
    (``LetterClient``)."""

    async def list_letters(self, query: LetterQuery, language_code: str) -> LetterPage: ...

    async def mark_letter_read(self, request_id: str, name: str, actor: str) -> LetterView: ...

    async def get_letter_document(
        self, invoice: str, letter: str, language_code: str = ""
    ) -> InvoiceDocument: ...

    async def get_letter_consent(self, person: str) -> LetterConsentView: ...

    async def update_letter_consent(self, change: ConsentChange) -> LetterConsentView: ...

    async def get_balance_certificate(
        self, debtor_party: str, language_code: str
    ) -> BalanceCertificate: ...


class RefundLetterSource(Protocol):
    """The refund letters shown in *Viestikeskus* (``RefundClient``)."""

    async def get_refund_letter(self, refund_case: str, language_code: str) -> RefundLetter: ...


class DisputeSource(Protocol):
    """*Reklamaatio* (``DisputeClient``)."""

    async def dispute_invoice(self, order: DisputeOrder) -> DisputeResult: ...

    async def list_disputes(
        self,
        *,
        invoice: str = "",
        states: Sequence[DisputeState] = (),
        page_size: int = ...,
        page_token: str = "",
    ) -> DisputePage: ...
