"""Who may see which case in Ropo One (DESIGN §8), checked on every staff route.

- Agents and supervisors see every invoice.
- A creditor user sees only its own creditor's invoices: its searches are always
  limited to that creditor, whatever the request says, and a case of another
  creditor answers exactly like one that does not exist (the same 404 body, after
  the same single call to the invoice service).
- A staff session without a usable role (a creditor user whose creditor was not
  resolved) gets nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Final

import grpc
from ropo.invoice.v1 import invoice_pb2

from ropo_gateway.auth.staff_identity import StaffIdentity
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.ropo_one.ports import CaseSource

INVOICES_PREFIX: Final = "invoices/"
# The invoice service's resource id format: anything else cannot name an invoice.
_INVOICE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
# Upstream answers that mean "no such case" for a well-formed id.
_MISSING_CODES: Final = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT})


def case_not_found() -> ApiError:
    """The single answer for a missing case, a malformed id and another creditor's case."""
    return ApiError(HTTPStatus.NOT_FOUND, "CASE_NOT_FOUND", "Case not found.", page="not_found")


def no_staff_role() -> ApiError:
    """A staff session that grants nothing (fail closed)."""
    return ApiError(
        HTTPStatus.FORBIDDEN, "STAFF_ROLE_REQUIRED", "No Ropo One role.", page="no_access"
    )


def require_role(identity: StaffIdentity) -> None:
    """Raise ``no_staff_role`` unless the identity may use Ropo One at all."""
    if not identity.roles or (identity.is_creditor_user and not identity.creditor):
        raise no_staff_role()


def creditor_scope(identity: StaffIdentity) -> str:
    """The creditor every search of this user is limited to; empty for agents and supervisors."""
    require_role(identity)
    return identity.creditor if identity.is_creditor_user else ""


def may_see(identity: StaffIdentity, invoice: invoice_pb2.Invoice) -> bool:
    """True when the user may see ``invoice``."""
    scope = creditor_scope(identity)
    return not scope or invoice.creditor == scope


def visible(
    identity: StaffIdentity, invoices: Iterable[invoice_pb2.Invoice]
) -> list[invoice_pb2.Invoice]:
    """Defence in depth on search results: drop anything outside the user's scope."""
    return [invoice for invoice in invoices if may_see(identity, invoice)]


def invoice_name(invoice_id: str) -> str | None:
    """``invoices/{id}`` for a well-formed id, else ``None``."""
    return f"{INVOICES_PREFIX}{invoice_id}" if _INVOICE_ID.match(invoice_id) else None


async def load_case(
    cases: CaseSource, identity: StaffIdentity, invoice_id: str, language: str
) -> invoice_pb2.Invoice:
    """The invoice of a case page or API read, or ``case_not_found`` when the user may not
    see it (missing, malformed id or another creditor's) — the three are indistinguishable."""
    require_role(identity)
    name = invoice_name(invoice_id)
    if name is None:
        raise case_not_found()
    try:
        invoice = await cases.get_invoice(name, language)
    except UpstreamError as error:
        if error.rpc_error.code in _MISSING_CODES:
            raise case_not_found() from None
        raise
    if invoice.name != name or not may_see(identity, invoice):
        raise case_not_found()
    return invoice
