"""FastAPI dependencies of the MyRopo routes.

The service clients are reached through ``get_invoice_source``,
``get_access_source``, ``get_authorization_source``, ``get_payment_source``,
``get_payment_time_source``, ``get_refund_source``, ``get_letter_source``,
``get_refund_letter_source`` and ``get_dispute_source`` only, so
tests swap them for fakes with ``app.dependency_overrides`` while sessions, the audit log
and the rate limit stay real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ropo_gateway.audit.model import Channel
from ropo_gateway.auth.model import Identity, Session
from ropo_gateway.clients.disputes import DisputeClient
from ropo_gateway.clients.letters import LetterClient
from ropo_gateway.errors import not_logged_in
from ropo_gateway.myropo.access import InvoiceAccessPolicy
from ropo_gateway.myropo.authorizations import InvoiceAuthorizations
from ropo_gateway.myropo.balance_certificate import BalanceCertificates
from ropo_gateway.myropo.disputes import DisputeDesk
from ropo_gateway.myropo.invoice_page import InvoiceReader
from ropo_gateway.myropo.letter_consent import LetterConsents
from ropo_gateway.myropo.lookup import InvoiceLookup
from ropo_gateway.myropo.messages import MessageCentre
from ropo_gateway.myropo.payment_time import PaymentTime, PaymentTimeSource
from ropo_gateway.myropo.payments import OnlinePayments, PaymentSource
from ropo_gateway.myropo.ports import (
    AccessSource,
    AuthorizationSource,
    DisputeSource,
    InvoiceSource,
    LetterSource,
    RefundLetterSource,
)
from ropo_gateway.myropo.refunds import RefundSource, RefundWizard
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token
from ropo_gateway.web.pages import translator_for

API_PATH_PREFIX = "/api/"


def get_invoice_source(runtime: RuntimeDep) -> InvoiceSource:
    """The invoice service client."""
    return runtime.invoices


def get_access_source(runtime: RuntimeDep) -> AccessSource:
    """The authorization service client (access decisions, lookup grants)."""
    return runtime.authorization


def get_authorization_source(runtime: RuntimeDep) -> AuthorizationSource:
    """The authorization service client (*Valtuutus*)."""
    return runtime.authorization


def get_payment_source(runtime: RuntimeDep) -> PaymentSource:
    """The payment service client (*Maksa*, the PSP return and callback)."""
    return runtime.payments


def get_payment_time_source(runtime: RuntimeDep) -> PaymentTimeSource:
    """The invoice service client (*Eräpäivän siirto*, *Maksusuunnitelma*)."""
    return runtime.invoices


def get_refund_source(runtime: RuntimeDep) -> RefundSource:
    """The refund service client (*Ilmoita tilinumero* and its notices)."""
    return runtime.refunds


def get_letter_source(runtime: RuntimeDep) -> LetterSource:
    """The invoice service's letter calls (*Viestikeskus*, consent, balance certificate)."""
    return LetterClient(runtime.channels["invoice"], runtime.settings.rpc_timeout_seconds)


def get_refund_letter_source(runtime: RuntimeDep) -> RefundLetterSource:
    """The refund service client (the refund letters of *Viestikeskus*)."""
    return runtime.refunds


def get_dispute_source(runtime: RuntimeDep) -> DisputeSource:
    """The invoice service's dispute calls (*Reklamaatio*)."""
    return DisputeClient(runtime.channels["invoice"], runtime.settings.rpc_timeout_seconds)


InvoiceSourceDep = Annotated[InvoiceSource, Depends(get_invoice_source)]
LetterSourceDep = Annotated[LetterSource, Depends(get_letter_source)]
RefundLetterSourceDep = Annotated[RefundLetterSource, Depends(get_refund_letter_source)]
DisputeSourceDep = Annotated[DisputeSource, Depends(get_dispute_source)]
PaymentTimeSourceDep = Annotated[PaymentTimeSource, Depends(get_payment_time_source)]
PaymentSourceDep = Annotated[PaymentSource, Depends(get_payment_source)]
AccessSourceDep = Annotated[AccessSource, Depends(get_access_source)]
AuthorizationSourceDep = Annotated[AuthorizationSource, Depends(get_authorization_source)]
RefundSourceDep = Annotated[RefundSource, Depends(get_refund_source)]


@dataclass(frozen=True, slots=True)
class Customer:
    """A logged-in MyRopo customer."""

    session: Session

    @property
    def identity(self) -> Identity:
        return self.session.identity

    @property
    def subject(self) -> str:
        """``persons/{key}``: who asks, towards the services and in the audit log."""
        return self.session.identity.subject


async def get_customer(request: Request, runtime: RuntimeDep, session: SessionDep) -> Customer:
    """The logged-in person, or 401 (``not_logged_in``)."""
    if session is None or not session_token(request, runtime):
        raise not_logged_in()
    return Customer(session)


CustomerDep = Annotated[Customer, Depends(get_customer)]


def get_language(request: Request) -> str:
    """The language of the request (the language cookie, Finnish by default)."""
    return translator_for(request).language


LanguageDep = Annotated[str, Depends(get_language)]


def get_channel(request: Request) -> Channel:
    """Where the request came in, for the audit log: a page or the JSON API."""
    if request.url.path.startswith(API_PATH_PREFIX):
        return Channel.MYROPO_API
    return Channel.MYROPO


def get_access_policy(
    request: Request, runtime: RuntimeDep, access: AccessSourceDep
) -> InvoiceAccessPolicy:
    return InvoiceAccessPolicy(access, runtime.audit, get_channel(request))


AccessPolicyDep = Annotated[InvoiceAccessPolicy, Depends(get_access_policy)]


def get_dispute_desk(
    runtime: RuntimeDep, request: Request, policy: AccessPolicyDep, disputes: DisputeSourceDep
) -> DisputeDesk:
    return DisputeDesk(policy, disputes, runtime.audit, get_channel(request))


DisputeDeskDep = Annotated[DisputeDesk, Depends(get_dispute_desk)]


def get_message_centre(
    policy: AccessPolicyDep, letters: LetterSourceDep, refunds: RefundLetterSourceDep
) -> MessageCentre:
    return MessageCentre(letters, refunds, policy)


MessageCentreDep = Annotated[MessageCentre, Depends(get_message_centre)]


def get_letter_consents(
    runtime: RuntimeDep, request: Request, letters: LetterSourceDep
) -> LetterConsents:
    return LetterConsents(letters, runtime.audit, get_channel(request))


LetterConsentsDep = Annotated[LetterConsents, Depends(get_letter_consents)]


def get_balance_certificates(
    runtime: RuntimeDep, request: Request, letters: LetterSourceDep
) -> BalanceCertificates:
    return BalanceCertificates(letters, runtime.audit, get_channel(request))


BalanceCertificatesDep = Annotated[BalanceCertificates, Depends(get_balance_certificates)]


def get_invoice_reader(
    policy: AccessPolicyDep,
    invoices: InvoiceSourceDep,
    disputes: DisputeDeskDep,
    messages: MessageCentreDep,
) -> InvoiceReader:
    return InvoiceReader(policy, invoices, disputes=disputes, messages=messages)


InvoiceReaderDep = Annotated[InvoiceReader, Depends(get_invoice_reader)]


def get_invoice_authorizations(
    policy: AccessPolicyDep, authorizations: AuthorizationSourceDep
) -> InvoiceAuthorizations:
    return InvoiceAuthorizations(policy, authorizations)


InvoiceAuthorizationsDep = Annotated[InvoiceAuthorizations, Depends(get_invoice_authorizations)]


def get_invoice_lookup(
    runtime: RuntimeDep, invoices: InvoiceSourceDep, access: AccessSourceDep
) -> InvoiceLookup:
    return InvoiceLookup(invoices, access, runtime.lookup_limiter)


InvoiceLookupDep = Annotated[InvoiceLookup, Depends(get_invoice_lookup)]


def get_online_payments(
    reader: InvoiceReaderDep, policy: AccessPolicyDep, payments: PaymentSourceDep
) -> OnlinePayments:
    return OnlinePayments(reader, policy, payments)


OnlinePaymentsDep = Annotated[OnlinePayments, Depends(get_online_payments)]


def get_payment_time(policy: AccessPolicyDep, source: PaymentTimeSourceDep) -> PaymentTime:
    return PaymentTime(policy, source)


PaymentTimeDep = Annotated[PaymentTime, Depends(get_payment_time)]


def get_refund_wizard(policy: AccessPolicyDep, source: RefundSourceDep) -> RefundWizard:
    return RefundWizard(source, policy)


RefundWizardDep = Annotated[RefundWizard, Depends(get_refund_wizard)]
