"""The front page's data: visibility from the authorization service (own, authorized and
lookup grants, each with its reason), the tab and search passed to the invoice service, the
row mapping and the formats; the access policy's audit records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import grpc
import pytest
from myropo_fakes import (
    MAIJA,
    MATTI,
    FakeAccess,
    FakeInvoices,
    MemoryAuditLog,
    State,
    make_invoice,
    upstream,
)
from ropo_gateway.audit.model import Channel, Outcome, Purpose
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.invoices import InvoiceListQuery, InvoicePage
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.access import InvoiceAccessPolicy
from ropo_gateway.myropo.dashboard import ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.views import row_from_invoice
from ropo_platform.errors import FieldViolation
from ropo_platform.money import Money


def setup() -> tuple[FakeAccess, FakeInvoices, MemoryAuditLog, InvoiceAccessPolicy]:
    access, invoices, audit = FakeAccess(), FakeInvoices(), MemoryAuditLog()
    return access, invoices, audit, InvoiceAccessPolicy(access, AuditTrail(audit), Channel.MYROPO)


async def test_own_authorized_and_looked_up_invoices_are_listed_with_their_reason() -> None:
    access, invoices, _, policy = setup()
    for invoice_id, due in (("a", (2025, 5, 1)), ("b", (2025, 4, 1)), ("c", (2025, 3, 1))):
        invoices.add(make_invoice(invoice_id, due=due))
    access.allow(MAIJA, "invoices/a")
    access.allow(MAIJA, "invoices/b", "AUTHORIZED")
    await access.grant_lookup_access(MAIJA.subject, "invoices/c", "req-1")
    await access.grant_lookup_access(MAIJA.subject, "invoices/a", "req-2")  # own stays own
    invoices.add(make_invoice("zzz"))  # exists, but nobody gave Maija access
    dashboard = await load_dashboard(
        MAIJA,
        policy,
        invoices,
        ListingRequest(),
        language="fi",
        page_size=10,
        max_invoices=50,
    )
    assert [(row.name, row.access) for row in dashboard.rows] == [
        ("invoices/a", "OWN"),
        ("invoices/b", "AUTHORIZED"),
        ("invoices/c", "LOOKUP"),
    ]
    query, language = invoices.list_calls[0]
    assert sorted(query.names) == list(query.names) == ["invoices/a", "invoices/b", "invoices/c"]
    assert query.open_only and not query.closed_only and language == "fi"
    assert query.page_size == 10


async def test_archive_tab_and_search_text_reach_the_invoice_service() -> None:
    access, invoices, _, policy = setup()
    invoices.add(make_invoice("paid", state=State.STATE_PAID, open_amount="0.00"))
    access.allow(MAIJA, "invoices/paid")
    dashboard = await load_dashboard(
        MAIJA,
        policy,
        invoices,
        ListingRequest(tab=Tab.ARCHIVE, query="RF33 2348 236"),
        language="sv",
        page_size=10,
        max_invoices=50,
    )
    query, language = invoices.list_calls[0]
    assert query.closed_only and not query.open_only and language == "sv"
    assert query.query == "RF332348236"  # printed reference → machine form
    assert dashboard.rows == []  # the fake matched nothing with that text


async def test_no_visible_invoices_means_no_invoice_call() -> None:
    _, invoices, _, policy = setup()
    dashboard = await load_dashboard(
        MAIJA,
        policy,
        invoices,
        ListingRequest(),
        language="fi",
        page_size=10,
        max_invoices=50,
    )
    assert dashboard.rows == [] and invoices.list_calls == []


class LeakyInvoices(FakeInvoices):
    """An invoice service that answers with one invoice more than it was asked for."""

    async def list_invoices(self, query: InvoiceListQuery, language_code: str) -> InvoicePage:
        page = await super().list_invoices(query, language_code)
        page.invoices.append(make_invoice("someone-else"))
        return page


async def test_a_name_the_service_adds_is_never_shown() -> None:
    access, invoices = FakeAccess(), LeakyInvoices()
    invoices.add(make_invoice("a"))
    access.allow(MAIJA, "invoices/a")
    dashboard = await load_dashboard(
        MAIJA,
        InvoiceAccessPolicy(access, AuditTrail(MemoryAuditLog()), Channel.MYROPO),
        invoices,
        ListingRequest(),
        language="fi",
        page_size=10,
        max_invoices=50,
    )
    assert [row.name for row in dashboard.rows] == ["invoices/a"]


async def test_a_stale_token_restarts_only_when_asked_and_other_errors_pass() -> None:
    access, invoices, _, policy = setup()
    invoices.add(make_invoice("a"))
    access.allow(MAIJA, "invoices/a")
    stale = ListingRequest(page_token="bm90LWEtdG9rZW4=")
    with pytest.raises(UpstreamError):
        await load_dashboard(
            MAIJA, policy, invoices, stale, language="fi", page_size=10, max_invoices=50
        )
    restarted = await load_dashboard(
        MAIJA,
        policy,
        invoices,
        stale,
        language="fi",
        page_size=10,
        max_invoices=50,
        restart_on_stale_token=True,
    )
    assert [row.name for row in restarted.rows] == ["invoices/a"]
    assert restarted.request.page_token == ""
    invoices.fail_with = upstream(
        grpc.StatusCode.INVALID_ARGUMENT,
        "bad query",
        field_violations=(FieldViolation("query", "too long"),),
    )
    with pytest.raises(UpstreamError):
        await load_dashboard(
            MAIJA,
            policy,
            invoices,
            stale,
            language="fi",
            page_size=10,
            max_invoices=50,
            restart_on_stale_token=True,
        )


async def test_at_most_a_thousand_names_go_into_one_request() -> None:
    access, _, _, policy = setup()
    for number in range(900):
        access.allow(MAIJA, f"invoices/own-{number}")
    for number in range(300):
        await access.grant_lookup_access(MAIJA.subject, f"invoices/found-{number}", "r")
    visible = await policy.visible_invoices(MAIJA.subject, 5000)
    assert len(visible) == 1000
    assert sum(1 for reason in visible.values() if reason == "OWN") == 900


async def test_require_asks_for_the_action_and_records_each_refusal_once() -> None:
    access, _, audit, policy = setup()
    access.allow(MAIJA, "invoices/own")
    await access.grant_lookup_access(MAIJA.subject, "invoices/found", "r")
    allowed = await policy.require(MAIJA.subject, "own", Action.AUTHORIZE)
    assert (allowed.invoice, allowed.reason, allowed.delegate) == ("invoices/own", "OWN", False)
    assert (await policy.require(MAIJA.subject, "found", Action.PAY)).reason == "LOOKUP"
    assert audit.events == []
    refusals = [
        ("found", Action.AUTHORIZE, "invoices/found", "LOOKUP_GRANT_ACTION_NOT_ALLOWED"),
        ("other", Action.VIEW, "invoices/other", "NO_RELATION"),
        ("no/such id", Action.VIEW, "invoices/-", "MALFORMED_ID"),
    ]
    for raw, action, _, _ in refusals:
        with pytest.raises(ApiError) as refused:
            await policy.require(MAIJA.subject, raw, action)
        assert refused.value.reason == "INVOICE_NOT_FOUND" and refused.value.http_status == 404
    assert [(e.resource, e.reason) for e in audit.events] == [(r, why) for *_, r, why in refusals]
    for event in audit.events:
        assert event.actor == MAIJA.subject and event.channel is Channel.MYROPO
        assert (event.purpose, event.outcome) == (Purpose.ACCESS_DENIED, Outcome.DENIED)
    # The malformed id never reaches the authorization service.
    assert [check[1] for check in access.checks] == [
        "invoices/own",
        "invoices/found",
        "invoices/found",
        "invoices/other",
    ]


async def test_a_delegate_read_is_recorded_with_the_debtor_and_an_own_read_is_not() -> None:
    access, _, audit, policy = setup()
    access.allow(MATTI, "invoices/maija-1", "AUTHORIZED")
    access.allow(MAIJA, "invoices/maija-1")
    own = await policy.require(MAIJA.subject, "maija-1", Action.VIEW)
    await policy.record_read(own, MAIJA.subject)
    assert audit.events == []
    delegate = await policy.require(MATTI.subject, "maija-1", Action.VIEW)
    await policy.record_read(delegate, MAIJA.subject)
    (event,) = audit.events
    assert (event.actor, event.data_subject, event.resource) == (
        MATTI.subject,
        MAIJA.subject,
        "invoices/maija-1",
    )
    assert (event.purpose, event.outcome, event.reason) == (
        Purpose.DELEGATE_VIEW,
        Outcome.ALLOWED,
        "AUTHORIZED",
    )
    # A probe for what the page offers is not a refusal: nothing recorded.
    assert not await policy.permits(delegate, Action.AUTHORIZE)
    assert len(audit.events) == 1


def test_row_mapping_keeps_exact_amounts_and_enum_names() -> None:
    row = row_from_invoice(
        make_invoice("a", state=State.STATE_REMINDER, open_amount="10.05", reference="1232"),
        "AUTHORIZED",
    )
    assert row.id == "a" and row.state == "REMINDER" and not row.archived
    assert row.open_amount == Money(Decimal("10.05"), "EUR")
    assert row.due_date == date(2025, 3, 5) and row.reference_printed == "1232"
    paid = row_from_invoice(make_invoice("p", state=State.STATE_PAID, open_amount="0.00"), "OWN")
    assert paid.archived and paid.open_amount.is_zero()


def test_page_formats_follow_the_finnish_conventions() -> None:
    t = Translator("fi")
    assert t.date(date(2025, 3, 5)) == "5.3.2025"
    assert t.money(Money("1696.32", "EUR")).replace("\xa0", " ") == "1 696,32 €"
    assert Translator("en").money(Money("1696.32", "EUR")) == "€1,696.32"
    assert t("dashboard.welcome") == "Tervetuloa!"
    assert Translator("sv")("landing.intro") != t("landing.intro")
    assert Translator("sv")("error.internal.heading") != t("error.internal.heading")
    assert Translator("en")("lang.fi") == "Suomeksi"  # a language's own name, everywhere
