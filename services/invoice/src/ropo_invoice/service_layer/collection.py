"""The daily collection run: penalty interest, payment plans and the next letter for
overdue invoices.

The worker runs it on a schedule (``CollectionScheduler``); tests call
``run_once`` with a fixed clock. Each invoice is handled in its own unit of
work, so one invoice that cannot be handled (a concurrent change, a missing
reference rate) does not hold up the others: it is tried again on the next run.
Letters are rendered when issued and kept as sent (``DocumentStore``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from ropo_platform.errors import DomainError
from ropo_platform.logging import get_logger

from ropo_invoice.domain.interest import ReferenceRateTable
from ropo_invoice.domain.policy import CollectionPolicy
from ropo_invoice.domain.stage import Stage
from ropo_invoice.service_layer.letter_delivery import (
    LetterRenderer,
    keep_new_letters,
    letter_ids,
)
from ropo_invoice.service_layer.ports import Conflict
from ropo_invoice.service_layer.unit_of_work import UnitOfWorkFactory

_log = get_logger(__name__)
PDF = "application/pdf"


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    """What one run did."""

    examined: int = 0
    letters: int = 0
    interest_charges: int = 0
    failures: int = 0


@dataclass(slots=True)
class CollectionRun:
    """Moves overdue invoices along (DESIGN §5) as of ``clock()``'s day."""

    uow: UnitOfWorkFactory
    rates: ReferenceRateTable
    renderer: LetterRenderer
    clock: Callable[[], datetime]
    policy: Callable[[str], CollectionPolicy] = field(default=lambda _creditor: CollectionPolicy())
    batch_size: int = 200

    async def run_once(self) -> CollectionSummary:
        """Handle every open invoice whose due date has passed."""
        now = self.clock()
        today = now.date()
        examined = letters = charges = failures = 0
        after = ""
        while True:
            async with self.uow(read_only=True) as uow:
                ids = await uow.invoices.ids_due_for_collection(today, after, self.batch_size)
            for invoice_id in ids:
                examined += 1
                try:
                    letter, charged = await self._handle(invoice_id, today, now)
                except (Conflict, DomainError) as error:
                    failures += 1
                    _log.warning(
                        "collection_skipped",
                        invoice=f"invoices/{invoice_id}",
                        error=type(error).__name__,
                    )
                    continue
                letters += letter
                charges += charged
            if len(ids) < self.batch_size:
                break
            after = ids[-1]
        summary = CollectionSummary(examined, letters, charges, failures)
        _log.info("collection_run", day=today.isoformat(), **asdict(summary))
        return summary

    async def run_for(self, invoice_id: str) -> CollectionSummary:
        """Handle one open invoice now, as the run would (``collect --invoice``)."""
        now = self.clock()
        try:
            letter, charged = await self._handle(invoice_id, now.date(), now)
        except (Conflict, DomainError) as error:
            _log.warning(
                "collection_skipped", invoice=f"invoices/{invoice_id}", error=type(error).__name__
            )
            return CollectionSummary(examined=1, failures=1)
        return CollectionSummary(examined=1, letters=letter, interest_charges=charged)

    async def _handle(self, invoice_id: str, today: date, now: datetime) -> tuple[int, int]:
        async with self.uow() as uow:
            invoice = await uow.invoices.get(invoice_id)
            if invoice is None or not invoice.is_open:
                return 0, 0
            # Interest runs through yesterday: today is not over yet.
            before = letter_ids(invoice)
            charged = invoice.accrue_interest(today - timedelta(days=1), self.rates, now)
            # A dispute holds the plan as well: no reminder, no cancellation meanwhile.
            if invoice.active_plan is not None and invoice.stage is not Stage.DISPUTED:
                # A missed instalment: a reminder first, cancellation after the grace
                # period; ordinary letters resume only once the plan has ended.
                payment_time = await uow.creditors.payment_time_policy(invoice.creditor_id)
                invoice.follow_payment_plan(today, payment_time.grace_days, now)
            letter = invoice.progress_collection(today, self.policy(invoice.creditor_id), now)
            # The collection letter and any plan reminder are kept as sent.
            await keep_new_letters(uow, self.renderer, invoice, before, now)
            await uow.commit()
        return int(letter is not None), int(charged is not None)


@dataclass(slots=True)
class CollectionScheduler:
    """Runs ``CollectionRun`` every ``interval`` seconds until stopped (a worker task)."""

    collection: CollectionRun
    interval: float = 3600.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Run now, then every ``interval``; errors are logged and the next run tries again."""
        while not self._stop.is_set():
            try:
                await self.collection.run_once()
            except Exception:
                _log.exception("collection_run_failed")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            except TimeoutError:
                continue

    def stop(self) -> None:
        """Finish after the current invoice's run."""
        self._stop.set()
