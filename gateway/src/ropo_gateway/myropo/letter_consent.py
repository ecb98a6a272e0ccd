"""The consent to electronic letters (*Sähköiset kirjeet*) of the person logged in.

Only the person's own consent (``persons/{key}/letterConsent`` of the session) is read or
changed; the change is made with channel ``myropo`` and the person as actor. The e-mail
address is checked here first so the person gets a clear message (the invoice service
checks it again); it never goes to the audit log, the logs or a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import grpc
from email_validator import EmailNotValidError, validate_email
from ropo_platform.logging import get_logger

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.clients.letters import (
    CHANNEL_MYROPO,
    ConsentChange,
    LetterConsentView,
    letter_consent_name,
)
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.ports import LetterSource

_log = get_logger("ropo_gateway.letter_consent")

#: The longest address SMTP carries (RFC 5321 path limit), and its part before @.
MAX_EMAIL_LENGTH: Final = 254
MAX_LOCAL_PART_LENGTH: Final = 64
EMAIL_FIELD: Final = "notification_email"
#: Audit ``reason`` of the two changes.
GIVEN: Final = "CONSENT_GIVEN"
WITHDRAWN: Final = "CONSENT_WITHDRAWN"


class ConsentInputError(Exception):
    """The address was refused: ``reason`` is ``required``, ``too_long`` or ``invalid``
    (``consent.error.<reason>``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def email_problem(value: str) -> str:
    """``""`` for an acceptable address, else why not (``required``, ``too_long``,
    ``invalid``)."""
    if not value:
        return "required"
    if len(value) > MAX_EMAIL_LENGTH:
        return "too_long"
    if len(value.rpartition("@")[0]) > MAX_LOCAL_PART_LENGTH:
        return "invalid"
    try:
        # The invoice service's rule (email-validator, no DNS lookup): no quoted part,
        # no address literal, no special-use domain such as .test or .invalid.
        validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError:
        return "invalid"
    return ""


def normalised_email(value: str | None) -> str:
    """The address as typed, without surrounding white space; ``ConsentInputError`` when it
    is not acceptable."""
    text = (value or "").strip()
    problem = email_problem(text)
    if problem:
        raise ConsentInputError(problem)
    return text


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """What the person asked for; ``email`` only when giving the consent."""

    electronic: bool
    email: str
    request_id: str


class LetterConsents:
    """The consent of the person logged in (``subject`` = ``persons/{key}``)."""

    def __init__(self, letters: LetterSource, audit: AuditTrail, channel: Channel) -> None:
        self._letters = letters
        self._audit = audit
        self._channel = channel

    async def current(self, subject: str) -> LetterConsentView:
        return await self._letters.get_letter_consent(subject)

    async def change(self, subject: str, request: ConsentRequest) -> LetterConsentView:
        """Give or withdraw the consent; ``ConsentInputError`` when the service refuses the
        address. One audit record (without the address) per change made."""
        change = ConsentChange(
            request_id=request.request_id,
            person=subject,
            electronic=request.electronic,
            channel=CHANNEL_MYROPO,
            actor=subject,
            notification_email=request.email if request.electronic else "",
        )
        try:
            updated = await self._letters.update_letter_consent(change)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.INVALID_ARGUMENT:
                fields = {item.field for item in error.rpc_error.field_violations}
                _log.info("letter_consent_refused", fields=sorted(fields))
                raise ConsentInputError("invalid") from None
            raise
        await self._audit.record(
            AuditEvent(
                actor=subject,
                resource=letter_consent_name(subject),
                purpose=Purpose.LETTER_CONSENT,
                outcome=Outcome.ALLOWED,
                channel=self._channel,
                data_subject=subject,
                reason=GIVEN if request.electronic else WITHDRAWN,
            )
        )
        return updated
