"""The first page's data: visibility from authorization, Laskut/Arkisto split, order, JSON form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from google.type import date_pb2
from ropo.invoice.v1 import invoice_pb2
from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.authorization import InvoiceAccess
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.dashboard import load_dashboard
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto

IDENTITY = Identity("b" * 32, "Maija Meikäläinen", "150385-****", "loa2")
State = invoice_pb2.Invoice.State


def invoice(
    name: str, due: tuple[int, int, int], state: int, open_amount: str, number: str = "1001"
) -> invoice_pb2.Invoice:
    return invoice_pb2.Invoice(
        name=name,
        invoice_number=number,
        creditor_display_name="Testi-yritys Oy",
        due_date=date_pb2.Date(year=due[0], month=due[1], day=due[2]),
        state=state,  # type: ignore[arg-type]
        display_status="Lasku",
        reference="1232",
        open_amount=money_to_proto(Money(open_amount, "EUR")),
        total_amount=money_to_proto(Money("1696.32", "EUR")),
    )


class Access:
    def __init__(self, entries: list[InvoiceAccess]) -> None:
        self.entries = entries
        self.asked: list[str] = []

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]:
        self.asked.append(subject)
        return self.entries[:limit]


class Invoices:
    def __init__(self, known: list[invoice_pb2.Invoice], extra: list[invoice_pb2.Invoice]):
        self.known = known
        self.extra = extra
        self.asked: list[list[str]] = []

    async def invoices_by_name(
        self, names: Sequence[str], language_code: str
    ) -> list[invoice_pb2.Invoice]:
        self.asked.append(list(names))
        return [item for item in self.known if item.name in names] + self.extra


async def test_open_and_archived_invoices_are_split_and_ordered() -> None:
    access = Access([InvoiceAccess(f"invoices/{n}", "OWN") for n in ("a", "b", "c", "d")])
    invoices = Invoices(
        [
            invoice("invoices/a", (2025, 5, 1), State.STATE_INVOICE, "1696.32"),
            invoice("invoices/b", (2025, 4, 1), State.STATE_REMINDER, "10.00"),
            invoice("invoices/c", (2025, 1, 1), State.STATE_PAID, "0.00"),
            invoice("invoices/d", (2025, 2, 1), State.STATE_CANCELLED, "0.00"),
        ],
        # A name we never asked for must never be shown.
        extra=[invoice("invoices/zzz", (2025, 1, 1), State.STATE_INVOICE, "5.00")],
    )
    dashboard = await load_dashboard(IDENTITY, access, invoices, language="fi", limit=50)
    assert access.asked == [f"persons/{'b' * 32}"]
    assert [row.name for row in dashboard.invoices] == ["invoices/b", "invoices/a"]
    assert [row.name for row in dashboard.archive] == ["invoices/d", "invoices/c"]
    assert dashboard.invoices[1].open_amount == Money(Decimal("1696.32"), "EUR")


async def test_no_accessible_invoices_means_no_invoice_call() -> None:
    invoices = Invoices([], [])
    dashboard = await load_dashboard(IDENTITY, Access([]), invoices, language="fi", limit=50)
    assert dashboard.invoices == [] and dashboard.archive == []
    assert invoices.asked == []


async def test_json_has_exact_amounts_iso_dates_and_enum_names() -> None:
    access = Access([InvoiceAccess("invoices/a", "AUTHORIZED")])
    invoices = Invoices(
        [invoice("invoices/a", (2025, 3, 5), State.STATE_REMINDER, "1696.32", number="20240017")],
        [],
    )
    body = (await load_dashboard(IDENTITY, access, invoices, language="fi", limit=50)).to_json()
    assert body == {
        "person": {"name": "Maija Meikäläinen", "masked_id": "150385-****"},
        "invoices": [
            {
                "name": "invoices/a",
                "invoice_number": "20240017",
                "creditor": "Testi-yritys Oy",
                "due_date": "2025-03-05",
                "open_amount": {"amount": "1696.32", "currency": "EUR"},
                "total_amount": {"amount": "1696.32", "currency": "EUR"},
                "state": "REMINDER",
                "display_status": "Lasku",
                "paid_in_myropo": False,
                "reference": "1232",
                "access": "AUTHORIZED",
            }
        ],
        "archive": [],
    }


def test_page_formats_follow_the_finnish_conventions() -> None:
    t = Translator("fi")
    assert t.date(date(2025, 3, 5)) == "5.3.2025"
    assert t.money(Money("1696.32", "EUR")).replace("\xa0", " ") == "1 696,32 €"
    assert Translator("en").money(Money("1696.32", "EUR")) == "€1,696.32"
    assert t("dashboard.welcome") == "Tervetuloa!"
    assert Translator("sv")("landing.intro") != t("landing.intro")
    assert Translator("sv")("error.internal.heading") == t("error.internal.heading")  # fallback
