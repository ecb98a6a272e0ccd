"""*Saldotodistus*: the PDF of every open case of the person logged in.

Only the session's own party is ever asked for (``GetBalanceCertificate`` with
``debtor_party`` = ``persons/{key}``): there is no id in the URL to tamper with. Every
download leaves an audit record; anything that is not a PDF is refused.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from ropo_platform.logging import get_logger

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.clients.letters import BalanceCertificate
from ropo_gateway.errors import ApiError
from ropo_gateway.myropo.invoice_page import DEFAULT_FILENAME as INVOICE_FILENAME
from ropo_gateway.myropo.invoice_page import PDF_MEDIA_TYPE, safe_pdf_filename
from ropo_gateway.myropo.ports import LetterSource

_log = get_logger("ropo_gateway.balance_certificate")

#: The file name when the service suggests none.
DEFAULT_FILENAME: Final = "saldotodistus.pdf"
#: The audit record's resource, after the person (``persons/{key}/balanceCertificate``).
RESOURCE_SUFFIX: Final = "/balanceCertificate"


def certificate_unavailable() -> ApiError:
    """The service sent something that is not a PDF."""
    return ApiError(
        HTTPStatus.BAD_GATEWAY,
        "CERTIFICATE_UNAVAILABLE",
        "The balance certificate is not available.",
        page="certificate_unavailable",
    )


class BalanceCertificates:
    """The balance certificate of the person logged in."""

    def __init__(self, letters: LetterSource, audit: AuditTrail, channel: Channel) -> None:
        self._letters = letters
        self._audit = audit
        self._channel = channel

    async def download(self, subject: str, language: str) -> BalanceCertificate:
        """The certificate of ``subject`` in ``language`` with a safe file name."""
        certificate = await self._letters.get_balance_certificate(subject, language)
        media_type = certificate.media_type.split(";", 1)[0].strip().lower()
        if media_type != PDF_MEDIA_TYPE or not certificate.content.startswith(b"%PDF-"):
            _log.error("balance_certificate_not_pdf")
            raise certificate_unavailable()
        await self._audit.record(
            AuditEvent(
                actor=subject,
                resource=f"{subject}{RESOURCE_SUFFIX}",
                purpose=Purpose.BALANCE_CERTIFICATE,
                outcome=Outcome.ALLOWED,
                channel=self._channel,
                data_subject=subject,
            )
        )
        filename = safe_pdf_filename(certificate.filename or DEFAULT_FILENAME)
        if filename == INVOICE_FILENAME:
            filename = DEFAULT_FILENAME
        return BalanceCertificate(PDF_MEDIA_TYPE, certificate.content, filename)
