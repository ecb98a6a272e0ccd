"""Audit of staff reads of personal data (DESIGN §8): one structured log line per read.

The line names the actor (``staffUsers/{id}``), the resource read, the purpose
and the request id, and nothing about the debtor: no name, no identifier, no
search text. Storing audit records durably belongs to the access-control work;
until then the log line is the record.
"""

from __future__ import annotations

from enum import StrEnum

from ropo_platform.logging import get_logger, get_request_id

from ropo_gateway.auth.staff_identity import StaffIdentity

_log = get_logger("ropo_gateway.audit")


class Purpose(StrEnum):
    """Why the data was read."""

    #: A case page or the case API (invoice, ledger, timeline).
    CASE_VIEW = "case_view"
    #: A search whose results list debtor names.
    CASE_SEARCH = "case_search"


def record_case_view(identity: StaffIdentity, invoice: str, channel: str) -> None:
    """Log that ``identity`` read the case of ``invoice`` (``invoices/{id}``)."""
    _log.info(
        "staff_data_access",
        actor=identity.subject,
        resource=invoice,
        purpose=Purpose.CASE_VIEW.value,
        channel=channel,
        request_id=get_request_id(),
    )


def record_search(identity: StaffIdentity, result_count: int, channel: str) -> None:
    """Log that ``identity`` searched and saw ``result_count`` cases (the criteria are not
    logged: they may hold a debtor's name)."""
    _log.info(
        "staff_data_access",
        actor=identity.subject,
        resource="invoices",
        purpose=Purpose.CASE_SEARCH.value,
        channel=channel,
        result_count=result_count,
        request_id=get_request_id(),
    )
