"""The case page's *Kirjeet* and *Sähköiset kirjeet*: the letters the debtor got about this
invoice (type, date, channel, read or not) and the debtor's consent to electronic letters with
its whole history (when, where, by whom).

Read-only, for agents and supervisors (who answer the debtor's questions about them). A
letter service that cannot answer leaves the rest of the case page usable: the section then
says so. The notification address is shown masked: staff confirm it with the customer,
they do not need to read it off the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ropo.invoice.v1 import invoice_pb2
from ropo_platform.logging import get_logger

from ropo_gateway.clients.letters import LetterConsentView, LetterQuery, LetterView
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.ports import CaseLetters

_log = get_logger("ropo_gateway.ropo_one.case_letters")

#: The letters of one invoice are few (invoice, reminders, demands, messages).
MAX_LETTERS: Final = 200
PERSONS_PREFIX: Final = "persons/"


@dataclass(frozen=True, slots=True)
class CaseLettersSection:
    """The invoice's letters to the debtor, newest first; ``None``: not readable now."""

    letters: tuple[LetterView, ...] | None


@dataclass(frozen=True, slots=True)
class ConsentSection:
    """The debtor's consent. ``applicable`` is false for a company (only persons consent);
    ``consent`` is ``None`` when it could not be read."""

    applicable: bool
    consent: LetterConsentView | None
    masked_email: str = ""


def masked_email(address: str) -> str:
    """``m***@example.fi``: the first letter and the domain only."""
    local, at, domain = address.partition("@")
    if not at or not local or not domain:
        return "***" if address else ""
    return f"{local[0]}***@{domain}"


async def case_letters(
    source: CaseLetters, invoice: invoice_pb2.Invoice, language: str
) -> CaseLettersSection:
    """The letters of ``invoice`` sent to its debtor."""
    try:
        page = await source.list_letters(
            LetterQuery(
                recipient_party=invoice.debtor.party, invoice=invoice.name, page_size=MAX_LETTERS
            ),
            language,
        )
    except UpstreamError as error:
        _log.warning("letters_unavailable", code=error.rpc_error.code.name)
        return CaseLettersSection(None)
    return CaseLettersSection(tuple(item for item in page.letters if item.invoice == invoice.name))


async def case_consent(source: CaseLetters, invoice: invoice_pb2.Invoice) -> ConsentSection:
    """The debtor's consent to electronic letters, if the debtor is a person."""
    party = invoice.debtor.party
    if not party.startswith(PERSONS_PREFIX):
        return ConsentSection(applicable=False, consent=None)
    try:
        consent = await source.get_letter_consent(party)
    except UpstreamError as error:
        _log.warning("letter_consent_unavailable", code=error.rpc_error.code.name)
        return ConsentSection(applicable=True, consent=None)
    return ConsentSection(
        applicable=True, consent=consent, masked_email=masked_email(consent.notification_email)
    )
