"""``GetBalanceCertificate`` of ``ropo.invoice.v1.InvoiceService`` (a mixin of the servicer).

The debtor party is checked for its shape only (``persons/{key}`` with a
pseudonymous key, ``organizations/{business_id}`` with a valid business ID); the
description of a violation never repeats the value, which a caller might have
filled with a henkilötunnus. Who may ask for whose certificate is the gateway's
decision, as for ``ListInvoices``.
"""

from __future__ import annotations

from typing import Any

from ropo.invoice.v1 import invoice_service_pb2
from ropo_platform.errors import Violations

from ropo_invoice.domain.party import Language
from ropo_invoice.entrypoints import validation
from ropo_invoice.service_layer.balance_certificate import BalanceCertificates

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


def check_balance_certificate(
    request: invoice_service_pb2.GetBalanceCertificateRequest,
) -> tuple[str, Language]:
    """``GetBalanceCertificateRequest`` → (debtor party, language)."""
    violations = Violations()
    if not request.debtor_party:
        violations.add("debtor_party", "is required")
    elif not validation.is_debtor_party(request.debtor_party):
        violations.add("debtor_party", 'must be "persons/{key}" or "organizations/{business_id}"')
    language = validation.check_language(violations, request.language_code)
    violations.raise_if_any()
    return request.debtor_party, language


class BalanceCertificateServicer:
    """Adds ``GetBalanceCertificate``; the servicer sets ``_balance_certificates``."""

    _balance_certificates: BalanceCertificates

    async def GetBalanceCertificate(
        self, request: invoice_service_pb2.GetBalanceCertificateRequest, context: Context
    ) -> invoice_service_pb2.GetBalanceCertificateResponse:
        debtor_party, language = check_balance_certificate(request)
        document = await self._balance_certificates.render(debtor_party, language)
        return invoice_service_pb2.GetBalanceCertificateResponse(
            media_type=document.media_type, content=document.content, filename=document.filename
        )
