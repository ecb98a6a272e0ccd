"""Subscription to refund events: a refund letter in the debtor's message centre.

Durable pull consumer ``invoice-refund-events`` on stream ``ROPO_REFUND``:

- ``refund_case_opened`` with a known debtor and invoice → a delivery of type
  REFUND_LETTER (``refund_case`` set; the refund service keeps the letter itself),
  paper or electronic by the debtor's consent, with its e-mail. An unclear payment
  (no invoice) or an unknown owner has no one to deliver to: acknowledged, skipped.

The delivery, its e-mail and the inbox row commit together (a joined unit of work);
a redelivered event finds the delivery and changes nothing. A malformed event or one
about an invoice this service does not know is dead-lettered (``PermanentError``).
The stream may not exist yet when the worker starts: the consumer keeps retrying
its provisioning on its own.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nats.aio.client import Client
from ropo.refund.v1 import events_pb2 as refund_events
from ropo_platform.db import Database
from ropo_platform.errors import DomainError
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer, PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.domain.delivery import REFUND_CASES_PREFIX
from ropo_invoice.domain.model import INVOICES_PREFIX
from ropo_invoice.entrypoints.events import JoinedUnitOfWorkFactory
from ropo_invoice.entrypoints.validation import is_debtor_party, resource_id
from ropo_invoice.service_layer.message_centre import DeliverRefundLetter, deliver_refund_letter

REFUND_STREAM = "ROPO_REFUND"
REFUND_CONSUMER = "invoice-refund-events"
REFUND_CASE_OPENED = "ropo.refund.v1.refund_case_opened"
_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def refund_event_consumer(
    database: Database,
    nc: Client,
    joined_uow: JoinedUnitOfWorkFactory,
    clock: Callable[[], datetime],
    settings: ConsumerSettings | None = None,
) -> EventConsumer:
    """The consumer of refund events, with its handler registered; ``clock`` stamps the
    notification e-mails it writes."""

    async def on_opened(
        session: AsyncSession, event: refund_events.RefundCaseOpened, envelope: Envelope
    ) -> None:
        if not event.invoice or not event.debtor_party:
            return  # nobody known to deliver a letter to
        command = DeliverRefundLetter(
            invoice_id=_invoice_id(event.invoice),
            refund_case_id=_case_id(event.refund_case),
            recipient_party=_party(event.debtor_party),
            opened_at=_opened_at(event, envelope),
            received_at=clock(),
        )
        await _permanent_on_domain_error(deliver_refund_letter(command, joined_uow(session)))

    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=REFUND_STREAM, durable=REFUND_CONSUMER),
    )
    consumer.on(REFUND_CASE_OPENED, refund_events.RefundCaseOpened, on_opened)
    return consumer


async def _permanent_on_domain_error(work: Awaitable[object]) -> None:
    try:
        await work
    except DomainError as error:
        # An invoice this service does not know: retrying cannot help.
        raise PermanentError(f"{type(error).__name__}: {error.reason}") from None


def _invoice_id(name: str) -> str:
    invoice_id = resource_id(name, INVOICES_PREFIX)
    if invoice_id is None:
        raise PermanentError("malformed RefundCaseOpened: bad invoice")
    return invoice_id


def _case_id(name: str) -> str:
    case_id = name.removeprefix(REFUND_CASES_PREFIX)
    if case_id == name or not _CASE_ID.match(case_id):
        raise PermanentError("malformed RefundCaseOpened: bad refund_case")
    return case_id


def _party(party: str) -> str:
    if not is_debtor_party(party):
        # Not repeated in the error: a party name is personal data.
        raise PermanentError("malformed RefundCaseOpened: bad debtor_party")
    return party


def _opened_at(event: refund_events.RefundCaseOpened, envelope: Envelope) -> datetime:
    if event.HasField("open_time"):
        return event.open_time.ToDatetime(tzinfo=UTC)
    if envelope.time is not None:
        return envelope.time
    raise PermanentError("malformed RefundCaseOpened: no time")
