"""*Saldotodistus*: a PDF of every open case of one debtor (Debt Collection Act §4 a).

The open invoices are read page by page with the repository's list (the same
filter as MyRopo's open list), the recorded interest charges from each invoice's
timeline (they say which days each charge covered); ``domain.balance`` turns
them into the certificate and the renderer draws it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from ropo_invoice.domain.balance import (
    BalanceCertificate,
    ChargedInterest,
    build_balance_certificate,
)
from ropo_invoice.domain.costs import DEFAULT_COST_RULES, CostRules
from ropo_invoice.domain.interest import ReferenceRateTable
from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.party import Language
from ropo_invoice.service_layer.ports import (
    InvoiceCursor,
    InvoiceFilter,
    TimelineEntry,
    TimelineType,
)
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

PDF = "application/pdf"
_FILENAME_STEM = {
    Language.FI: "saldotodistus",
    Language.SV: "saldointyg",
    Language.EN: "balance-certificate",
}


class BalanceCertificateRenderer(Protocol):
    """Port: draws a balance certificate (an adapter implements it with a PDF library)."""

    def render_balance_certificate(
        self, certificate: BalanceCertificate, language: Language
    ) -> bytes:
        """The certificate as a PDF in ``language``."""
        ...


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    """The rendered certificate, ready to send."""

    media_type: str
    content: bytes
    filename: str


@dataclass(slots=True)
class BalanceCertificates:
    """The balance-certificate use case."""

    uow: UnitOfWorkFactory
    rates: ReferenceRateTable
    renderer: BalanceCertificateRenderer
    clock: Callable[[], datetime]
    cost_rules: CostRules = DEFAULT_COST_RULES
    #: Invoices (and timeline entries) read per query.
    batch_size: int = 200

    async def certificate(self, debtor_party: str) -> BalanceCertificate:
        """The figures of every open case of ``debtor_party`` as of today."""
        issued_on = self.clock().date()
        async with self.uow(read_only=True) as uow:
            invoices = await self._open_invoices(uow, debtor_party)
            name = invoices[0].debtor.name if invoices else await self._any_name(uow, debtor_party)
            recorded = {
                invoice.id: await self._recorded_interest(uow, invoice)
                for invoice in invoices
                if invoice.ledger.count_of(ComponentType.PENALTY_INTEREST)
            }
        return build_balance_certificate(
            debtor_party=debtor_party,
            debtor_name=name,
            issued_on=issued_on,
            invoices=invoices,
            recorded_interest=recorded,
            rates=self.rates,
            cost_rules=self.cost_rules,
        )

    async def render(self, debtor_party: str, language: Language) -> CertificateDocument:
        """The certificate of ``debtor_party`` as a PDF in ``language``."""
        certificate = await self.certificate(debtor_party)
        # Drawing takes CPU time: off the event loop, other calls keep flowing.
        content = await asyncio.to_thread(
            self.renderer.render_balance_certificate, certificate, language
        )
        return CertificateDocument(PDF, content, filename(certificate.issued_on, language))

    async def _open_invoices(self, uow: AbstractUnitOfWork, debtor_party: str) -> list[Invoice]:
        wanted = InvoiceFilter(debtor_party=debtor_party, open_only=True)
        found: list[Invoice] = []
        after: InvoiceCursor | None = None
        while True:
            page = await uow.invoices.list(wanted, after, self.batch_size)
            found += page
            if len(page) < self.batch_size:
                return found
            after = InvoiceCursor(page[-1].due_date, page[-1].id)

    @staticmethod
    async def _any_name(uow: AbstractUnitOfWork, debtor_party: str) -> str:
        """The name on the party's newest invoice, open or not ("" without any)."""
        newest = await uow.invoices.list(InvoiceFilter(debtor_party=debtor_party), None, 1)
        return newest[0].debtor.name if newest else ""

    async def _recorded_interest(
        self, uow: AbstractUnitOfWork, invoice: Invoice
    ) -> list[ChargedInterest]:
        charges: list[ChargedInterest] = []
        after = 0
        while True:
            entries = await uow.timeline.list(invoice.id, after, self.batch_size)
            charges += [
                charge
                for entry in entries
                if (charge := _charged_interest(entry, invoice.currency)) is not None
            ]
            if len(entries) < self.batch_size:
                return charges
            after = entries[-1].position


def _charged_interest(entry: TimelineEntry, currency: str) -> ChargedInterest | None:
    """The interest charge an ``INTEREST_CHARGED`` entry records, if it is complete."""
    if entry.type is not TimelineType.INTEREST_CHARGED or entry.amount is None:
        return None
    if entry.amount.currency != currency:
        return None
    try:
        start = date.fromisoformat(entry.details["start"])
        end = date.fromisoformat(entry.details["end"])
    except (KeyError, ValueError):
        return None
    return ChargedInterest(start, end, entry.amount)


def filename(issued_on: date, language: Language) -> str:
    """``saldotodistus-2026-11-27.pdf`` (``saldointyg-…`` in Swedish)."""
    return f"{_FILENAME_STEM[language]}-{issued_on.isoformat()}.pdf"
