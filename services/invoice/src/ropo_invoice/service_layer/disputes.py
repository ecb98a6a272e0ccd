"""Use cases of disputes (*reklamaatio*) and of payment monitoring after a judgment.

Every mutating use case runs in one unit of work and is ``request_id`` idempotent
like the payment-time ones: the first outcome is recorded with the change and a
retry replays it from the stored rows. A concurrent change of the same invoice
makes the loser's commit fail (version check; at most one open dispute per invoice
by a unique index); it is retried and then refused by the rules it now sees.

Penalty interest: the days before a dispute are charged as the collection run
would have charged them, and the days of the dispute pass without interest, so
the hold is exact whichever day the run happens to run. Attached files are
checked (``AttachmentInspector``) before any transaction opens: parsing a 5 MiB
PDF must not hold a database lock.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final, Protocol, TypeVar

from ropo_platform.db.types import utcnow
from ropo_platform.errors import Aborted, FieldViolation
from ropo_platform.logging import get_logger
from ropo_platform.money import Money

from ropo_invoice.domain.dispute import (
    Attachment,
    Dispute,
    DisputeInvalid,
    DisputeNotFound,
    DisputeOutcome,
    DisputeState,
    attachment_violations,
)
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.interest import ReferenceRateTable, UnknownReferenceRate
from ropo_invoice.domain.letters import Letter
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer.letter_delivery import (
    LetterRenderer,
    keep_new_letters,
    letter_ids,
)
from ropo_invoice.service_layer.pagination import (
    decode_key_token,
    effective_page_size,
    encode_key_token,
)
from ropo_invoice.service_layer.ports import (
    Conflict,
    DisputeCursor,
    DisputeFilter,
    LetterEntry,
)
from ropo_invoice.service_layer.replays import find_replay, record_replay
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

_log = get_logger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")

DISPUTE_INVOICE = "ropo.invoice.v1.InvoiceService/DisputeInvoice"
RESOLVE_DISPUTE = "ropo.invoice.v1.InvoiceService/ResolveDispute"
START_PAYMENT_MONITORING = "ropo.invoice.v1.InvoiceService/StartPaymentMonitoring"
#: A conflict means a concurrent change of the same invoice won; the retry sees it.
MAX_ATTEMPTS = 3
_ONE_DAY = timedelta(days=1)


# ----------------------------------------------------------------------------- ports


@dataclass(frozen=True, slots=True)
class AttachmentProblem:
    """Why a file was refused: ``part`` is ``"content"`` (not readable as its type) or
    ``"media_type"`` (a readable file of another type than declared)."""

    part: str
    description: str


class AttachmentInspector(Protocol):
    """Port: does a file's content parse as the media type declared for it?"""

    def inspect(self, media_type: str, content: bytes) -> AttachmentProblem | None:
        """``None`` when the file opens as ``media_type``; else what is wrong, in words a
        person understands."""
        ...


# -------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class DisputeInvoice:
    """The debtor (or someone they authorized) disputes all or ``disputed_amount`` of it."""

    invoice_id: str
    actor: str
    reason: str
    attachments: tuple[Attachment, ...] = ()
    disputed_amount: Money | None = None
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class ResolveDispute:
    """An agent decides a dispute and writes to the debtor."""

    invoice_id: str
    dispute_id: str
    actor: str
    outcome: DisputeOutcome
    message: str
    credited_amount: Money | None = None
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class ListDisputes:
    """A page of disputes, newest first: of one invoice or all, in some states or any."""

    invoice_id: str = ""
    states: tuple[DisputeState, ...] = ()
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class StartPaymentMonitoring:
    """An agent records a court judgment; the invoice goes to payment monitoring."""

    invoice_id: str
    actor: str
    judgment_date: date
    judgment_reference: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class DisputeResult:
    """A dispute and its invoice after the change."""

    invoice: Invoice
    dispute: Dispute


@dataclass(frozen=True, slots=True)
class DisputePage:
    """One page of disputes and the token of the next (empty on the last page)."""

    disputes: tuple[Dispute, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class MonitoringResult:
    """The invoice in payment monitoring, the letter sent and its delivery."""

    invoice: Invoice
    letter: Letter
    delivery: LetterEntry


def content_violations(
    inspector: AttachmentInspector, attachments: Sequence[Attachment]
) -> list[FieldViolation]:
    """The inspector's verdict on each file whose name, type and size already pass
    (an oversized or undeclared file is never parsed)."""
    violations: list[FieldViolation] = []
    for index, attachment in enumerate(attachments):
        if attachment_violations([attachment.info]):
            continue
        problem = inspector.inspect(attachment.media_type, attachment.content)
        if problem is not None:
            violations.append(
                FieldViolation(f"attachments[{index}].{problem.part}", problem.description)
            )
    return violations


# ------------------------------------------------------------------------- use cases


@dataclass(slots=True)
class DisputeHandlers:
    """The dispute and payment-monitoring use cases, with their dependencies."""

    uow: UnitOfWorkFactory
    inspector: AttachmentInspector
    renderer: LetterRenderer
    rates: ReferenceRateTable
    clock: Clock = field(default=utcnow)

    async def dispute_invoice(self, command: DisputeInvoice) -> DisputeResult:
        """Open a dispute and put the invoice on hold; replays a seen ``request_id``."""
        violations = attachment_violations([a.info for a in command.attachments])
        # Parsing is CPU work of up to 25 MiB: off the event loop.
        violations += await asyncio.to_thread(
            content_violations, self.inspector, command.attachments
        )
        if violations:
            raise DisputeInvalid(violations)

        async def change(uow: AbstractUnitOfWork) -> DisputeResult:
            stored = await find_replay(uow, DISPUTE_INVOICE, command.request_id, command, _FILES)
            if stored is not None:
                return await _replay_dispute(uow, stored)
            invoice = await _invoice(uow, command.invoice_id)
            now = self.clock()
            self._charge_days_before(invoice, now)
            dispute = invoice.dispute(
                disputer=command.actor,
                reason=command.reason,
                attachments=[a.info for a in command.attachments],
                now=now,
                disputed_amount=command.disputed_amount,
            )
            uow.disputes.add(dispute, command.attachments)
            record = {"invoice": invoice.id, "dispute": dispute.id}
            await record_replay(uow, DISPUTE_INVOICE, command.request_id, command, record, _FILES)
            return DisputeResult(invoice, dispute)

        return await self._in_transaction(change)

    async def resolve_dispute(self, command: ResolveDispute) -> DisputeResult:
        """Carry out an agent's decision; replays a seen ``request_id``."""

        async def change(uow: AbstractUnitOfWork) -> DisputeResult:
            stored = await find_replay(uow, RESOLVE_DISPUTE, command.request_id, command)
            if stored is not None:
                return await _replay_dispute(uow, stored)
            invoice = await _invoice(uow, command.invoice_id)
            dispute = await uow.disputes.get(command.invoice_id, command.dispute_id)
            if dispute is None:
                raise DisputeNotFound(_dispute_name(command.invoice_id, command.dispute_id))
            now = self.clock()
            before = letter_ids(invoice)
            # Still disputed: the days up to yesterday pass without interest.
            self._charge_days_before(invoice, now)
            invoice.resolve_dispute(
                dispute,
                command.outcome,
                message=command.message,
                resolver=command.actor,
                today=now.date(),
                now=now,
                credited_amount=command.credited_amount,
            )
            # The message reaches the debtor like any letter (rendered, delivered).
            await keep_new_letters(uow, self.renderer, invoice, before, now)
            record = {"invoice": invoice.id, "dispute": dispute.id}
            await record_replay(uow, RESOLVE_DISPUTE, command.request_id, command, record)
            return DisputeResult(invoice, dispute)

        return await self._in_transaction(change)

    async def start_payment_monitoring(self, command: StartPaymentMonitoring) -> MonitoringResult:
        """Move an invoice in collection to payment monitoring and send the letter naming
        the judgment; replays a seen ``request_id``."""

        async def change(uow: AbstractUnitOfWork) -> MonitoringResult:
            stored = await find_replay(uow, START_PAYMENT_MONITORING, command.request_id, command)
            if stored is not None:
                invoice = await _invoice(uow, stored["invoice"])
                letter = next(x for x in invoice.letters if x.id == stored["letter"])
                return MonitoringResult(invoice, letter, await _delivery(uow, invoice, letter))
            invoice = await _invoice(uow, command.invoice_id)
            now = self.clock()
            before = letter_ids(invoice)
            # The letter asks for what is owed today, interest through yesterday included.
            invoice.accrue_interest(now.date() - _ONE_DAY, self.rates, now)
            letter = invoice.start_payment_monitoring(
                judgment_date=command.judgment_date,
                judgment_reference=command.judgment_reference,
                today=now.date(),
                now=now,
            )
            await keep_new_letters(uow, self.renderer, invoice, before, now)
            record = {"invoice": invoice.id, "letter": letter.id}
            await record_replay(uow, START_PAYMENT_MONITORING, command.request_id, command, record)
            return MonitoringResult(invoice, letter, await _delivery(uow, invoice, letter))

        return await self._in_transaction(change)

    async def list_disputes(self, query: ListDisputes) -> DisputePage:
        """Disputes newest first, one page at a time."""
        size = effective_page_size(query.page_size)
        scope = _list_scope(query)
        key = decode_key_token(query.page_token, scope, 2)
        after = None if key is None else DisputeCursor(datetime.fromisoformat(key[0]), key[1])
        dispute_filter = DisputeFilter(query.invoice_id, query.states)
        async with self.uow(read_only=True) as uow:
            found = list(await uow.disputes.list(dispute_filter, after, size + 1))
        page, more = found[:size], len(found) > size
        token = ""
        if more:
            last = page[-1]
            token = encode_key_token(scope, (last.created_at.isoformat(), last.id))
        return DisputePage(tuple(page), token)

    async def attachment(self, invoice_id: str, dispute_id: str, index: int) -> Attachment:
        """The ``index``-th file of a dispute as uploaded; ``DisputeNotFound`` otherwise."""
        async with self.uow(read_only=True) as uow:
            found = await uow.disputes.attachment(invoice_id, dispute_id, index)
        if found is None:
            name = _dispute_name(invoice_id, dispute_id)
            raise DisputeNotFound(f"{name}/attachments/{index}")
        return found

    async def latest(self, invoice_ids: Sequence[str]) -> dict[str, Dispute]:
        """The newest dispute of each invoice that has one (for the invoice view)."""
        async with self.uow(read_only=True) as uow:
            return await uow.disputes.latest(invoice_ids)

    def _charge_days_before(self, invoice: Invoice, now: datetime) -> None:
        try:
            invoice.accrue_interest(now.date() - _ONE_DAY, self.rates, now)
        except UnknownReferenceRate:
            # A missing rate must not stop a debtor from disputing; the days wait (and
            # pass without interest once disputed), and the run reports the rate.
            _log.warning("dispute_interest_skipped", invoice=invoice.resource_name)

    async def _in_transaction(self, change: Callable[[AbstractUnitOfWork], Awaitable[T]]) -> T:
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self.uow() as uow:
                    result = await change(uow)
                    await uow.commit()
                return result
            except Conflict:
                continue
        raise Aborted(
            "CONCURRENT_MODIFICATION", "the invoice was changed concurrently; retry the request"
        )


def _dispute_name(invoice_id: str, dispute_id: str) -> str:
    return f"invoices/{invoice_id}/disputes/{dispute_id}"


def _list_scope(query: ListDisputes) -> str:
    states = ",".join(sorted(state.value for state in query.states))
    return f"disputes|{query.invoice_id}|{states}"


async def _invoice(uow: AbstractUnitOfWork, invoice_id: str) -> Invoice:
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"invoices/{invoice_id}")
    return invoice


async def _delivery(uow: AbstractUnitOfWork, invoice: Invoice, letter: Letter) -> LetterEntry:
    entry = await uow.deliveries.get(invoice.id, letter.id)
    if entry is None:
        raise RuntimeError("a letter issued through keep_new_letters has a delivery")
    return entry


def _file_digests(attachments: Sequence[Attachment]) -> object:
    """Files by name, type and content digest: a retry is recognised without keeping bytes."""
    return [(a.filename, a.media_type, hashlib.sha256(a.content).hexdigest()) for a in attachments]


_FILES: Final = {"attachments": _file_digests}


async def _replay_dispute(uow: AbstractUnitOfWork, stored: dict[str, str]) -> DisputeResult:
    invoice = await _invoice(uow, stored["invoice"])
    dispute = await uow.disputes.get(invoice.id, stored["dispute"])
    if dispute is None:
        raise DisputeNotFound(_dispute_name(invoice.id, stored["dispute"]))
    return DisputeResult(invoice, dispute)
