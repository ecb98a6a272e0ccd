"""Helpers of the Ropo One gateway tests (a plain module: conftest names collide across folders).

``console`` builds the gateway app in process with its real staff login against the
sandbox identity broker, also in process (both behind one routing transport, so the
browser and the gateway reach the broker at ``http://sandbox.test``), fakes of the
invoice service (``FakeCases``, ``FakeCreditors``) and of the authorization service
(``FakeAuthorizations``, which decides like the real one) through FastAPI's
dependency overrides, and the real audit log on the test's SQLite database.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import grpc
import httpx
import lxml.html
import structlog
from gateway_support import FakeClock
from google.protobuf import timestamp_pb2
from google.type import date_pb2
from myropo_fakes import FakeChat, FakePayments, FakeRefunds
from pydantic import SecretStr
from ropo.invoice.v1 import creditor_pb2, invoice_event_pb2, invoice_pb2, payment_time_pb2
from ropo_gateway.app import create_app
from ropo_gateway.audit.model import AuditRecord, Purpose
from ropo_gateway.clients.authorization import (
    AccessDecision,
    Action,
    AuthorizationView,
    GranteeDetails,
    InvoiceAccess,
)
from ropo_gateway.clients.invoices import InvoicePage, InvoiceSearch
from ropo_gateway.clients.payment_time import PaymentPlanView, plan_view
from ropo_gateway.config import GatewaySettings
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.chat import (
    get_chat_desk,
    get_customer_invoice_access,
    get_invoices_by_name,
)
from ropo_gateway.ropo_one.deps import (
    get_authorizations,
    get_case_letters,
    get_cases,
    get_creditors,
    get_disputes,
    get_payment_plans,
    get_payments,
    get_refunds,
)
from ropo_gateway.runtime import DEFAULT_MIGRATIONS_DIR, Runtime
from ropo_one_dispute_fakes import FakeDisputes, FakeLetters
from ropo_platform.db import upgrade_to_head_async
from ropo_platform.logging import configure_logging
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc.errors import ErrorInfo, RpcError
from ropo_sandbox.app import create_app as create_sandbox_app
from ropo_sandbox.config import SandboxSettings
from ropo_sandbox.persons import TESTI_YRITYS_BUSINESS_ID, YRITYS_X_BUSINESS_ID

GATEWAY = "http://localhost"
SANDBOX = "http://sandbox.test"
TESTI = "creditors/0b6f0f3e-testi"
YRITYS_X = "creditors/5c1d2a9b-x"
STAFF_COOKIE = "ropo_staff_session"
STAFF_LOGIN_COOKIE = "ropo_staff_login"
CUSTOMER_COOKIE = "ropo_session"
AGENT = "aino-asiakaspalvelija"
SUPERVISOR = "eero-esihenkilo"
TESTI_USER = "kaisa-kirjanpitaja"
YRITYS_X_USER = "yrjo-yrittaja"
DEBTOR = "persons/" + "a" * 64
State = invoice_pb2.Invoice.State


def _date(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


def _eur(amount: str) -> Any:
    return money_to_proto(Money(amount, "EUR"))


def make_invoice(
    invoice_id: str,
    *,
    creditor: str = TESTI,
    case_number: str = "202500000017",
    invoice_number: str = "100101",
    debtor_name: str = "Maija Meikäläinen",
    kind: int = invoice_pb2.DEBTOR_KIND_PERSON,
    masked: str = "150385-****",
    state: int = State.STATE_REMINDER,
    display_status: str = "Maksumuistutus",
    paid_in_myropo: bool = False,
    capital: str = "1696.32",
    open_capital: str = "1696.32",
    open_amount: str = "1701.32",
) -> invoice_pb2.Invoice:
    """An invoice as GetInvoice returns it in the full view."""
    return invoice_pb2.Invoice(
        name=f"invoices/{invoice_id}",
        invoice_number=invoice_number,
        creditor=creditor,
        creditor_display_name="Testi-yritys Oy" if creditor == TESTI else "Oy Yritys X Ab",
        debtor=invoice_pb2.Debtor(
            kind=kind,  # type: ignore[arg-type]
            display_name=debtor_name,
            masked_identifier=masked,
            party=DEBTOR if kind == invoice_pb2.DEBTOR_KIND_PERSON else "organizations/" + "b" * 64,
        ),
        reference="1232",
        case_number=case_number,
        myropo_id="4KQ79XMP2D3H",
        issue_date=_date(2025, 2, 1),
        original_due_date=_date(2025, 2, 15),
        due_date=_date(2025, 3, 5),
        state=state,  # type: ignore[arg-type]
        paid_in_myropo=paid_in_myropo,
        display_status=display_status,
        capital=_eur(capital),
        open_capital=_eur(open_capital),
        open_amount=_eur(open_amount),
        total_amount=_eur(open_amount),
        ledger_components=[
            invoice_pb2.LedgerComponent(
                type=invoice_pb2.LEDGER_COMPONENT_TYPE_CAPITAL,
                display_name="Pääoma",
                amount=_eur(capital),
                paid_amount=_eur("0.00"),
                credited_amount=_eur("0.00"),
                open_amount=_eur(open_capital),
                charge_date=_date(2025, 2, 1),
            ),
            invoice_pb2.LedgerComponent(
                type=invoice_pb2.LEDGER_COMPONENT_TYPE_REMINDER_FEE,
                display_name="Maksumuistutusmaksu",
                amount=_eur("5.00"),
                paid_amount=_eur("0.00"),
                credited_amount=_eur("0.00"),
                open_amount=_eur("5.00"),
                charge_date=_date(2025, 2, 20),
            ),
        ],
        create_time=timestamp_pb2.Timestamp(seconds=1738400000),
    )


def make_events(invoice: invoice_pb2.Invoice) -> list[invoice_event_pb2.InvoiceEvent]:
    """A short timeline: imported, then a reminder with its fee."""
    Type = invoice_event_pb2.InvoiceEvent.Type
    return [
        invoice_event_pb2.InvoiceEvent(
            name=f"{invoice.name}/events/1",
            type=Type.TYPE_IMPORTED,
            event_time=timestamp_pb2.Timestamp(seconds=1738400000),
            title="Lasku vastaanotettu",
        ),
        invoice_event_pb2.InvoiceEvent(
            name=f"{invoice.name}/events/2",
            type=Type.TYPE_COST_ADDED,
            event_time=timestamp_pb2.Timestamp(seconds=1740045600),
            title="Maksumuistutus lähetetty",
            description="Maksumuistutusmaksu lisättiin saatavaan.",
            amount=_eur("5.00"),
        ),
    ]


def upstream(code: grpc.StatusCode, *violations: tuple[str, str]) -> UpstreamError:
    """The error the invoice client raises for a failed call."""
    from ropo_platform.errors import FieldViolation

    return UpstreamError(
        "invoice",
        RpcError(
            code=code,
            message="upstream says no",
            field_violations=tuple(FieldViolation(f, d) for f, d in violations),
        ),
    )


@dataclass
class FakeCases:
    """The invoice service as Ropo One uses it; records every call."""

    invoices: dict[str, invoice_pb2.Invoice] = field(default_factory=dict)
    events: dict[str, list[invoice_event_pb2.InvoiceEvent]] = field(default_factory=dict)
    searches: list[InvoiceSearch] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    next_page_token: str = ""
    #: Returned by every search regardless of filters (to test the gateway's own scoping).
    leaked: list[invoice_pb2.Invoice] = field(default_factory=list)
    search_error: UpstreamError | None = None
    events_error: UpstreamError | None = None
    #: ``CancelPaymentPlan`` calls: (request_id, plan name, actor, reason).
    plan_cancels: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: ``invoices_by_name`` calls (the chat page's invoice panel).
    by_name: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, invoice: invoice_pb2.Invoice) -> invoice_pb2.Invoice:
        self.invoices[invoice.name] = invoice
        self.events[invoice.name] = make_events(invoice)
        return invoice

    async def cancel_payment_plan(
        self, request_id: str, name: str, actor: str, reason: str
    ) -> PaymentPlanView:
        self.plan_cancels.append((request_id, name, actor, reason))
        invoice = self.invoices.get(name.split("/paymentPlans/")[0])
        if invoice is None or invoice.payment_plan.name != name:
            raise upstream(grpc.StatusCode.NOT_FOUND)
        if invoice.payment_plan.state != payment_time_pb2.PaymentPlan.STATE_ACTIVE:
            raise upstream(grpc.StatusCode.FAILED_PRECONDITION)
        invoice.payment_plan.state = payment_time_pb2.PaymentPlan.STATE_CANCELLED
        return plan_view(invoice.payment_plan)

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice:
        self.gets.append(name)
        if name not in self.invoices:
            raise upstream(grpc.StatusCode.NOT_FOUND)
        return self.invoices[name]

    async def search_invoices(self, search: InvoiceSearch, language_code: str) -> InvoicePage:
        self.searches.append(search)
        if self.search_error is not None:
            raise self.search_error
        found = [
            invoice
            for invoice in self.invoices.values()
            if (not search.creditor or invoice.creditor == search.creditor)
            and (not search.case_number or invoice.case_number == search.case_number)
            and (not search.open_only or invoice.state not in (State.STATE_PAID,))
        ]
        return InvoicePage(found + self.leaked, self.next_page_token)

    async def invoices_by_name(
        self, names: Sequence[str], language_code: str
    ) -> list[invoice_pb2.Invoice]:
        """The invoices named, unknown names skipped (``ListInvoices`` by names)."""
        self.by_name.append(tuple(names))
        return [self.invoices[name] for name in names if name in self.invoices]

    async def list_invoice_events(
        self, invoice: str, language_code: str, limit: int = 1000
    ) -> list[invoice_event_pb2.InvoiceEvent]:
        if self.events_error is not None:
            raise self.events_error
        return self.events.get(invoice, [])


@dataclass
class FakeCreditors:
    """``ListCreditors`` by business id."""

    known: Mapping[str, creditor_pb2.Creditor] = field(
        default_factory=lambda: {
            TESTI_YRITYS_BUSINESS_ID: creditor_pb2.Creditor(
                name=TESTI, display_name="Testi-yritys Oy", business_id=TESTI_YRITYS_BUSINESS_ID
            ),
            YRITYS_X_BUSINESS_ID: creditor_pb2.Creditor(
                name=YRITYS_X, display_name="Oy Yritys X Ab", business_id=YRITYS_X_BUSINESS_ID
            ),
        }
    )
    error: UpstreamError | None = None
    asked: list[str] = field(default_factory=list)

    async def creditor_by_business_id(self, business_id: str) -> creditor_pb2.Creditor | None:
        self.asked.append(business_id)
        if self.error is not None:
            raise self.error
        return self.known.get(business_id)


def authorization_error(
    code: grpc.StatusCode, reason: str = "", *violations: tuple[str, str, str]
) -> UpstreamError:
    """The error the authorization client raises for a refused call."""
    from ropo_platform.errors import FieldViolation

    return UpstreamError(
        "authorization",
        RpcError(
            code=code,
            message="authorization service says no",
            error_info=ErrorInfo(reason, "authorization.ropo") if reason else None,
            field_violations=tuple(FieldViolation(f, d, r) for f, d, r in violations),
        ),
    )


# What each relation allows (docs/access-control.md).
_STAFF_ACTIONS = {Action.VIEW, Action.CHAT, Action.AUTHORIZE, Action.ADMINISTER}


def make_authorization(
    authorization_id: str,
    *,
    type: str = "INVOICE",
    state: str = "ACTIVE",
    invoice: str = "invoices/inv-1",
    grantor: str = DEBTOR,
    grantee_name: str = "Liisa Virtanen",
    masked: str = "050595-****",
    creditor: str = "",
    expire_date: date | None = None,
    creator: str = DEBTOR,
    revoker: str = "",
) -> AuthorizationView:
    return AuthorizationView(
        name=f"authorizations/{authorization_id}",
        type=type,
        state=state,
        grantor=grantor,
        grantee="persons/" + "c" * 64,
        grantee_display_name=grantee_name,
        grantee_masked_identifier=masked,
        invoice=invoice if type == "INVOICE" else "",
        creditor=creditor,
        expire_date=expire_date,
        creator=creator,
        create_time=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
        end_time=None,
        revoker=revoker,
    )


@dataclass
class FakeAuthorizations:
    """The authorization service as Ropo One uses it: decides like the real one from the
    invoices of ``cases``, keeps authorizations, records every call."""

    cases: FakeCases
    authorizations: dict[str, AuthorizationView] = field(default_factory=dict)
    checks: list[tuple[str, str, Action, tuple[str, ...]]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    #: ``accessible_invoices`` calls (subjects).
    accessible: list[str] = field(default_factory=list)
    create_error: UpstreamError | None = None
    revoke_error: UpstreamError | None = None
    list_error: UpstreamError | None = None

    def add(self, view: AuthorizationView) -> AuthorizationView:
        self.authorizations[view.name] = view
        return view

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]:
        """A person's invoices as the debtor (``OWN``) and through authorizations they hold."""
        self.accessible.append(subject)
        if self.list_error is not None:
            raise self.list_error
        found = [
            InvoiceAccess(invoice.name, "OWN")
            for invoice in self.cases.invoices.values()
            if invoice.debtor.party == subject
        ]
        found += [
            InvoiceAccess(view.invoice, "AUTHORIZED")
            for view in self.authorizations.values()
            if view.grantee == subject and view.type == "INVOICE" and view.active
        ]
        return found[:limit]

    @property
    def calls(self) -> int:
        return len(self.checks) + len(self.created) + len(self.revoked) + len(self.listed)

    async def check_access(
        self,
        subject: str,
        invoice: str,
        action: Action = Action.VIEW,
        roles: Iterable[str] = (),
    ) -> AccessDecision:
        role_list = tuple(roles)
        self.checks.append((subject, invoice, action, role_list))
        found = self.cases.invoices.get(invoice)
        if found is None:
            return AccessDecision(False, explanation="NO_RELATION")
        for role in ("supervisor", "agent"):
            if role in role_list:
                if action in _STAFF_ACTIONS:
                    return AccessDecision(True, "STAFF", f"STAFF_{role.upper()}")
                return AccessDecision(False, explanation="ACTION_NOT_ALLOWED")
        for role in role_list:
            if role.startswith("creditor:") and found.creditor == "creditors/" + role[9:]:
                if action == Action.VIEW:
                    return AccessDecision(True, "CREDITOR", "CREDITOR_USER")
                return AccessDecision(False, explanation="ACTION_NOT_ALLOWED")
        return AccessDecision(False, explanation="NO_RELATION")

    async def list_authorizations(
        self,
        *,
        invoice: str = "",
        grantor: str = "",
        grantee: str = "",
        active_only: bool = False,
        limit: int = 200,
    ) -> list[AuthorizationView]:
        self.listed.append(invoice)
        if self.list_error is not None:
            raise self.list_error
        target = self.cases.invoices.get(invoice)
        if target is None:
            return []
        found = [
            view
            for view in self.authorizations.values()
            if view.invoice == invoice
            or (
                view.type == "CONTINUOUS"
                and view.grantor == target.debtor.party
                and view.creditor in ("", target.creditor)
            )
        ]
        return list(reversed(found))[:limit]

    async def revoke_authorization(
        self, name: str, actor: str, request_id: str, actor_roles: Iterable[str] = ()
    ) -> AuthorizationView:
        self.revoked.append((name, actor, request_id, tuple(actor_roles)))
        if self.revoke_error is not None:
            raise self.revoke_error
        view = self.authorizations[name]
        if view.state != "ACTIVE":
            raise authorization_error(
                grpc.StatusCode.FAILED_PRECONDITION, "AUTHORIZATION_NOT_ACTIVE"
            )
        ended = replace(
            view, state="REVOKED", revoker=actor, end_time=datetime(2025, 3, 2, tzinfo=UTC)
        )
        self.authorizations[name] = ended
        return ended

    async def create_continuous_authorization(
        self,
        *,
        actor: str,
        actor_roles: Iterable[str],
        grantor: str,
        grantee: GranteeDetails,
        creditor: str,
        request_id: str,
        conversation: str = "",
    ) -> AuthorizationView:
        self.created.append(
            {
                "actor": actor,
                "actor_roles": tuple(actor_roles),
                "grantor": grantor,
                "grantee": grantee,
                "creditor": creditor,
                "request_id": request_id,
                "conversation": conversation,
            }
        )
        if self.create_error is not None:
            raise self.create_error
        made = make_authorization(
            f"cont-{len(self.created)}",
            type="CONTINUOUS",
            grantor=grantor,
            grantee_name=grantee.name,
            masked=grantee.national_id[:6] + "-****",
            creditor=creditor,
            expire_date=grantee.expire_date,
            creator=actor,
        )
        return self.add(made)


class Hosts(httpx.AsyncBaseTransport):
    """Routes requests by host name to in-process ASGI apps."""

    def __init__(self, routes: Mapping[str, httpx.AsyncBaseTransport]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.routes[request.url.host].handle_async_request(request)


@dataclass
class Console:
    """The gateway and the broker in process, with fakes of the invoice service."""

    client: httpx.AsyncClient
    runtime: Runtime
    cases: FakeCases
    creditors: FakeCreditors
    clock: FakeClock
    settings: GatewaySettings
    authz: FakeAuthorizations
    payments: FakePayments = field(default_factory=FakePayments)
    refunds: FakeRefunds = field(default_factory=FakeRefunds)
    chat: FakeChat = field(default_factory=FakeChat)
    letters: FakeLetters = field(default_factory=FakeLetters)
    disputes: FakeDisputes = field(default_factory=lambda: FakeDisputes(FakeCases(), FakeLetters()))

    async def login_staff(self, user_id: str) -> httpx.Response:
        """Log a sandbox staff user in through the real code flow; the callback's response."""
        start = await self.client.get(f"{GATEWAY}/ropo-one/kirjaudu")
        assert start.status_code == 303, start.text
        return await self.through_broker(start.headers["location"], staff_user=user_id)

    async def login_customer(self, person_id: str) -> httpx.Response:
        """Log a sandbox test person into MyRopo; the callback's response."""
        start = await self.client.get(f"{GATEWAY}/login")
        assert start.status_code == 303, start.text
        return await self.through_broker(start.headers["location"], person=person_id)

    async def through_broker(self, authorize_url: str, **choice: str) -> httpx.Response:
        page = await self.client.get(authorize_url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        transaction = re.search(r'name="transaction" value="([^"]+)"', page.text)
        assert action and transaction
        decision = await self.client.post(
            httpx.URL(authorize_url).join(unescape(action.group(1))),
            data={"transaction": unescape(transaction.group(1)), "action": "login", **choice},
        )
        assert decision.status_code == 303, decision.text
        return await self.client.get(decision.headers["location"])

    def cookie(self, name: str) -> str | None:
        return self.client.cookies.get(name)

    async def audit(self, request_id: str | None = None) -> list[AuditRecord]:
        """The audit log's records (of one request when ``request_id`` is given)."""
        return await self.runtime.audit_log.records(request_id=request_id)

    async def denials(self) -> list[AuditRecord]:
        return [r for r in await self.audit() if r.event.purpose == Purpose.ACCESS_DENIED]


@asynccontextmanager
async def console(tmp_path: Path, **settings_overrides: Any) -> AsyncIterator[Console]:
    """Start the console (see the module docstring); the caller adds invoices to ``cases``."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head_async(url, DEFAULT_MIGRATIONS_DIR)
    broker = create_sandbox_app(
        SandboxSettings(
            public_base_url=SANDBOX, gateway_redirect_uris=(f"{GATEWAY}/auth/callback",)
        ),
        log_stream=io.StringIO(),
    )
    broker_transport = httpx.ASGITransport(app=broker)
    settings = GatewaySettings(
        database_url=url,
        cookie_secure=False,
        public_url=GATEWAY,
        oidc_issuer=f"{SANDBOX}/idp",
        invoice_addr="127.0.0.1:9",
        authorization_addr="127.0.0.1:9",
        rpc_timeout_seconds=0.5,
        person_key_secret=SecretStr("ropo-one-test-person-key-secret"),
        **settings_overrides,
    )
    clock = FakeClock(datetime.now(UTC))
    app = create_app(
        settings, http_transport=Hosts({"sandbox.test": broker_transport}), clock=clock
    )
    cases, creditors = FakeCases(), FakeCreditors()
    authz = FakeAuthorizations(cases)
    payments = FakePayments()
    refunds = FakeRefunds()
    chat = FakeChat()
    letters = FakeLetters()
    disputes = FakeDisputes(cases, letters)
    app.dependency_overrides[get_disputes] = lambda: disputes
    app.dependency_overrides[get_case_letters] = lambda: letters
    app.dependency_overrides[get_chat_desk] = lambda: chat
    app.dependency_overrides[get_customer_invoice_access] = lambda: authz
    app.dependency_overrides[get_invoices_by_name] = lambda: cases
    app.dependency_overrides[get_payments] = lambda: payments
    app.dependency_overrides[get_refunds] = lambda: refunds
    app.dependency_overrides[get_cases] = lambda: cases
    app.dependency_overrides[get_payment_plans] = lambda: cases
    app.dependency_overrides[get_creditors] = lambda: creditors
    app.dependency_overrides[get_authorizations] = lambda: authz
    async with app.router.lifespan_context(app):
        transport = Hosts(
            {"localhost": httpx.ASGITransport(app=app), "sandbox.test": broker_transport}
        )
        async with httpx.AsyncClient(transport=transport, base_url=GATEWAY) as client:
            yield Console(
                client,
                app.state.runtime,
                cases,
                creditors,
                clock,
                settings,
                authz,
                payments,
                refunds,
                chat,
                letters,
                disputes,
            )


@contextmanager
def captured_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """JSON log lines written while the block runs (the platform's real pipeline). Afterwards
    the configuration before it is restored (the platform's redacting default, not
    structlog's own, which would print a henkilötunnus unmasked in later tests)."""
    buffer = io.StringIO()
    saved = structlog.get_config()
    configure_logging("gateway", "INFO", "json", stream=buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line]
    finally:
        structlog.reset_defaults()
        structlog.configure(**saved)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_ropo_platform_handler", False):
                root.removeHandler(handler)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no logout form on the page"
    return match.group(1)


def urls_seen(client: httpx.AsyncClient) -> list[str]:
    """Every URL the client asks for from now on, and every redirect target it is sent to."""
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        seen.append(str(request.url))

    async def on_response(response: httpx.Response) -> None:
        seen.append(response.headers.get("location", ""))

    client.event_hooks["request"].append(on_request)
    client.event_hooks["response"].append(on_response)
    return seen


def assert_in_no_url(seen: list[str], *values: str) -> None:
    """None of ``values`` appears (as typed or without spaces) in any URL in ``seen``."""
    assert seen, "no traffic was recorded"
    decoded = [unquote_plus(url) for url in seen]
    for value in values:
        for form in {value, value.replace(" ", "")}:
            assert not [url for url in decoded if form in url], f"{form!r} reached a URL"


def text(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().replace("\xa0", " ").split())
