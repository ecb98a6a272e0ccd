"""The message centre (*Viestikeskus*): deliveries of letters, reading them, and the
consent to electronic letters.

``deliver`` is called in the transaction that issues a letter (``keep_new_letters``,
the import, the refund-event consumer): it reads the recipient's consent in that
same transaction, picks the channel by the domain rule and, for an electronic
letter, writes the e-mail that tells of it — all or nothing with the letter.

``MessageCentre`` holds the use cases of the four RPCs. The mutating ones are
``request_id`` idempotent: the first outcome is recorded with the change and a
retry replays it from the stored rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from ropo_platform.db.types import utcnow
from ropo_platform.errors import Aborted
from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_invoice.domain.delivery import (
    ConsentChange,
    ConsentChannel,
    DeliveryType,
    EmailAddress,
    LetterChannel,
    LetterConsent,
    LetterDelivery,
    choose_channel,
)
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.letters import Letter
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import PERSONS_PREFIX
from ropo_invoice.service_layer.documents import LetterNotFound
from ropo_invoice.service_layer.notifications import new_letter_email
from ropo_invoice.service_layer.ports import Conflict, LetterCursor, LetterEntry, LetterFilter
from ropo_invoice.service_layer.replays import find_replay, record_replay
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
T = TypeVar("T")

MARK_LETTER_READ = "ropo.invoice.v1.InvoiceService/MarkLetterRead"
UPDATE_LETTER_CONSENT = "ropo.invoice.v1.InvoiceService/UpdateLetterConsent"
#: A conflict means a concurrent change won (or the same request ran twice at once).
MAX_ATTEMPTS = 3
_KEY_SEPARATOR = "|"


# ------------------------------------------------------------------------------ delivery


async def deliver(
    uow: AbstractUnitOfWork,
    invoice: Invoice,
    *,
    letter_id: str,
    delivery_type: DeliveryType,
    now: datetime,
    due_date: date | None = None,
    body: str = "",
    refund_case: str = "",
    recipient_party: str | None = None,
    written_at: datetime | None = None,
) -> LetterEntry:
    """Stage the delivery of one letter about ``invoice`` made at ``now`` (to its debtor
    unless ``recipient_party`` says otherwise) and, when electronic, its e-mail, written
    at ``written_at`` (default ``now``; later for a letter made elsewhere)."""
    party = invoice.debtor.party if recipient_party is None else recipient_party
    consent = await uow.consents.get(party) if party.startswith(PERSONS_PREFIX) else None
    channel = choose_channel(party, consent)
    delivery = LetterDelivery(
        invoice_id=invoice.id,
        letter_id=letter_id,
        recipient_party=party,
        type=delivery_type,
        channel=channel,
        created_at=now,
        due_date=due_date if delivery_type.asks_for_payment else None,
        refund_case=refund_case,
    )
    entry = LetterEntry(delivery, invoice.invoice_number, invoice.creditor_name, body)
    uow.deliveries.add(entry)
    if channel is LetterChannel.ELECTRONIC:
        assert consent is not None  # the channel rule allows nothing else
        uow.emails.add(
            new_letter_email(
                consent.notification_email,
                invoice.debtor.language,
                delivery_type,
                written_at or now,
            )
        )
    return entry


async def deliver_letter(
    uow: AbstractUnitOfWork, invoice: Invoice, letter: Letter, now: datetime
) -> LetterEntry:
    """The delivery of a letter the invoice has just issued."""
    return await deliver(
        uow,
        invoice,
        letter_id=letter.id,
        delivery_type=DeliveryType.of(letter.type),
        now=now,
        due_date=letter.due_date,
        body=letter.body,
    )


async def deliver_invoice(uow: AbstractUnitOfWork, invoice: Invoice, now: datetime) -> LetterEntry:
    """The delivery of the imported invoice itself (its letter id is the invoice id)."""
    return await deliver(
        uow,
        invoice,
        letter_id=invoice.id,
        delivery_type=DeliveryType.INVOICE,
        now=now,
        due_date=invoice.due_date,
    )


@dataclass(frozen=True, slots=True)
class DeliverRefundLetter:
    """The refund service opened ``refund_case_id`` about the invoice and wrote its letter
    at ``opened_at``; it reached this service at ``received_at``."""

    invoice_id: str
    refund_case_id: str
    recipient_party: str
    opened_at: datetime
    received_at: datetime


async def deliver_refund_letter(command: DeliverRefundLetter, uow: AbstractUnitOfWork) -> bool:
    """Add the refund letter's delivery; ``False`` when it was already there."""
    async with uow:
        if await uow.deliveries.get(command.invoice_id, command.refund_case_id) is not None:
            return False
        invoice = await uow.invoices.get(command.invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoices/{command.invoice_id}")
        await deliver(
            uow,
            invoice,
            letter_id=command.refund_case_id,
            delivery_type=DeliveryType.REFUND_LETTER,
            now=command.opened_at,
            refund_case=command.refund_case_id,
            recipient_party=command.recipient_party,
            written_at=command.received_at,
        )
        await uow.commit()
    return True


# ----------------------------------------------------------------------------- use cases


@dataclass(frozen=True, slots=True)
class ListLetters:
    """A page of letters matching ``letter_filter`` (a recipient, an invoice or both)."""

    letter_filter: LetterFilter
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class LetterPage:
    """Letters, newest first, and the token of the next page (empty on the last)."""

    letters: Sequence[LetterEntry]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class MarkLetterRead:
    """``actor`` opened the letter; only its recipient may."""

    invoice_id: str
    letter_id: str
    actor: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class UpdateLetterConsent:
    """Give (with ``email``) or withdraw the consent of the person ``party``."""

    party: str
    electronic: bool
    email: EmailAddress | None
    channel: ConsentChannel
    actor: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class ConsentView:
    """A consent with its history, oldest change first."""

    consent: LetterConsent
    changes: Sequence[ConsentChange] = ()


@dataclass(slots=True)
class MessageCentre:
    """The message-centre and consent use cases, with their dependencies."""

    uow: UnitOfWorkFactory
    clock: Clock = field(default=utcnow)

    async def list_letters(self, query: ListLetters) -> LetterPage:
        """A page of letters, newest first, keyset-paginated."""
        page_size = effective_page_size(query.page_size)
        letter_filter = query.letter_filter
        digest = query_digest(
            [
                "letters",
                letter_filter.recipient_party,
                letter_filter.invoice_id,
                str(letter_filter.unread_only),
            ]
        )
        after = _cursor(decode_page_token(query.page_token, digest))
        async with self.uow(read_only=True) as uow:
            # One extra row tells whether another page exists without a COUNT.
            found = await uow.deliveries.list(letter_filter, after, page_size + 1)
        page = list(found[:page_size])
        token = ""
        if len(found) > page_size:
            token = encode_page_token(_key(page[-1].delivery), digest)
        return LetterPage(page, token)

    async def mark_letter_read(self, command: MarkLetterRead) -> LetterEntry:
        """The letter, read (the first opening time is kept); ``LetterNotFound`` when
        there is no such letter *or* ``actor`` is not its recipient, alike."""

        async def change(uow: AbstractUnitOfWork) -> LetterEntry:
            stored = await find_replay(uow, MARK_LETTER_READ, command.request_id, command)
            entry = await uow.deliveries.get(command.invoice_id, command.letter_id)
            name = f"invoices/{command.invoice_id}/letters/{command.letter_id}"
            if entry is None or not entry.delivery.is_addressed_to(command.actor):
                raise LetterNotFound(name)
            if stored is not None:
                return entry
            read = entry.delivery.read(self.clock())
            if read is not entry.delivery:
                assert read.read_at is not None
                await uow.deliveries.mark_read(read.invoice_id, read.letter_id, read.read_at)
            record = {"invoice": command.invoice_id, "letter": command.letter_id}
            await record_replay(uow, MARK_LETTER_READ, command.request_id, command, record)
            return replace(entry, delivery=read)

        return await self._in_transaction(change)

    async def get_consent(self, party: str) -> ConsentView:
        """The person's consent and its history; never given → paper, no history."""
        async with self.uow(read_only=True) as uow:
            return await _consent_view(uow, party)

    async def update_consent(self, command: UpdateLetterConsent) -> ConsentView:
        """Give or withdraw the consent; a change is recorded only when something
        changes (giving again with the same address is no change)."""

        async def change(uow: AbstractUnitOfWork) -> ConsentView:
            stored = await find_replay(uow, UPDATE_LETTER_CONSENT, command.request_id, command)
            if stored is not None:
                return await _consent_view(uow, command.party)
            current = await uow.consents.get(command.party) or LetterConsent.never_given(
                command.party
            )
            now = self.clock()
            if command.electronic:
                if command.email is None:
                    raise ValueError("giving the consent needs an e-mail address")
                updated, recorded = current.give(command.email, command.channel, command.actor, now)
            else:
                updated, recorded = current.withdraw(command.channel, command.actor, now)
            unchanged = (updated.electronic, updated.notification_email) == (
                current.electronic,
                current.notification_email,
            )
            if not unchanged:
                await uow.consents.save(updated, recorded)
            record = {"party": command.party}
            await record_replay(uow, UPDATE_LETTER_CONSENT, command.request_id, command, record)
            return await _consent_view(uow, command.party)

        return await self._in_transaction(change)

    async def _in_transaction(self, change: Callable[[AbstractUnitOfWork], Awaitable[T]]) -> T:
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self.uow() as uow:
                    result = await change(uow)
                    await uow.commit()
                return result
            except Conflict:
                continue
        raise Aborted("CONCURRENT_MODIFICATION", "changed concurrently; retry the request")


async def _consent_view(uow: AbstractUnitOfWork, party: str) -> ConsentView:
    consent = await uow.consents.get(party) or LetterConsent.never_given(party)
    return ConsentView(consent, tuple(await uow.consents.changes(party)))


def _key(delivery: LetterDelivery) -> str:
    return _KEY_SEPARATOR.join(
        (delivery.created_at.isoformat(), delivery.invoice_id, delivery.letter_id)
    )


def _cursor(key: str | None) -> LetterCursor | None:
    if key is None:
        return None
    parts = key.split(_KEY_SEPARATOR)
    try:
        if len(parts) != 3 or not parts[1] or not parts[2]:
            raise ValueError("malformed key")
        created_at = datetime.fromisoformat(parts[0])
        if created_at.tzinfo is None:
            raise ValueError("naive instant")
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None
    return LetterCursor(created_at, parts[1], parts[2])
