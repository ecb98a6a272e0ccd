"""*Ilmoita tilinumero* for a MyRopo person: the three steps and the notices that lead to them.

The refund service keeps the rules: step 1 (``VerifyRefundCase``) proves the person holds
the letter, and only that person, for a while, may read the case and continue
(``GetRefundCase``/``SubmitRefundAccount``/``ConfirmRefundAccount`` with the session's
subject). The gateway reads the case with the subject before anything else on every
``{refund_case_id}`` route: a case the person did not verify — someone else's, a missing
one, a malformed id — is the one ``refund_not_found()`` after exactly one audit record
(the mechanism of someone else's payment: ``InvoiceAccessPolicy.record_denial``).

Refusals become ``RefundProblem`` (a text key and an HTTP status) or, for the account
form, ``AccountRejected`` (a text key per field); the wizard's pages show them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final, Protocol

import grpc
from ropo_platform.logging import get_logger

from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.refunds import (
    REFUND_CASES_PREFIX,
    AccountInput,
    RefundCasePage,
    RefundCaseView,
    RefundState,
)
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.access import MALFORMED_ID, InvoiceAccessPolicy

_log = get_logger("ropo_gateway.refunds")

#: The audit record's resource for an id that cannot name a refund case.
MALFORMED_REFUND_CASE: Final = "refundCases/-"
#: The service's ids are UUID4 strings.
_REFUND_CASE_ID: Final = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
#: What a case number may look like when typed or carried in ``?asia=`` (digits, spaces and
#: dashes); anything else is not shown back.
_TYPED_CASE_NUMBER: Final = re.compile(r"^[0-9][0-9 -]{0,23}$")
#: Longest value sent on from a wizard field: the service's own limits are far below.
MAX_FIELD_LENGTH: Final = 200
#: Notices on the front page: a person has a handful of refunds at most.
MAX_NOTICES: Final = 20

REFUND_CASE_NOT_FOUND: Final = "REFUND_CASE_NOT_FOUND"
REFUND_VERIFICATION_LOCKED: Final = "REFUND_VERIFICATION_LOCKED"
REFUND_CASE_CHANGED: Final = "REFUND_CASE_CHANGED"
REFUND_ACCOUNT_ALREADY_CONFIRMED: Final = "REFUND_ACCOUNT_ALREADY_CONFIRMED"
REFUND_ACCOUNT_NOT_SUBMITTED: Final = "REFUND_ACCOUNT_NOT_SUBMITTED"
#: The account form's fields, in the order the page shows them.
ACCOUNT_FIELDS: Final = ("iban", "bic", "holder_name")
IBAN_PROBLEMS: Final = frozenset({"missing", "format", "length", "checksum", "not_sepa"})
# When an older refund service sends no `iban_problem`: recognise its English descriptions.
_IBAN_SENTENCES: Final = (
    ("enter the iban", "missing"),
    ("two-letter country code", "format"),
    ("characters", "length"),
    ("check digits", "checksum"),
    ("sepa", "not_sepa"),
)


class RefundSource(Protocol):
    """The refund service as MyRopo uses it (``RefundClient``)."""

    async def verify_refund_case(
        self, request_id: str, subject: str, case_number: str, myropo_id: str
    ) -> RefundCaseView: ...

    async def submit_refund_account(
        self, request_id: str, refund_case: str, subject: str, account: AccountInput
    ) -> RefundCaseView: ...

    async def confirm_refund_account(
        self, request_id: str, refund_case: str, subject: str, etag: str
    ) -> RefundCaseView: ...

    async def get_refund_case(self, name: str, subject: str = "") -> RefundCaseView: ...

    async def list_refund_cases(
        self,
        *,
        states: Sequence[RefundState] = (),
        debtor_party: str = "",
        invoice: str = "",
        page_size: int = ...,
        page_token: str = "",
    ) -> RefundCasePage: ...


def refund_not_found() -> ApiError:
    """The one answer for a case that does not exist and for one the person did not verify."""
    return ApiError(
        HTTPStatus.NOT_FOUND,
        REFUND_CASE_NOT_FOUND,
        "Refund case not found.",
        page="refund_not_found",
    )


class RefundProblem(Exception):
    """Why a step did not go through: ``key`` names the text (``refund.<key>``), ``status``
    the HTTP status, ``reason`` the AIP-193 reason."""

    def __init__(
        self, key: str, status: int, reason: str, retry_after_seconds: int | None = None
    ) -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


def verification_failed() -> RefundProblem:
    return RefundProblem("not_found", HTTPStatus.NOT_FOUND, REFUND_CASE_NOT_FOUND)


@dataclass
class AccountRejected(Exception):
    """The account was refused field by field: field → text key (``refund.error.*``)."""

    errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__("account rejected")


def is_refund_case_id(value: str) -> bool:
    """True when ``value`` has the shape of a refund case id (checked before any call)."""
    return bool(_REFUND_CASE_ID.match(value))


def typed_case_number(value: str | None) -> str:
    """A case number to show back in the form ('' for anything that is not one)."""
    text = " ".join((value or "").split())
    return text if _TYPED_CASE_NUMBER.match(text) else ""


def idempotency_key(submitted: str | None) -> str:
    """The form's key when it is a UUID (a double submission acts once), else a new one."""
    try:
        return str(uuid.UUID(submitted or ""))
    except ValueError:
        return new_request_id()


def _bounded(value: str | None) -> str:
    return (value or "").strip()[:MAX_FIELD_LENGTH]


def iban_problem(error: UpstreamError) -> str:
    """``missing``, ``format``, ``length``, ``checksum``, ``not_sepa`` or ``invalid``."""
    info = error.rpc_error.error_info
    problem = info.metadata.get("iban_problem", "") if info is not None else ""
    if problem in IBAN_PROBLEMS:
        return problem
    for violation in error.rpc_error.field_violations:
        if violation.field != "iban":
            continue
        if violation.reason.lower() in IBAN_PROBLEMS:
            return violation.reason.lower()
        text = violation.description.lower()
        for sentence, found in _IBAN_SENTENCES:
            if sentence in text:
                return found
    return "invalid"


def account_errors(error: UpstreamError) -> dict[str, str]:
    """Field → text key of a refused account ('' key ``form`` when no field was named)."""
    errors: dict[str, str] = {}
    for violation in error.rpc_error.field_violations:
        name = violation.field
        if name == "iban":
            errors["iban"] = f"refund.error.iban.{iban_problem(error)}"
        elif name in ("bic", "holder_name"):
            errors[name] = f"refund.error.{name}"
    return errors or {"form": "refund.error.form"}


def _code(error: UpstreamError) -> grpc.StatusCode:
    return error.rpc_error.code


class RefundWizard:
    """The three steps on behalf of one person (``subject`` = ``persons/{key}``)."""

    def __init__(self, source: RefundSource, policy: InvoiceAccessPolicy) -> None:
        self._source = source
        self._policy = policy

    async def verify(self, subject: str, case_number: str, myropo_id: str) -> RefundCaseView:
        """Step 1 with a fresh idempotency key: the case, or ``RefundProblem`` ``not_found``
        (every kind of miss alike) or ``locked`` (429)."""
        try:
            return await self._source.verify_refund_case(
                new_request_id(), subject, _bounded(case_number), _bounded(myropo_id)
            )
        except UpstreamError as error:
            code = _code(error)
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                seconds = error.rpc_error.retry_after_seconds
                raise RefundProblem(
                    "locked",
                    HTTPStatus.TOO_MANY_REQUESTS,
                    REFUND_VERIFICATION_LOCKED,
                    max(1, int(seconds)) if seconds else None,
                ) from None
            # Malformed input answers like a miss: nothing tells which part was wrong.
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise verification_failed() from None
            raise

    async def case_of(self, subject: str, refund_case_id: str) -> RefundCaseView:
        """The case when ``subject`` verified it recently; otherwise, after one audit record,
        the one ``refund_not_found()``."""
        if not is_refund_case_id(refund_case_id):
            raise await self._refuse(subject, MALFORMED_REFUND_CASE, MALFORMED_ID)
        name = f"{REFUND_CASES_PREFIX}{refund_case_id}"
        try:
            return await self._source.get_refund_case(name, subject)
        except UpstreamError as error:
            if _code(error) in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise await self._refuse(subject, name, REFUND_CASE_NOT_FOUND) from None
            raise

    async def submit(
        self, subject: str, case: RefundCaseView, account: AccountInput, request_id: str
    ) -> RefundCaseView:
        """Step 2: the case with the submitted (masked) account and the etag to confirm."""
        bounded = AccountInput(
            iban=_bounded(account.iban),
            bic=_bounded(account.bic),
            holder_name=_bounded(account.holder_name),
        )
        try:
            return await self._source.submit_refund_account(request_id, case.name, subject, bounded)
        except UpstreamError as error:
            raise await self._problem(subject, case, error) from None

    async def confirm(
        self, subject: str, case: RefundCaseView, etag: str, request_id: str
    ) -> RefundCaseView:
        """Step 3: the case with the confirmed account."""
        try:
            return await self._source.confirm_refund_account(
                request_id, case.name, subject, _bounded(etag)
            )
        except UpstreamError as error:
            raise await self._problem(subject, case, error) from None

    async def _problem(self, subject: str, case: RefundCaseView, error: UpstreamError) -> Exception:
        code, reason = _code(error), error.rpc_error.reason or ""
        if code == grpc.StatusCode.NOT_FOUND:
            # The verification ran out between reading the case and acting on it.
            return await self._refuse(subject, case.name, REFUND_CASE_NOT_FOUND)
        if code == grpc.StatusCode.INVALID_ARGUMENT and error.rpc_error.field_violations:
            return AccountRejected(account_errors(error))
        if code == grpc.StatusCode.ABORTED:
            return RefundProblem("changed", HTTPStatus.CONFLICT, reason or REFUND_CASE_CHANGED)
        if code == grpc.StatusCode.FAILED_PRECONDITION:
            if reason == REFUND_ACCOUNT_NOT_SUBMITTED:
                return RefundProblem("not_submitted", HTTPStatus.CONFLICT, reason)
            return RefundProblem(
                "already_confirmed", HTTPStatus.CONFLICT, reason or REFUND_ACCOUNT_ALREADY_CONFIRMED
            )
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            return AccountRejected({"form": "refund.error.form"})
        return error

    async def _refuse(self, subject: str, resource: str, reason: str) -> ApiError:
        await self._policy.record_denial(subject, resource, reason)
        return refund_not_found()


async def awaiting_refunds(source: RefundSource, subject: str) -> list[RefundCaseView]:
    """The person's own cases waiting for an account (front page notices); nothing when the
    refund service cannot answer — the front page works without it."""
    try:
        page = await source.list_refund_cases(
            states=(RefundState.AWAITING_ACCOUNT,), debtor_party=subject, page_size=MAX_NOTICES
        )
    except UpstreamError as error:
        _log.warning("refund_notices_unavailable", code=error.rpc_error.code.name)
        return []
    return [case for case in page.cases if case.state is RefundState.AWAITING_ACCOUNT]


async def invoice_refunds(source: RefundSource, invoice: str) -> list[RefundCaseView]:
    """The cases of ``invoice`` waiting for an account (the invoice page's notice); nothing
    when the refund service cannot answer."""
    try:
        page = await source.list_refund_cases(
            states=(RefundState.AWAITING_ACCOUNT,), invoice=invoice, page_size=MAX_NOTICES
        )
    except UpstreamError as error:
        _log.warning("refund_notices_unavailable", code=error.rpc_error.code.name)
        return []
    return [
        case
        for case in page.cases
        if case.state is RefundState.AWAITING_ACCOUNT and case.invoice == invoice
    ]
