"""Ports: what the use cases need from the outside world, as abstract interfaces.

Adapters implement them (``adapters/repository.py`` with SQLAlchemy); unit
tests implement them with in-memory fakes. Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from ropo_platform.errors import FieldViolation, ValidationFailed
from ropo_platform.money import Money

from ropo_invoice.domain.delivery import ConsentChange, LetterConsent, LetterDelivery
from ropo_invoice.domain.dispute import Attachment, Dispute, DisputeState
from ropo_invoice.domain.identifiers import BusinessId
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.domain.stage import Stage


class Conflict(Exception):
    """A uniqueness rule or a version check failed at commit (a concurrent writer won,
    or a random identifier collided). The use case may retry with a fresh unit of work:
    the next attempt sees the winner's rows."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    default_reason = "REQUEST_ID_REUSED"

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            metadata={"method": method},
        )


@dataclass(frozen=True, slots=True)
class InvoiceCursor:
    """Keyset position in the list order (due date descending, then id descending)."""

    due_date: date
    invoice_id: str


class TextScope(StrEnum):
    """Which columns a free-text query searches."""

    #: What a debtor sees in MyRopo: issuer, invoice number, reference.
    DEBTOR = "debtor"
    #: Ropo One: also the case number and the debtor's name.
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """Which invoices a list or search wants; every set criterion must match."""

    invoice_ids: tuple[str, ...] | None = None
    debtor_party: str = ""
    creditor_id: str = ""
    open_only: bool = False
    closed_only: bool = False
    text: str = ""
    text_scope: TextScope = TextScope.DEBTOR
    case_number: str = ""
    invoice_number: str = ""
    reference: str = ""
    debtor_name: str = ""
    stages: tuple[Stage, ...] = ()


@dataclass(frozen=True, slots=True)
class LookupCandidate:
    """The few columns a lookup compares before it loads anything else."""

    invoice_id: str
    postal_code: str


class TimelineType(StrEnum):
    """Kinds of timeline entries (``InvoiceEvent.Type`` on the wire)."""

    IMPORTED = "imported"
    STAGE_CHANGED = "stage_changed"
    LETTER_SENT = "letter_sent"
    COST_ADDED = "cost_added"
    INTEREST_CHARGED = "interest_charged"
    DUE_DATE_EXTENDED = "due_date_extended"
    PAYMENT_PLAN_CREATED = "payment_plan_created"
    PAYMENT_PLAN_CANCELLED = "payment_plan_cancelled"
    PAYMENT_CONFIRMED = "payment_confirmed"
    PAYMENT_RECEIVED = "payment_received"
    CREDIT_NOTE_APPLIED = "credit_note_applied"
    OVERPAID = "overpaid"
    PAID = "paid"
    AUTHORIZATION_GRANTED = "authorization_granted"
    AUTHORIZATION_REVOKED = "authorization_revoked"
    DISPUTED = "disputed"
    DISPUTE_RESOLVED = "dispute_resolved"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One stored entry of an invoice's status timeline.

    Texts are not stored: ``details`` keeps the values (stage names, letter kind,
    dates) from which the entry is worded in the reader's language at read time.
    """

    invoice_id: str
    type: TimelineType
    occurred_at: datetime
    amount: Money | None = None
    letter_id: str = ""
    details: dict[str, str] = field(default_factory=dict)
    #: Order within the invoice (1, 2, …); the repository assigns it on append.
    position: int = 0


class DocumentKind(StrEnum):
    """What a stored document is."""

    #: The PDF the creditor sent with the invoice (shown by *Avaa lasku* when present).
    ORIGINAL = "original"
    #: A letter rendered when it was issued (kept as sent).
    LETTER = "letter"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document kept for an invoice."""

    invoice_id: str
    kind: DocumentKind
    media_type: str
    content: bytes = field(repr=False)
    created_at: datetime
    letter_id: str = ""


class CreditorRepository(abc.ABC):
    """Creditors by id and by business ID."""

    @abc.abstractmethod
    def add(self, creditor: Creditor) -> None:
        """Stage a new creditor for insertion at commit."""

    @abc.abstractmethod
    async def get(self, creditor_id: str) -> Creditor | None:
        """The creditor with ``creditor_id``."""

    @abc.abstractmethod
    async def get_by_business_id(self, business_id: BusinessId) -> Creditor | None:
        """The creditor with ``business_id``."""

    @abc.abstractmethod
    async def list(self, after: tuple[str, str] | None, limit: int) -> Sequence[Creditor]:
        """Up to ``limit`` creditors by (name, id), after the key ``after``."""

    @abc.abstractmethod
    async def payment_time_policy(self, creditor_id: str) -> PaymentTimePolicy:
        """The creditor's payment-time policy; the defaults when none was set."""

    @abc.abstractmethod
    async def save_payment_time_policy(
        self, creditor_id: str, policy: PaymentTimePolicy, now: datetime
    ) -> None:
        """Store (insert or replace) the creditor's payment-time policy."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged changes (called by the unit of work before committing)."""


class InvoiceRepository(abc.ABC):
    """Invoice aggregates (with ledger and lines). Remembers every aggregate it handed
    out or received (``seen``) so the unit of work can collect their events."""

    def __init__(self) -> None:
        self.seen: set[Invoice] = set()
        #: Ids of the invoices created in this unit of work (their timelines start at 1).
        self.added_ids: set[str] = set()

    def add(self, invoice: Invoice) -> None:
        """Stage a new invoice for insertion at commit."""
        self._add(invoice)
        self.seen.add(invoice)
        self.added_ids.add(invoice.id)

    async def get(self, invoice_id: str) -> Invoice | None:
        """The invoice with ``invoice_id``."""
        invoice = await self._get(invoice_id)
        if invoice is not None:
            self.seen.add(invoice)
        return invoice

    async def get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None:
        """The creditor's invoice with ``invoice_number`` (the import idempotency key)."""
        invoice = await self._get_by_number(creditor_id, invoice_number)
        if invoice is not None:
            self.seen.add(invoice)
        return invoice

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged changes (called by the unit of work before committing)."""

    @abc.abstractmethod
    def _add(self, invoice: Invoice) -> None: ...

    @abc.abstractmethod
    async def _get(self, invoice_id: str) -> Invoice | None: ...

    @abc.abstractmethod
    async def _get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None: ...

    @abc.abstractmethod
    async def exists(self, invoice_id: str) -> bool:
        """True when the invoice exists (a cheap check: nothing is loaded or tracked)."""

    @abc.abstractmethod
    async def find_by_details(self, reference: str, invoice_number: str) -> list[LookupCandidate]:
        """Invoices whose reference and invoice number both match (any creditor)."""

    @abc.abstractmethod
    async def ids_due_for_collection(self, today: date, after: str, limit: int) -> list[str]:
        """Ids (ascending, after ``after``) of open invoices in an active stage whose due
        date is before ``today``: the collection run's candidates."""

    @abc.abstractmethod
    async def find_by_myropo_id(self, myropo_id: str) -> LookupCandidate | None:
        """The invoice with this MyRopo ID."""

    @abc.abstractmethod
    async def list(
        self,
        invoice_filter: InvoiceFilter,
        after: InvoiceCursor | None,
        limit: int,
        *,
        include_lines: bool = False,
    ) -> Sequence[Invoice]:
        """Up to ``limit`` invoices matching the filter, in list order (due date
        descending, then id descending), after ``after``. Lines are loaded only when
        asked for. Read-only: listed invoices are not tracked for events."""


class RequestLog(abc.ABC):
    """Stored results of mutating requests by ``(method, request_id)`` for replay."""

    @abc.abstractmethod
    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored result, ``None`` on first use; ``RequestIdReused`` (service layer)
        when the id was used with a different request."""

    @abc.abstractmethod
    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        """Store the result of a first call, in the current transaction."""


class Timeline(abc.ABC):
    """The status timeline of invoices (append-only)."""

    @abc.abstractmethod
    async def append(
        self, entries: Sequence[TimelineEntry], new_invoice_ids: Set[str] = frozenset()
    ) -> None:
        """Store ``entries`` (each invoice's entries get the next positions, in order).
        Invoices in ``new_invoice_ids`` have no entries yet: no need to look."""

    @abc.abstractmethod
    async def list(self, invoice_id: str, after: int, limit: int) -> Sequence[TimelineEntry]:
        """Up to ``limit`` entries of the invoice after position ``after``, oldest first."""


class DocumentStore(abc.ABC):
    """Original invoice images and rendered letters."""

    @abc.abstractmethod
    def add(self, document: StoredDocument) -> None:
        """Stage ``document`` for insertion at commit (after the invoice it belongs to)."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged documents (called by the unit of work before committing)."""

    @abc.abstractmethod
    async def get(
        self, invoice_id: str, kind: DocumentKind, letter_id: str = ""
    ) -> StoredDocument | None:
        """The stored document of that kind (and letter), if any."""


# ------------------------------------------------------- letters, consents and e-mail (H1)


@dataclass(frozen=True, slots=True)
class LetterEntry:
    """A delivered letter as the message centre shows it (with its invoice's details)."""

    delivery: LetterDelivery
    invoice_number: str
    creditor_name: str
    #: The words of a customer-service message; empty for other letters.
    body: str = ""


@dataclass(frozen=True, slots=True)
class LetterFilter:
    """Which deliveries a message-centre list wants; every set criterion must match."""

    recipient_party: str = ""
    invoice_id: str = ""
    unread_only: bool = False


@dataclass(frozen=True, slots=True)
class LetterCursor:
    """Keyset position in the message-centre order (newest first)."""

    created_at: datetime
    invoice_id: str
    letter_id: str


class LetterDeliveries(abc.ABC):
    """Deliveries of letters: channel and read state, per (invoice, letter)."""

    @abc.abstractmethod
    def add(self, entry: LetterEntry) -> None:
        """Stage ``entry.delivery`` for insertion at commit (after its invoice); until
        then ``get`` answers the entry as staged."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged deliveries (called by the unit of work before committing)."""

    @abc.abstractmethod
    async def get(self, invoice_id: str, letter_id: str) -> LetterEntry | None:
        """The delivery of that letter, staged or stored."""

    @abc.abstractmethod
    async def list(
        self, letter_filter: LetterFilter, after: LetterCursor | None, limit: int
    ) -> Sequence[LetterEntry]:
        """Up to ``limit`` deliveries matching the filter, newest first (created at,
        invoice id, letter id, all descending), after ``after``."""

    @abc.abstractmethod
    async def mark_read(self, invoice_id: str, letter_id: str, read_at: datetime) -> None:
        """Record the first opening (a letter already read keeps its time)."""


class LetterConsents(abc.ABC):
    """People's consents to electronic letters and every change of them."""

    @abc.abstractmethod
    async def get(self, party: str) -> LetterConsent | None:
        """The person's consent; ``None`` when never given."""

    @abc.abstractmethod
    async def save(self, consent: LetterConsent, change: ConsentChange) -> None:
        """Store (insert or replace) the consent and append its change."""

    @abc.abstractmethod
    async def changes(self, party: str) -> Sequence[ConsentChange]:
        """Every change of the person's consent, oldest first."""


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """An e-mail waiting in the outbox. ``body`` holds ``{portal_url}`` where the
    MyRopo address goes: the dispatcher fills it in when sending."""

    id: str
    to_address: str = field(repr=False)
    subject: str
    body: str = field(repr=False)
    created_at: datetime
    #: Sending attempts so far (the one being made included, once claimed).
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class EmailBacklog:
    """E-mails still to be sent (abandoned ones not counted)."""

    pending: int
    oldest_created_at: datetime | None

    def oldest_age(self, now: datetime) -> float:
        """Seconds since the oldest pending e-mail was written (0 when none)."""
        if self.oldest_created_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_created_at).total_seconds())


class EmailOutbox(abc.ABC):
    """E-mails written with the change they tell of, sent later by the dispatcher."""

    @abc.abstractmethod
    def add(self, email: OutgoingEmail) -> None:
        """Stage an e-mail for insertion at commit."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged e-mails (called by the unit of work before committing)."""

    @abc.abstractmethod
    async def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[OutgoingEmail]:
        """Up to ``limit`` unsent e-mails due at ``now``, oldest first, hidden from other
        dispatchers for ``lease`` (a dispatcher that dies lets the lease run out)."""

    @abc.abstractmethod
    async def mark_sent(self, email_id: str, now: datetime) -> None:
        """The e-mail was accepted by the mail server."""

    @abc.abstractmethod
    async def mark_failed(self, email_id: str, error: str, retry_at: datetime | None) -> None:
        """Sending failed: try again at ``retry_at``, or never (``None``)."""

    @abc.abstractmethod
    async def backlog(self) -> EmailBacklog:
        """What is still to be sent."""


class NotificationKind(StrEnum):
    """What a reminder e-mail before a date is about."""

    DUE_DATE = "due_date"
    INSTALMENT = "instalment"


@dataclass(frozen=True, slots=True)
class NotificationCandidate:
    """An upcoming date a consenting person may be told about."""

    invoice_id: str
    kind: NotificationKind
    due_date: date
    language: Language
    notification_email: str = field(repr=False)


class SentNotifications(abc.ABC):
    """E-mails about upcoming dates, each sent once per (invoice, kind, date)."""

    @abc.abstractmethod
    async def candidates(
        self, first: date, last: date, limit: int
    ) -> Sequence[NotificationCandidate]:
        """Up to ``limit`` due dates (open invoices without an active plan) and unpaid
        instalments of active plans between ``first`` and ``last``, not yet notified,
        whose debtor consents to electronic letters; recorded ones drop out, so asking
        again continues where the last batch ended."""

    @abc.abstractmethod
    async def record(self, candidate: NotificationCandidate, now: datetime) -> None:
        """Note the notification (a second one of the same key fails at commit)."""


# --------------------------------------------------------------------------- disputes (H2)


@dataclass(frozen=True, slots=True)
class DisputeFilter:
    """Which disputes a list wants: one invoice's (or all) in some states (or any)."""

    invoice_id: str = ""
    states: tuple[DisputeState, ...] = ()


@dataclass(frozen=True, slots=True)
class DisputeCursor:
    """Keyset position in the list order (newest first: creation time, then id, descending)."""

    created_at: datetime
    dispute_id: str


class DisputeRepository(abc.ABC):
    """Disputes and their attached files (the bytes are read only one file at a time)."""

    @abc.abstractmethod
    def add(self, dispute: Dispute, attachments: Sequence[Attachment]) -> None:
        """Stage a new dispute and its files (in order) for insertion at commit."""

    @abc.abstractmethod
    async def get(self, invoice_id: str, dispute_id: str) -> Dispute | None:
        """The dispute of that invoice; changes to it are written at commit."""

    @abc.abstractmethod
    async def latest(self, invoice_ids: Sequence[str]) -> dict[str, Dispute]:
        """The newest dispute of each invoice that has any (read-only)."""

    @abc.abstractmethod
    async def list(
        self, dispute_filter: DisputeFilter, after: DisputeCursor | None, limit: int
    ) -> Sequence[Dispute]:
        """Up to ``limit`` matching disputes, newest first, after ``after`` (read-only)."""

    @abc.abstractmethod
    async def attachment(self, invoice_id: str, dispute_id: str, index: int) -> Attachment | None:
        """The ``index``-th file (from 0) of the dispute, as uploaded."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged changes (called by the unit of work before committing)."""
