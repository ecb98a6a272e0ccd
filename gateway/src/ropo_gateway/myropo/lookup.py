"""*Hae lasku* in the gateway: input checks, rate limit, the lookup, the grant.

Flow (DESIGN §4 flow 3): the person types the invoice number, reference and postal
code, or the MyRopo ID → the attempt is counted (``rate_limit``) → the invoice
service looks the invoice up → on a hit the authorization service gives the person
a lookup grant (``GrantLookupAccess``: view and pay that invoice, for a limited
time) and the person is sent to the invoice.

What a miss may reveal: nothing. Only input that is wrong *whatever is stored*
is reported per field (an empty field, one longer than any identifier); every
other failure — unknown number, wrong reference, wrong postal code, a bad check
digit — is the same ``lookup_failed()``. The gateway does not validate check
digits itself: the invoice service treats them as ordinary misses, so the answer
is the same. An ``INVALID_ARGUMENT`` from the service is treated as a miss too,
so that no future validation there can become an oracle.

Lookups need a logged-in person: the grant is for ``persons/{key}`` and the rate
limit counts per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import grpc
from ropo_platform.errors import FieldViolation
from ropo_platform.logging import get_logger

from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.errors import UpstreamError, lookup_failed, lookup_rate_limited
from ropo_gateway.myropo.access import LOOKUP_REASON
from ropo_gateway.myropo.ports import AccessSource, InvoiceSource
from ropo_gateway.myropo.rate_limit import LookupRateLimiter
from ropo_gateway.myropo.views import InvoiceRow, row_from_invoice

#: Longer than any invoice number, reference, postal code or MyRopo ID (the invoice
#: service refuses longer values outright).
MAX_FIELD_LENGTH: Final = 64
#: Upstream codes that mean "no such invoice" for a lookup.
_MISS_CODES: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})

_log = get_logger("ropo_gateway.lookup")


@dataclass(frozen=True, slots=True)
class ByInvoiceDetails:
    """*Hae laskun tiedolla*."""

    invoice_number: str
    reference: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class ByMyRopoId:
    """*Hae MyRopo-tunnuksella*."""

    myropo_id: str


LookupQuery = ByInvoiceDetails | ByMyRopoId


class LookupInputError(Exception):
    """The input cannot be a lookup at all (empty or overlong fields)."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("invalid lookup input")
        self.violations = violations


def _clean(violations: list[FieldViolation], field: str, value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        violations.append(FieldViolation(field, "is required", "REQUIRED"))
    elif len(text) > MAX_FIELD_LENGTH:
        violations.append(
            FieldViolation(field, f"must be at most {MAX_FIELD_LENGTH} characters", "TOO_LONG")
        )
    return text


def details_query(
    invoice_number: str | None, reference: str | None, postal_code: str | None
) -> ByInvoiceDetails:
    """Check the three fields' format; ``LookupInputError`` names each bad one."""
    violations: list[FieldViolation] = []
    query = ByInvoiceDetails(
        invoice_number=_clean(violations, "invoice_number", invoice_number),
        reference=_clean(violations, "reference", reference),
        postal_code=_clean(violations, "postal_code", postal_code),
    )
    if violations:
        raise LookupInputError(violations)
    return query


def myropo_id_query(myropo_id: str | None) -> ByMyRopoId:
    """Check the MyRopo ID's format; ``LookupInputError`` when empty or overlong."""
    violations: list[FieldViolation] = []
    query = ByMyRopoId(_clean(violations, "myropo_id", myropo_id))
    if violations:
        raise LookupInputError(violations)
    return query


class InvoiceLookup:
    """The use case; one instance per request (it only holds collaborators)."""

    def __init__(
        self, invoices: InvoiceSource, access: AccessSource, limiter: LookupRateLimiter
    ) -> None:
        self._invoices = invoices
        self._access = access
        self._limiter = limiter

    async def find(self, subject: str, query: LookupQuery, language: str) -> InvoiceRow:
        """The invoice found (and now granted to ``subject``), or ``lookup_failed()`` /
        ``lookup_rate_limited()`` as an ``ApiError``."""
        admission = await self._limiter.admit(subject)
        if not admission.allowed:
            _log.warning("lookup_rate_limited", subject=subject)
            raise lookup_rate_limited(admission.retry_after_seconds)
        try:
            if isinstance(query, ByMyRopoId):
                invoice = await self._invoices.lookup_by_myropo_id(query.myropo_id, language)
            else:
                invoice = await self._invoices.lookup_by_details(
                    query.invoice_number, query.reference, query.postal_code, language
                )
        except UpstreamError as error:
            if error.rpc_error.code in _MISS_CODES:
                _log.info("lookup_missed", subject=subject)
                raise lookup_failed() from None
            raise
        await self._access.grant_lookup_access(subject, invoice.name, new_request_id())
        _log.info("lookup_granted", subject=subject, invoice=invoice.name)
        return row_from_invoice(invoice, LOOKUP_REASON)
