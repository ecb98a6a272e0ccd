"""Use cases with in-memory fakes: recording registrations, checks, keyset pages."""

from __future__ import annotations

import pytest
from authorization_support import (
    ALICE,
    BOB,
    CREDITOR,
    REGISTERED,
    FakeIdentities,
    FakeOwnerships,
    FakeUnitOfWork,
)
from authorization_support import ownership as make_ownership
from ropo_authorization.domain.access import AccessReason, Action
from ropo_authorization.domain.ownership import RecordOutcome
from ropo_authorization.domain.subjects import Party
from ropo_authorization.service_layer.handlers import (
    AuthorizationHandlers,
    CheckAccess,
    ListAccessibleInvoices,
    RecordInvoiceRegistered,
    record_invoice_registered,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_platform.errors import ValidationFailed
from ropo_platform.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvalidPageToken,
)


def handlers_for(store: FakeOwnerships) -> AuthorizationHandlers:
    def factory(*, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(store)

    return AuthorizationHandlers(factory, FakeIdentities(), clock=lambda: REGISTERED)


def registration(invoice_id: str, debtor: str = ALICE) -> RecordInvoiceRegistered:
    return RecordInvoiceRegistered(f"invoices/{invoice_id}", CREDITOR, debtor, REGISTERED)


async def test_registration_is_recorded_once_and_repeats_are_harmless() -> None:
    store = FakeOwnerships()
    uow = FakeUnitOfWork(store)
    assert await record_invoice_registered(registration("i1"), uow) is RecordOutcome.RECORDED
    assert await record_invoice_registered(registration("i1"), uow) is RecordOutcome.ALREADY_KNOWN
    assert uow.commits == 2
    assert store.entries == {"invoices/i1": make_ownership("i1")}


async def test_conflicting_registration_does_not_move_the_invoice() -> None:
    store = FakeOwnerships([make_ownership("i1", debtor=ALICE)])
    outcome = await record_invoice_registered(registration("i1", debtor=BOB), FakeUnitOfWork(store))
    assert outcome is RecordOutcome.CONFLICTING
    assert store.entries["invoices/i1"].debtor == ALICE


async def test_lost_insert_race_is_compared_with_the_winner() -> None:
    class RacingStore(FakeOwnerships):
        async def add(self, ownership: object) -> bool:
            # Another transaction inserted the same registration between get and add.
            self.entries["invoices/i1"] = make_ownership("i1")
            return False

    store = RacingStore()
    outcome = await record_invoice_registered(registration("i1"), FakeUnitOfWork(store))
    assert outcome is RecordOutcome.ALREADY_KNOWN


async def test_check_access_reads_the_read_model() -> None:
    handlers = handlers_for(FakeOwnerships([make_ownership("i1")]))
    allowed = await handlers.check_access(CheckAccess(Party(ALICE), "invoices/i1", Action.PAY))
    denied = await handlers.check_access(CheckAccess(Party(BOB), "invoices/i1", Action.VIEW))
    assert (allowed.allowed, allowed.reason) == (True, "OWN_INVOICE")
    assert (denied.allowed, denied.reason) == (False, "NO_RELATION")


async def test_pages_follow_the_keyset_until_the_end() -> None:
    store = FakeOwnerships(
        [make_ownership(f"i{n}") for n in range(5)] + [make_ownership("x", debtor=BOB)]
    )
    handlers = handlers_for(store)
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await handlers.list_accessible_invoices(
            ListAccessibleInvoices(Party(ALICE), page_size=2, page_token=token)
        )
        pages += 1
        seen.extend(item.invoice for item in page.invoices)
        assert all(item.reason is AccessReason.OWN for item in page.invoices)
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [f"invoices/i{n}" for n in range(5)]


async def test_exact_last_page_has_no_token() -> None:
    handlers = handlers_for(FakeOwnerships([make_ownership("i1"), make_ownership("i2")]))
    page = await handlers.list_accessible_invoices(
        ListAccessibleInvoices(Party(ALICE), page_size=2)
    )
    assert len(page.invoices) == 2
    assert page.next_page_token == ""


async def test_page_size_default_and_maximum() -> None:
    store = FakeOwnerships([make_ownership(f"i{n:04d}") for n in range(MAX_PAGE_SIZE + 5)])
    handlers = handlers_for(store)
    default = await handlers.list_accessible_invoices(ListAccessibleInvoices(Party(ALICE)))
    capped = await handlers.list_accessible_invoices(
        ListAccessibleInvoices(Party(ALICE), page_size=50_000)
    )
    assert len(default.invoices) == DEFAULT_PAGE_SIZE
    assert len(capped.invoices) == MAX_PAGE_SIZE
    assert capped.next_page_token


async def test_negative_page_size_is_invalid() -> None:
    with pytest.raises(ValidationFailed) as raised:
        await handlers_for(FakeOwnerships()).list_accessible_invoices(
            ListAccessibleInvoices(Party(ALICE), page_size=-1)
        )
    assert [v.field for v in raised.value.violations] == ["page_size"]


async def test_token_is_bound_to_its_query() -> None:
    store = FakeOwnerships([make_ownership(f"i{n}") for n in range(3)])
    handlers = handlers_for(store)
    first = await handlers.list_accessible_invoices(
        ListAccessibleInvoices(Party(ALICE), page_size=1)
    )
    for query in (
        ListAccessibleInvoices(Party(BOB), page_size=1, page_token=first.next_page_token),
        ListAccessibleInvoices(
            Party(ALICE),
            frozenset({AccessReason.OWN}),
            page_size=1,
            page_token=first.next_page_token,
        ),
        ListAccessibleInvoices(Party(ALICE), page_token="not-a-token"),
    ):
        with pytest.raises(InvalidPageToken) as raised:
            await handlers.list_accessible_invoices(query)
        assert raised.value.reason == "INVALID_PAGE_TOKEN"
        assert [v.field for v in raised.value.violations] == ["page_token"]


async def test_reason_filter() -> None:
    handlers = handlers_for(FakeOwnerships([make_ownership("i1")]))
    own = await handlers.list_accessible_invoices(
        ListAccessibleInvoices(Party(ALICE), frozenset({AccessReason.OWN}))
    )
    lookup = await handlers.list_accessible_invoices(
        ListAccessibleInvoices(Party(ALICE), frozenset({AccessReason.LOOKUP}))
    )
    assert [i.invoice for i in own.invoices] == ["invoices/i1"]
    assert lookup.invoices == ()
