"""In-memory fakes of the message-centre ports (deliveries, consents, e-mail outbox,
sent notifications) for unit tests of the use cases; ``invoice_fakes`` wires them
into its unit of work. Staged changes reach ``MessageStore`` only at commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from ropo_invoice.domain.delivery import ConsentChange, LetterConsent, LetterDelivery
from ropo_invoice.service_layer import ports


@dataclass
class MessageStore:
    """What the fake database keeps of the message centre between units of work."""

    deliveries: dict[tuple[str, str], ports.LetterEntry] = field(default_factory=dict)
    consents: dict[str, LetterConsent] = field(default_factory=dict)
    changes: list[ConsentChange] = field(default_factory=list)
    emails: dict[str, ports.OutgoingEmail] = field(default_factory=dict)
    #: E-mail id → (next attempt or None, sent at or None).
    email_state: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    notified: set[tuple[str, str, date]] = field(default_factory=set)
    #: What ``candidates`` answers (tests set it; notified ones drop out).
    upcoming: list[ports.NotificationCandidate] = field(default_factory=list)


class FakeDeliveries(ports.LetterDeliveries):
    def __init__(self, store: MessageStore) -> None:
        self.store, self.staged = store, list[ports.LetterEntry]()
        self.reads: dict[tuple[str, str], datetime] = {}

    def add(self, entry: ports.LetterEntry) -> None:
        self.staged.append(entry)

    async def get(self, invoice_id: str, letter_id: str) -> ports.LetterEntry | None:
        for entry in self.staged:
            if (entry.delivery.invoice_id, entry.delivery.letter_id) == (invoice_id, letter_id):
                return entry
        return self.store.deliveries.get((invoice_id, letter_id))

    async def list(
        self, letter_filter: ports.LetterFilter, after: ports.LetterCursor | None, limit: int
    ) -> Sequence[ports.LetterEntry]:
        def key(entry: ports.LetterEntry) -> tuple[datetime, str, str]:
            d = entry.delivery
            return d.created_at, d.invoice_id, d.letter_id

        wanted = letter_filter
        cursor = None if after is None else (after.created_at, after.invoice_id, after.letter_id)
        found = [
            entry
            for entry in self.store.deliveries.values()
            if wanted.recipient_party in ("", entry.delivery.recipient_party)
            and wanted.invoice_id in ("", entry.delivery.invoice_id)
            and not (wanted.unread_only and entry.delivery.is_read)
            and (cursor is None or key(entry) < cursor)
        ]
        return sorted(found, key=key, reverse=True)[:limit]

    async def mark_read(self, invoice_id: str, letter_id: str, read_at: datetime) -> None:
        self.reads.setdefault((invoice_id, letter_id), read_at)

    def commit(self) -> None:
        for entry in self.staged:
            d = entry.delivery
            self.store.deliveries[(d.invoice_id, d.letter_id)] = entry
        for key, read_at in self.reads.items():
            entry = self.store.deliveries[key]
            if entry.delivery.read_at is None:
                self.store.deliveries[key] = replace(
                    entry, delivery=replace(entry.delivery, read_at=read_at)
                )


class FakeConsents(ports.LetterConsents):
    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self.saved: list[tuple[LetterConsent, ConsentChange]] = []

    async def get(self, party: str) -> LetterConsent | None:
        for consent, _ in reversed(self.saved):
            if consent.party == party:
                return consent
        return self.store.consents.get(party)

    async def save(self, consent: LetterConsent, change: ConsentChange) -> None:
        self.saved.append((consent, change))

    async def changes(self, party: str) -> Sequence[ConsentChange]:
        recorded = [*self.store.changes, *(change for _, change in self.saved)]
        return [change for change in recorded if change.party == party]

    def commit(self) -> None:
        for consent, change in self.saved:
            self.store.consents[consent.party] = consent
            self.store.changes.append(change)


class FakeEmails(ports.EmailOutbox):
    def __init__(self, store: MessageStore) -> None:
        self.store, self.staged = store, list[ports.OutgoingEmail]()
        self.updates: dict[str, tuple[datetime | None, datetime | None]] = {}
        self.attempts: dict[str, int] = {}

    def add(self, email: ports.OutgoingEmail) -> None:
        self.staged.append(email)

    async def claim(
        self, now: datetime, limit: int, lease: timedelta
    ) -> Sequence[ports.OutgoingEmail]:
        due = [
            email
            for email in sorted(self.store.emails.values(), key=lambda e: e.created_at)
            if (state := self.store.email_state[email.id])[1] is None
            and state[0] is not None
            and state[0] <= now
        ][:limit]
        claimed = []
        for email in due:
            attempts = email.attempts + 1
            self.attempts[email.id] = attempts
            self.updates[email.id] = (now + lease, None)
            claimed.append(replace(email, attempts=attempts))
        return claimed

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        self.updates[email_id] = (None, now)

    async def mark_failed(self, email_id: str, error: str, retry_at: datetime | None) -> None:
        self.updates[email_id] = (retry_at, None)

    async def backlog(self) -> ports.EmailBacklog:
        pending = [
            self.store.emails[email_id]
            for email_id, (next_attempt, _) in self.store.email_state.items()
            if next_attempt is not None
        ]
        oldest = min((email.created_at for email in pending), default=None)
        return ports.EmailBacklog(len(pending), oldest)

    def commit(self) -> None:
        for email in self.staged:
            self.store.emails[email.id] = email
            self.store.email_state[email.id] = (email.created_at, None)
        for email_id, attempts in self.attempts.items():
            self.store.emails[email_id] = replace(self.store.emails[email_id], attempts=attempts)
        self.store.email_state.update(self.updates)


class FakeNotifications(ports.SentNotifications):
    def __init__(self, store: MessageStore) -> None:
        self.store, self.staged = store, list[tuple[str, str, date]]()

    async def candidates(
        self, first: date, last: date, limit: int
    ) -> Sequence[ports.NotificationCandidate]:
        return [
            candidate
            for candidate in self.store.upcoming
            if first <= candidate.due_date <= last
            and (candidate.invoice_id, candidate.kind.value, candidate.due_date)
            not in self.store.notified
        ][:limit]

    async def record(self, candidate: ports.NotificationCandidate, now: datetime) -> None:
        key = (candidate.invoice_id, candidate.kind.value, candidate.due_date)
        if key in self.store.notified or key in self.staged:
            raise ports.Conflict("already notified")
        self.staged.append(key)

    def commit(self) -> None:
        self.store.notified.update(self.staged)


@dataclass
class FakeMessageRepositories:
    """The four message repositories of one fake unit of work."""

    deliveries: FakeDeliveries
    consents: FakeConsents
    emails: FakeEmails
    notifications: FakeNotifications

    @classmethod
    def over(cls, store: MessageStore) -> FakeMessageRepositories:
        return cls(
            FakeDeliveries(store),
            FakeConsents(store),
            FakeEmails(store),
            FakeNotifications(store),
        )

    def commit(self) -> None:
        self.deliveries.commit()
        self.consents.commit()
        self.emails.commit()
        self.notifications.commit()


def stored_delivery(store: MessageStore, invoice_id: str, letter_id: str) -> LetterDelivery:
    """The committed delivery of that letter (a test helper)."""
    return store.deliveries[(invoice_id, letter_id)].delivery
