"""E-mail notifications: of a new electronic letter, and before a due date or a plan
instalment.

E-mails are rows of the e-mail outbox written in the transaction of what they
tell of; the dispatcher (``email_dispatch``) sends them later. They name only
what the person must know to open MyRopo — never an amount, an identity code or
other personal data, because e-mail travels and is kept outside our control.
The MyRopo address is left as ``{portal_url}`` and filled in when sent.

The notifications run looks ``days_before`` days ahead each day (the worker runs
it with the collection schedule, ``collect`` once): every due date of an open
invoice without a plan, and every unpaid instalment of an active plan, of a
person who consents to electronic letters, gets one e-mail — once per
(invoice, kind, date), which a unique key guarantees even for two runs at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from ropo_platform.logging import get_logger

from ropo_invoice.domain.delivery import DeliveryType, letter_title
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.ports import (
    Conflict,
    NotificationCandidate,
    NotificationKind,
    OutgoingEmail,
)
from ropo_invoice.service_layer.unit_of_work import UnitOfWorkFactory

_log = get_logger(__name__)

#: Where the MyRopo address goes in a stored body (filled in by the dispatcher).
PORTAL_URL = "{portal_url}"
MESSAGE_CENTRE_PATH = "/viestit"

_NEW_LETTER_SUBJECT = {
    Language.FI: "Uusi kirje MyRopossa",
    Language.SV: "Nytt brev i MyRopo",
    Language.EN: "New letter in MyRopo",
}
_NEW_LETTER_BODY = {
    Language.FI: (
        "Hei,\n\nMyRopon Viestikeskukseen on tullut sinulle uusi kirje: {title}.\n\n"
        "Voit lukea sen kirjauduttuasi osoitteessa {link}\n"
    ),
    Language.SV: (
        "Hej,\n\nDu har fått ett nytt brev i meddelandecentralen i MyRopo: {title}.\n\n"
        "Du kan läsa det när du har loggat in på {link}\n"
    ),
    Language.EN: (
        "Hello,\n\nYou have a new letter in the MyRopo message centre: {title}.\n\n"
        "You can read it after logging in at {link}\n"
    ),
}
_REMINDER_SUBJECT = {
    NotificationKind.DUE_DATE: {
        Language.FI: "Laskusi eräpäivä lähestyy",
        Language.SV: "Förfallodagen för din faktura närmar sig",
        Language.EN: "Your invoice is due soon",
    },
    NotificationKind.INSTALMENT: {
        Language.FI: "Maksusuunnitelmasi erä erääntyy pian",
        Language.SV: "En del av din betalningsplan förfaller snart",
        Language.EN: "Your payment plan instalment is due soon",
    },
}
_REMINDER_BODY = {
    NotificationKind.DUE_DATE: {
        Language.FI: "Hei,\n\nMyRopossa olevan laskusi eräpäivä on {day}.\n\n",
        Language.SV: "Hej,\n\nFörfallodagen för din faktura i MyRopo är {day}.\n\n",
        Language.EN: "Hello,\n\nYour invoice in MyRopo is due on {day}.\n\n",
    },
    NotificationKind.INSTALMENT: {
        Language.FI: "Hei,\n\nMaksusuunnitelmasi seuraava erä erääntyy {day}.\n\n",
        Language.SV: "Hej,\n\nNästa del av din betalningsplan förfaller {day}.\n\n",
        Language.EN: "Hello,\n\nThe next instalment of your payment plan is due on {day}.\n\n",
    },
}
_REMINDER_LINK = {
    Language.FI: "Näet tiedot ja voit maksaa kirjauduttuasi osoitteessa {link}\n",
    Language.SV: "Du ser uppgifterna och kan betala när du har loggat in på {link}\n",
    Language.EN: "You can see the details and pay after logging in at {link}\n",
}
_SIGNATURE = {
    Language.FI: "\nTämä on automaattinen viesti, siihen ei voi vastata.\n\nRopo\n",
    Language.SV: "\nDetta är ett automatiskt meddelande som inte kan besvaras.\n\nRopo\n",
    Language.EN: "\nThis is an automatic message; replies are not read.\n\nRopo\n",
}


def _day(value: date, language: Language) -> str:
    if language is Language.EN:
        return value.isoformat()
    return f"{value.day}.{value.month}.{value.year}"


def new_letter_email(
    to_address: str, language: Language, delivery_type: DeliveryType, now: datetime
) -> OutgoingEmail:
    """The e-mail telling of a new letter in the message centre: its title and a link."""
    body = _NEW_LETTER_BODY[language].format(
        title=letter_title(delivery_type, language), link=PORTAL_URL + MESSAGE_CENTRE_PATH
    )
    return OutgoingEmail(
        id=str(uuid.uuid4()),
        to_address=to_address,
        subject=_NEW_LETTER_SUBJECT[language],
        body=body + _SIGNATURE[language],
        created_at=now,
    )


def date_reminder_email(candidate: NotificationCandidate, now: datetime) -> OutgoingEmail:
    """The e-mail before a due date or an instalment: the date and a link."""
    language = candidate.language
    body = _REMINDER_BODY[candidate.kind][language].format(day=_day(candidate.due_date, language))
    body += _REMINDER_LINK[language].format(link=PORTAL_URL)
    return OutgoingEmail(
        id=str(uuid.uuid4()),
        to_address=candidate.notification_email,
        subject=_REMINDER_SUBJECT[candidate.kind][language],
        body=body + _SIGNATURE[language],
        created_at=now,
    )


@dataclass(frozen=True, slots=True)
class NotificationSummary:
    """What one run did."""

    due_dates: int = 0
    instalments: int = 0
    #: Candidates another run notified first.
    already_sent: int = 0


@dataclass(slots=True)
class NotificationRun:
    """Writes the e-mails before due dates and instalments as of ``clock()``'s day."""

    uow: UnitOfWorkFactory
    clock: Callable[[], datetime]
    days_before: int = 3
    batch_size: int = 200

    async def run_once(self) -> NotificationSummary:
        """Notify every upcoming date from today to ``days_before`` days ahead (a day
        missed by the schedule is caught up); each date once."""
        now = self.clock()
        first = now.date()
        last = first + timedelta(days=self.days_before)
        counts = {NotificationKind.DUE_DATE: 0, NotificationKind.INSTALMENT: 0}
        already_sent = 0
        while True:
            async with self.uow(read_only=True) as uow:
                batch = await uow.notifications.candidates(first, last, self.batch_size)
            done = 0
            for candidate in batch:
                if await self._notify(candidate, now):
                    counts[candidate.kind] += 1
                    done += 1
                else:
                    already_sent += 1
            # Notified candidates drop out of the query; a batch that made no progress
            # would only come back the same.
            if len(batch) < self.batch_size or done == 0:
                break
        summary = NotificationSummary(
            counts[NotificationKind.DUE_DATE], counts[NotificationKind.INSTALMENT], already_sent
        )
        _log.info("notification_run", day=first.isoformat(), **asdict(summary))
        return summary

    async def _notify(self, candidate: NotificationCandidate, now: datetime) -> bool:
        try:
            async with self.uow() as uow:
                await uow.notifications.record(candidate, now)
                uow.emails.add(date_reminder_email(candidate, now))
                await uow.commit()
        except Conflict:
            # Another run notified it first: exactly what the unique key is for.
            _log.info(
                "notification_already_sent",
                invoice=f"invoices/{candidate.invoice_id}",
                kind=candidate.kind.value,
            )
            return False
        return True


@dataclass(slots=True)
class NotificationScheduler:
    """Runs ``NotificationRun`` every ``interval`` seconds until stopped (a worker task,
    on the collection run's schedule)."""

    notifications: NotificationRun
    interval: float = 3600.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Run now, then every ``interval``; errors are logged and the next run tries again."""
        while not self._stop.is_set():
            try:
                await self.notifications.run_once()
            except Exception:
                _log.exception("notification_run_failed")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            except TimeoutError:
                continue

    def stop(self) -> None:
        """Finish after the current run."""
        self._stop.set()
