"""Which invoices a MyRopo customer may see and act on (DESIGN §8), and the audit trail of it.

The authorization service decides everything: a person sees an invoice as its debtor
(``OWN``), an authorized person (``AUTHORIZED``, ``CONTINUOUS_AUTHORIZATION``) or
because they found it with *Hae lasku* (``LOOKUP``, a time-limited grant the service
keeps). Every route that takes an object id asks ``CheckAccess`` with the action it
needs before it reads anything else.

A refusal of any kind — someone else's invoice, one that does not exist, a malformed
id — writes exactly one audit record and ends in the same ``invoice_not_found()``
(404, one body), so the answer never tells whether the invoice exists. An allowed
read by a delegate writes one record naming the debtor; a person's own reads (and
lookup-grant reads, which are of an invoice the person proved to hold) write none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.invoices import MAX_NAMES_PER_REQUEST
from ropo_gateway.errors import ApiError, invoice_not_found
from ropo_gateway.myropo.ports import AccessSource
from ropo_gateway.myropo.views import invoice_id, invoice_name

#: The invoice service's id grammar; anything else cannot name an invoice.
_INVOICE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
OWN_REASON: Final = "OWN"
LOOKUP_REASON: Final = "LOOKUP"
#: Relations through which a person handles *someone else's* invoice.
DELEGATE_REASONS: Final = frozenset({"AUTHORIZED", "CONTINUOUS_AUTHORIZATION"})
#: Audit reason of a request whose id cannot name any object.
MALFORMED_ID: Final = "MALFORMED_ID"
#: What the audit record names when the id was malformed: never the raw value, which
#: could be anything a person typed (even a henkilötunnus).
MALFORMED_INVOICE: Final = "invoices/-"


def is_invoice_id(value: str) -> bool:
    """True when ``value`` has the shape of an invoice id (checked before any call)."""
    return bool(_INVOICE_ID.match(value))


@dataclass(frozen=True, slots=True)
class InvoiceAccess:
    """An allowed access: the invoice (``invoices/{id}``), who asked and the relation."""

    invoice: str
    subject: str
    reason: str

    @property
    def id(self) -> str:
        return invoice_id(self.invoice)

    @property
    def delegate(self) -> bool:
        """True when the person handles the invoice on behalf of its debtor."""
        return self.reason in DELEGATE_REASONS


class InvoiceAccessPolicy:
    """Asks the authorization service and keeps the audit trail of the answers; one
    instance per request (``channel`` says whether it is a page or the JSON API)."""

    def __init__(self, access: AccessSource, audit: AuditTrail, channel: Channel) -> None:
        self._access = access
        self._audit = audit
        self._channel = channel

    async def visible_invoices(self, subject: str, limit: int) -> dict[str, str]:
        """Invoice name → why the person sees it, at most ``min(limit, 1000)`` names (one
        ListInvoices request carries no more). Lookup grants are included by the service."""
        limit = min(limit, MAX_NAMES_PER_REQUEST)
        return {
            entry.invoice: entry.reason
            for entry in await self._access.accessible_invoices(subject, limit)
        }

    async def require(self, subject: str, raw_id: str, action: Action) -> InvoiceAccess:
        """The access for ``action`` on the invoice ``raw_id`` (from the URL), or — after one
        audit record — the one ``invoice_not_found()``."""
        if not is_invoice_id(raw_id):
            raise await self.deny(subject, MALFORMED_INVOICE, MALFORMED_ID)
        name = invoice_name(raw_id)
        decision = await self._access.check_access(subject, name, action)
        if not decision.allowed:
            raise await self.deny(subject, name, decision.explanation or "DENIED")
        return InvoiceAccess(name, subject, decision.reason or "ALLOWED")

    async def permits(self, access: InvoiceAccess, action: Action) -> bool:
        """May the person also do ``action`` on an invoice they already reached? A probe for
        what a page offers (the *Valtuutus* form): a "no" is not a refused request and is
        not recorded."""
        decision = await self._access.check_access(access.subject, access.invoice, action)
        return decision.allowed

    async def may_view(self, subject: str, invoice: str) -> bool:
        """May ``subject`` open ``invoice`` (``invoices/{id}``)? A probe for links on a page
        (the payment receipt): a "no" is not a refused request and is not recorded."""
        decision = await self._access.check_access(subject, invoice, Action.VIEW)
        return decision.allowed

    async def deny(self, subject: str, resource: str, reason: str) -> ApiError:
        """Record a refusal of ``resource`` and return the answer to raise."""
        await self.record_denial(subject, resource, reason)
        return invoice_not_found()

    async def record_denial(self, subject: str, resource: str, reason: str) -> None:
        """Record a refused request for ``resource`` (any kind of object) in the audit trail."""
        await self._audit.record(
            AuditEvent(
                actor=subject,
                resource=resource,
                purpose=Purpose.ACCESS_DENIED,
                outcome=Outcome.DENIED,
                channel=self._channel,
                reason=reason,
            )
        )

    async def record_read(self, access: InvoiceAccess, debtor_party: str) -> None:
        """Record a delegate's read of the debtor's invoice (nothing for other relations)."""
        if not access.delegate:
            return
        await self._audit.record(
            AuditEvent(
                actor=access.subject,
                resource=access.invoice,
                purpose=Purpose.DELEGATE_VIEW,
                outcome=Outcome.ALLOWED,
                channel=self._channel,
                data_subject=debtor_party,
                reason=access.reason,
            )
        )
