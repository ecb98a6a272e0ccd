"""The case page's sections about letters, consent, disputes and payment monitoring, read
together for one rendering of the page.

Shown to agents and supervisors only: letters, a person's consent and disputes are Ropo's
customer service's business, not a creditor user's. Each part that cannot be read is shown
as unavailable; the rest of the case page stays usable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from ropo_platform.logging import get_logger

from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.clients.disputes import DisputeView
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.access import OpenCase
from ropo_gateway.ropo_one.case_letters import (
    CaseLettersSection,
    ConsentSection,
    case_consent,
    case_letters,
)
from ropo_gateway.ropo_one.deps import CaseLettersDep, DisputesDep
from ropo_gateway.ropo_one.dispute_access import handles_disputes, invoice_disputes
from ropo_gateway.ropo_one.payment_monitoring import MonitoringForm, may_start_monitoring
from ropo_gateway.ropo_one.ports import CaseLetters, DisputeDesk

_log = get_logger("ropo_gateway.ropo_one.case_sections")


@dataclass(frozen=True, slots=True)
class CaseSources:
    """Where the sections are read from (request-scoped dependencies)."""

    letters: CaseLetters
    disputes: DisputeDesk


def case_sources(letters: CaseLettersDep, disputes: DisputesDep) -> CaseSources:
    return CaseSources(letters, disputes)


CaseSourcesDep = Annotated[CaseSources, Depends(case_sources)]


@dataclass(frozen=True, slots=True)
class CaseDisputesSection:
    """The invoice's disputes, newest first; ``None``: not readable now."""

    disputes: tuple[DisputeView, ...] | None


@dataclass(frozen=True, slots=True)
class CaseSections:
    """What the partials ``_case_letters``, ``_case_consent``, ``_case_disputes`` and
    ``_payment_monitoring_form`` show."""

    letters: CaseLettersSection
    consent: ConsentSection
    disputes: CaseDisputesSection
    #: The form *Siirrä maksuvalvontaan*, when offered.
    monitoring: MonitoringForm | None
    #: A text key: the outcome of the last attempt (shown even when the form is gone).
    monitoring_notice: str = ""


async def _disputes(desk: DisputeDesk, invoice: str) -> CaseDisputesSection:
    try:
        return CaseDisputesSection(await invoice_disputes(desk, invoice))
    except UpstreamError as error:
        _log.warning("disputes_unavailable", code=error.rpc_error.code.name)
        return CaseDisputesSection(None)


async def load_case_sections(
    sources: CaseSources,
    identity: StaffIdentity,
    case: OpenCase,
    language: str,
    *,
    monitoring: MonitoringForm | None = None,
    monitoring_notice: str = "",
) -> CaseSections | None:
    """The sections for ``identity`` (``None`` for a creditor user: nothing is read)."""
    if not handles_disputes(identity):
        return None
    invoice = case.invoice
    offered = may_start_monitoring(identity, invoice)
    # Independent reads, each answering "unavailable" rather than failing: asked at once.
    letters, consent, disputes = await asyncio.gather(
        case_letters(sources.letters, invoice, language),
        case_consent(sources.letters, invoice),
        _disputes(sources.disputes, invoice.name),
    )
    return CaseSections(
        letters=letters,
        consent=consent,
        disputes=disputes,
        monitoring=(monitoring or MonitoringForm()) if offered else None,
        monitoring_notice=monitoring_notice,
    )
