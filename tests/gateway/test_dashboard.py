"""The front page's data: visibility from authorization plus the session's lookup grants,
the tab and search passed to the invoice service, the row mapping and the formats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import grpc
import pytest
from myropo_fakes import MAIJA, FakeAccess, FakeInvoices, State, make_invoice, upstream
from ropo_gateway.clients.invoices import InvoiceListQuery, InvoicePage
from ropo_gateway.errors import UpstreamError
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.access import InvoiceAccessPolicy
from ropo_gateway.myropo.dashboard import ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.grants import GrantHolder
from ropo_gateway.myropo.views import row_from_invoice
from ropo_platform.errors import FieldViolation
from ropo_platform.money import Money

HOLDER = GrantHolder("s" * 64, MAIJA.subject)


class MemoryGrants:
    """``LookupGrants`` in a dict (the SQL one is exercised by the route tests)."""

    def __init__(self) -> None:
        self.by_session: dict[str, list[str]] = {}

    async def grant(self, holder: GrantHolder, invoice: str) -> None:
        found = self.by_session.setdefault(holder.session_key, [])
        if invoice not in found:
            found.insert(0, invoice)

    async def invoices(self, holder: GrantHolder, limit: int) -> list[str]:
        return self.by_session.get(holder.session_key, [])[:limit]

    async def holds(self, holder: GrantHolder, invoice: str) -> bool:
        return invoice in self.by_session.get(holder.session_key, [])


def setup() -> tuple[FakeAccess, FakeInvoices, MemoryGrants, InvoiceAccessPolicy]:
    access, invoices, grants = FakeAccess(), FakeInvoices(), MemoryGrants()
    return access, invoices, grants, InvoiceAccessPolicy(access, grants)


async def test_own_authorized_and_looked_up_invoices_are_listed_with_their_reason() -> None:
    access, invoices, grants, policy = setup()
    for invoice_id, due in (("a", (2025, 5, 1)), ("b", (2025, 4, 1)), ("c", (2025, 3, 1))):
        invoices.add(make_invoice(invoice_id, due=due))
    access.allow(MAIJA, "invoices/a")
    access.allow(MAIJA, "invoices/b", "AUTHORIZED")
    await grants.grant(HOLDER, "invoices/c")
    await grants.grant(HOLDER, "invoices/a")  # also own: the stronger reason wins
    invoices.add(make_invoice("zzz"))  # exists, but nobody gave Maija access
    dashboard = await load_dashboard(
        MAIJA,
        HOLDER,
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
        HOLDER,
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
        HOLDER,
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
    access, grants, invoices = FakeAccess(), MemoryGrants(), LeakyInvoices()
    invoices.add(make_invoice("a"))
    access.allow(MAIJA, "invoices/a")
    dashboard = await load_dashboard(
        MAIJA,
        HOLDER,
        InvoiceAccessPolicy(access, grants),
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
            MAIJA, HOLDER, policy, invoices, stale, language="fi", page_size=10, max_invoices=50
        )
    restarted = await load_dashboard(
        MAIJA,
        HOLDER,
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
            HOLDER,
            policy,
            invoices,
            stale,
            language="fi",
            page_size=10,
            max_invoices=50,
            restart_on_stale_token=True,
        )


async def test_at_most_a_thousand_names_go_into_one_request() -> None:
    access, _, grants, policy = setup()
    for number in range(900):
        access.allow(MAIJA, f"invoices/own-{number}")
    for number in range(300):
        await grants.grant(HOLDER, f"invoices/found-{number}")
    visible = await policy.visible_invoices(HOLDER, 5000)
    assert len(visible) == 1000
    assert sum(1 for reason in visible.values() if reason == "OWN") == 900


async def test_view_reason_prefers_the_authorization_service_then_the_grant() -> None:
    access, _, grants, policy = setup()
    access.allow(MAIJA, "invoices/own")
    await grants.grant(HOLDER, "invoices/found")
    assert await policy.reason_to_view(HOLDER, "invoices/own") == "OWN"
    assert await policy.reason_to_view(HOLDER, "invoices/found") == "LOOKUP"
    assert await policy.reason_to_view(HOLDER, "invoices/other") is None
    other_session = GrantHolder("t" * 64, MAIJA.subject)
    assert await policy.reason_to_view(other_session, "invoices/found") is None


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
