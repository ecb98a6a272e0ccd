"""In-memory fakes of the invoice service's ports, for unit tests of the use cases.

They keep what a database would keep between units of work (``Store``) and
stage changes until commit, like the real unit of work.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from message_fakes import FakeMessageRepositories, MessageStore
from ropo_invoice.domain.identifiers import BusinessId
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.payment_time_policy import DEFAULT_PAYMENT_TIME_POLICY, PaymentTimePolicy
from ropo_invoice.domain.stage import ACTIVE_STAGES
from ropo_invoice.service_layer import ports
from ropo_invoice.service_layer.integration_events import IntegrationEvent, to_integration_event
from ropo_invoice.service_layer.timeline import timeline_entries
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory


@dataclass
class Store:
    """What the fake database holds between units of work."""

    creditors: dict[str, Creditor] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    requests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    outbox: list[IntegrationEvent] = field(default_factory=list)
    timeline: list[ports.TimelineEntry] = field(default_factory=list)
    documents: dict[tuple[str, str, str], ports.StoredDocument] = field(default_factory=dict)
    payment_time_policies: dict[str, PaymentTimePolicy] = field(default_factory=dict)
    messages: MessageStore = field(default_factory=MessageStore)
    commits: int = 0


class FakeCreditors(ports.CreditorRepository):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, list[Creditor]()

    def add(self, creditor: Creditor) -> None:
        self.staged.append(creditor)

    async def get(self, creditor_id: str) -> Creditor | None:
        return self.store.creditors.get(creditor_id)

    async def get_by_business_id(self, business_id: BusinessId) -> Creditor | None:
        for creditor in [*self.store.creditors.values(), *self.staged]:
            if creditor.business_id == business_id:
                return creditor
        return None

    async def list(self, after: tuple[str, str] | None, limit: int) -> Sequence[Creditor]:
        ordered = sorted(self.store.creditors.values(), key=lambda c: (c.name, c.id))
        return [c for c in ordered if after is None or (c.name, c.id) > after][:limit]

    async def payment_time_policy(self, creditor_id: str) -> PaymentTimePolicy:
        return self.store.payment_time_policies.get(creditor_id, DEFAULT_PAYMENT_TIME_POLICY)

    async def save_payment_time_policy(
        self, creditor_id: str, policy: PaymentTimePolicy, now: datetime
    ) -> None:
        self.store.payment_time_policies[creditor_id] = policy


class FakeInvoices(ports.InvoiceRepository):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store, self.staged = store, list[Invoice]()

    def _add(self, invoice: Invoice) -> None:
        self.staged.append(invoice)

    async def _get(self, invoice_id: str) -> Invoice | None:
        found = self.store.invoices.get(invoice_id)
        return copy.deepcopy(found) if found else None

    async def _get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None:
        for invoice in self.staged:  # staged in this unit of work, like the SQL repository
            if (invoice.creditor_id, invoice.invoice_number) == (creditor_id, invoice_number):
                return invoice
        for invoice in self.store.invoices.values():
            if (invoice.creditor_id, invoice.invoice_number) == (creditor_id, invoice_number):
                return copy.deepcopy(invoice)
        return None

    async def exists(self, invoice_id: str) -> bool:
        return invoice_id in self.store.invoices

    async def find_by_details(
        self, reference: str, invoice_number: str
    ) -> list[ports.LookupCandidate]:
        return [
            ports.LookupCandidate(invoice.id, invoice.debtor.address.postal_code)
            for invoice in self.store.invoices.values()
            if (invoice.reference.value, invoice.invoice_number) == (reference, invoice_number)
        ]

    async def ids_due_for_collection(self, today: date, after: str, limit: int) -> list[str]:
        return sorted(
            invoice.id
            for invoice in self.store.invoices.values()
            if invoice.is_open
            and invoice.stage in ACTIVE_STAGES
            and invoice.due_date < today
            and invoice.id > after
        )[:limit]

    async def find_by_myropo_id(self, myropo_id: str) -> ports.LookupCandidate | None:
        for invoice in self.store.invoices.values():
            if invoice.myropo_id.value == myropo_id:
                return ports.LookupCandidate(invoice.id, invoice.debtor.address.postal_code)
        return None

    async def list(
        self,
        invoice_filter: ports.InvoiceFilter,
        after: ports.InvoiceCursor | None,
        limit: int,
        *,
        include_lines: bool = False,
    ) -> Sequence[Invoice]:
        found = [
            invoice
            for invoice in self.store.invoices.values()
            if (invoice_filter.invoice_ids is None or invoice.id in invoice_filter.invoice_ids)
            and (
                not invoice_filter.debtor_party
                or invoice.debtor.party == invoice_filter.debtor_party
            )
            and (not invoice_filter.open_only or invoice.is_open)
            and (
                after is None or (invoice.due_date, invoice.id) < (after.due_date, after.invoice_id)
            )
        ]
        found.sort(key=lambda invoice: (invoice.due_date, invoice.id), reverse=True)
        return found[:limit]


class FakeRequests(ports.RequestLog):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, dict[tuple[str, str], tuple[str, bytes]]()

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        stored = self.store.requests.get((method, request_id))
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise ports.RequestIdReused(method)
        return stored[1]

    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        self.staged[(method, request_id)] = (fingerprint, result)


class FakeTimeline(ports.Timeline):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, list[ports.TimelineEntry]()

    async def append(
        self, entries: Sequence[ports.TimelineEntry], new_invoice_ids: Set[str] = frozenset()
    ) -> None:
        for entry in entries:
            taken = [
                e for e in [*self.store.timeline, *self.staged] if e.invoice_id == entry.invoice_id
            ]
            self.staged.append(replace(entry, position=len(taken) + 1))

    async def list(self, invoice_id: str, after: int, limit: int) -> Sequence[ports.TimelineEntry]:
        mine = [e for e in self.store.timeline if e.invoice_id == invoice_id and e.position > after]
        return mine[:limit]


class FakeDocuments(ports.DocumentStore):
    def __init__(self, store: Store) -> None:
        self.store, self.staged = store, list[ports.StoredDocument]()

    def add(self, document: ports.StoredDocument) -> None:
        self.staged.append(document)

    async def get(
        self, invoice_id: str, kind: ports.DocumentKind, letter_id: str = ""
    ) -> ports.StoredDocument | None:
        return self.store.documents.get((invoice_id, kind.value, letter_id))


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, store: Store, read_only: bool) -> None:
        self.store, self.read_only = store, read_only

    async def _begin(self) -> None:
        self.invoices = FakeInvoices(self.store)
        self.creditors = FakeCreditors(self.store)
        self.requests = FakeRequests(self.store)
        self.timeline = FakeTimeline(self.store)
        self.documents = FakeDocuments(self.store)
        self.messages = FakeMessageRepositories.over(self.store.messages)
        self.deliveries, self.consents = self.messages.deliveries, self.messages.consents
        self.emails, self.notifications = self.messages.emails, self.messages.notifications

    async def _commit(self) -> None:
        assert not self.read_only
        assert isinstance(self.creditors, FakeCreditors)
        assert isinstance(self.invoices, FakeInvoices)
        assert isinstance(self.requests, FakeRequests)
        for creditor in self.creditors.staged:
            self.store.creditors[creditor.id] = creditor
        for invoice in self.invoices.seen:
            self.store.invoices[invoice.id] = invoice
        self.store.requests.update(self.requests.staged)
        assert isinstance(self.timeline, FakeTimeline)
        assert isinstance(self.documents, FakeDocuments)
        entries: list[ports.TimelineEntry] = []
        for event in self.collect_new_events():
            entries += timeline_entries(event)
            integration = to_integration_event(event)
            if integration is not None:
                self.store.outbox.append(integration)
        await self.timeline.append(entries)
        self.store.timeline.extend(self.timeline.staged)
        for document in self.documents.staged:
            key = (document.invoice_id, document.kind.value, document.letter_id)
            self.store.documents[key] = document
        self.messages.commit()
        self.store.commits += 1

    async def rollback(self) -> None:
        pass  # nothing reaches the store before _commit


def fake_uow_factory(store: Store) -> UnitOfWorkFactory:
    """A ``UnitOfWorkFactory`` over ``store``."""

    def uow(*, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(store, read_only)

    return uow
