"""Event subscriptions: the payment events that change invoices and the authorization
events noted in their timelines.

Durable pull consumer ``invoice-payment-events`` on stream ``ROPO_PAYMENT``:

- ``payment_succeeded`` → each paid invoice shows *Maksettu MyRopossa*;
- ``payment_settled`` and ``bank_payment_received`` → the money is allocated.

Durable pull consumer ``invoice-authorization-events`` on stream ``ROPO_AUTHORIZATION``:

- ``authorization_granted`` / ``authorization_revoked`` of a per-invoice authorization
  → a timeline entry on that invoice; continuous ones (no invoice) are acknowledged
  and skipped: they belong to a person, not to any one invoice's history.

Each event runs in one transaction with its inbox row (the platform consumer) and
the invoice's own change, timeline and outbox rows (a joined unit of work). A
malformed event, or one about an invoice this service does not know, cannot be
fixed by retrying: it is dead-lettered (``PermanentError``) for an operator.

Either stream may not exist yet when the worker starts (its producer's worker
creates it): each consumer keeps retrying its provisioning on its own, so the
invoice worker starts, relays and consumes whatever the start order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from google.protobuf import timestamp_pb2
from google.type import money_pb2
from nats.aio.client import Client
from ropo.authorization.v1 import authorization_pb2
from ropo.authorization.v1 import events_pb2 as authorization_events
from ropo.payment.v1 import events_pb2 as payment_events
from ropo_platform.db import Database
from ropo_platform.errors import DomainError
from ropo_platform.messaging import ConsumerSettings, Envelope, EventConsumer, PermanentError
from ropo_platform.money import InvalidMoney, Money
from ropo_platform.money_proto import money_from_proto
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.domain.model import INVOICES_PREFIX
from ropo_invoice.entrypoints.validation import resource_id
from ropo_invoice.service_layer.authorizations import (
    AuthorizationEnd,
    NoteAuthorizationEnded,
    NoteAuthorizationGranted,
    note_authorization_ended,
    note_authorization_granted,
)
from ropo_invoice.service_layer.payments import (
    ConfirmPayment,
    ReceivePayment,
    confirm_payment,
    receive_payment,
)
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork

PAYMENT_STREAM = "ROPO_PAYMENT"
PAYMENT_CONSUMER = "invoice-payment-events"
PAYMENT_SUCCEEDED = "ropo.payment.v1.payment_succeeded"
PAYMENT_SETTLED = "ropo.payment.v1.payment_settled"
BANK_PAYMENT_RECEIVED = "ropo.payment.v1.bank_payment_received"

AUTHORIZATION_STREAM = "ROPO_AUTHORIZATION"
AUTHORIZATION_CONSUMER = "invoice-authorization-events"
AUTHORIZATION_GRANTED = "ropo.authorization.v1.authorization_granted"
AUTHORIZATION_REVOKED = "ropo.authorization.v1.authorization_revoked"
AUTHORIZATIONS_PREFIX = "authorizations/"
_MAX_AUTHORIZATION_ID = 128

_State = authorization_pb2.Authorization.State
# Why it ended; STATE_ENDED (with the invoice) is told apart by the invoice's stage.
_ENDS: dict[int, AuthorizationEnd | None] = {
    _State.STATE_REVOKED: AuthorizationEnd.REVOKED,
    _State.STATE_EXPIRED: AuthorizationEnd.EXPIRED,
    _State.STATE_ENDED: None,
}

#: A unit of work joined to the consumer's transaction (wired in ``bootstrap``).
JoinedUnitOfWorkFactory = Callable[[AsyncSession], AbstractUnitOfWork]


def _invoice_id(name: str, what: str) -> str:
    invoice_id = resource_id(name, INVOICES_PREFIX)
    if invoice_id is None:
        raise PermanentError(f"malformed {what}: bad invoice")
    return invoice_id


def _money(message: money_pb2.Money, what: str) -> Money:
    try:
        return money_from_proto(message)
    except (InvalidMoney, ValueError):
        raise PermanentError(f"malformed {what}: bad amount") from None


def _time(value: timestamp_pb2.Timestamp | None, envelope: Envelope, what: str) -> datetime:
    """The event's own time, else the envelope's (CloudEvents ``time``)."""
    if value is not None:
        return value.ToDatetime(tzinfo=UTC)
    if envelope.time is not None:
        return envelope.time
    raise PermanentError(f"malformed {what}: no time")


async def _permanent_on_domain_error(work: Awaitable[object]) -> None:
    try:
        await work
    except DomainError as error:
        # Unknown invoice or an impossible amount: retrying cannot help.
        raise PermanentError(f"{type(error).__name__}: {error.reason}") from None


def payment_event_consumer(
    database: Database,
    nc: Client,
    joined_uow: JoinedUnitOfWorkFactory,
    settings: ConsumerSettings | None = None,
) -> EventConsumer:
    """The consumer of payment events, with its handlers registered."""

    async def on_succeeded(
        session: AsyncSession, event: payment_events.PaymentSucceeded, envelope: Envelope
    ) -> None:
        stamp = event.succeed_time if event.HasField("succeed_time") else None
        occurred = _time(stamp, envelope, "PaymentSucceeded")
        for item in event.items:
            command = ConfirmPayment(
                _invoice_id(item.invoice, "PaymentSucceeded"),
                event.payment,
                _money(item.amount, "PaymentSucceeded"),
                occurred,
            )
            await _permanent_on_domain_error(confirm_payment(command, joined_uow(session)))

    async def on_settled(
        session: AsyncSession, event: payment_events.PaymentSettled, envelope: Envelope
    ) -> None:
        stamp = event.settle_time if event.HasField("settle_time") else None
        occurred = _time(stamp, envelope, "PaymentSettled")
        for item in event.items:
            command = ReceivePayment(
                _invoice_id(item.invoice, "PaymentSettled"),
                event.payment,
                _money(item.amount, "PaymentSettled"),
                occurred.date(),
                occurred,
            )
            await _permanent_on_domain_error(receive_payment(command, joined_uow(session)))

    async def on_bank_payment(
        session: AsyncSession, event: payment_events.BankPaymentReceived, envelope: Envelope
    ) -> None:
        stamp = event.receive_time if event.HasField("receive_time") else None
        occurred = _time(stamp, envelope, "BankPaymentReceived")
        booked_on = occurred.date()
        if event.HasField("booking_date"):
            booking = event.booking_date
            try:
                booked_on = date(booking.year, booking.month, booking.day)
            except ValueError:
                raise PermanentError("malformed BankPaymentReceived: bad booking_date") from None
        command = ReceivePayment(
            _invoice_id(event.invoice, "BankPaymentReceived"),
            event.bank_payment,
            _money(event.amount, "BankPaymentReceived"),
            booked_on,
            occurred,
        )
        await _permanent_on_domain_error(receive_payment(command, joined_uow(session)))

    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=PAYMENT_STREAM, durable=PAYMENT_CONSUMER),
    )
    consumer.on(PAYMENT_SUCCEEDED, payment_events.PaymentSucceeded, on_succeeded)
    consumer.on(PAYMENT_SETTLED, payment_events.PaymentSettled, on_settled)
    consumer.on(BANK_PAYMENT_RECEIVED, payment_events.BankPaymentReceived, on_bank_payment)
    return consumer


def _authorization_id(name: str, what: str) -> str:
    """The producer's id, kept only to recognise the same authorization again: any
    printable segment will do (its format is the authorization service's business)."""
    authorization_id = name.removeprefix(AUTHORIZATIONS_PREFIX)
    if (
        authorization_id == name
        or not 0 < len(authorization_id) <= _MAX_AUTHORIZATION_ID
        or "/" in authorization_id
        or not authorization_id.isprintable()
    ):
        raise PermanentError(f"malformed {what}: bad authorization")
    return authorization_id


def _expire_date(event: authorization_events.AuthorizationGranted) -> date | None:
    if not event.HasField("expire_date"):
        return None
    value = event.expire_date
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        raise PermanentError("malformed AuthorizationGranted: bad expire_date") from None


def authorization_event_consumer(
    database: Database,
    nc: Client,
    joined_uow: JoinedUnitOfWorkFactory,
    settings: ConsumerSettings | None = None,
) -> EventConsumer:
    """The consumer of authorization events, with its handlers registered."""

    async def on_granted(
        session: AsyncSession, event: authorization_events.AuthorizationGranted, envelope: Envelope
    ) -> None:
        if not event.invoice:
            return  # continuous: no invoice timeline to note it in
        stamp = event.grant_time if event.HasField("grant_time") else None
        command = NoteAuthorizationGranted(
            _invoice_id(event.invoice, "AuthorizationGranted"),
            _authorization_id(event.authorization, "AuthorizationGranted"),
            _time(stamp, envelope, "AuthorizationGranted"),
            _expire_date(event),
        )
        await _permanent_on_domain_error(note_authorization_granted(command, joined_uow(session)))

    async def on_revoked(
        session: AsyncSession, event: authorization_events.AuthorizationRevoked, envelope: Envelope
    ) -> None:
        if not event.invoice:
            return
        stamp = event.revoke_time if event.HasField("revoke_time") else None
        command = NoteAuthorizationEnded(
            _invoice_id(event.invoice, "AuthorizationRevoked"),
            _authorization_id(event.authorization, "AuthorizationRevoked"),
            _time(stamp, envelope, "AuthorizationRevoked"),
            # A state this version does not know is still an ending, worded without a reason.
            _ENDS.get(event.state, AuthorizationEnd.UNKNOWN),
        )
        await _permanent_on_domain_error(note_authorization_ended(command, joined_uow(session)))

    consumer = EventConsumer(
        database,
        nc,
        settings or ConsumerSettings(stream=AUTHORIZATION_STREAM, durable=AUTHORIZATION_CONSUMER),
    )
    consumer.on(AUTHORIZATION_GRANTED, authorization_events.AuthorizationGranted, on_granted)
    consumer.on(AUTHORIZATION_REVOKED, authorization_events.AuthorizationRevoked, on_revoked)
    return consumer
