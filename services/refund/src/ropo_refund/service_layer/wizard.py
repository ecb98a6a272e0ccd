"""The person's wizard, *Ilmoita tilinumero* 1/3 … 3/3.

1. ``verify``: case number + MyRopo ID from the letter, by a strongly identified person
   (``persons/{key}``). Every failure is the same ``NOT_FOUND``; failures are counted
   (``VerificationPolicy``) and beyond the limit every attempt is ``RESOURCE_EXHAUSTED``
   whether the case exists or not.
2. ``submit``: an account for a case the same person verified recently.
3. ``confirm``: the person confirms exactly what step 2 showed (its etag).

A case the person has not verified answers like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ropo_platform.errors import Aborted
from ropo_platform.logging import get_logger

from ropo_refund.domain.accounts import AccountDetails
from ropo_refund.domain.identifiers import (
    myropo_id_matches,
    normalise_case_number,
    parse_case_number,
    parse_myropo_id,
)
from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.domain.verification import (
    VerificationPolicy,
    case_not_found,
    case_number_key,
    locked,
    retry_after,
)
from ropo_refund.service_layer.common import (
    REQUEST_IN_PROGRESS,
    Dependencies,
    Mutation,
    run_idempotent,
    save_case,
)
from ropo_refund.service_layer.ports import Conflict
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)

VERIFY = "VerifyRefundCase"
SUBMIT = "SubmitRefundAccount"
CONFIRM = "ConfirmRefundAccount"
#: Compared against when the typed MyRopo ID is malformed, so that path costs the same.
_NO_ID = "000000000000"


@dataclass(frozen=True, slots=True)
class VerifyCase:
    mutation: Mutation
    subject: str
    case_number: str
    myropo_id: str


@dataclass(frozen=True, slots=True)
class SubmitAccount:
    mutation: Mutation
    case_id: str
    subject: str
    account: AccountDetails


@dataclass(frozen=True, slots=True)
class ConfirmAccount:
    mutation: Mutation
    case_id: str
    subject: str
    etag: str


class Wizard:
    """The three steps and the person's view of a case."""

    def __init__(self, deps: Dependencies, policy: VerificationPolicy | None = None) -> None:
        self._deps = deps
        self._policy = policy or VerificationPolicy()

    # ------------------------------------------------------------------ step 1

    async def verify(self, command: VerifyCase) -> bytes:
        mutation = command.mutation
        now = self._deps.clock()
        key = case_number_key(normalise_case_number(command.case_number))
        async with self._deps.uow() as uow:
            stored = await uow.requests.find(
                mutation.method, mutation.request_id, mutation.fingerprint
            )
            if stored is not None:
                return stored
            await uow.verifications.serialise(command.subject, key)
            await self._check_limits(uow, command.subject, key, now)
            case = await self._match(uow, command)
            if case is None:
                await uow.verifications.record_failure(command.subject, key, now)
                await uow.commit()
                _log.info("refund_verification_failed")
                raise case_not_found()
            await uow.verifications.record_success(case.id, command.subject, now)
            response = self._deps.responses.refund_case(VERIFY, case)
            try:
                await uow.requests.record(
                    mutation.method, mutation.request_id, mutation.fingerprint, response
                )
            except Conflict:
                raise Aborted(REQUEST_IN_PROGRESS, "The same request is being processed.") from None
            await uow.commit()
        _log.info("refund_case_verified", refund_case=case.name)
        return response

    async def _check_limits(
        self, uow: AbstractUnitOfWork, subject: str, key: str, now: datetime
    ) -> None:
        by_subject = self._policy.per_subject
        by_case = self._policy.per_case_number
        waits = [
            retry_after(
                by_subject,
                await uow.verifications.failures_of_subject(subject, now - by_subject.window),
                now,
            ),
            retry_after(
                by_case,
                await uow.verifications.failures_of_case_number(key, now - by_case.window),
                now,
            ),
        ]
        longest = max((wait for wait in waits if wait is not None), default=None)
        if longest is not None:
            _log.warning("refund_verification_locked")
            raise locked(longest)

    async def _match(self, uow: AbstractUnitOfWork, command: VerifyCase) -> RefundCase | None:
        case_number = parse_case_number(command.case_number)
        given = parse_myropo_id(command.myropo_id)
        case = await uow.cases.get_by_case_number(case_number) if case_number else None
        stored = case.myropo_id if case is not None else _NO_ID
        matches = myropo_id_matches(stored, given or _NO_ID) and given is not None
        if case is None or not matches or case.is_final:
            return None
        return case

    # ------------------------------------------------------------------ steps 2 and 3

    async def submit(self, command: SubmitAccount) -> bytes:
        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            case = await self._verified_case(uow, command.case_id, command.subject, now)
            expected = case.version
            case.submit_account(self._deps.random.new_id(), command.account, command.subject, now)
            await save_case(uow, case, expected)
            return self._deps.responses.refund_case(SUBMIT, case)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("refund_account_submitted", refund_case=f"refundCases/{command.case_id}")
        return response

    async def confirm(self, command: ConfirmAccount) -> bytes:
        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            case = await self._verified_case(uow, command.case_id, command.subject, now)
            expected = case.version
            case.confirm_account(command.etag, now)
            await save_case(uow, case, expected)
            return self._deps.responses.refund_case(CONFIRM, case)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("refund_account_confirmed", refund_case=f"refundCases/{command.case_id}")
        return response

    # ------------------------------------------------------------------ the person's view

    async def get_case(self, case_id: str, subject: str) -> RefundCase:
        """The case, for a person who verified it recently; ``NOT_FOUND`` otherwise."""
        async with self._deps.uow(read_only=True) as uow:
            return await self._verified_case(uow, case_id, subject, self._deps.clock())

    async def _verified_case(
        self, uow: AbstractUnitOfWork, case_id: str, subject: str, now: datetime
    ) -> RefundCase:
        since = now - self._policy.valid_for
        case = await uow.cases.get(case_id)
        if case is None or not await uow.verifications.verified_since(case_id, subject, since):
            raise case_not_found()
        return case


def verification_policy(valid_seconds: int) -> VerificationPolicy:
    """The default limits with the configured validity of a verification."""
    return VerificationPolicy(valid_for=timedelta(seconds=valid_seconds))


__all__ = [
    "CONFIRM",
    "SUBMIT",
    "VERIFY",
    "ConfirmAccount",
    "SubmitAccount",
    "VerifyCase",
    "Wizard",
    "verification_policy",
]
