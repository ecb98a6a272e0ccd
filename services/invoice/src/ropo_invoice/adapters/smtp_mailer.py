"""The ``Mailer`` port over SMTP (aiosmtplib): one connection per e-mail.

E-mails are few and far between compared with what a connection costs to keep
open, and a fresh connection per message leaves nothing to go stale between
rounds. Errors become ``MailerError`` with only the error's kind and SMTP code:
servers' texts often quote the recipient's address, which must not reach the
database or the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from ropo_invoice.service_layer.email_dispatch import EmailMessage, MailerError


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Sends through ``host:port`` as ``sender``, with STARTTLS and login when set."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout: float = 30.0

    async def send(self, message: EmailMessage) -> None:
        mime = MimeMessage()
        mime["From"] = self.sender
        mime["To"] = message.to_address
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = make_msgid(domain=_domain(self.sender))
        mime.set_content(message.body)
        try:
            await aiosmtplib.send(
                mime,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password or None,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            raise MailerError(
                f"SMTPRecipientsRefused {','.join(map(str, codes))}",
                permanent=all(500 <= code < 600 for code in codes),
            ) from None
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            # This address or this message is refused for good on a 5xx answer.
            raise MailerError(
                f"{type(error).__name__} {error.code}", permanent=500 <= error.code < 600
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            # Login or sender refused: configuration to fix, then every e-mail can go.
            raise MailerError(f"{type(error).__name__} {error.code}") from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # Connection refused, timeouts, TLS trouble: the server may be back later.
            raise MailerError(type(error).__name__) from None


def _domain(sender: str) -> str:
    """The domain of the sender's address (``Name <user@domain>`` or ``user@domain``)."""
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    _, _, domain = address.rpartition("@")
    return domain or "localhost"
