"""The sandbox's mailbox: an SMTP server (aiosmtpd) that keeps every message it is given.

Nothing is relayed anywhere. The newest ``capacity`` messages are kept in memory, so a
long ``make up`` session does not grow without bound; the HTTP side (``mail/api.py``)
shows them to a developer and to the end-to-end tests.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

#: Messages kept; older ones are dropped first.
DEFAULT_CAPACITY = 500


@dataclass(frozen=True, slots=True)
class CapturedMail:
    """One message as received."""

    id: int
    received_at: datetime
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    text: str


def _plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body is not None else ""


class Mailbox:
    """Thread-safe store of captured mail (the SMTP server runs in its own thread)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._messages: deque[CapturedMail] = deque(maxlen=capacity)
        self._ids = count(1)
        self._lock = threading.Lock()

    def keep(self, mail_from: str, recipients: list[str], content: bytes) -> CapturedMail:
        """Parse and keep one message; returns it."""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)  # policy.default always builds EmailMessage
        with self._lock:
            mail = CapturedMail(
                id=next(self._ids),
                received_at=datetime.now(UTC),
                mail_from=mail_from,
                recipients=tuple(recipients),
                subject=str(parsed.get("Subject", "")),
                text=_plain_text(parsed),
            )
            self._messages.append(mail)
        return mail

    def messages(self, recipient: str | None = None) -> list[CapturedMail]:
        """Kept messages, newest first; only those to ``recipient`` when given."""
        with self._lock:
            kept = list(self._messages)
        wanted = recipient.casefold() if recipient else None
        return [
            mail
            for mail in reversed(kept)
            if wanted is None or wanted in (address.casefold() for address in mail.recipients)
        ]

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    # aiosmtpd calls hooks by this exact name.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content: Any = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        self._mailbox.keep(envelope.mail_from or "", list(envelope.rcpt_tos), content)
        return "250 Message accepted for delivery"


class SmtpServer:
    """The SMTP listener on ``host:port`` feeding ``mailbox``; start and stop around the app."""

    def __init__(self, mailbox: Mailbox, host: str, port: int) -> None:
        self._controller = Controller(_Handler(mailbox), hostname=host, port=port)

    def start(self) -> None:
        """Listen (in aiosmtpd's own thread); raises when the port is taken."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()
