"""Fakes and the in-process harness of the MyRopo route tests (a plain module, not a conftest).

``FakeInvoices`` and ``FakeAccess`` stand in for the invoice and authorization
services behind the ``InvoiceSource``/``AccessSource``/``AuthorizationSource``
ports, with the behaviour the real services promise (filters, keyset-like page
tokens bound to the filter, one NOT_FOUND for every lookup miss; the access rules
per relation and action, lookup grants, *Valtuutus* with its refusals). Sessions,
the audit log and the rate limit are the real ones on a temporary SQLite database.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import grpc
import httpx
from gateway_support import FakeClock
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2
from pydantic import SecretStr
from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2, payment_time_pb2
from ropo_gateway.app import create_app
from ropo_gateway.audit.model import AuditEvent, AuditRecord
from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.authorization import (
    AccessDecision,
    Action,
    AuthorizationView,
    GranteeDetails,
    InvoiceAccess,
)
from ropo_gateway.clients.chat import (
    ChatLink,
    ChatUpdate,
    ConversationPage,
    ConversationState,
    ConversationView,
    HandoffReason,
    MessagePage,
    MessageView,
    Posted,
    SenderType,
    Started,
)
from ropo_gateway.clients.disputes import (
    AttachmentInfo,
    AttachmentUpload,
    DisputeOrder,
    DisputePage,
    DisputeResult,
    DisputeState,
    DisputeView,
)
from ropo_gateway.clients.invoices import (
    ExtensionOrder,
    ExtensionResult,
    InvoiceDocument,
    InvoiceListQuery,
    InvoicePage,
    PlanOrder,
    PlanResult,
)
from ropo_gateway.clients.letters import (
    BalanceCertificate,
    ConsentChange,
    LetterChannel,
    LetterConsentChangeView,
    LetterConsentView,
    LetterPage,
    LetterQuery,
    LetterType,
    LetterView,
    letter_consent_name,
    letter_name,
)
from ropo_gateway.clients.payment_time import (
    ExtensionOption,
    InstalmentState,
    InstalmentView,
    PaymentTimeOptions,
    PlanChoice,
    PlanOption,
    date_to_proto,
    plan_view,
)
from ropo_gateway.clients.payments import (
    PaymentLine,
    PaymentOrder,
    PaymentState,
    PaymentView,
    PspReturnKind,
)
from ropo_gateway.clients.refunds import (
    AccountInput,
    PayoutBatchPage,
    PayoutBatchState,
    PayoutBatchView,
    PayoutFile,
    PayoutStatusImport,
    RefundAccountView,
    RefundCasePage,
    RefundCaseView,
    RefundLetter,
    RefundOrigin,
    RefundState,
    StaffActor,
)
from ropo_gateway.config import GatewaySettings
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.chat_routes import get_chat_source
from ropo_gateway.myropo.deps import (
    get_access_source,
    get_authorization_source,
    get_dispute_source,
    get_invoice_source,
    get_letter_source,
    get_payment_source,
    get_payment_time_source,
    get_refund_letter_source,
    get_refund_source,
)
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR, Runtime
from ropo_platform.db import upgrade_to_head_async
from ropo_platform.errors import FieldViolation
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc.errors import ErrorInfo, RpcError
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

State = invoice_pb2.Invoice.State
MAIJA = Identity("a" * 64, "Maija Meikäläinen", "150385-****", "loa2")
MATTI = Identity("b" * 64, "Matti Meikäläinen", "021178-****", "loa2")
PDF = b"%PDF-1.7\n% fake invoice image\n%%EOF\n"


def make_hetu(birth: str, individual: str, sign: str = "-") -> str:
    """A valid henkilötunnus in the test range (individual number 900–999)."""
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(birth + individual) % 31]
    return f"{birth}{sign}{individual}{check}"


MAIJA_HETU = make_hetu("150385", "902")
MATTI_HETU = make_hetu("021178", "913")
#: Born in 2005: a 2023 century sign (``B`` = 2000s).
LIISA_HETU = make_hetu("010105", "925", "B")
LIISA_SUBJECT = "persons/" + "c" * 64
#: What every lookup miss of the fake invoice service says (the real one: LookupFailed).
LOOKUP_MISS = RpcError(
    code=grpc.StatusCode.NOT_FOUND,
    message="no invoice matches the given details",
    error_info=ErrorInfo("INVOICE_LOOKUP_FAILED", "invoice.ropo"),
)


def upstream(code: grpc.StatusCode, message: str = "failed", **extra: Any) -> UpstreamError:
    return UpstreamError("invoice", RpcError(code=code, message=message, **extra))


def make_invoice(
    invoice_id: str,
    *,
    number: str = "20240017",
    creditor: str = "Testi-yritys Oy",
    due: tuple[int, int, int] = (2025, 3, 5),
    state: int = State.STATE_INVOICE,
    open_amount: str = "1696.32",
    total: str = "1696.32",
    reference: str = "1234561",
    postal_code: str = "00100",
    myropo_id: str = "",
    display_status: str = "Lasku",
    debtor: str = "",
) -> invoice_pb2.Invoice:
    """A full-view invoice as the invoice service would send it."""
    eur = "EUR"
    return invoice_pb2.Invoice(
        name=f"invoices/{invoice_id}",
        invoice_number=number,
        creditor="creditors/c1",
        creditor_display_name=creditor,
        debtor=invoice_pb2.Debtor(
            kind=invoice_pb2.DEBTOR_KIND_PERSON,
            display_name="Maija Meikäläinen",
            party=debtor,
            postal_code=postal_code,
        ),
        reference=reference,
        case_number="123456789012",
        myropo_id=myropo_id,
        issue_date=date_pb2.Date(year=2025, month=2, day=5),
        original_due_date=date_pb2.Date(year=due[0], month=due[1], day=due[2]),
        due_date=date_pb2.Date(year=due[0], month=due[1], day=due[2]),
        state=state,  # type: ignore[arg-type]
        display_status=display_status,
        capital=money_to_proto(Money("1690.32", eur)),
        open_capital=money_to_proto(Money("1690.32", eur)),
        open_amount=money_to_proto(Money(open_amount, eur)),
        total_amount=money_to_proto(Money(total, eur)),
        ledger_components=[
            invoice_pb2.LedgerComponent(
                type=invoice_pb2.LEDGER_COMPONENT_TYPE_CAPITAL,
                display_name="Pääoma",
                amount=money_to_proto(Money("1690.32", eur)),
                paid_amount=money_to_proto(Money("0.00", eur)),
                credited_amount=money_to_proto(Money("0.00", eur)),
                open_amount=money_to_proto(Money("1690.32", eur)),
            ),
            invoice_pb2.LedgerComponent(
                type=invoice_pb2.LEDGER_COMPONENT_TYPE_REMINDER_FEE,
                display_name="Maksumuistutusmaksu",
                amount=money_to_proto(Money("5.00", eur)),
                paid_amount=money_to_proto(Money("0.00", eur)),
                credited_amount=money_to_proto(Money("0.00", eur)),
                open_amount=money_to_proto(Money("5.00", eur)),
            ),
            invoice_pb2.LedgerComponent(
                type=invoice_pb2.LEDGER_COMPONENT_TYPE_PENALTY_INTEREST,
                display_name="Viivästyskorko",
                amount=money_to_proto(Money("1.00", eur)),
                paid_amount=money_to_proto(Money("0.00", eur)),
                credited_amount=money_to_proto(Money("0.00", eur)),
                open_amount=money_to_proto(Money("1.00", eur)),
            ),
        ],
        lines=[
            invoice_pb2.InvoiceLine(
                description="Sähkö 1.1.–31.1.",
                quantity="1",
                unit="kpl",
                unit_price=money_to_proto(Money("1347.07", eur)),
                vat_rate_percent="25.5",
                net_amount=money_to_proto(Money("1347.07", eur)),
                vat_amount=money_to_proto(Money("343.25", eur)),
                gross_amount=money_to_proto(Money("1690.32", eur)),
            )
        ],
        virtual_bank_barcode="4" + "0" * 53,
        payee_iban="FI2112345600000785",
        payee_bic="NDEAFIHH",
    )


def _is_open(invoice: invoice_pb2.Invoice) -> bool:
    archived = {State.STATE_PAID, State.STATE_CREDITED, State.STATE_CANCELLED}
    return invoice.open_amount.units > 0 and invoice.state not in archived


def _filter_key(query: InvoiceListQuery) -> str:
    canonical = json.dumps(
        [sorted(query.names), query.open_only, query.closed_only, query.query.lower()]
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _token(offset: int, query: InvoiceListQuery) -> str:
    raw = json.dumps({"o": offset, "f": _filter_key(query)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _bad_token() -> UpstreamError:
    return upstream(
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid page token",
        error_info=ErrorInfo("INVALID_PAGE_TOKEN", "invoice.ropo"),
        field_violations=(FieldViolation("page_token", "was issued for another request"),),
    )


@dataclass
class FakeInvoices:
    """The invoice service as the gateway sees it."""

    invoices: dict[str, invoice_pb2.Invoice] = field(default_factory=dict)
    events: dict[str, list[invoice_event_pb2.InvoiceEvent]] = field(default_factory=dict)
    documents: dict[str, InvoiceDocument] = field(default_factory=dict)
    list_calls: list[tuple[InvoiceListQuery, str]] = field(default_factory=list)
    lookup_calls: list[tuple[str, ...]] = field(default_factory=list)
    fail_with: UpstreamError | None = None
    events_fail_with: UpstreamError | None = None
    #: *Maksuaika*: the options per invoice name (none: neither is available).
    payment_time: dict[str, PaymentTimeOptions] = field(default_factory=dict)
    options_calls: list[tuple[str, str]] = field(default_factory=list)
    extension_orders: list[ExtensionOrder] = field(default_factory=list)
    plan_orders: list[PlanOrder] = field(default_factory=list)
    payment_time_fail_with: UpstreamError | None = None
    _done_requests: dict[str, object] = field(default_factory=dict)

    def add(self, invoice: invoice_pb2.Invoice) -> invoice_pb2.Invoice:
        self.invoices[invoice.name] = invoice
        return invoice

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    async def list_invoices(self, query: InvoiceListQuery, language_code: str) -> InvoicePage:
        self._check()
        self.list_calls.append((query, language_code))
        offset = 0
        if query.page_token:
            try:
                body = json.loads(base64.urlsafe_b64decode(query.page_token.encode()))
                offset = int(body["o"])
            except (ValueError, KeyError, TypeError):
                raise _bad_token() from None
            if body.get("f") != _filter_key(query):
                raise _bad_token()
        needle = query.query.lower()
        matching = [
            invoice
            for name, invoice in self.invoices.items()
            if name in query.names
            and (not query.open_only or _is_open(invoice))
            and (not query.closed_only or not _is_open(invoice))
            and (
                not needle
                or any(
                    needle in text.lower()
                    for text in (
                        invoice.creditor_display_name,
                        invoice.invoice_number,
                        invoice.reference,
                    )
                )
            )
        ]
        matching.sort(
            key=lambda i: (i.due_date.year, i.due_date.month, i.due_date.day, i.name),
            reverse=True,
        )
        size = query.page_size or 50
        page = matching[offset : offset + size]
        more = offset + size < len(matching)
        return InvoicePage(list(page), _token(offset + size, query) if more else "")

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice:
        self._check()
        if name not in self.invoices:
            raise upstream(grpc.StatusCode.NOT_FOUND, "invoice not found")
        found = invoice_pb2.Invoice()
        found.CopyFrom(self.invoices[name])
        if language_code == "sv":
            found.display_status = "Faktura"
        elif language_code == "en":
            found.display_status = "Invoice"
        return found

    async def list_invoice_events(
        self, invoice: str, language_code: str
    ) -> list[invoice_event_pb2.InvoiceEvent]:
        self._check()
        if self.events_fail_with is not None:
            raise self.events_fail_with
        titles = {"fi": "Lasku vastaanotettu", "sv": "Fakturan mottagen", "en": "Invoice received"}
        default = [
            invoice_event_pb2.InvoiceEvent(
                name=f"{invoice}/events/1",
                type=invoice_event_pb2.InvoiceEvent.TYPE_IMPORTED,
                event_time=Timestamp(seconds=1_738_750_000),
                title=titles.get(language_code, titles["fi"]),
            )
        ]
        return self.events.get(invoice, default)

    async def get_invoice_document(self, invoice: str) -> InvoiceDocument:
        self._check()
        if invoice not in self.invoices:
            raise upstream(grpc.StatusCode.NOT_FOUND, "invoice not found")
        return self.documents.get(
            invoice, InvoiceDocument("application/pdf", PDF, "lasku-20240017.pdf", False)
        )

    async def lookup_by_details(
        self, invoice_number: str, reference: str, postal_code: str, language_code: str
    ) -> invoice_pb2.Invoice:
        self._check()
        self.lookup_calls.append((invoice_number, reference, postal_code))
        wanted_reference = reference.replace(" ", "")
        for invoice in self.invoices.values():
            if (
                invoice.invoice_number == invoice_number
                and invoice.reference == wanted_reference
                and invoice.debtor.postal_code == postal_code.replace(" ", "")
            ):
                return invoice
        raise UpstreamError("invoice", LOOKUP_MISS)

    async def lookup_by_myropo_id(self, myropo_id: str, language_code: str) -> invoice_pb2.Invoice:
        self._check()
        self.lookup_calls.append((myropo_id,))
        compact = myropo_id.replace("-", "").replace(" ", "").upper()
        for invoice in self.invoices.values():
            if invoice.myropo_id and invoice.myropo_id == compact:
                return invoice
        raise UpstreamError("invoice", LOOKUP_MISS)

    # ----------------------------------------------------------------- payment time

    def _payment_time_check(self) -> None:
        self._check()
        if self.payment_time_fail_with is not None:
            raise self.payment_time_fail_with

    async def payment_time_options(self, invoice: str, language_code: str) -> PaymentTimeOptions:
        self._payment_time_check()
        self.options_calls.append((invoice, language_code))
        if invoice not in self.invoices:
            raise upstream(grpc.StatusCode.NOT_FOUND, "invoice not found")
        return self.payment_time.get(invoice, unavailable_options())

    async def extend_due_date(self, order: ExtensionOrder) -> ExtensionResult:
        self._payment_time_check()
        self.extension_orders.append(order)
        done = self._done_requests.get(order.request_id)
        if isinstance(done, ExtensionResult):
            return done
        option = (await self.payment_time_options(order.invoice, "fi")).extension
        if not option.available:
            raise payment_time_error("ALREADY_EXTENDED")
        if option.fee != order.accepted_fee:
            raise payment_time_error("FEE_CHANGED")
        invoice = self.invoices[order.invoice]
        invoice.due_date.CopyFrom(date_to_proto(order.new_due_date))
        invoice.due_date_extension_count += 1
        result = ExtensionResult(invoice=invoice, fee=option.fee)
        self._done_requests[order.request_id] = result
        return result

    async def create_payment_plan(self, order: PlanOrder) -> PlanResult:
        self._payment_time_check()
        self.plan_orders.append(order)
        done = self._done_requests.get(order.request_id)
        if isinstance(done, PlanResult):
            return done
        option = (await self.payment_time_options(order.invoice, "fi")).plan
        choice = option.choice(order.instalment_count)
        if not option.available or choice is None:
            raise payment_time_error("ACTIVE_PAYMENT_PLAN")
        if choice.fee != order.accepted_fee:
            raise payment_time_error("FEE_CHANGED")
        invoice = self.invoices[order.invoice]
        invoice.payment_plan.CopyFrom(plan_message(f"{order.invoice}/paymentPlans/1", choice))
        result = PlanResult(invoice=invoice, plan=plan_view(invoice.payment_plan))
        self._done_requests[order.request_id] = result
        return result


def payment_time_error(reason: str) -> UpstreamError:
    """A FAILED_PRECONDITION of ExtendDueDate / CreatePaymentPlan as the client raises it."""
    return upstream(
        grpc.StatusCode.FAILED_PRECONDITION,
        reason.lower().replace("_", " "),
        error_info=ErrorInfo(reason, "invoice.ropo"),
    )


def unavailable_options(
    extension_message: str = "Eräpäivää on jo siirretty.",
    plan_message_text: str = "Laskun avoin summa on liian pieni maksusuunnitelmaan.",
) -> PaymentTimeOptions:
    """Neither option is available, with the service's sentences."""
    return PaymentTimeOptions(
        extension=ExtensionOption(
            available=False,
            earliest_due_date=None,
            latest_due_date=None,
            fee=Money.zero("EUR"),
            unavailable_reason="ALREADY_EXTENDED",
            unavailable_message=extension_message,
        ),
        plan=PlanOption(
            available=False,
            choices=(),
            unavailable_reason="AMOUNT_TOO_SMALL",
            unavailable_message=plan_message_text,
        ),
    )


def plan_choice(count: int, fee: str, total: str, first_due: date) -> PlanChoice:
    """A choice of ``count`` monthly instalments summing exactly to ``total`` (the last one
    absorbs the rounding)."""
    amounts = Money(total, "EUR").split(count)
    instalments = tuple(
        InstalmentView(
            number=index + 1,
            due_date=date(
                first_due.year + (first_due.month - 1 + index) // 12,
                (first_due.month - 1 + index) % 12 + 1,
                first_due.day,
            ),
            amount=amount,
            paid_amount=Money.zero("EUR"),
            state=InstalmentState.OPEN,
        )
        for index, amount in enumerate(amounts)
    )
    return PlanChoice(count, Money(fee, "EUR"), Money(total, "EUR"), instalments)


def available_options(
    *,
    earliest: date = date(2025, 3, 6),
    latest: date = date(2025, 4, 4),
    extension_fee: str = "5.00",
    choices: Sequence[PlanChoice] = (),
) -> PaymentTimeOptions:
    """Both options available (plan choices as given, or 2, 3 and 6 instalments)."""
    offered = tuple(choices) or tuple(
        plan_choice(count, "20.00", "1716.32", date(2025, 4, 5)) for count in (2, 3, 6)
    )
    return PaymentTimeOptions(
        extension=ExtensionOption(
            available=True,
            earliest_due_date=earliest,
            latest_due_date=latest,
            fee=Money(extension_fee, "EUR"),
            unavailable_reason="",
            unavailable_message="",
        ),
        plan=PlanOption(
            available=True, choices=offered, unavailable_reason="", unavailable_message=""
        ),
    )


def plan_message(
    name: str, choice: PlanChoice, state: int = payment_time_pb2.PaymentPlan.STATE_ACTIVE
) -> payment_time_pb2.PaymentPlan:
    """The ``PaymentPlan`` message the invoice service would store for ``choice``."""
    return payment_time_pb2.PaymentPlan(
        name=name,
        state=state,  # type: ignore[arg-type]
        instalments=[
            payment_time_pb2.Instalment(
                number=item.number,
                due_date=date_to_proto(item.due_date) if item.due_date else None,
                amount=money_to_proto(item.amount),
                paid_amount=money_to_proto(item.paid_amount),
                state=payment_time_pb2.Instalment.STATE_OPEN,
            )
            for item in choice.instalments
        ],
        fee=money_to_proto(choice.fee),
        total_amount=money_to_proto(choice.total_amount),
    )


#: What each relation allows (the authorization service's rules, docs/access-control.md).
_CUSTOMER_ACTIONS = frozenset(Action) - {Action.ADMINISTER}
_DELEGATE_ACTIONS = frozenset({Action.VIEW, Action.PAY, Action.MANAGE_PAYMENT_TIME, Action.CHAT})
ALLOWED_ACTIONS: dict[str, frozenset[Action]] = {
    "OWN": _CUSTOMER_ACTIONS,
    "AUTHORIZED": _DELEGATE_ACTIONS,
    "CONTINUOUS_AUTHORIZATION": _DELEGATE_ACTIONS,
    "LOOKUP": frozenset({Action.VIEW, Action.PAY}),
    #: Not a real relation: a viewer who may not pay (tests of what pages offer).
    "VIEW_ONLY": frozenset({Action.VIEW}),
}


def authorization_error(
    code: grpc.StatusCode, reason: str, *violations: FieldViolation
) -> UpstreamError:
    """A refusal of the authorization service as the client raises it."""
    return UpstreamError(
        "authorization",
        RpcError(
            code=code,
            message=reason.lower().replace("_", " "),
            error_info=ErrorInfo(reason, "authorization.ropo"),
            field_violations=violations,
        ),
    )


@dataclass
class FakeAccess:
    """The authorization service: relations per subject, lookup grants, authorizations."""

    relations: dict[str, dict[str, str]] = field(default_factory=dict)
    checks: list[tuple[str, str, Action]] = field(default_factory=list)
    lookup_grants: list[tuple[str, str, str]] = field(default_factory=list)
    authorizations: dict[str, AuthorizationView] = field(default_factory=dict)
    #: Henkilötunnus → the person's subject (the service's keyed pseudonym).
    people: dict[str, str] = field(
        default_factory=lambda: {
            MAIJA_HETU: MAIJA.subject,
            MATTI_HETU: MATTI.subject,
            LIISA_HETU: LIISA_SUBJECT,
        }
    )
    #: Invoices paid or closed: no new authorizations.
    closed: set[str] = field(default_factory=set)
    #: Every GranteeDetails the service received (the only place a hetu may go).
    grant_requests: list[GranteeDetails] = field(default_factory=list)
    revoke_calls: list[tuple[str, str]] = field(default_factory=list)
    today: date = date(2025, 3, 1)

    def allow(self, identity: Identity, invoice: str, reason: str = "OWN") -> None:
        self.relations.setdefault(identity.subject, {})[invoice] = reason

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]:
        entries = self.relations.get(subject, {})
        return [InvoiceAccess(name, reason) for name, reason in entries.items()][:limit]

    async def check_access(
        self,
        subject: str,
        invoice: str,
        action: Action = Action.VIEW,
        roles: Iterable[str] = (),
    ) -> AccessDecision:
        self.checks.append((subject, invoice, action))
        reason = self.relations.get(subject, {}).get(invoice)
        if reason is None:
            return AccessDecision(False, explanation="NO_RELATION")
        if action not in ALLOWED_ACTIONS.get(reason, frozenset()):
            refused = (
                "LOOKUP_GRANT_ACTION_NOT_ALLOWED" if reason == "LOOKUP" else "ACTION_NOT_ALLOWED"
            )
            return AccessDecision(False, explanation=refused)
        return AccessDecision(True, reason, explanation=f"{reason}_INVOICE")

    async def grant_lookup_access(self, subject: str, invoice: str, request_id: str) -> datetime:
        self.lookup_grants.append((subject, invoice, request_id))
        self.relations.setdefault(subject, {}).setdefault(invoice, "LOOKUP")
        return datetime(2025, 3, 1, 12, 15, tzinfo=UTC)

    async def list_authorizations(
        self,
        *,
        invoice: str = "",
        grantor: str = "",
        grantee: str = "",
        active_only: bool = False,
        limit: int = 200,
    ) -> list[AuthorizationView]:
        found = [
            item
            for item in self.authorizations.values()
            if (not invoice or item.invoice == invoice or item.type == "CONTINUOUS")
            and (not grantor or item.grantor == grantor)
            and (not grantee or item.grantee == grantee)
            and (not active_only or item.active)
        ]
        return list(reversed(found))[:limit]

    def add_authorization(
        self,
        invoice: str,
        grantor: Identity,
        grantee_subject: str,
        *,
        name: str = "",
        state: str = "ACTIVE",
        type: str = "INVOICE",
    ) -> AuthorizationView:
        """An authorization made outside the routes (by staff, or earlier)."""
        view = AuthorizationView(
            name=name or f"authorizations/a{len(self.authorizations) + 1:031d}",
            type=type,
            state=state,
            grantor=grantor.subject,
            grantee=grantee_subject,
            grantee_display_name="Liisa Virtanen",
            grantee_masked_identifier="010105-****",
            invoice=invoice if type == "INVOICE" else "",
            creditor="",
            expire_date=None,
            creator=grantor.subject,
            create_time=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
            end_time=None,
            revoker="",
        )
        self.authorizations[view.name] = view
        if state == "ACTIVE" and type == "INVOICE":
            self.relations.setdefault(grantee_subject, {})[invoice] = "AUTHORIZED"
        return view

    async def grant_invoice_authorization(
        self, invoice: str, grantor: str, grantee: GranteeDetails, request_id: str
    ) -> AuthorizationView:
        self.grant_requests.append(grantee)
        if self.relations.get(grantor, {}).get(invoice) != "OWN":
            raise authorization_error(grpc.StatusCode.PERMISSION_DENIED, "NOT_THE_DEBTOR")
        subject = self.people.get(grantee.national_id) or (
            "persons/" + hashlib.sha256(grantee.national_id.encode()).hexdigest()
        )
        if subject == grantor:
            raise authorization_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                "INVALID_ARGUMENT",
                FieldViolation("grantee_national_id", "is the grantor", "SELF_AUTHORIZATION"),
            )
        if grantee.expire_date is not None and grantee.expire_date < self.today:
            raise authorization_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                "INVALID_ARGUMENT",
                FieldViolation("expire_date", "is in the past", "EXPIRE_DATE_IN_PAST"),
            )
        if invoice in self.closed:
            raise authorization_error(grpc.StatusCode.FAILED_PRECONDITION, "INVOICE_CLOSED")
        if any(
            item.active and item.invoice == invoice and item.grantee == subject
            for item in self.authorizations.values()
        ):
            raise authorization_error(
                grpc.StatusCode.FAILED_PRECONDITION, "AUTHORIZATION_ALREADY_ACTIVE"
            )
        view = self.add_authorization(invoice, _person(grantor), subject)
        view = replace(
            view,
            grantee_display_name=grantee.name,
            grantee_masked_identifier=grantee.national_id[:6] + "-****",
            expire_date=grantee.expire_date,
        )
        self.authorizations[view.name] = view
        return view

    async def revoke_authorization(
        self, name: str, actor: str, request_id: str, actor_roles: Iterable[str] = ()
    ) -> AuthorizationView:
        self.revoke_calls.append((name, actor))
        found = self.authorizations.get(name)
        if found is None or found.grantor != actor:
            raise authorization_error(grpc.StatusCode.NOT_FOUND, "AUTHORIZATION_NOT_FOUND")
        if not found.active:
            raise authorization_error(
                grpc.StatusCode.FAILED_PRECONDITION, "AUTHORIZATION_NOT_ACTIVE"
            )
        revoked = replace(
            found,
            state="REVOKED",
            revoker=actor,
            end_time=datetime(2025, 3, 1, 11, 0, tzinfo=UTC),
        )
        self.authorizations[name] = revoked
        self.relations.get(found.grantee, {}).pop(found.invoice, None)
        return revoked


def payment_error(code: grpc.StatusCode, reason: str = "") -> UpstreamError:
    """A refusal of the payment service as the client raises it."""
    return UpstreamError(
        "payment",
        RpcError(
            code=code,
            message=(reason or code.name).lower().replace("_", " "),
            error_info=ErrorInfo(reason, "payment.ropo") if reason else None,
        ),
    )


#: The PSP's hosted page in these tests (the fake answers with it).
PSP_PAGE = "https://psp.example.test/psp/pay/"


@dataclass
class FakePayments:
    """The payment service as the gateway sees it: CreatePayment with request-id replay,
    GetPayment, ListPayments, and HandlePspReturn deciding by ``checkout-status`` and a
    ``signature`` that must equal ``GOOD_SIGNATURE``."""

    GOOD_SIGNATURE = "good-signature"

    payments: dict[str, PaymentView] = field(default_factory=dict)
    orders: list[PaymentOrder] = field(default_factory=list)
    by_request: dict[str, str] = field(default_factory=dict)
    returns: list[tuple[PspReturnKind, dict[str, str], str]] = field(default_factory=list)
    list_calls: list[tuple[str, str]] = field(default_factory=list)
    fail_with: UpstreamError | None = None

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def add(self, payment: PaymentView) -> PaymentView:
        self.payments[payment.name] = payment
        return payment

    async def create_payment(self, order: PaymentOrder) -> PaymentView:
        self._check()
        self.orders.append(order)
        if order.request_id in self.by_request:
            return self.payments[self.by_request[order.request_id]]
        number = len(self.payments) + 1
        payment = make_payment(
            f"p{number}",
            payer=order.payer,
            items=tuple(order.items),
            transaction=f"tx-{number}",
        )
        self.by_request[order.request_id] = payment.name
        return self.add(payment)

    async def get_payment(self, name: str) -> PaymentView:
        self._check()
        if name not in self.payments:
            raise payment_error(grpc.StatusCode.NOT_FOUND, "PAYMENT_NOT_FOUND")
        return self.payments[name]

    async def list_payments(
        self, *, invoice: str = "", payer: str = "", limit: int = 200
    ) -> list[PaymentView]:
        self._check()
        self.list_calls.append((invoice, payer))
        found = [
            payment
            for payment in self.payments.values()
            if (not invoice or any(item.invoice == invoice for item in payment.items))
            and (not payer or payment.payer == payer)
        ]
        return list(reversed(found))[:limit]

    async def handle_psp_return(
        self, kind: PspReturnKind, query: Mapping[str, str], request_id: str
    ) -> PaymentView:
        self._check()
        self.returns.append((kind, dict(query), request_id))
        if query.get("signature") != self.GOOD_SIGNATURE:
            raise payment_error(grpc.StatusCode.INVALID_ARGUMENT, "BAD_SIGNATURE")
        found = next(
            (
                payment
                for payment in self.payments.values()
                if payment.provider_transaction_id == query.get("checkout-transaction-id")
            ),
            None,
        )
        if found is None:
            raise payment_error(grpc.StatusCode.NOT_FOUND, "PAYMENT_NOT_FOUND")
        state = {
            "ok": PaymentState.SUCCEEDED,
            "fail": PaymentState.FAILED,
        }.get(query.get("checkout-status", ""), PaymentState.PENDING)
        if found.state in (PaymentState.SUCCEEDED, PaymentState.SETTLED):
            state = found.state  # monotonic: ok never goes back
        updated = replace(
            found,
            state=state,
            provider_method=query.get("checkout-provider", ""),
            succeed_time=datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
            if state is PaymentState.SUCCEEDED
            else None,
        )
        return self.add(updated)


def make_payment(
    payment_id: str,
    *,
    payer: str,
    items: tuple[PaymentLine, ...] = (),
    state: PaymentState = PaymentState.PENDING,
    transaction: str = "tx-1",
    method: str = "",
) -> PaymentView:
    """A payment as the payment service answers it."""
    lines = items or (PaymentLine("invoices/maija-1", Money("1696.32", "EUR")),)
    return PaymentView(
        name=f"payments/{payment_id}",
        state=state,
        items=tuple(replace(line, reference=line.reference or "RF332348236") for line in lines),
        amount=Money.sum((line.amount for line in lines), "EUR"),
        payer=payer,
        payment_page_url=f"{PSP_PAGE}{transaction}",
        provider_transaction_id=transaction,
        provider_method=method,
        create_time=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        update_time=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        succeed_time=None,
        settle_time=None,
    )


@dataclass
class MemoryAuditLog:
    """``AuditLog`` in a list, for unit tests without a database (no hash chain)."""

    events: list[AuditEvent] = field(default_factory=list)

    async def append(self, event: AuditEvent, request_id: str) -> AuditRecord:
        self.events.append(event)
        return AuditRecord(len(self.events), datetime.now(UTC), request_id, event, "", "")


def _person(subject: str) -> Identity:
    return Identity(subject.removeprefix("persons/"), "", "", "")


@dataclass
class Harness:
    """The app in process with fake peers; ``client`` is logged in as ``MAIJA``."""

    client: httpx.AsyncClient
    runtime: Runtime
    invoices: FakeInvoices
    access: FakeAccess
    clock: FakeClock
    session_token: str
    payments: FakePayments = field(default_factory=FakePayments)
    refunds: FakeRefunds = field(default_factory=lambda: FakeRefunds())
    chat: FakeChat = field(default_factory=lambda: FakeChat())
    letters: FakeLetters = field(default_factory=lambda: FakeLetters())
    disputes: FakeDisputes = field(default_factory=lambda: FakeDisputes(FakeInvoices()))

    async def login(self, identity: Identity) -> httpx.AsyncClient:
        """Another browser, logged in as ``identity`` (close it with ``aclose``)."""
        token, _ = await self.runtime.sessions.open_session(identity, None)
        return httpx.AsyncClient(
            transport=self.client._transport,
            base_url="http://localhost",
            cookies={"ropo_session": token},
        )

    def visitor(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """Another browser, not logged in, from the client address ``address`` (close it with
        ``aclose``)."""
        transport = cast(httpx.ASGITransport, self.client._transport)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=transport.app, client=(address, 50000)),
            base_url="http://localhost",
        )

    async def audit_records(self) -> list[AuditRecord]:
        """Every record in the audit log, oldest first."""
        return [record async for record in self.runtime.audit_log.all_records()]

    async def csrf_token(self, client: httpx.AsyncClient | None = None) -> str:
        page = await (client or self.client).get("/hae-lasku")
        marker = 'name="csrf_token" value="'
        start = page.text.index(marker) + len(marker)
        return page.text[start : page.text.index('"', start)]


@asynccontextmanager
async def running_gateway(tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """Start the app (real sessions, audit log, rate limit on SQLite; fake service clients)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head_async(url, DEFAULT_MIGRATIONS_DIR)
    config = GatewaySettings(
        database_url=url,
        cookie_secure=False,
        person_key_secret=SecretStr("myropo-route-test-secret"),
        **settings,
    )
    clock = FakeClock()
    invoices, access, payments = FakeInvoices(), FakeAccess(), FakePayments()
    refunds = FakeRefunds()
    chat = FakeChat()
    app = create_app(config, clock=clock)
    app.dependency_overrides[get_chat_source] = lambda: chat
    app.dependency_overrides[get_payment_source] = lambda: payments
    app.dependency_overrides[get_invoice_source] = lambda: invoices
    app.dependency_overrides[get_payment_time_source] = lambda: invoices
    app.dependency_overrides[get_access_source] = lambda: access
    app.dependency_overrides[get_authorization_source] = lambda: access
    app.dependency_overrides[get_refund_source] = lambda: refunds
    letters, disputes = FakeLetters(clock), FakeDisputes(invoices, clock)
    app.dependency_overrides[get_letter_source] = lambda: letters
    app.dependency_overrides[get_refund_letter_source] = lambda: refunds
    app.dependency_overrides[get_dispute_source] = lambda: disputes
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        token, _ = await runtime.sessions.open_session(MAIJA, None)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://localhost",
            cookies={"ropo_session": token},
        ) as client:
            yield Harness(
                client,
                runtime,
                invoices,
                access,
                clock,
                token,
                payments,
                refunds,
                chat,
                letters=letters,
                disputes=disputes,
            )


def names(items: Sequence[dict[str, Any]]) -> list[str]:
    return [str(item["name"]) for item in items]


# ------------------------------------------------------------------------------ refunds

#: The SEPA countries the fake refund service pays to (the real one asks schwifty's registry).
SEPA_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GI"),
        *("GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL", "NO"),
        *("PL", "PT", "RO", "SE", "SI", "SK", "SM", "VA", "AD"),
    }
)
#: A valid Finnish test IBAN (its BIC is derived: OKOYFIHH) and a valid non-SEPA one.
GOOD_IBAN = "FI49 5000 9420 0287 30"
NON_SEPA_IBAN = "SA03 8000 0000 6080 1016 7519"
#: Case number and MyRopo ID of the first case ``FakeRefunds.open_case`` opens.
CASE_NUMBER = "9000000017"
REFUND_MYROPO_ID = "4KQ79XMP2D3H"
_HOLDER = re.compile(r"^[\w .,'&-]{2,70}$")


def refund_error(
    code: grpc.StatusCode,
    reason: str,
    message: str = "",
    *violations: FieldViolation,
    metadata: Mapping[str, str] | None = None,
    retry_after_seconds: float | None = None,
) -> UpstreamError:
    """A refusal of the refund service as the client raises it."""
    return UpstreamError(
        "refund",
        RpcError(
            code=code,
            message=message or reason.lower().replace("_", " "),
            error_info=ErrorInfo(reason, "refund.ropo", dict(metadata or {})),
            field_violations=tuple(violations),
            retry_after_seconds=retry_after_seconds,
        ),
    )


def _iban_violation(raw: str) -> tuple[str, str] | None:
    """(iban_problem, the service's sentence) of a bad IBAN, as CONTRACT §1 words them."""
    compact = raw.replace(" ", "").upper()
    if not compact:
        return "missing", "Enter the IBAN."
    if not re.match(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$", compact):
        return (
            "format",
            "An IBAN has a two-letter country code, two check digits and the account number.",
        )
    try:
        IBAN(compact)
    except schwifty_errors.InvalidLength:
        return "length", f"An IBAN of {compact[:2]} has the wrong number of characters."
    except schwifty_errors.InvalidChecksumDigits:
        return "checksum", "The IBAN's check digits do not match: check the number."
    except ValueError:
        return (
            "format",
            "An IBAN has a two-letter country code, two check digits and the account number.",
        )
    if compact[:2] not in SEPA_COUNTRIES:
        return "not_sepa", "Refunds are paid only to accounts in the SEPA area."
    return None


def mask_iban(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    middle = " ".join("****" for _ in range((len(compact) - 6 + 3) // 4))
    return f"{compact[:4]} {middle} {compact[-2:]}"


@dataclass
class _StoredCase:
    view: RefundCaseView
    myropo_id: str
    version: int = 1
    #: The full IBAN of the current account (never leaves the fake in a view).
    iban: str = ""
    approved_account: str = ""
    changed_by: str = ""


@dataclass
class FakeRefunds:
    """The refund service as the gateway sees it: the wizard with verification per subject,
    attempt limits, etags and request-id replay; staff actions with roles and four eyes;
    batches; a status report in a tiny JSON form (``{"batch", "paid", "rejected"}``)."""

    cases: dict[str, _StoredCase] = field(default_factory=dict)
    batches: dict[str, PayoutFile] = field(default_factory=dict)
    verified: set[tuple[str, str]] = field(default_factory=set)
    failures: dict[str, int] = field(default_factory=dict)
    max_failures: int = 5
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: Every account submitted (the only place a full IBAN goes).
    submitted: list[AccountInput] = field(default_factory=list)
    staff_calls: list[tuple[str, str, StaffActor]] = field(default_factory=list)
    fail_with: UpstreamError | None = None
    _done: dict[tuple[str, str], tuple[object, object]] = field(default_factory=dict)

    def _check(self, method: str, target: str = "") -> None:
        self.calls.append((method, target))
        if self.fail_with is not None:
            raise self.fail_with

    def open_case(
        self,
        *,
        debtor: str = "",
        invoice: str = "invoices/maija-1",
        case_number: str = CASE_NUMBER,
        myropo_id: str = REFUND_MYROPO_ID,
        refundable: str = "25.00",
        fee: str = "5.00",
        debtor_name: str = "Maija Meikäläinen",
        origin: RefundOrigin = RefundOrigin.OVERPAYMENT,
        state: RefundState = RefundState.AWAITING_ACCOUNT,
    ) -> RefundCaseView:
        """A case as ``refund_case_opened`` leaves it."""
        number = len(self.cases) + 1
        name = f"refundCases/{uuid.UUID(int=number, version=4)}"
        view = RefundCaseView(
            name=name,
            state=state,
            origin=origin,
            case_number=case_number,
            invoice=invoice,
            payment=f"payments/p{number}",
            debtor_party=debtor,
            debtor_display_name=debtor_name,
            refundable_amount=Money(refundable, "EUR"),
            handling_fee=Money(fee, "EUR"),
            payout_amount=Money(refundable, "EUR") - Money(fee, "EUR"),
            account=None,
            payout_batch="",
            status_message="",
            etag="",
            create_time=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
            update_time=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
            paid_time=None,
            approver="",
            approve_time=None,
            previous_accounts=(),
            failed_payout_count=0,
        )
        stored = _StoredCase(view, myropo_id)
        self.cases[name] = stored
        self._touch(stored)
        return self.cases[name].view

    def view(self, name: str) -> RefundCaseView:
        return self.cases[name].view

    def confirm_account(
        self, name: str, *, iban: str = GOOD_IBAN, holder: str = "Maija Meikäläinen"
    ) -> RefundCaseView:
        """The person reported and confirmed ``iban``: the case awaits approval."""
        stored = self.cases[name]
        account = self._account(AccountInput(iban, "", holder), stored.view.debtor_party, True)
        stored.iban = iban.replace(" ", "").upper()
        return self._touch(stored, state=RefundState.AWAITING_APPROVAL, account=account)

    def _touch(self, stored: _StoredCase, **changes: Any) -> RefundCaseView:
        stored.version += 1
        etag = hashlib.sha256(f"{stored.view.name}:{stored.version}".encode()).hexdigest()[:16]
        stored.view = replace(stored.view, etag=etag, **changes)
        return stored.view

    def _replay(self, method: str, request_id: str, key: object) -> object | None:
        done = self._done.get((method, request_id))
        if done is None:
            return None
        if done[0] != key:
            raise refund_error(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
        return done[1]

    def _remember(self, method: str, request_id: str, key: object, result: object) -> None:
        self._done[(method, request_id)] = (key, result)

    def _case_for(self, name: str, subject: str) -> _StoredCase:
        stored = self.cases.get(name)
        if stored is None or (subject and (subject, name) not in self.verified):
            raise refund_error(grpc.StatusCode.NOT_FOUND, "REFUND_CASE_NOT_FOUND")
        return stored

    # ------------------------------------------------------------------ the wizard

    async def verify_refund_case(
        self, request_id: str, subject: str, case_number: str, myropo_id: str
    ) -> RefundCaseView:
        self._check("VerifyRefundCase", case_number)
        if self.failures.get(subject, 0) >= self.max_failures:
            raise refund_error(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "REFUND_VERIFICATION_LOCKED",
                retry_after_seconds=900,
            )
        wanted_number = re.sub(r"[ -]", "", case_number)
        wanted_id = re.sub(r"[ -]", "", myropo_id).upper().replace("O", "0")
        for name, stored in self.cases.items():
            if (
                stored.view.case_number == wanted_number
                and hmac.compare_digest(stored.myropo_id, wanted_id)
                and stored.view.state not in (RefundState.PAID, RefundState.REJECTED)
            ):
                self.verified.add((subject, name))
                return stored.view
        self.failures[subject] = self.failures.get(subject, 0) + 1
        raise refund_error(
            grpc.StatusCode.NOT_FOUND,
            "REFUND_CASE_NOT_FOUND",
            "No refund case matches the case number and MyRopo ID.",
        )

    def _account_violations(self, account: AccountInput) -> UpstreamError | None:
        violations: list[FieldViolation] = []
        metadata: dict[str, str] = {}
        problem = _iban_violation(account.iban)
        if problem is not None:
            metadata["iban_problem"] = problem[0]
            violations.append(FieldViolation("iban", problem[1], "IBAN_" + problem[0].upper()))
        if account.bic:
            try:
                BIC(account.bic)
            except ValueError:
                violations.append(FieldViolation("bic", "The BIC is not valid.", "BIC_INVALID"))
        if not _HOLDER.match(account.holder_name.strip()):
            violations.append(
                FieldViolation("holder_name", "Enter the account holder's name.", "HOLDER_NAME")
            )
        if not violations:
            return None
        return refund_error(
            grpc.StatusCode.INVALID_ARGUMENT,
            "REFUND_ACCOUNT_INVALID",
            "The account is not valid.",
            *violations,
            metadata=metadata,
        )

    def _account(self, account: AccountInput, reporter: str, confirmed: bool) -> RefundAccountView:
        compact = account.iban.replace(" ", "").upper()
        bic = account.bic or (IBAN(compact).bic and str(IBAN(compact).bic)) or ""
        return RefundAccountView(
            masked_iban=mask_iban(compact),
            bic=bic,
            holder_name=account.holder_name.strip(),
            confirmed=confirmed,
            reporter=reporter,
            report_time=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
            replaced_by="",
            replace_reason="",
            replace_time=None,
        )

    async def submit_refund_account(
        self, request_id: str, refund_case: str, subject: str, account: AccountInput
    ) -> RefundCaseView:
        self._check("SubmitRefundAccount", refund_case)
        key = (refund_case, subject, account)
        replayed = self._replay("submit", request_id, key)
        if isinstance(replayed, RefundCaseView):
            return replayed
        stored = self._case_for(refund_case, subject)
        if stored.view.state not in (RefundState.AWAITING_ACCOUNT, RefundState.ACCOUNT_SUBMITTED):
            raise refund_error(
                grpc.StatusCode.FAILED_PRECONDITION, "REFUND_ACCOUNT_ALREADY_CONFIRMED"
            )
        refused = self._account_violations(account)
        if refused is not None:
            raise refused
        self.submitted.append(account)
        previous = stored.view.previous_accounts
        if stored.view.account is not None:
            previous += (replace(stored.view.account, replaced_by=subject),)
        stored.iban = account.iban.replace(" ", "").upper()
        view = self._touch(
            stored,
            state=RefundState.ACCOUNT_SUBMITTED,
            account=self._account(account, subject, False),
            previous_accounts=previous,
        )
        self._remember("submit", request_id, key, view)
        return view

    async def confirm_refund_account(
        self, request_id: str, refund_case: str, subject: str, etag: str
    ) -> RefundCaseView:
        self._check("ConfirmRefundAccount", refund_case)
        key = (refund_case, subject, etag)
        replayed = self._replay("confirm", request_id, key)
        if isinstance(replayed, RefundCaseView):
            return replayed
        stored = self._case_for(refund_case, subject)
        if stored.view.state is not RefundState.ACCOUNT_SUBMITTED:
            confirmed = stored.view.account is not None and stored.view.account.confirmed
            raise refund_error(
                grpc.StatusCode.FAILED_PRECONDITION,
                "REFUND_ACCOUNT_ALREADY_CONFIRMED" if confirmed else "REFUND_ACCOUNT_NOT_SUBMITTED",
            )
        if etag != stored.view.etag:
            raise refund_error(grpc.StatusCode.ABORTED, "REFUND_CASE_CHANGED")
        assert stored.view.account is not None
        holder = stored.view.account.holder_name.casefold().split()
        debtor = stored.view.debtor_display_name.casefold().split()
        matches = bool(debtor) and all(token in debtor for token in holder)
        view = self._touch(
            stored,
            state=RefundState.AWAITING_APPROVAL if matches else RefundState.MANUAL_REVIEW,
            account=replace(stored.view.account, confirmed=True),
        )
        self._remember("confirm", request_id, key, view)
        return view

    async def get_refund_case(self, name: str, subject: str = "") -> RefundCaseView:
        self._check("GetRefundCase", name)
        return self._case_for(name, subject).view

    async def list_refund_cases(
        self,
        *,
        states: Sequence[RefundState] = (),
        debtor_party: str = "",
        invoice: str = "",
        page_size: int = 50,
        page_token: str = "",
    ) -> RefundCasePage:
        self._check("ListRefundCases", invoice or debtor_party)
        found = [
            stored.view
            for stored in self.cases.values()
            if (not states or stored.view.state in states)
            and (not debtor_party or stored.view.debtor_party == debtor_party)
            and (not invoice or stored.view.invoice == invoice)
        ]
        offset = int(page_token or 0)
        page = found[offset : offset + page_size]
        more = offset + page_size < len(found)
        return RefundCasePage(tuple(page), str(offset + page_size) if more else "")

    # ------------------------------------------------------------------ staff

    def _staff(self, method: str, name: str, actor: StaffActor, *roles: str) -> _StoredCase:
        self._check(method, name)
        self.staff_calls.append((method, name, actor))
        if not set(roles) & set(actor.roles):
            raise refund_error(grpc.StatusCode.PERMISSION_DENIED, "REFUND_ROLE_REQUIRED")
        stored = self.cases.get(name)
        if stored is None:
            raise refund_error(grpc.StatusCode.NOT_FOUND, "REFUND_CASE_NOT_FOUND")
        return stored

    async def approve_refund(
        self, request_id: str, name: str, actor: StaffActor, etag: str
    ) -> RefundCaseView:
        stored = self._staff("ApproveRefund", name, actor, "agent", "supervisor")
        if stored.view.state not in (RefundState.AWAITING_APPROVAL, RefundState.MANUAL_REVIEW):
            raise refund_error(grpc.StatusCode.FAILED_PRECONDITION, "REFUND_NOT_APPROVABLE")
        if etag != stored.view.etag:
            raise refund_error(grpc.StatusCode.ABORTED, "REFUND_CASE_CHANGED")
        if stored.changed_by == actor.subject:
            raise refund_error(grpc.StatusCode.PERMISSION_DENIED, "REFUND_FOUR_EYES_REQUIRED")
        stored.approved_account = stored.iban
        return self._touch(
            stored,
            state=RefundState.APPROVED,
            approver=actor.subject,
            approve_time=datetime(2025, 3, 2, 10, 0, tzinfo=UTC),
        )

    async def reject_refund(
        self, request_id: str, name: str, actor: StaffActor, reason: str
    ) -> RefundCaseView:
        stored = self._staff("RejectRefund", name, actor, "agent", "supervisor")
        if stored.view.state in (RefundState.IN_PAYOUT, RefundState.PAID, RefundState.REJECTED):
            raise refund_error(grpc.StatusCode.FAILED_PRECONDITION, "REFUND_NOT_REJECTABLE")
        if not reason.strip():
            raise refund_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                "INVALID_ARGUMENT",
                "",
                FieldViolation("reason", "Give a reason."),
            )
        return self._touch(stored, state=RefundState.REJECTED, status_message=reason)

    async def change_refund_account(
        self, request_id: str, name: str, actor: StaffActor, account: AccountInput, reason: str
    ) -> RefundCaseView:
        stored = self._staff("ChangeRefundAccount", name, actor, "supervisor")
        if stored.view.state in (RefundState.IN_PAYOUT, RefundState.PAID, RefundState.REJECTED):
            raise refund_error(grpc.StatusCode.FAILED_PRECONDITION, "REFUND_ACCOUNT_LOCKED")
        refused = self._account_violations(account)
        if refused is not None:
            raise refused
        self.submitted.append(account)
        previous = stored.view.previous_accounts
        if stored.view.account is not None:
            previous += (
                replace(
                    stored.view.account,
                    replaced_by=actor.subject,
                    replace_reason=reason,
                    replace_time=datetime(2025, 3, 2, 9, 0, tzinfo=UTC),
                ),
            )
        stored.iban = account.iban.replace(" ", "").upper()
        stored.changed_by = actor.subject
        return self._touch(
            stored,
            state=RefundState.AWAITING_APPROVAL,
            account=self._account(account, actor.subject, True),
            previous_accounts=previous,
            approver="",
            approve_time=None,
        )

    async def export_payout_batch(
        self, request_id: str, actor: StaffActor, execution_date: date | None = None
    ) -> PayoutFile:
        self._check("ExportPayoutBatch", request_id)
        self.staff_calls.append(("ExportPayoutBatch", "", actor))
        if "supervisor" not in actor.roles:
            raise refund_error(grpc.StatusCode.PERMISSION_DENIED, "REFUND_ROLE_REQUIRED")
        approved = [
            stored
            for stored in self.cases.values()
            if stored.view.state is RefundState.APPROVED and not stored.view.payout_batch
        ]
        if not approved:
            raise refund_error(grpc.StatusCode.FAILED_PRECONDITION, "NO_APPROVED_REFUNDS")
        number = len(self.batches) + 1
        name = f"payoutBatches/{uuid.UUID(int=1000 + number, version=4)}"
        for stored in approved:
            self._touch(stored, state=RefundState.IN_PAYOUT, payout_batch=name)
        batch = PayoutBatchView(
            name=name,
            state=PayoutBatchState.EXPORTED,
            message_id=f"ROPO{number:028x}",
            refund_cases=tuple(stored.view.name for stored in approved),
            total_amount=Money.sum((s.view.payout_amount for s in approved), "EUR"),
            execution_date=execution_date or date(2025, 3, 3),
            create_time=datetime(2025, 3, 2, 12, 0, tzinfo=UTC),
            exporter=actor.subject,
            paid_count=0,
            failed_count=0,
            status_time=None,
        )
        content = b"<Document>pain.001.001.09 " + name.encode() + b"</Document>"
        made = PayoutFile(batch, content, "application/xml", f"{batch.message_id}.xml")
        self.batches[name] = made
        return made

    async def import_payout_status(
        self, request_id: str, actor: StaffActor, content: bytes
    ) -> PayoutStatusImport:
        self._check("ImportPayoutStatus", request_id)
        self.staff_calls.append(("ImportPayoutStatus", "", actor))
        try:
            report = json.loads(content)
            batch_name, paid, rejected = report["batch"], report["paid"], report["rejected"]
        except (ValueError, KeyError, TypeError):
            raise refund_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                "PAYOUT_STATUS_INVALID",
                "",
                FieldViolation("content", "The file is not a pain.002 status report."),
            ) from None
        made = self.batches.get(batch_name)
        if made is None:
            raise refund_error(grpc.StatusCode.NOT_FOUND, "PAYOUT_BATCH_NOT_FOUND")
        paid_count = failed_count = 0
        for name in made.batch.refund_cases:
            stored = self.cases[name]
            if stored.view.state is not RefundState.IN_PAYOUT:
                continue
            if name in paid:
                self._touch(stored, state=RefundState.PAID)
                paid_count += 1
            elif name in rejected:
                self._touch(
                    stored,
                    state=RefundState.AWAITING_ACCOUNT,
                    account=None,
                    payout_batch="",
                    status_message="AC04 closed account",
                )
                failed_count += 1
        batch = replace(
            made.batch,
            state=PayoutBatchState.COMPLETED,
            paid_count=made.batch.paid_count + paid_count,
            failed_count=made.batch.failed_count + failed_count,
        )
        self.batches[batch_name] = replace(made, batch=batch)
        return PayoutStatusImport(batch, paid_count, failed_count)

    async def list_payout_batches(
        self, *, page_size: int = 50, page_token: str = ""
    ) -> PayoutBatchPage:
        self._check("ListPayoutBatches")
        newest = [made.batch for made in reversed(list(self.batches.values()))]
        return PayoutBatchPage(tuple(newest[:page_size]), "")

    async def get_payout_batch(self, name: str) -> PayoutFile:
        self._check("GetPayoutBatch", name)
        if name not in self.batches:
            raise refund_error(grpc.StatusCode.NOT_FOUND, "PAYOUT_BATCH_NOT_FOUND")
        return self.batches[name]

    async def get_refund_letter(self, refund_case: str, language_code: str) -> RefundLetter:
        self._check("GetRefundLetter", refund_case)
        if refund_case not in self.cases:
            raise refund_error(grpc.StatusCode.NOT_FOUND, "REFUND_CASE_NOT_FOUND")
        return RefundLetter(PDF, "application/pdf", f"palautus-{language_code}.pdf")


# ------------------------------------------------------------------------------ chat

CHAT_LINK = ChatLink("/laskut/maija-1#maksuaika", "Eräpäivän siirto")


def chat_error(
    code: grpc.StatusCode, reason: str, retry_after_seconds: float | None = None
) -> UpstreamError:
    """A refusal of the chat service as the client raises it."""
    return UpstreamError(
        "chat",
        RpcError(
            code=code,
            message=reason.lower().replace("_", " "),
            error_info=ErrorInfo(reason, "chat.ropo"),
            retry_after_seconds=retry_after_seconds,
        ),
    )


@dataclass
class FakeWatch:
    """``WatchConversation`` as the client returns it: the stored messages after the resume
    point, then ``live`` (a test's script), then the end of the stream; ``cancel`` is
    recorded."""

    backlog: list[ChatUpdate]
    live: list[ChatUpdate]
    fail_with: UpstreamError | None = None
    cancelled: bool = False
    #: Set to keep the stream open after ``live`` until cancelled (a browser that stays).
    hold: bool = False
    _stopped: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aiter__(self) -> AsyncIterator[ChatUpdate]:
        for update in [*self.backlog, *self.live]:
            yield update
        if self.fail_with is not None:
            raise self.fail_with
        if self.hold:
            await self._stopped.wait()

    def cancel(self) -> None:
        self.cancelled = True
        self._stopped.set()


@dataclass
class FakeChat:
    """The chat service as the gateway sees it: conversations per customer, the bot (a
    hand-off when someone asks for a person, otherwise an answer with a link), the queue,
    claim/transfer/close by the assignee, request-id replay, a rate limit switch and the
    live stream (``FakeWatch``)."""

    conversations: dict[str, ConversationView] = field(default_factory=dict)
    messages: dict[str, list[MessageView]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    watches: list[tuple[str, str, FakeWatch]] = field(default_factory=list)
    #: Every message posted: (sender, text, language).
    posted: list[tuple[str, str, str]] = field(default_factory=list)
    #: What every new watch sends after the backlog.
    live: list[ChatUpdate] = field(default_factory=list)
    hold_watches: bool = False
    #: What every new watch fails with after ``live`` (the service went away).
    watch_error: UpstreamError | None = None
    rate_limited: bool = False
    fail_with: UpstreamError | None = None
    _done: dict[tuple[str, str], object] = field(default_factory=dict)
    _tick: int = 0

    def _check(self, method: str, target: str = "") -> None:
        self.calls.append((method, target))
        if self.fail_with is not None:
            raise self.fail_with

    def _now(self) -> datetime:
        self._tick += 1
        return datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=self._tick)

    def _message(
        self,
        conversation: str,
        sender_type: SenderType,
        text: str,
        *,
        sender: str = "",
        display_name: str = "",
        links: tuple[ChatLink, ...] = (),
    ) -> MessageView:
        stored = self.messages.setdefault(conversation, [])
        message = MessageView(
            name=f"{conversation}/messages/{len(stored) + 1:010d}",
            sender_type=sender_type,
            sender=sender,
            sender_display_name=display_name,
            text=text,
            links=links,
            language_code=self.conversations[conversation].language_code,
            create_time=self._now(),
        )
        stored.append(message)
        self._update(conversation, last_message_text=text)
        return message

    def _update(self, name: str, **changes: Any) -> ConversationView:
        view = replace(self.conversations[name], update_time=self._now(), **changes)
        self.conversations[name] = view
        return view

    def open_conversation(
        self,
        customer: str,
        *,
        state: ConversationState = ConversationState.BOT,
        language: str = "fi",
        assignee: str = "",
        assignee_display_name: str = "",
    ) -> ConversationView:
        """A conversation with the bot's greeting (then queued/claimed/closed as asked)."""
        name = f"conversations/{uuid.uuid4()}"
        self.conversations[name] = ConversationView(
            name=name,
            state=ConversationState.BOT,
            customer=customer,
            language_code=language,
            invoice="",
            assignee="",
            assignee_display_name="",
            handoff_reason=HandoffReason.UNSPECIFIED,
            last_message_text="",
            create_time=self._now(),
            update_time=None,
            handoff_time=None,
            close_time=None,
        )
        self._message(name, SenderType.BOT, "Hei! Miten voin auttaa?", display_name="Ropo-botti")
        if state is not ConversationState.BOT:
            self._update(
                name,
                state=state,
                handoff_reason=HandoffReason.CUSTOMER_REQUEST,
                handoff_time=self._now(),
                assignee=assignee,
                assignee_display_name=assignee_display_name,
            )
        return self.conversations[name]

    def transcript(self, name: str) -> list[MessageView]:
        return list(self.messages.get(name, []))

    def _replayed(self, method: str, request_id: str) -> Any:
        return self._done.get((method, request_id))

    def _get(self, name: str) -> ConversationView:
        found = self.conversations.get(name)
        if found is None:
            raise chat_error(grpc.StatusCode.NOT_FOUND, "CHAT_CONVERSATION_NOT_FOUND")
        return found

    async def start_conversation(
        self, request_id: str, customer: str, language_code: str, invoice: str = ""
    ) -> Started:
        self._check("StartConversation", customer)
        replayed = self._replayed("start", request_id)
        if replayed is not None:
            return cast(Started, replayed)
        view = self.open_conversation(customer, language=language_code)
        started = Started(view, tuple(self.transcript(view.name)))
        self._done[("start", request_id)] = started
        return started

    async def post_message(
        self,
        request_id: str,
        conversation: str,
        sender: str,
        text: str,
        language_code: str,
        sender_display_name: str = "",
    ) -> Posted:
        self._check("PostMessage", conversation)
        replayed = self._replayed("post", request_id)
        if replayed is not None:
            return cast(Posted, replayed)
        view = self._get(conversation)
        self.posted.append((sender, text, language_code))
        if self.rate_limited:
            raise chat_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "CHAT_MESSAGE_RATE_LIMITED", 7.0)
        if not view.state.open:
            raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_CONVERSATION_CLOSED")
        if sender.startswith("staffUsers/"):
            if view.state is not ConversationState.WITH_AGENT or view.assignee != sender:
                raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_NOT_ASSIGNEE")
            message = self._message(
                conversation,
                SenderType.AGENT,
                text,
                sender=sender,
                display_name=sender_display_name or view.assignee_display_name,
            )
            posted = Posted(message, (), self.conversations[conversation])
        else:
            if sender != view.customer:
                raise chat_error(
                    grpc.StatusCode.PERMISSION_DENIED, "CHAT_NOT_CONVERSATION_CUSTOMER"
                )
            message = self._message(conversation, SenderType.CUSTOMER, text, sender=sender)
            replies: tuple[MessageView, ...] = ()
            if view.state is ConversationState.BOT:
                replies = (self._bot_reply(conversation, text),)
            posted = Posted(message, replies, self.conversations[conversation])
        self._done[("post", request_id)] = posted
        return posted

    def _bot_reply(self, conversation: str, text: str) -> MessageView:
        if "ihmisen" in text.lower():
            reply = self._message(
                conversation,
                SenderType.BOT,
                "Siirrän keskustelun asiakaspalvelijalle.",
                display_name="Ropo-botti",
            )
            self._update(
                conversation,
                state=ConversationState.QUEUED,
                handoff_reason=HandoffReason.CUSTOMER_REQUEST,
                handoff_time=self._now(),
            )
            return reply
        return self._message(
            conversation,
            SenderType.BOT,
            "Eräpäivää voi siirtää laskun sivulla.",
            display_name="Ropo-botti",
            links=(CHAT_LINK, ChatLink("https://elsewhere.example/x", "Muualle")),
        )

    async def list_messages(
        self, conversation: str, *, page_size: int = 50, page_token: str = ""
    ) -> MessagePage:
        self._check("ListMessages", conversation)
        self._get(conversation)
        start = int(page_token or "0")
        stored = self.transcript(conversation)
        end = start + page_size
        return MessagePage(tuple(stored[start:end]), str(end) if end < len(stored) else "")

    def watch_conversation(self, conversation: str, after_message: str = "") -> FakeWatch:
        self.calls.append(("WatchConversation", conversation))
        backlog: list[ChatUpdate] = [
            message
            for message in self.transcript(conversation)
            if after_message and message.name > after_message
        ]
        watch = FakeWatch(
            backlog, list(self.live), fail_with=self.watch_error, hold=self.hold_watches
        )
        self.watches.append((conversation, after_message, watch))
        return watch

    async def list_queue(
        self, *, language_code: str = "", page_size: int = 50, page_token: str = ""
    ) -> ConversationPage:
        self._check("ListQueue")
        queued = [
            view
            for view in self.conversations.values()
            if view.state is ConversationState.QUEUED
            and (not language_code or view.language_code == language_code)
        ]
        queued.sort(key=lambda view: view.handoff_time or datetime.min.replace(tzinfo=UTC))
        return ConversationPage(tuple(queued[:page_size]), "")

    async def claim_conversation(
        self, request_id: str, conversation: str, agent: str, agent_display_name: str
    ) -> ConversationView:
        self._check("ClaimConversation", conversation)
        replayed = self._replayed("claim", request_id)
        if replayed is not None:
            return cast(ConversationView, replayed)
        view = self._get(conversation)
        if view.state is not ConversationState.QUEUED:
            raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_CONVERSATION_NOT_QUEUED")
        self._update(
            conversation,
            state=ConversationState.WITH_AGENT,
            assignee=agent,
            assignee_display_name=agent_display_name,
        )
        self._message(
            conversation,
            SenderType.SYSTEM,
            f"{agent_display_name} asiakaspalvelusta liittyi keskusteluun.",
            display_name="Ropo",
        )
        claimed = self.conversations[conversation]
        self._done[("claim", request_id)] = claimed
        return claimed

    async def transfer_conversation(
        self,
        request_id: str,
        conversation: str,
        actor: str,
        target_agent: str = "",
        target_agent_display_name: str = "",
    ) -> ConversationView:
        self._check("TransferConversation", conversation)
        view = self._get(conversation)
        if view.state is not ConversationState.WITH_AGENT or view.assignee != actor:
            raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_NOT_ASSIGNEE")
        return self._update(
            conversation,
            state=ConversationState.QUEUED,
            assignee="",
            assignee_display_name="",
            handoff_reason=HandoffReason.TRANSFER,
            handoff_time=self._now(),
        )

    async def close_conversation(
        self, request_id: str, conversation: str, actor: str
    ) -> ConversationView:
        self._check("CloseConversation", conversation)
        view = self._get(conversation)
        if not view.state.open:
            raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_CONVERSATION_CLOSED")
        if actor != view.customer and actor != view.assignee:
            raise chat_error(grpc.StatusCode.FAILED_PRECONDITION, "CHAT_NOT_PARTICIPANT")
        return self._update(conversation, state=ConversationState.CLOSED, close_time=self._now())

    async def get_conversation(self, name: str) -> ConversationView:
        self._check("GetConversation", name)
        return self._get(name)

    async def list_conversations(
        self,
        *,
        customer: str = "",
        assignee: str = "",
        state: ConversationState = ConversationState.UNSPECIFIED,
        page_size: int = 50,
        page_token: str = "",
    ) -> ConversationPage:
        self._check("ListConversations", customer or assignee)
        found = [
            view
            for view in self.conversations.values()
            if (not customer or view.customer == customer)
            and (not assignee or view.assignee == assignee)
            and (state is ConversationState.UNSPECIFIED or view.state is state)
        ]
        found.sort(
            key=lambda view: view.update_time or datetime.min.replace(tzinfo=UTC), reverse=True
        )
        return ConversationPage(tuple(found[:page_size]), "")


# ------------------------------------------------------- letters, consent, disputes (H4)

LETTER_TITLES: dict[LetterType, dict[str, str]] = {
    LetterType.INVOICE: {"fi": "Lasku", "sv": "Faktura", "en": "Invoice"},
    LetterType.REMINDER: {"fi": "Maksumuistutus", "sv": "Betalningspåminnelse", "en": "Reminder"},
    LetterType.PAYMENT_DEMAND: {"fi": "Maksuvaatimus", "sv": "Betalningskrav", "en": "Demand"},
    LetterType.PAYMENT_MONITORING_LETTER: {
        "fi": "Maksuvalvontakirje",
        "sv": "Brev om betalningsövervakning",
        "en": "Payment-monitoring letter",
    },
    LetterType.CUSTOMER_SERVICE_MESSAGE: {
        "fi": "Asiakaspalvelun viesti",
        "sv": "Meddelande från kundtjänst",
        "en": "Message from customer service",
    },
    LetterType.REFUND_LETTER: {"fi": "Palautuskirje", "sv": "Återbetalningsbrev", "en": "Refund"},
}
LETTER_PDF = b"%PDF-1.7\n% fake letter\n%%EOF\n"
CERTIFICATE_PDF = b"%PDF-1.7\n% fake balance certificate\n%%EOF\n"


def make_letter(
    invoice_id: str,
    letter_id: str,
    *,
    recipient: str,
    type: LetterType = LetterType.REMINDER,
    channel: LetterChannel = LetterChannel.PAPER,
    created: datetime = datetime(2025, 2, 20, 9, 0, tzinfo=UTC),
    read: bool = False,
    body: str = "",
    refund_case: str = "",
    invoice_number: str = "20240017",
    creditor: str = "Testi-yritys Oy",
) -> LetterView:
    """A letter of the message centre as the invoice service lists it (Finnish title)."""
    return LetterView(
        name=letter_name(invoice_id, letter_id),
        type=type,
        title=LETTER_TITLES.get(type, {}).get("fi", type.value),
        recipient_party=recipient,
        channel=channel,
        read=read,
        create_time=created,
        read_time=created + timedelta(days=1) if read else None,
        refund_case=refund_case,
        invoice_number=invoice_number,
        creditor_display_name=creditor,
        due_date=date(2025, 3, 20) if type is LetterType.REMINDER else None,
        body=body,
    )


def invalid_argument(service_field: str, description: str = "is not valid") -> UpstreamError:
    """INVALID_ARGUMENT with one field violation, as the invoice service answers."""
    return upstream(
        grpc.StatusCode.INVALID_ARGUMENT,
        description,
        error_info=ErrorInfo("INVALID_ARGUMENT", "invoice.ropo"),
        field_violations=(FieldViolation(service_field, description),),
    )


@dataclass
class FakeLetters:
    """The invoice service's message centre, consent and balance certificate."""

    clock: Any = None
    letters: dict[str, LetterView] = field(default_factory=dict)
    documents: dict[str, InvoiceDocument] = field(default_factory=dict)
    consents: dict[str, LetterConsentView] = field(default_factory=dict)
    list_calls: list[LetterQuery] = field(default_factory=list)
    read_calls: list[tuple[str, str, str]] = field(default_factory=list)
    document_calls: list[tuple[str, str, str]] = field(default_factory=list)
    consent_changes: list[ConsentChange] = field(default_factory=list)
    certificate_calls: list[tuple[str, str]] = field(default_factory=list)
    certificate: BalanceCertificate = field(
        default_factory=lambda: BalanceCertificate(
            "application/pdf", CERTIFICATE_PDF, "saldotodistus-2025-03-01.pdf"
        )
    )
    fail_with: UpstreamError | None = None
    _done: dict[str, object] = field(default_factory=dict)

    def add(self, letter: LetterView) -> LetterView:
        self.letters[letter.name] = letter
        return letter

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def _now(self) -> datetime:
        now: datetime = self.clock() if self.clock is not None else datetime.now(UTC)
        return now

    async def list_letters(self, query: LetterQuery, language_code: str) -> LetterPage:
        self._check()
        self.list_calls.append(query)
        if not query.recipient_party and not query.invoice:
            raise invalid_argument("recipient_party", "recipient_party or invoice is required")
        found = [
            letter
            for letter in self.letters.values()
            if (not query.recipient_party or letter.recipient_party == query.recipient_party)
            and (not query.invoice or letter.invoice == query.invoice)
            and (not query.unread_only or not letter.read)
        ]
        found.sort(key=lambda item: (item.create_time or datetime.min, item.name), reverse=True)
        offset = 0
        if query.page_token:
            if not query.page_token.startswith("o"):
                raise invalid_argument("page_token", "was not issued for this request")
            offset = int(query.page_token[1:])
        size = query.page_size or 50
        page = found[offset : offset + size]
        language = language_code or "fi"
        localised = [
            replace(item, title=LETTER_TITLES.get(item.type, {}).get(language, item.title))
            for item in page
        ]
        more = offset + size < len(found)
        return LetterPage(localised, f"o{offset + size}" if more else "")

    async def mark_letter_read(self, request_id: str, name: str, actor: str) -> LetterView:
        self._check()
        self.read_calls.append((request_id, name, actor))
        done = self._done.get(request_id)
        if isinstance(done, LetterView):
            return done
        letter = self.letters.get(name)
        if letter is None or letter.recipient_party != actor:
            raise upstream(grpc.StatusCode.NOT_FOUND, "letter not found")
        if not letter.read:
            letter = replace(letter, read=True, read_time=self._now())
            self.letters[name] = letter
        self._done[request_id] = letter
        return letter

    async def get_letter_document(
        self, invoice: str, letter: str, language_code: str = ""
    ) -> InvoiceDocument:
        self._check()
        self.document_calls.append((invoice, letter, language_code))
        if letter not in self.letters or not letter.startswith(f"{invoice}/letters/"):
            raise upstream(grpc.StatusCode.NOT_FOUND, "letter not found")
        return self.documents.get(
            letter, InvoiceDocument("application/pdf", LETTER_PDF, "muistutus.pdf", False)
        )

    async def get_letter_consent(self, person: str) -> LetterConsentView:
        self._check()
        return self.consents.get(
            person,
            LetterConsentView(letter_consent_name(person), False, "", (), None),
        )

    async def update_letter_consent(self, change: ConsentChange) -> LetterConsentView:
        self._check()
        self.consent_changes.append(change)
        done = self._done.get(change.request_id)
        if isinstance(done, LetterConsentView):
            return done
        # The service's own rule refuses what the gateway lets through here.
        if change.electronic and change.notification_email.endswith("@refused.fi"):
            raise invalid_argument("notification_email", "is not a deliverable address")
        previous = await self.get_letter_consent(change.person)
        now = self._now()
        updated = LetterConsentView(
            name=letter_consent_name(change.person),
            electronic=change.electronic,
            notification_email=change.notification_email if change.electronic else "",
            changes=(
                *previous.changes,
                LetterConsentChangeView(change.electronic, change.channel, change.actor, now),
            ),
            update_time=now,
        )
        self.consents[change.person] = updated
        self._done[change.request_id] = updated
        return updated

    async def get_balance_certificate(
        self, debtor_party: str, language_code: str
    ) -> BalanceCertificate:
        self._check()
        self.certificate_calls.append((debtor_party, language_code))
        return self.certificate


#: An attachment whose bytes look right but do not parse: the service's inspector refuses it.
MALFORMED_MARKER = b"NOT-REALLY-A-PDF"


@dataclass
class FakeDisputes:
    """The invoice service's disputes: one open dispute per invoice, the inspector's refusal
    of a file that does not parse (``MALFORMED_MARKER``), idempotent by request id."""

    invoices: FakeInvoices
    clock: Any = None
    disputes: dict[str, list[DisputeView]] = field(default_factory=dict)
    orders: list[DisputeOrder] = field(default_factory=list)
    list_calls: list[str] = field(default_factory=list)
    fail_with: UpstreamError | None = None
    list_fail_with: UpstreamError | None = None
    _done: dict[str, DisputeResult] = field(default_factory=dict)

    def add(self, dispute: DisputeView) -> DisputeView:
        self.disputes.setdefault(dispute.invoice, []).insert(0, dispute)
        return dispute

    async def dispute_invoice(self, order: DisputeOrder) -> DisputeResult:
        if self.fail_with is not None:
            raise self.fail_with
        self.orders.append(order)
        if order.request_id in self._done:
            return self._done[order.request_id]
        invoice = self.invoices.invoices.get(order.invoice)
        if invoice is None:
            raise upstream(grpc.StatusCode.NOT_FOUND, "invoice not found")
        violations = tuple(
            FieldViolation(f"attachments[{index}].content", "could not be opened")
            for index, item in enumerate(order.attachments)
            if isinstance(item, AttachmentUpload) and MALFORMED_MARKER in item.content
        )
        if violations:
            raise upstream(
                grpc.StatusCode.INVALID_ARGUMENT,
                "attachment refused",
                error_info=ErrorInfo("INVALID_ARGUMENT", "invoice.ropo"),
                field_violations=violations,
            )
        if any(item.open for item in self.disputes.get(order.invoice, [])):
            raise payment_time_error("DISPUTE_ALREADY_OPEN")
        if not _is_open(invoice):
            raise payment_time_error("INVOICE_NOT_OPEN")
        now = self.clock() if self.clock is not None else datetime.now(UTC)
        invoice_id = order.invoice.removeprefix("invoices/")
        uploads = [item for item in order.attachments if isinstance(item, AttachmentUpload)]
        view = DisputeView(
            name=f"{order.invoice}/disputes/d{len(self.orders)}",
            invoice_id=invoice_id,
            dispute_id=f"d{len(self.orders)}",
            state=DisputeState.OPEN,
            disputed_amount=order.disputed_amount,
            reason=order.reason,
            attachments=tuple(
                AttachmentInfo(item.filename, item.media_type, len(item.content))
                for item in uploads
            ),
            disputer=order.actor,
            resolution_message="",
            credited_amount=None,
            resolver="",
            create_time=now,
            resolve_time=None,
        )
        self.add(view)
        invoice.state = State.STATE_DISPUTED
        result = DisputeResult(view, invoice)
        self._done[order.request_id] = result
        return result

    async def list_disputes(
        self,
        *,
        invoice: str = "",
        states: Sequence[DisputeState] = (),
        page_size: int = 50,
        page_token: str = "",
    ) -> DisputePage:
        if self.list_fail_with is not None:
            raise self.list_fail_with
        self.list_calls.append(invoice)
        found = [
            item
            for name, items in self.disputes.items()
            if not invoice or name == invoice
            for item in items
            if not states or item.state in states
        ]
        return DisputePage(tuple(found[:page_size]), "")


def resolved_dispute(
    invoice_id: str,
    state: DisputeState,
    message: str,
    *,
    credited: str | None = None,
    disputed: str | None = None,
) -> DisputeView:
    """A dispute an agent has resolved."""
    return DisputeView(
        name=f"invoices/{invoice_id}/disputes/r1",
        invoice_id=invoice_id,
        dispute_id="r1",
        state=state,
        disputed_amount=Money(disputed, "EUR") if disputed else None,
        reason="Tuote palautettu",
        attachments=(),
        disputer="persons/" + "a" * 64,
        resolution_message=message,
        credited_amount=Money(credited, "EUR") if credited else None,
        resolver="staffUsers/agent",
        create_time=datetime(2025, 2, 10, 9, 0, tzinfo=UTC),
        resolve_time=datetime(2025, 2, 14, 9, 0, tzinfo=UTC),
    )
