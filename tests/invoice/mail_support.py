"""A real local SMTP server for tests (aiosmtpd on a free port) that keeps what it gets."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from ropo_platform.testing import free_port


@dataclass
class CapturedMail:
    """One message as the server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class MailCatcher:
    """The SMTP handler: refuses recipients with ``refuse_code`` when set, keeps the rest."""

    received: list[CapturedMail] = field(default_factory=list)
    refuse_code: int | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_code is not None:
            return f"{self.refuse_code} 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(CapturedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """A running server: where it listens and what it caught."""

    host: str
    port: int
    catcher: MailCatcher

    @property
    def received(self) -> list[CapturedMail]:
        return self.catcher.received


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port, for the block's duration."""
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, catcher)
    finally:
        controller.stop()
