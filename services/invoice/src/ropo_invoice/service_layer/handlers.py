"""Use cases of the invoice service.

``InvoiceHandlers`` holds the dependencies (``bootstrap`` wires real ones,
unit tests fakes) and offers one coroutine per use case. Every mutating use
case runs in its own unit of work; the integration events of the change go to
the outbox in the same transaction (see ``unit_of_work``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ropo_platform.db.types import utcnow
from ropo_platform.errors import (
    Aborted,
    DomainError,
    FailedPrecondition,
    NotFound,
    PreconditionViolation,
)
from ropo_platform.logging import get_logger

from ropo_invoice.domain.commands import (
    FinvoiceCommand,
    IncomingDebtor,
    RegisterCreditNote,
    RegisterInvoice,
)
from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.model import Creditor, Invoice
from ropo_invoice.domain.party import Debtor, DebtorKind, NationalIdProtector
from ropo_invoice.service_layer.message_centre import deliver_invoice
from ropo_invoice.service_layer.pagination import (
    decode_key_token,
    decode_page_token,
    decode_position_token,
    effective_page_size,
    encode_key_token,
    encode_page_token,
    encode_position_token,
)
from ropo_invoice.service_layer.ports import (
    Conflict,
    DocumentKind,
    InvoiceCursor,
    InvoiceFilter,
    StoredDocument,
    TimelineEntry,
)
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

_log = get_logger(__name__)

Clock = Callable[[], datetime]
FinvoiceParser = Callable[[bytes], FinvoiceCommand]

IMPORT_FINVOICE = "ropo.invoice.v1.InvoiceService/ImportFinvoice"
PDF_MEDIA_TYPE = "application/pdf"
#: A conflict means another transaction won a race (same invoice imported twice at
#: once) or a random id collided; a fresh attempt resolves both.
MAX_IMPORT_ATTEMPTS = 3


class OriginalInvoiceUnknown(FailedPrecondition):
    """A credit note names an invoice this creditor has not sent (``FAILED_PRECONDITION``)."""

    default_reason = "ORIGINAL_INVOICE_UNKNOWN"

    def __init__(self) -> None:
        super().__init__(
            message="the credit note's original invoice has not been imported",
            violations=[
                PreconditionViolation(
                    "ORIGINAL_INVOICE",
                    "InvoiceDetails/OriginalInvoiceNumber",
                    "no invoice with this number from this creditor; import the invoice first",
                )
            ],
        )


@dataclass(frozen=True, slots=True)
class ImportFinvoice:
    """Import one Finvoice message; ``request_id`` (optional) makes retries replay."""

    finvoice_xml: bytes
    request_id: str = ""
    #: The creditor's own invoice image (a PDF, checked by the caller), kept with a new
    #: invoice and shown by *Avaa lasku* instead of a rendering.
    original_document: bytes = b""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The stored invoice and whether this call created it."""

    invoice: Invoice
    created: bool


@dataclass(frozen=True, slots=True)
class ListInvoices:
    """A page of invoices matching ``invoice_filter``."""

    invoice_filter: InvoiceFilter
    page_size: int = 0
    page_token: str = ""
    include_lines: bool = False


@dataclass(frozen=True, slots=True)
class InvoicePage:
    """One page and the token of the next (empty on the last page)."""

    invoices: Sequence[Invoice]
    next_page_token: str = ""


@dataclass(slots=True)
class InvoiceHandlers:
    """The use cases, with their dependencies."""

    uow: UnitOfWorkFactory
    protector: NationalIdProtector
    parse_finvoice: FinvoiceParser
    clock: Clock = field(default=utcnow)

    # ------------------------------------------------------------------ import

    async def import_finvoice(self, command: ImportFinvoice) -> ImportResult:
        """Register the invoice in the message, or return the one already registered for
        the same creditor and invoice number (``created=False``); a credit note is
        applied to its original invoice."""
        (result,) = await self.import_batch([command])
        if isinstance(result, DomainError):
            raise result
        return result

    async def import_batch(
        self, commands: Sequence[ImportFinvoice]
    ) -> list[ImportResult | DomainError]:
        """Import several messages; each gets its own result or error, in order.

        They share one transaction: one commit and one round of inserts for the
        whole batch is what makes bulk import fast. A message that is rejected
        leaves nothing behind and does not stop the others. When the shared commit
        collides with a concurrent import, the batch is redone one message at a
        time, each in its own transaction (imports are idempotent).
        """
        results: list[ImportResult | DomainError | None] = [None] * len(commands)
        prepared: list[_Prepared] = []
        for index, command in enumerate(commands):
            try:
                register = self.parse_finvoice(command.finvoice_xml)
            except DomainError as error:
                results[index] = error
                continue
            prepared.append(_Prepared(index, command, register, _fingerprint(command)))
        alone = prepared
        if len(prepared) > 1:
            try:
                together = await self._import_together(prepared)
            except Conflict:
                pass
            else:
                for item, outcome in zip(prepared, together, strict=True):
                    results[item.index] = outcome
                alone = []
        for item in alone:
            results[item.index] = await self._import_alone(item)
        done = [result for result in results if result is not None]
        assert len(done) == len(commands)
        return done

    async def _import_together(
        self, items: Sequence[_Prepared]
    ) -> list[ImportResult | DomainError]:
        outcomes: list[ImportResult | DomainError] = []
        async with self.uow() as uow:
            for item in items:
                try:
                    outcomes.append(await self._import_one(uow, item))
                except DomainError as error:
                    outcomes.append(error)
            await uow.commit()
        for outcome, item in zip(outcomes, items, strict=True):
            if isinstance(outcome, ImportResult):
                _log_imported(outcome, item.register.source_format)
        return outcomes

    async def _import_alone(self, item: _Prepared) -> ImportResult | DomainError:
        for attempt in range(1, MAX_IMPORT_ATTEMPTS + 1):
            try:
                async with self.uow() as uow:
                    result = await self._import_one(uow, item)
                    await uow.commit()
            except DomainError as error:
                return error
            except Conflict:
                if attempt == MAX_IMPORT_ATTEMPTS:
                    return Aborted(
                        "IMPORT_CONFLICT", "the import collided with a concurrent change; retry"
                    )
                continue
            _log_imported(result, item.register.source_format)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def _import_one(self, uow: AbstractUnitOfWork, item: _Prepared) -> ImportResult:
        """One message inside ``uow``; raises a ``DomainError`` having staged nothing."""
        command, register = item.command, item.register
        if command.request_id:
            stored = await uow.requests.find(IMPORT_FINVOICE, command.request_id, item.fingerprint)
            if stored is not None:
                return await _replay(uow, stored)
        if isinstance(register, RegisterCreditNote):
            result = await self._credit(uow, register)
        else:
            result = await self._register(uow, register)
            if result.created:
                # The invoice is the first letter of the case: it is in the message centre too.
                await deliver_invoice(uow, result.invoice, result.invoice.created_at)
        if result.created and command.original_document:
            uow.documents.add(
                StoredDocument(
                    invoice_id=result.invoice.id,
                    kind=DocumentKind.ORIGINAL,
                    media_type=PDF_MEDIA_TYPE,
                    content=command.original_document,
                    created_at=result.invoice.created_at,
                )
            )
        if command.request_id:
            await uow.requests.record(
                IMPORT_FINVOICE, command.request_id, item.fingerprint, _result_record(result)
            )
        return result

    async def _register(self, uow: AbstractUnitOfWork, command: RegisterInvoice) -> ImportResult:
        now = self.clock()
        incoming = command.creditor
        creditor = await uow.creditors.get_by_business_id(incoming.business_id)
        new_creditor = creditor is None
        if creditor is None:
            creditor = Creditor.register(incoming.name, incoming.business_id, incoming.account, now)
        else:
            existing = await uow.invoices.get_by_number(creditor.id, command.invoice_number)
            if existing is not None:
                return ImportResult(existing, created=False)
        # Built before anything is staged: a rule that fails leaves the batch untouched.
        invoice = Invoice.register(
            creditor=creditor,
            invoice_number=command.invoice_number,
            debtor=self._debtor(command.debtor, command),
            reference=command.reference,
            issue_date=command.issue_date,
            due_date=command.due_date,
            capital=command.amount_due,
            payee_account=incoming.account,
            now=now,
            lines=command.lines,
        )
        if new_creditor:
            uow.creditors.add(creditor)
        uow.invoices.add(invoice)
        return ImportResult(invoice, created=True)

    async def _credit(self, uow: AbstractUnitOfWork, command: RegisterCreditNote) -> ImportResult:
        """Apply a credit note to its original invoice (``created`` = newly applied)."""
        creditor = await uow.creditors.get_by_business_id(command.creditor.business_id)
        invoice = None
        if creditor is not None:
            invoice = await uow.invoices.get_by_number(creditor.id, command.original_invoice_number)
        if invoice is None:
            # Credit notes may overtake their invoice; the sender retries later.
            raise OriginalInvoiceUnknown()
        seen_before = command.credit_note_number in invoice.applied_credit_note_numbers
        invoice.apply_credit_note(command.credit_note_number, command.amount, self.clock())
        return ImportResult(invoice, created=not seen_before)

    def _debtor(self, incoming: IncomingDebtor, command: RegisterInvoice) -> Debtor:
        if incoming.kind is DebtorKind.ORGANIZATION:
            return Debtor.organization(
                incoming.name, incoming.address, incoming.business_id, command.language
            )
        # The only place the clear henkilötunnus is used: it leaves as ciphertext + key.
        protected = self.protector.protect(incoming.national_id) if incoming.national_id else None
        return Debtor.person(incoming.name, incoming.address, command.language, protected)

    # ------------------------------------------------------------------ queries

    async def get_invoice(self, invoice_id: str) -> Invoice:
        """The invoice with ``invoice_id``; ``InvoiceNotFound`` otherwise."""
        async with self.uow(read_only=True) as uow:
            invoice = await uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoices/{invoice_id}")
        return invoice

    async def list_invoices(self, query: ListInvoices) -> InvoicePage:
        """A page of invoices, newest due date first (then id), keyset-paginated."""
        page_size = effective_page_size(query.page_size)
        after = decode_page_token(query.page_token, query.invoice_filter)
        async with self.uow(read_only=True) as uow:
            # One extra row tells whether another page exists without a COUNT.
            found = await uow.invoices.list(
                query.invoice_filter, after, page_size + 1, include_lines=query.include_lines
            )
        page = list(found[:page_size])
        token = ""
        if len(found) > page_size:
            last = page[-1]
            token = encode_page_token(InvoiceCursor(last.due_date, last.id), query.invoice_filter)
        return InvoicePage(page, token)

    async def get_creditor(self, creditor_id: str) -> Creditor:
        """The creditor with ``creditor_id``; ``CreditorNotFound`` otherwise."""
        async with self.uow(read_only=True) as uow:
            creditor = await uow.creditors.get(creditor_id)
        if creditor is None:
            raise CreditorNotFound(f"creditors/{creditor_id}")
        return creditor

    async def list_creditors(self, page_size: int, page_token: str) -> CreditorPage:
        """Creditors by display name, keyset-paginated."""
        size = effective_page_size(page_size)
        decoded = decode_key_token(page_token, "creditors", 2)
        after = (decoded[0], decoded[1]) if decoded is not None else None
        async with self.uow(read_only=True) as uow:
            found = await uow.creditors.list(after, size + 1)
        page = list(found[:size])
        token = ""
        if len(found) > size:
            token = encode_key_token("creditors", (page[-1].name, page[-1].id))
        return CreditorPage(page, token)

    async def list_invoice_events(self, query: ListInvoiceEvents) -> TimelinePage:
        """The invoice's timeline; ``InvoiceNotFound`` when there is no such invoice."""
        page_size = effective_page_size(query.page_size)
        scope = f"invoices/{query.invoice_id}/events"
        after = decode_position_token(query.page_token, scope)
        async with self.uow(read_only=True) as uow:
            if not await uow.invoices.exists(query.invoice_id):
                raise InvoiceNotFound(f"invoices/{query.invoice_id}")
            found = await uow.timeline.list(query.invoice_id, after, page_size + 1)
        page = list(found[:page_size])
        token = encode_position_token(scope, page[-1].position) if len(found) > page_size else ""
        return TimelinePage(page, token)


@dataclass(frozen=True, slots=True)
class CreditorPage:
    """Creditors and the token of the next page (empty on the last page)."""

    creditors: Sequence[Creditor]
    next_page_token: str = ""


class CreditorNotFound(NotFound):
    """No creditor with the given id (``NOT_FOUND``)."""

    default_reason = "CREDITOR_NOT_FOUND"

    def __init__(self, creditor_name: str) -> None:
        super().__init__(
            message="creditor not found",
            resource_type="ropo.invoice.v1.Creditor",
            resource_name=creditor_name,
        )


@dataclass(frozen=True, slots=True)
class ListInvoiceEvents:
    """A page of one invoice's timeline, oldest first."""

    invoice_id: str
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """Timeline entries and the token of the next page (empty on the last page)."""

    entries: Sequence[TimelineEntry]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A parsed message waiting for its transaction."""

    index: int
    command: ImportFinvoice
    register: FinvoiceCommand
    fingerprint: str


def _fingerprint(command: ImportFinvoice) -> str:
    """What a replayed ``request_id`` must match: the message and its document."""
    digest = hashlib.sha256(command.finvoice_xml)
    digest.update(hashlib.sha256(command.original_document).digest())
    return digest.hexdigest()


def _log_imported(result: ImportResult, source_format: str) -> None:
    # Resource names only: never the debtor's name or identity code.
    _log.info(
        "invoice_imported",
        invoice=result.invoice.resource_name,
        creditor=f"creditors/{result.invoice.creditor_id}",
        created=result.created,
        source_format=source_format,
    )


def _result_record(result: ImportResult) -> bytes:
    # The replay record holds ids only; the response is rebuilt from the stored invoice.
    return json.dumps({"invoice": result.invoice.id, "created": result.created}).encode()


async def _replay(uow: AbstractUnitOfWork, stored: bytes) -> ImportResult:
    record = json.loads(stored)
    invoice = await uow.invoices.get(str(record["invoice"]))
    if invoice is None:  # pragma: no cover - invoices are never deleted
        raise InvoiceNotFound(f"invoices/{record['invoice']}")
    return ImportResult(invoice, created=bool(record["created"]))
