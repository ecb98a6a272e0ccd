"""Validation of RefundService requests: every problem of a request reported at once, as
``INVALID_ARGUMENT`` with ``BadRequest`` field violations. Descriptions say what is
expected and never echo the value (an IBAN or a mistyped subject could be personal).

Step 1's case number and MyRopo ID are not checked here: a malformed one must get the
same answer as a wrong one (``NOT_FOUND``), and it counts as a failed attempt.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from google.protobuf.message import Message
from google.type import date_pb2
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo_platform.db.request_log import request_fingerprint
from ropo_platform.errors import Violations
from ropo_platform.pseudonym import key_of_person_party

from ropo_refund.domain.accounts import AccountDetails, check_account
from ropo_refund.entrypoints.proto_mapping import STATES_FROM_PROTO
from ropo_refund.service_layer.common import Mutation
from ropo_refund.service_layer.payouts import ExportBatch, ImportStatus
from ropo_refund.service_layer.ports import CaseFilter
from ropo_refund.service_layer.staff import ApproveRefund, ChangeAccount, ListCases, RejectRefund
from ropo_refund.service_layer.wizard import ConfirmAccount, SubmitAccount, VerifyCase

REFUND_CASES = "refundCases/"
PAYOUT_BATCHES = "payoutBatches/"
MAX_TYPED = 64
MAX_REASON = 300
MAX_ETAG = 64
MAX_STATUS_REPORT_BYTES = 10 * 1024 * 1024
LANGUAGES = frozenset({"fi", "sv", "en"})
_STAFF_USER = re.compile(r"^staffUsers/[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
_PARTY = re.compile(r"^(persons/[a-z2-7]{32}|organizations/[0-9]{7}-[0-9])$")
_INVOICE = re.compile(r"^invoices/[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$")


def _mutation(violations: Violations, method: str, request: Message, request_id: str) -> Mutation:
    if not request_id:
        violations.add("request_id", "is required")
    else:
        try:
            valid = uuid.UUID(request_id).version == 4 and len(request_id) == 36
        except ValueError:
            valid = False
        if not valid:
            violations.add("request_id", "must be a UUID4")
    return Mutation(method, request_id.lower(), request_fingerprint(request))


def _subject(violations: Violations, value: str, field: str = "subject") -> None:
    if not value:
        violations.add(field, "is required: the strongly identified person, persons/{key}")
        return
    try:
        key_of_person_party(value)
    except ValueError:
        violations.add(field, "must be persons/{key} (strong identification)")


def _actor(violations: Violations, value: str) -> None:
    if not _STAFF_USER.match(value):
        violations.add("actor", "must be staffUsers/{user}")


def _resource_id(violations: Violations, name: str, prefix: str, field: str) -> str:
    """The UUID of ``{prefix}{id}``; a violation on ``field`` otherwise."""
    if not name:
        violations.add(field, "is required")
        return ""
    resource_id = name.removeprefix(prefix)
    try:
        valid = resource_id != name and str(uuid.UUID(resource_id)) == resource_id
    except ValueError:
        valid = False
    if not valid:
        violations.add(field, f"must be {prefix}{{id}}")
        return ""
    return resource_id


def case_id(violations: Violations, name: str, field: str) -> str:
    return _resource_id(violations, name, REFUND_CASES, field)


def _reason(violations: Violations, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        violations.add("reason", "is required")
    elif len(text) > MAX_REASON:
        violations.add("reason", f"must be at most {MAX_REASON} characters")
    return text


# ------------------------------------------------------------------ the wizard


def verify_request(request: pb.VerifyRefundCaseRequest) -> VerifyCase:
    violations = Violations()
    mutation = _mutation(violations, "VerifyRefundCase", request, request.request_id)
    _subject(violations, request.subject)
    violations.raise_if_any()
    return VerifyCase(
        mutation,
        request.subject,
        request.case_number[:MAX_TYPED],
        request.myropo_id[:MAX_TYPED],
    )


def _account(violations: Violations, iban: str, bic: str, holder_name: str) -> AccountDetails:
    # Request-level problems first: the account's own answer carries its own reason.
    violations.raise_if_any()
    return check_account(iban, bic, holder_name)


def submit_request(request: pb.SubmitRefundAccountRequest) -> SubmitAccount:
    violations = Violations()
    mutation = _mutation(violations, "SubmitRefundAccount", request, request.request_id)
    refund_case = case_id(violations, request.refund_case, "refund_case")
    _subject(violations, request.subject)
    account = _account(violations, request.iban, request.bic, request.holder_name)
    return SubmitAccount(mutation, refund_case, request.subject, account)


def confirm_request(request: pb.ConfirmRefundAccountRequest) -> ConfirmAccount:
    violations = Violations()
    mutation = _mutation(violations, "ConfirmRefundAccount", request, request.request_id)
    refund_case = case_id(violations, request.refund_case, "refund_case")
    _subject(violations, request.subject)
    if not request.etag:
        violations.add("etag", "is required: the etag SubmitRefundAccount returned")
    elif len(request.etag) > MAX_ETAG:
        violations.add("etag", f"must be at most {MAX_ETAG} characters")
    violations.raise_if_any()
    return ConfirmAccount(mutation, refund_case, request.subject, request.etag)


def get_case_request(request: pb.GetRefundCaseRequest) -> tuple[str, str]:
    """``(case id, subject)``; the subject is empty for staff callers."""
    violations = Violations()
    refund_case = case_id(violations, request.name, "name")
    if request.subject:
        _subject(violations, request.subject)
    violations.raise_if_any()
    return refund_case, request.subject


# ------------------------------------------------------------------ staff


def approve_request(request: pb.ApproveRefundRequest) -> ApproveRefund:
    violations = Violations()
    mutation = _mutation(violations, "ApproveRefund", request, request.request_id)
    refund_case = case_id(violations, request.name, "name")
    _actor(violations, request.actor)
    if not request.etag:
        violations.add("etag", "is required: the etag of the case the approver saw")
    elif len(request.etag) > MAX_ETAG:
        violations.add("etag", f"must be at most {MAX_ETAG} characters")
    violations.raise_if_any()
    return ApproveRefund(
        mutation, refund_case, request.actor, tuple(request.actor_roles), request.etag
    )


def reject_request(request: pb.RejectRefundRequest) -> RejectRefund:
    violations = Violations()
    mutation = _mutation(violations, "RejectRefund", request, request.request_id)
    refund_case = case_id(violations, request.name, "name")
    _actor(violations, request.actor)
    reason = _reason(violations, request.reason)
    violations.raise_if_any()
    return RejectRefund(mutation, refund_case, request.actor, tuple(request.actor_roles), reason)


def change_account_request(request: pb.ChangeRefundAccountRequest) -> ChangeAccount:
    violations = Violations()
    mutation = _mutation(violations, "ChangeRefundAccount", request, request.request_id)
    refund_case = case_id(violations, request.name, "name")
    _actor(violations, request.actor)
    reason = _reason(violations, request.reason)
    account = _account(violations, request.iban, request.bic, request.holder_name)
    return ChangeAccount(
        mutation, refund_case, request.actor, tuple(request.actor_roles), account, reason
    )


def list_cases_request(request: pb.ListRefundCasesRequest) -> ListCases:
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    states = set()
    for index, state in enumerate(request.states):
        found = STATES_FROM_PROTO.get(state)
        if found is None:
            violations.add(f"states[{index}]", "must be a RefundCase.State other than UNSPECIFIED")
        else:
            states.add(found)
    if request.debtor_party and not _PARTY.match(request.debtor_party):
        violations.add("debtor_party", "must be persons/{key} or organizations/{business_id}")
    if request.invoice and not _INVOICE.match(request.invoice):
        violations.add("invoice", "must be invoices/{invoice}")
    violations.raise_if_any()
    return ListCases(
        CaseFilter(frozenset(states), request.debtor_party, request.invoice),
        request.page_size,
        request.page_token,
    )


def letter_request(request: pb.GetRefundLetterRequest) -> tuple[str, str]:
    violations = Violations()
    refund_case = case_id(violations, request.refund_case, "refund_case")
    if request.language_code and request.language_code not in LANGUAGES:
        violations.add("language_code", "must be fi, sv or en")
    violations.raise_if_any()
    return refund_case, request.language_code


# ------------------------------------------------------------------ payouts


def _date(violations: Violations, value: date_pb2.Date, field: str) -> date | None:
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        violations.add(field, "must be a whole calendar date")
        return None


def export_request(request: pb.ExportPayoutBatchRequest) -> ExportBatch:
    violations = Violations()
    mutation = _mutation(violations, "ExportPayoutBatch", request, request.request_id)
    _actor(violations, request.actor)
    execution_date = None
    if request.HasField("execution_date"):
        execution_date = _date(violations, request.execution_date, "execution_date")
    violations.raise_if_any()
    return ExportBatch(mutation, request.actor, tuple(request.actor_roles), execution_date)


def import_request(request: pb.ImportPayoutStatusRequest) -> ImportStatus:
    violations = Violations()
    mutation = _mutation(violations, "ImportPayoutStatus", request, request.request_id)
    _actor(violations, request.actor)
    if not request.content:
        violations.add("content", "is required: the bank's pain.002 status report")
    elif len(request.content) > MAX_STATUS_REPORT_BYTES:
        violations.add("content", "must be at most 10 MB")
    violations.raise_if_any()
    return ImportStatus(mutation, request.actor, tuple(request.actor_roles), request.content)


def batch_id(name: str) -> str:
    violations = Violations()
    found = _resource_id(violations, name, PAYOUT_BATCHES, "name")
    violations.raise_if_any()
    return found
