"""Ropo One's side of refund cases: list and read them, approve or reject, change the
account (audited), and print the letter again.

Roles come with each request (the gateway authenticated the staff user): approving
and rejecting need ``agent`` or ``supervisor``, changing an account ``supervisor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ropo_platform.errors import NotFound
from ropo_platform.logging import get_logger
from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_refund.domain.accounts import AccountDetails
from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.service_layer.common import (
    AGENT,
    SUPERVISOR,
    Dependencies,
    Mutation,
    require_role,
    run_idempotent,
    save_case,
)
from ropo_refund.service_layer.ports import (
    CaseCursor,
    CaseFilter,
    LetterContent,
    LetterRenderer,
)
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)

APPROVE = "ApproveRefund"
REJECT = "RejectRefund"
CHANGE_ACCOUNT = "ChangeRefundAccount"
CASE_NOT_FOUND = "REFUND_CASE_NOT_FOUND"
LANGUAGES = ("fi", "sv", "en")
_KEY_SEPARATOR = "|"
#: The letter's date is the day in Finland.
HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True, slots=True)
class ApproveRefund:
    mutation: Mutation
    case_id: str
    actor: str
    roles: tuple[str, ...]
    etag: str


@dataclass(frozen=True, slots=True)
class RejectRefund:
    mutation: Mutation
    case_id: str
    actor: str
    roles: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ChangeAccount:
    mutation: Mutation
    case_id: str
    actor: str
    roles: tuple[str, ...]
    account: AccountDetails
    reason: str


@dataclass(frozen=True, slots=True)
class ListCases:
    where: CaseFilter
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class CasePage:
    cases: tuple[RefundCase, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class Letter:
    content: bytes
    filename: str


class StaffDesk:
    """The staff use cases."""

    def __init__(self, deps: Dependencies, letters: LetterRenderer, portal_url: str) -> None:
        self._deps = deps
        self._letters = letters
        self._portal_url = portal_url

    async def approve(self, command: ApproveRefund) -> bytes:
        require_role(command.roles, (AGENT, SUPERVISOR))

        async def work(uow: AbstractUnitOfWork) -> bytes:
            case = await _existing(uow, command.case_id)
            expected = case.version
            case.approve(command.actor, command.etag, self._deps.clock())
            await save_case(uow, case, expected)
            return self._deps.responses.refund_case(APPROVE, case)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("refund_approved", refund_case=f"refundCases/{command.case_id}")
        return response

    async def reject(self, command: RejectRefund) -> bytes:
        require_role(command.roles, (AGENT, SUPERVISOR))

        async def work(uow: AbstractUnitOfWork) -> bytes:
            case = await _existing(uow, command.case_id)
            expected = case.version
            case.reject(command.actor, command.reason, self._deps.clock())
            await save_case(uow, case, expected)
            return self._deps.responses.refund_case(REJECT, case)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("refund_rejected", refund_case=f"refundCases/{command.case_id}")
        return response

    async def change_account(self, command: ChangeAccount) -> bytes:
        require_role(command.roles, (SUPERVISOR,))

        async def work(uow: AbstractUnitOfWork) -> bytes:
            case = await _existing(uow, command.case_id)
            expected = case.version
            case.change_account(
                self._deps.random.new_id(),
                command.account,
                command.actor,
                command.reason,
                self._deps.clock(),
            )
            await save_case(uow, case, expected)
            return self._deps.responses.refund_case(CHANGE_ACCOUNT, case)

        response = await run_idempotent(self._deps.uow, command.mutation, work)
        _log.info("refund_account_changed", refund_case=f"refundCases/{command.case_id}")
        return response

    # ------------------------------------------------------------------ reads

    async def get_case(self, case_id: str) -> RefundCase:
        async with self._deps.uow(read_only=True) as uow:
            return await _existing(uow, case_id)

    async def list_cases(self, query: ListCases) -> CasePage:
        limit = effective_page_size(query.page_size)
        where = query.where
        digest = query_digest(
            [",".join(sorted(state.value for state in where.states)), where.debtor_party,
             where.invoice]
        )  # fmt: skip
        last_key = decode_page_token(query.page_token, digest)
        after = _cursor(last_key) if last_key is not None else None
        async with self._deps.uow(read_only=True) as uow:
            found = await uow.cases.list(where, after, limit + 1)
        page = tuple(found[:limit])
        next_token = ""
        if len(found) > limit:
            last = page[-1]
            next_token = encode_page_token(_key(last.create_time, last.id), digest)
        return CasePage(page, next_token)

    async def letter(self, case_id: str, language: str = "") -> Letter:
        """The PDF letter in ``language`` (default the debtor's)."""
        case = await self.get_case(case_id)
        content = self._letters.render(
            LetterContent(
                case_number=case.case_number,
                myropo_id=case.myropo_id,
                recipient_name=case.debtor_display_name,
                origin=case.origin.value,
                refundable_amount=case.refundable_amount,
                handling_fee=case.handling_fee,
                payout_amount=case.payout_amount,
                opened_on=case.create_time.astimezone(HELSINKI).date(),
                portal_url=self._portal_url,
                language=language or case.language or "fi",
            )
        )
        return Letter(content, f"palautus-{case.case_number}.pdf")


async def _existing(uow: AbstractUnitOfWork, case_id: str) -> RefundCase:
    case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound(
            CASE_NOT_FOUND,
            "The refund case does not exist.",
            resource_type="ropo.refund.v1.RefundCase",
            resource_name=f"refundCases/{case_id}",
        )
    return case


def _key(create_time: datetime, case_id: str) -> str:
    return f"{create_time.isoformat()}{_KEY_SEPARATOR}{case_id}"


def _cursor(key: str) -> CaseCursor:
    created, _, case_id = key.partition(_KEY_SEPARATOR)
    try:
        return CaseCursor(datetime.fromisoformat(created), case_id)
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None
