"""SQL of the message centre: letter deliveries, letter consents and their changes,
the e-mail outbox and the notifications sent before due dates.

Deliveries and e-mails are staged and inserted by ``flush`` (the unit of work calls
it after the invoices, whose rows the deliveries refer to).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.adapters.orm import (
    email_outbox,
    invoice_letters,
    invoices,
    letter_consent_changes,
    letter_consents,
    letter_deliveries,
    payment_plan_instalments,
    payment_plans,
    sent_notifications,
)
from ropo_invoice.domain.delivery import (
    ConsentChange,
    ConsentChannel,
    DeliveryType,
    LetterChannel,
    LetterConsent,
    LetterDelivery,
)
from ropo_invoice.domain.party import Language
from ropo_invoice.domain.payment_plan import PlanState
from ropo_invoice.domain.stage import ACTIVE_STAGES
from ropo_invoice.service_layer import ports

Row = RowMapping
_MAX_ERROR_LENGTH = 200
_ACTIVE = [stage.value for stage in ACTIVE_STAGES]


# ---------------------------------------------------------------------------- deliveries


class SqlLetterDeliveries(ports.LetterDeliveries):
    """The ``letter_deliveries`` table, read with the invoice's number and creditor."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: list[ports.LetterEntry] = []

    def add(self, entry: ports.LetterEntry) -> None:
        self._new.append(entry)

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(
                sa.insert(letter_deliveries), [_delivery_row(entry.delivery) for entry in new]
            )

    async def get(self, invoice_id: str, letter_id: str) -> ports.LetterEntry | None:
        for entry in self._new:
            if (entry.delivery.invoice_id, entry.delivery.letter_id) == (invoice_id, letter_id):
                return entry
        query = _entries().where(
            letter_deliveries.c.invoice_id == invoice_id,
            letter_deliveries.c.letter_id == letter_id,
        )
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _entry_from_row(row)

    async def list(
        self, letter_filter: ports.LetterFilter, after: ports.LetterCursor | None, limit: int
    ) -> Sequence[ports.LetterEntry]:
        query = _entries()
        if letter_filter.recipient_party:
            query = query.where(
                letter_deliveries.c.recipient_party == letter_filter.recipient_party
            )
        if letter_filter.invoice_id:
            query = query.where(letter_deliveries.c.invoice_id == letter_filter.invoice_id)
        if letter_filter.unread_only:
            query = query.where(letter_deliveries.c.read_at.is_(None))
        if after is not None:
            query = query.where(_before(after))
        query = query.order_by(
            letter_deliveries.c.created_at.desc(),
            letter_deliveries.c.invoice_id.desc(),
            letter_deliveries.c.letter_id.desc(),
        ).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return [_entry_from_row(row) for row in rows]

    async def mark_read(self, invoice_id: str, letter_id: str, read_at: datetime) -> None:
        await self._session.execute(
            sa.update(letter_deliveries)
            .where(
                letter_deliveries.c.invoice_id == invoice_id,
                letter_deliveries.c.letter_id == letter_id,
                letter_deliveries.c.read_at.is_(None),
            )
            .values(read_at=read_at)
        )


def _entries() -> sa.Select[Any]:
    letter = sa.and_(
        invoice_letters.c.id == letter_deliveries.c.letter_id,
        invoice_letters.c.invoice_id == letter_deliveries.c.invoice_id,
    )
    return sa.select(
        letter_deliveries,
        invoices.c.invoice_number,
        invoices.c.creditor_name,
        invoice_letters.c.body,
    ).select_from(
        letter_deliveries.join(invoices, invoices.c.id == letter_deliveries.c.invoice_id).outerjoin(
            invoice_letters, letter
        )
    )


def _before(cursor: ports.LetterCursor) -> sa.ColumnElement[bool]:
    """Rows after ``cursor`` in the descending order (spelt out: row-value comparison
    would bypass the instant column's UTC handling on SQLite)."""
    table = letter_deliveries.c
    return sa.or_(
        table.created_at < cursor.created_at,
        sa.and_(
            table.created_at == cursor.created_at,
            sa.or_(
                table.invoice_id < cursor.invoice_id,
                sa.and_(table.invoice_id == cursor.invoice_id, table.letter_id < cursor.letter_id),
            ),
        ),
    )


def _delivery_row(delivery: LetterDelivery) -> dict[str, Any]:
    return {
        "invoice_id": delivery.invoice_id,
        "letter_id": delivery.letter_id,
        "recipient_party": delivery.recipient_party,
        "letter_type": delivery.type.value,
        "channel": delivery.channel.value,
        "due_date": delivery.due_date,
        "refund_case": delivery.refund_case or None,
        "created_at": delivery.created_at,
        "read_at": delivery.read_at,
    }


def _entry_from_row(row: Row) -> ports.LetterEntry:
    delivery = LetterDelivery(
        invoice_id=row["invoice_id"],
        letter_id=row["letter_id"],
        recipient_party=row["recipient_party"],
        type=DeliveryType(row["letter_type"]),
        channel=LetterChannel(row["channel"]),
        created_at=row["created_at"],
        due_date=row["due_date"],
        refund_case=row["refund_case"] or "",
        read_at=row["read_at"],
    )
    return ports.LetterEntry(
        delivery=delivery,
        invoice_number=row["invoice_number"],
        creditor_name=row["creditor_name"],
        body=row["body"] or "",
    )


# ------------------------------------------------------------------------------ consents


class SqlLetterConsents(ports.LetterConsents):
    """The ``letter_consents`` and ``letter_consent_changes`` tables."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, party: str) -> LetterConsent | None:
        query = sa.select(letter_consents).where(letter_consents.c.party == party)
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        return LetterConsent(
            party=row["party"],
            electronic=row["electronic"],
            notification_email=row["notification_email"],
            updated_at=row["updated_at"],
        )

    async def save(self, consent: LetterConsent, change: ConsentChange) -> None:
        assert consent.updated_at is not None, "a saved consent has changed at some time"
        values = {
            "electronic": consent.electronic,
            "notification_email": consent.notification_email,
            "updated_at": consent.updated_at,
        }
        updated = await self._session.execute(
            sa.update(letter_consents)
            .where(letter_consents.c.party == consent.party)
            .values(values)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            # Two first consents at once collide on the primary key: a Conflict.
            await self._session.execute(
                sa.insert(letter_consents), [{"party": consent.party, **values}]
            )
        last = (
            await self._session.execute(
                sa.select(sa.func.max(letter_consent_changes.c.position)).where(
                    letter_consent_changes.c.party == change.party
                )
            )
        ).scalar()
        await self._session.execute(
            sa.insert(letter_consent_changes),
            [
                {
                    "id": str(uuid.uuid4()),
                    "party": change.party,
                    "position": int(last or 0) + 1,
                    "electronic": change.electronic,
                    "channel": change.channel.value,
                    "actor": change.actor,
                    "changed_at": change.changed_at,
                }
            ],
        )

    async def changes(self, party: str) -> Sequence[ConsentChange]:
        query = (
            sa.select(letter_consent_changes)
            .where(letter_consent_changes.c.party == party)
            .order_by(letter_consent_changes.c.position)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [
            ConsentChange(
                party=row["party"],
                electronic=row["electronic"],
                channel=ConsentChannel(row["channel"]),
                actor=row["actor"],
                changed_at=row["changed_at"],
            )
            for row in rows
        ]


# ---------------------------------------------------------------------------- e-mail


class SqlEmailOutbox(ports.EmailOutbox):
    """The ``email_outbox`` table.

    Claiming sets a lease in ``next_attempt_at`` rather than holding a transaction
    open while the mail server answers. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets
    two dispatchers claim disjoint rows at once; SQLite has one writer at a time
    (the claim runs in ``BEGIN IMMEDIATE``), so they take turns.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._new: list[ports.OutgoingEmail] = []

    def add(self, email: ports.OutgoingEmail) -> None:
        self._new.append(email)

    async def flush(self) -> None:
        new, self._new = self._new, []
        if new:
            await self._session.execute(
                sa.insert(email_outbox),
                [
                    {
                        "id": email.id,
                        "to_address": email.to_address,
                        "subject": email.subject,
                        "body": email.body,
                        "created_at": email.created_at,
                        "attempts": 0,
                        "next_attempt_at": email.created_at,
                        "sent_at": None,
                        "last_error": None,
                    }
                    for email in new
                ],
            )

    async def claim(
        self, now: datetime, limit: int, lease: timedelta
    ) -> Sequence[ports.OutgoingEmail]:
        query = (
            sa.select(email_outbox)
            .where(email_outbox.c.next_attempt_at <= now, email_outbox.c.sent_at.is_(None))
            .order_by(email_outbox.c.next_attempt_at, email_outbox.c.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._session.execute(query)).mappings().all()
        if not rows:
            return []
        await self._session.execute(
            sa.update(email_outbox)
            .where(email_outbox.c.id.in_([row["id"] for row in rows]))
            .values(next_attempt_at=now + lease, attempts=email_outbox.c.attempts + 1)
        )
        return [
            ports.OutgoingEmail(
                id=row["id"],
                to_address=row["to_address"],
                subject=row["subject"],
                body=row["body"],
                created_at=row["created_at"],
                attempts=row["attempts"] + 1,
            )
            for row in rows
        ]

    async def mark_sent(self, email_id: str, now: datetime) -> None:
        # The address is no longer needed once the mail server has the message.
        await self._session.execute(
            sa.update(email_outbox)
            .where(email_outbox.c.id == email_id, email_outbox.c.sent_at.is_(None))
            .values(sent_at=now, next_attempt_at=None, last_error=None, to_address="")
        )

    async def mark_failed(self, email_id: str, error: str, retry_at: datetime | None) -> None:
        values: dict[str, Any] = {
            "next_attempt_at": retry_at,
            "last_error": error[:_MAX_ERROR_LENGTH],
        }
        if retry_at is None:
            values["to_address"] = ""
        await self._session.execute(
            sa.update(email_outbox)
            .where(email_outbox.c.id == email_id, email_outbox.c.sent_at.is_(None))
            .values(values)
        )

    async def backlog(self) -> ports.EmailBacklog:
        query = sa.select(sa.func.count(), sa.func.min(email_outbox.c.created_at)).where(
            email_outbox.c.next_attempt_at.is_not(None)
        )
        count, oldest = (await self._session.execute(query)).one()
        # min() keeps the column's type, so the instant comes back aware (UTC).
        return ports.EmailBacklog(int(count), oldest)


# ------------------------------------------------------------------------- notifications


class SqlSentNotifications(ports.SentNotifications):
    """The ``sent_notifications`` table and the queries that find upcoming dates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def candidates(
        self, first: date, last: date, limit: int
    ) -> Sequence[ports.NotificationCandidate]:
        due = await self._due_dates(first, last, limit)
        instalments = (
            await self._instalments(first, last, limit - len(due)) if len(due) < limit else []
        )
        return [*due, *instalments]

    async def _due_dates(
        self, first: date, last: date, limit: int
    ) -> list[ports.NotificationCandidate]:
        active_plan = sa.exists().where(
            payment_plans.c.invoice_id == invoices.c.id,
            payment_plans.c.state == PlanState.ACTIVE.value,
        )
        query = (
            sa.select(
                invoices.c.id,
                invoices.c.due_date,
                invoices.c.language,
                letter_consents.c.notification_email,
            )
            .select_from(invoices.join(letter_consents, _consenting()))
            .where(
                _open_invoice(),
                invoices.c.due_date.between(first, last),
                ~active_plan,
                ~_notified(ports.NotificationKind.DUE_DATE, invoices.c.due_date),
            )
            .order_by(invoices.c.id)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        return [
            ports.NotificationCandidate(
                invoice_id=row.id,
                kind=ports.NotificationKind.DUE_DATE,
                due_date=row.due_date,
                language=Language(row.language),
                notification_email=row.notification_email,
            )
            for row in rows
        ]

    async def _instalments(
        self, first: date, last: date, limit: int
    ) -> list[ports.NotificationCandidate]:
        instalment = payment_plan_instalments.c
        query = (
            sa.select(
                invoices.c.id,
                instalment.due_date,
                invoices.c.language,
                letter_consents.c.notification_email,
            )
            .select_from(
                payment_plan_instalments.join(
                    payment_plans, payment_plans.c.id == instalment.plan_id
                )
                .join(invoices, invoices.c.id == payment_plans.c.invoice_id)
                .join(letter_consents, _consenting())
            )
            .where(
                payment_plans.c.state == PlanState.ACTIVE.value,
                instalment.paid_minor < instalment.amount_minor,
                instalment.due_date.between(first, last),
                _open_invoice(),
                ~_notified(ports.NotificationKind.INSTALMENT, instalment.due_date),
            )
            .order_by(invoices.c.id, instalment.due_date)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        return [
            ports.NotificationCandidate(
                invoice_id=row.id,
                kind=ports.NotificationKind.INSTALMENT,
                due_date=row.due_date,
                language=Language(row.language),
                notification_email=row.notification_email,
            )
            for row in rows
        ]

    async def record(self, candidate: ports.NotificationCandidate, now: datetime) -> None:
        await self._session.execute(
            sa.insert(sent_notifications),
            [
                {
                    "invoice_id": candidate.invoice_id,
                    "kind": candidate.kind.value,
                    "due_date": candidate.due_date,
                    "created_at": now,
                }
            ],
        )


def _consenting() -> sa.ColumnElement[bool]:
    return sa.and_(
        letter_consents.c.party == invoices.c.debtor_party,
        letter_consents.c.electronic.is_(True),
    )


def _open_invoice() -> sa.ColumnElement[bool]:
    # Paid in MyRopo but not settled yet: the person has paid, no reminder is due.
    return sa.and_(
        invoices.c.stage.in_(_ACTIVE),
        invoices.c.open_amount_minor > 0,
        invoices.c.paid_in_myropo.is_(False),
    )


def _notified(kind: ports.NotificationKind, day: sa.ColumnElement[date]) -> sa.Exists:
    return sa.exists().where(
        sent_notifications.c.invoice_id == invoices.c.id,
        sent_notifications.c.kind == kind.value,
        sent_notifications.c.due_date == day,
    )
