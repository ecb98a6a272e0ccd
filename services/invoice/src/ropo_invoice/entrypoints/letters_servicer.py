"""The message-centre RPCs of ``InvoiceService``: ListLetters, MarkLetterRead,
GetLetterConsent and UpdateLetterConsent (a mixin of ``InvoiceServicer``).

Validation reports everything wrong at once (``INVALID_ARGUMENT`` with field
violations) and never repeats a value: a party name or an e-mail address is
personal data. When the consent is withdrawn, ``notification_email`` is ignored:
the address is forgotten, not changed.
"""

from __future__ import annotations

import re
from typing import Any

from ropo.invoice.v1 import invoice_service_pb2
from ropo_platform.errors import Violations

from ropo_invoice.domain.delivery import (
    LETTER_CONSENT_SUFFIX,
    MAX_EMAIL_LENGTH,
    ConsentChannel,
    EmailAddress,
)
from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.model import INVOICES_PREFIX
from ropo_invoice.domain.party import PERSONS_PREFIX, Language
from ropo_invoice.entrypoints import validation
from ropo_invoice.entrypoints.proto_mapping import letter_consent_to_proto, letter_to_proto
from ropo_invoice.service_layer.message_centre import (
    ListLetters,
    MarkLetterRead,
    MessageCentre,
    UpdateLetterConsent,
)
from ropo_invoice.service_layer.ports import LetterFilter

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9-]{0,63}"
_LETTER_NAME = re.compile(rf"^invoices/({_SEGMENT})/letters/({_SEGMENT})$")
_PARTY_FORMAT = 'must be "persons/{key}" or "organizations/{business_id}"'
_CONSENT_FORMAT = 'must be "persons/{key}/letterConsent"'
_CHANNELS = ", ".join(channel.value for channel in ConsentChannel)


class LettersServicerMixin:
    """The four message-centre RPCs; the servicer sets ``_message_centre``."""

    _message_centre: MessageCentre

    async def ListLetters(
        self, request: invoice_service_pb2.ListLettersRequest, context: Context
    ) -> invoice_service_pb2.ListLettersResponse:
        query, language = check_list_letters(request)
        page = await self._message_centre.list_letters(query)
        return invoice_service_pb2.ListLettersResponse(
            letters=[letter_to_proto(entry, language) for entry in page.letters],
            next_page_token=page.next_page_token,
        )

    async def MarkLetterRead(
        self, request: invoice_service_pb2.MarkLetterReadRequest, context: Context
    ) -> invoice_service_pb2.MarkLetterReadResponse:
        command = check_mark_letter_read(request)
        entry = await self._message_centre.mark_letter_read(command)
        # The response carries no language: titles in the service default (Finnish).
        return invoice_service_pb2.MarkLetterReadResponse(
            letter=letter_to_proto(entry, Language.FI)
        )

    async def GetLetterConsent(
        self, request: invoice_service_pb2.GetLetterConsentRequest, context: Context
    ) -> invoice_service_pb2.GetLetterConsentResponse:
        violations = Violations()
        party = consent_party(violations, request.name)
        violations.raise_if_any()
        view = await self._message_centre.get_consent(party)
        return invoice_service_pb2.GetLetterConsentResponse(
            letter_consent=letter_consent_to_proto(view)
        )

    async def UpdateLetterConsent(
        self, request: invoice_service_pb2.UpdateLetterConsentRequest, context: Context
    ) -> invoice_service_pb2.UpdateLetterConsentResponse:
        command = check_update_letter_consent(request)
        view = await self._message_centre.update_consent(command)
        return invoice_service_pb2.UpdateLetterConsentResponse(
            letter_consent=letter_consent_to_proto(view)
        )


def check_list_letters(
    request: invoice_service_pb2.ListLettersRequest,
) -> tuple[ListLetters, Language]:
    """``ListLettersRequest`` → (query, language); a recipient, an invoice or both."""
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    if request.recipient_party and not validation.is_debtor_party(request.recipient_party):
        violations.add("recipient_party", _PARTY_FORMAT)
    invoice_id = ""
    if request.invoice:
        invoice_id = validation.resource_id(request.invoice, INVOICES_PREFIX) or ""
        if not invoice_id:
            violations.add("invoice", 'must be "invoices/{invoice}"')
    if not request.recipient_party and not request.invoice:
        violations.add("recipient_party", "set recipient_party or invoice")
    language = validation.check_language(violations, request.language_code)
    violations.raise_if_any()
    letter_filter = LetterFilter(
        recipient_party=request.recipient_party,
        invoice_id=invoice_id,
        unread_only=request.unread_only,
    )
    return ListLetters(letter_filter, request.page_size, request.page_token), language


def check_mark_letter_read(request: invoice_service_pb2.MarkLetterReadRequest) -> MarkLetterRead:
    """``MarkLetterReadRequest`` → command; the reader is a person."""
    violations = Violations()
    validation.check_request_id(violations, request.request_id)
    match = _LETTER_NAME.match(request.name)
    if match is None:
        violations.add("name", 'must be "invoices/{invoice}/letters/{letter}"')
    if not request.actor:
        violations.add("actor", "is required")
    elif not (request.actor.startswith(PERSONS_PREFIX) and _is_person(request.actor)):
        violations.add("actor", 'must be "persons/{key}"')
    violations.raise_if_any()
    assert match is not None
    return MarkLetterRead(match.group(1), match.group(2), request.actor, request.request_id)


def consent_party(violations: Violations, name: str) -> str:
    """The person of ``persons/{key}/letterConsent`` (``""`` with a violation otherwise)."""
    party = name.removesuffix(LETTER_CONSENT_SUFFIX)
    if party == name or not party.startswith(PERSONS_PREFIX) or not _is_person(party):
        violations.add("name", _CONSENT_FORMAT)
        return ""
    return party


def check_update_letter_consent(
    request: invoice_service_pb2.UpdateLetterConsentRequest,
) -> UpdateLetterConsent:
    """``UpdateLetterConsentRequest`` → command.

    A person changes only their own consent, in MyRopo; customer service (a staff
    user) changes anyone's: the channel and the actor must agree.
    """
    violations = Violations()
    validation.check_request_id(violations, request.request_id)
    party = consent_party(violations, request.name)
    email = _check_email(violations, request) if request.electronic else None
    channel = _check_channel(violations, request.channel)
    _check_consent_actor(violations, request.actor, channel, party)
    violations.raise_if_any()
    assert channel is not None
    return UpdateLetterConsent(
        party, request.electronic, email, channel, request.actor, request.request_id
    )


def _check_email(
    violations: Violations, request: invoice_service_pb2.UpdateLetterConsentRequest
) -> EmailAddress | None:
    text = request.notification_email
    if not text.strip():
        violations.add("notification_email", "is required when giving the consent")
        return None
    if len(text.strip()) > MAX_EMAIL_LENGTH:
        violations.add("notification_email", f"must be at most {MAX_EMAIL_LENGTH} characters")
        return None
    try:
        return EmailAddress.parse(text)
    except InvalidValue as error:
        violations.add("notification_email", error.description)
        return None


def _check_channel(violations: Violations, channel: str) -> ConsentChannel | None:
    if not channel:
        violations.add("channel", f"is required: one of {_CHANNELS}")
        return None
    try:
        return ConsentChannel(channel)
    except ValueError:
        violations.add("channel", f"must be one of {_CHANNELS}")
        return None


def _check_consent_actor(
    violations: Violations, actor: str, channel: ConsentChannel | None, party: str
) -> None:
    if not actor:
        violations.add("actor", "is required")
        return
    is_person = actor.startswith(PERSONS_PREFIX) and _is_person(actor)
    is_staff = validation.resource_id(actor, validation.STAFF_USERS_PREFIX) is not None
    if not is_person and not is_staff:
        violations.add("actor", 'must be "persons/{key}" or "staffUsers/{user}"')
    elif channel is ConsentChannel.MYROPO and not is_person:
        violations.add("actor", "must be the person themself in MyRopo")
    elif channel is ConsentChannel.MYROPO and party and actor != party:
        violations.add("actor", "a person may change only their own consent")
    elif channel is ConsentChannel.CUSTOMER_SERVICE and not is_staff:
        violations.add("actor", 'must be a staff user ("staffUsers/{user}") for customer_service')


def _is_person(party: str) -> bool:
    return validation.is_debtor_party(party) and party.startswith(PERSONS_PREFIX)
