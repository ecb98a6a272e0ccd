"""Unit of work: one database transaction per use case, with its events in the outbox.

``async with uow:`` opens the transaction; ``await uow.commit()`` writes the
staged aggregates, turns the domain events the aggregates recorded into
timeline entries and integration events in the outbox — in the same
transaction — and commits.
Leaving the block without ``commit()`` rolls everything back.

Each call gets a fresh unit of work from a factory (``bootstrap``): gRPC
handlers run concurrently, so a shared instance would mix their state.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Protocol, Self

from ropo_platform.db import Database
from ropo_platform.messaging.outbox import OutboxEvent, OutboxWriter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.domain.events import Event
from ropo_invoice.service_layer.integration_events import IntegrationEvent, to_integration_event
from ropo_invoice.service_layer.ports import (
    Conflict,
    CreditorRepository,
    DisputeRepository,
    DocumentStore,
    EmailOutbox,
    InvoiceRepository,
    LetterConsents,
    LetterDeliveries,
    RequestLog,
    SentNotifications,
    Timeline,
    TimelineEntry,
)
from ropo_invoice.service_layer.timeline import timeline_entries


class AbstractUnitOfWork(abc.ABC):
    """The transaction boundary the use cases see."""

    invoices: InvoiceRepository
    creditors: CreditorRepository
    requests: RequestLog
    timeline: Timeline
    documents: DocumentStore
    disputes: DisputeRepository
    deliveries: LetterDeliveries
    consents: LetterConsents
    emails: EmailOutbox
    notifications: SentNotifications

    async def __aenter__(self) -> Self:
        await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly is rolled back (also after an exception).
        await self.rollback()

    def collect_new_events(self) -> Iterator[Event]:
        """Drain the events of every aggregate this unit of work has seen."""
        for invoice in self.invoices.seen:
            yield from invoice.pull_events()

    async def commit(self) -> None:
        """Write staged changes and their events, then commit; ``Conflict`` when a
        uniqueness rule fails (the caller may retry with a fresh unit of work)."""
        await self._commit()

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Undo everything since ``__aenter__`` (no-op after a commit)."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; ``read_only`` ones cannot commit."""

    def __call__(self, *, read_only: bool = False) -> AbstractUnitOfWork: ...


class _Rollback(Exception):
    """Thrown into the transaction context to make it roll back."""


class Repositories(Protocol):
    """What a repositories factory returns for one session."""

    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def creditors(self) -> CreditorRepository: ...
    @property
    def requests(self) -> RequestLog: ...
    @property
    def timeline(self) -> Timeline: ...
    @property
    def documents(self) -> DocumentStore: ...
    @property
    def disputes(self) -> DisputeRepository: ...
    @property
    def deliveries(self) -> LetterDeliveries: ...
    @property
    def consents(self) -> LetterConsents: ...
    @property
    def emails(self) -> EmailOutbox: ...
    @property
    def notifications(self) -> SentNotifications: ...


RepositoriesFactory = Callable[[AsyncSession], Repositories]


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """The unit of work on the service database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        database: Database,
        outbox: OutboxWriter,
        repositories: RepositoriesFactory,
        *,
        read_only: bool = False,
        translate: Callable[[Event], IntegrationEvent | None] = to_integration_event,
        record: Callable[[Event], list[TimelineEntry]] = timeline_entries,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._repositories = repositories
        self._read_only = read_only
        self._translate = translate
        self._record = record
        self._stack: AsyncExitStack | None = None
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (adapters only)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def _begin(self) -> None:
        stack = AsyncExitStack()
        if self._read_only:
            session = await stack.enter_async_context(self._database.session())
            await stack.enter_async_context(session.begin())
        else:
            # Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE):
            # an import reads before it writes, and two deferred transactions doing
            # that would fail at the lock upgrade instead of waiting.
            session = await stack.enter_async_context(self._database.transaction())
        self._stack, self._session = stack, session
        repositories = self._repositories(session)
        self.invoices, self.creditors = repositories.invoices, repositories.creditors
        self.requests, self.timeline = repositories.requests, repositories.timeline
        self.documents = repositories.documents
        self.disputes = repositories.disputes
        self.deliveries, self.consents = repositories.deliveries, repositories.consents
        self.emails, self.notifications = repositories.emails, repositories.notifications

    async def _commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        stack, session = self._stack, self.session
        assert stack is not None
        try:
            await _write_changes(self, session, self._outbox, self._translate, self._record)
            self._stack = None
            await stack.aclose()  # leaves Database.transaction(): COMMIT
        except IntegrityError as error:
            await self._abandon(stack)
            raise Conflict("a uniqueness rule was violated") from error

    async def rollback(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await self._abandon(stack)

    @staticmethod
    async def _abandon(stack: AsyncExitStack) -> None:
        error = _Rollback()
        await stack.__aexit__(_Rollback, error, None)


class JoinedUnitOfWork(AbstractUnitOfWork):
    """Works inside a transaction someone else owns: the event consumer's, which also
    holds the inbox row, so an effect, its events and the "processed" mark commit
    together. ``commit`` writes everything but leaves COMMIT (or ROLLBACK) to the owner.
    """

    def __init__(
        self,
        session: AsyncSession,
        outbox: OutboxWriter,
        repositories: RepositoriesFactory,
        *,
        translate: Callable[[Event], IntegrationEvent | None] = to_integration_event,
        record: Callable[[Event], list[TimelineEntry]] = timeline_entries,
    ) -> None:
        self._session = session
        self._outbox = outbox
        self._repositories = repositories
        self._translate = translate
        self._record = record

    async def _begin(self) -> None:
        repositories = self._repositories(self._session)
        self.invoices, self.creditors = repositories.invoices, repositories.creditors
        self.requests, self.timeline = repositories.requests, repositories.timeline
        self.documents = repositories.documents
        self.disputes = repositories.disputes
        self.deliveries, self.consents = repositories.deliveries, repositories.consents
        self.emails, self.notifications = repositories.emails, repositories.notifications

    async def _commit(self) -> None:
        try:
            await _write_changes(self, self._session, self._outbox, self._translate, self._record)
        except IntegrityError as error:
            raise Conflict("a uniqueness rule was violated") from error

    async def rollback(self) -> None:
        """Nothing to do: the owner of the transaction rolls back."""


async def _write_changes(
    uow: AbstractUnitOfWork,
    session: AsyncSession,
    outbox: OutboxWriter,
    translate: Callable[[Event], IntegrationEvent | None],
    record: Callable[[Event], list[TimelineEntry]],
) -> None:
    """Staged aggregates, their timeline entries and integration events, in ``session``."""
    await uow.creditors.flush()
    await uow.invoices.flush()
    await uow.documents.flush()
    await uow.disputes.flush()
    await uow.deliveries.flush()
    await uow.emails.flush()
    entries: list[TimelineEntry] = []
    published: list[OutboxEvent] = []
    for event in uow.collect_new_events():
        entries += record(event)
        integration = translate(event)
        if integration is not None:
            published.append(
                OutboxEvent(
                    integration.event_type,
                    integration.subject_name,
                    integration.message,
                    integration.occurred_at,
                )
            )
    await outbox.add_many(session, published)
    await uow.timeline.append(entries, uow.invoices.added_ids)
