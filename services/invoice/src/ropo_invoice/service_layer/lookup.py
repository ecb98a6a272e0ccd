"""*Hae lasku*: finding an invoice without a henkilötunnus.

Two ways: invoice number + reference + postal code from the invoice, or the MyRopo
ID printed on every letter. A hit lets the caller (the gateway) grant the person
access to that one invoice, so a miss must teach an attacker nothing:

- every miss — unknown number, wrong reference, wrong postal code, a reference or
  MyRopo ID with a bad check digit or format — raises the same ``LookupFailed``
  (same code, reason and message, no metadata);
- each way does the same work whatever is wrong: input that cannot be valid is
  replaced by a value that matches nothing and the same indexed query still runs,
  and the postal code is compared in constant time;
- every answer, hit or miss, takes at least ``min_duration``, which hides the
  remaining differences (loading the aggregate on a hit, database jitter).

Attempts are limited by the gateway, per person and session.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ropo_platform.errors import NotFound

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import MyRopoId, PaymentReference, parse_invoice_number
from ropo_invoice.domain.model import Invoice
from ropo_invoice.service_layer.ports import LookupCandidate
from ropo_invoice.service_layer.unit_of_work import UnitOfWorkFactory

#: Stands in for input that cannot match: longer than any stored reference (25),
#: invoice number (20) or MyRopo ID (12), and plain text every database accepts.
_NO_MATCH = "#" * 32
_SPACES = re.compile(r"\s+")
DEFAULT_MIN_DURATION = 0.2


class LookupFailed(NotFound):
    """No invoice matches (``NOT_FOUND``), whatever part of the input was wrong."""

    default_reason = "INVOICE_LOOKUP_FAILED"

    def __init__(self) -> None:
        super().__init__(message="no invoice matches the given details")


@dataclass(frozen=True, slots=True)
class LookupByDetails:
    """The invoice's number, its payment reference and the postal code on it."""

    invoice_number: str
    reference: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class LookupByMyRopoId:
    """The MyRopo ID printed on a letter."""

    myropo_id: str


LookupQuery = LookupByDetails | LookupByMyRopoId


@dataclass(slots=True)
class InvoiceLookup:
    """The lookup use case."""

    uow: UnitOfWorkFactory
    min_duration: float = DEFAULT_MIN_DURATION
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def lookup(self, query: LookupQuery) -> Invoice:
        """The matching invoice, or ``LookupFailed``; never faster than ``min_duration``."""
        started = self.monotonic()
        try:
            invoice = await self._find(query)
        finally:
            remaining = self.min_duration - (self.monotonic() - started)
            if remaining > 0:
                await self.sleep(remaining)
        if invoice is None:
            raise LookupFailed()
        return invoice

    async def _find(self, query: LookupQuery) -> Invoice | None:
        async with self.uow(read_only=True) as uow:
            if isinstance(query, LookupByMyRopoId):
                candidate = await uow.invoices.find_by_myropo_id(_myropo_id(query.myropo_id))
                found = candidate.invoice_id if candidate is not None else None
            else:
                candidates = await uow.invoices.find_by_details(
                    _reference(query.reference), _invoice_number(query.invoice_number)
                )
                found = _matching_postal_code(candidates, _postal_code(query.postal_code))
            return await uow.invoices.get(found) if found is not None else None


def _matching_postal_code(candidates: list[LookupCandidate], postal_code: str) -> str | None:
    # Compare every candidate, in constant time each, before deciding.
    found = None
    for candidate in candidates:
        stored = _postal_code(candidate.postal_code)
        if hmac.compare_digest(stored.encode(), postal_code.encode()) and found is None:
            found = candidate.invoice_id
    return found


def _reference(raw: str) -> str:
    try:
        return PaymentReference.parse(raw).value
    except InvalidValue:
        return _NO_MATCH


def _invoice_number(raw: str) -> str:
    try:
        return parse_invoice_number(raw)
    except InvalidValue:
        return _NO_MATCH


def _myropo_id(raw: str) -> str:
    try:
        return MyRopoId.parse(raw).value
    except InvalidValue:
        return _NO_MATCH


def _postal_code(raw: str) -> str:
    return _SPACES.sub("", raw).upper()
