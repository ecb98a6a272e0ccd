"""The refund case aggregate: money Ropo owes back, the account it goes to, and the
way there (docs/refunds.md)::

    AWAITING_ACCOUNT --submit--> ACCOUNT_SUBMITTED --submit again--> ACCOUNT_SUBMITTED
    ACCOUNT_SUBMITTED --confirm--> AWAITING_APPROVAL (names match) | MANUAL_REVIEW
    AWAITING_APPROVAL | MANUAL_REVIEW --approve--> APPROVED
    any open state but IN_PAYOUT --reject--> REJECTED (final)
    any open state but IN_PAYOUT --staff change account--> AWAITING_APPROVAL
    APPROVED --export--> IN_PAYOUT --bank paid--> PAID (final)
    IN_PAYOUT --bank rejected--> AWAITING_ACCOUNT (the account goes to the history)

An approval names the account it approved; a changed account clears it, so a payout
only ever goes to the account someone approved. The person or staff user who reported
an account by hand cannot approve it (four eyes). Every change bumps ``version``, and
the ``etag`` derived from it lets a caller prove it saw the current case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ropo_platform.errors import Aborted, FailedPrecondition, PermissionDenied
from ropo_platform.money import Money

from ropo_refund.domain.accounts import AccountDetails, mask_iban
from ropo_refund.domain.events import (
    DomainEvent,
    RefundAccountReported,
    RefundCaseOpened,
    RefundPaid,
)
from ropo_refund.domain.names import names_match

REFUND_CASES = "refundCases/"
STAFF_USERS = "staffUsers/"

# ErrorInfo reasons of refused transitions.
ACCOUNT_ALREADY_CONFIRMED = "REFUND_ACCOUNT_ALREADY_CONFIRMED"
ACCOUNT_NOT_SUBMITTED = "REFUND_ACCOUNT_NOT_SUBMITTED"
CASE_CHANGED = "REFUND_CASE_CHANGED"
CASE_CLOSED = "REFUND_CASE_CLOSED"
NOT_AWAITING_APPROVAL = "REFUND_NOT_AWAITING_APPROVAL"
IN_PAYOUT = "REFUND_IN_PAYOUT"
FOUR_EYES_REQUIRED = "REFUND_FOUR_EYES_REQUIRED"
NOT_APPROVED = "REFUND_NOT_APPROVED"


class RefundOrigin(StrEnum):
    OVERPAYMENT = "overpayment"
    UNCLEAR_PAYMENT = "unclear_payment"
    CREDIT_NOTE = "credit_note"


class RefundState(StrEnum):
    AWAITING_ACCOUNT = "awaiting_account"
    ACCOUNT_SUBMITTED = "account_submitted"
    MANUAL_REVIEW = "manual_review"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    IN_PAYOUT = "in_payout"
    PAID = "paid"
    REJECTED = "rejected"


FINAL_STATES = frozenset({RefundState.PAID, RefundState.REJECTED})
#: States in which the person's account is confirmed (by the person or by staff).
CONFIRMED_STATES = frozenset(
    {
        RefundState.MANUAL_REVIEW,
        RefundState.AWAITING_APPROVAL,
        RefundState.APPROVED,
        RefundState.IN_PAYOUT,
        RefundState.PAID,
    }
)
#: States staff may still reject or change the account in.
CHANGEABLE_STATES = frozenset(
    {
        RefundState.AWAITING_ACCOUNT,
        RefundState.ACCOUNT_SUBMITTED,
        RefundState.AWAITING_APPROVAL,
        RefundState.MANUAL_REVIEW,
        RefundState.APPROVED,
    }
)


def etag_of(case_id: str, version: int) -> str:
    """Opaque, changes with every version of the case."""
    return hashlib.sha256(f"{case_id}:{version}".encode()).hexdigest()[:24]


@dataclass(slots=True)
class RefundAccount:
    """One reported account; the IBAN in clear is needed for the payout file only."""

    id: str
    iban: str
    bic: str
    holder_name: str
    reporter: str
    report_time: datetime
    confirm_time: datetime | None = None
    replaced_by: str = ""
    replace_reason: str = ""
    replace_time: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirm_time is not None

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)

    @property
    def reported_by_staff(self) -> bool:
        return self.reporter.startswith(STAFF_USERS)


@dataclass(slots=True)
class NewCase:
    """What opening a case needs besides its generated codes."""

    origin: RefundOrigin
    source_key: str
    invoice: str
    payment: str
    debtor_party: str
    debtor_display_name: str
    language: str
    refundable_amount: Money


@dataclass(slots=True)
class RefundCase:
    id: str
    case_number: str
    myropo_id: str
    origin: RefundOrigin
    source_key: str
    invoice: str
    payment: str
    debtor_party: str
    debtor_display_name: str
    language: str
    refundable_amount: Money
    handling_fee: Money
    create_time: datetime
    update_time: datetime
    state: RefundState = RefundState.AWAITING_ACCOUNT
    account: RefundAccount | None = None
    previous_accounts: list[RefundAccount] = field(default_factory=list)
    approved_account_id: str = ""
    approver: str = ""
    approve_time: datetime | None = None
    payout_batch_id: str = ""
    status_message: str = ""
    failed_payout_count: int = 0
    paid_time: datetime | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        new: NewCase,
        *,
        case_id: str,
        case_number: str,
        myropo_id: str,
        handling_fee: Money,
        at: datetime,
    ) -> RefundCase:
        if not new.refundable_amount.is_positive():
            raise ValueError("a refund case needs a positive amount")
        case = cls(
            id=case_id,
            case_number=case_number,
            myropo_id=myropo_id,
            origin=new.origin,
            source_key=new.source_key,
            invoice=new.invoice,
            payment=new.payment,
            debtor_party=new.debtor_party,
            debtor_display_name=new.debtor_display_name,
            language=new.language,
            refundable_amount=new.refundable_amount,
            handling_fee=handling_fee,
            create_time=at,
            update_time=at,
        )
        case.events.append(
            RefundCaseOpened(
                refund_case_id=case_id,
                origin=new.origin.value,
                invoice=new.invoice,
                payment=new.payment,
                debtor_party=new.debtor_party,
                refundable_amount=new.refundable_amount,
                open_time=at,
            )
        )
        return case

    # ------------------------------------------------------------------ views

    @property
    def name(self) -> str:
        return f"{REFUND_CASES}{self.id}"

    @property
    def payout_amount(self) -> Money:
        return self.refundable_amount - self.handling_fee

    @property
    def etag(self) -> str:
        return etag_of(self.id, self.version)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def payable(self) -> bool:
        """Approved, not in a batch, and the approval is of the current account."""
        return (
            self.state is RefundState.APPROVED
            and not self.payout_batch_id
            and self.account is not None
            and self.approved_account_id == self.account.id
        )

    # ------------------------------------------------------------------ the person

    def submit_account(
        self, account_id: str, details: AccountDetails, reporter: str, at: datetime
    ) -> None:
        """Step 2: a new (unconfirmed) account; a submitted one is replaced."""
        if self.state is RefundState.REJECTED:
            raise FailedPrecondition(CASE_CLOSED, "The refund case is closed.")
        if self.state in CONFIRMED_STATES:
            raise FailedPrecondition(
                ACCOUNT_ALREADY_CONFIRMED, "An account for this refund is already confirmed."
            )
        if self.account is not None:
            self._retire_account(reporter, "", at)
        self.account = RefundAccount(
            id=account_id,
            iban=details.iban,
            bic=details.bic,
            holder_name=details.holder_name,
            reporter=reporter,
            report_time=at,
        )
        self.state = RefundState.ACCOUNT_SUBMITTED
        self._changed(at)

    def confirm_account(self, etag: str, at: datetime) -> None:
        """Step 3: the person confirms what step 2 showed (``etag``)."""
        if self.state is not RefundState.ACCOUNT_SUBMITTED:
            if self.state in CONFIRMED_STATES:
                raise FailedPrecondition(
                    ACCOUNT_ALREADY_CONFIRMED, "An account for this refund is already confirmed."
                )
            raise FailedPrecondition(
                ACCOUNT_NOT_SUBMITTED, "No account is waiting for confirmation."
            )
        self._require_etag(etag)
        account = self.account
        assert account is not None, "a submitted case has an account"
        account.confirm_time = at
        manual_review = not names_match(account.holder_name, self.debtor_display_name)
        self.state = RefundState.MANUAL_REVIEW if manual_review else RefundState.AWAITING_APPROVAL
        self.status_message = ""
        self._changed(at)
        self.events.append(
            RefundAccountReported(
                refund_case_id=self.id,
                invoice=self.invoice,
                reporter=account.reporter,
                manual_review=manual_review,
                report_time=at,
            )
        )

    # ------------------------------------------------------------------ staff

    def approve(self, actor: str, etag: str, at: datetime) -> None:
        if self.state not in (RefundState.AWAITING_APPROVAL, RefundState.MANUAL_REVIEW):
            raise FailedPrecondition(
                NOT_AWAITING_APPROVAL, "The refund is not waiting for approval."
            )
        self._require_etag(etag)
        account = self.account
        assert account is not None, "a confirmed case has an account"
        if account.reporter == actor:
            raise PermissionDenied(
                FOUR_EYES_REQUIRED, "Another staff user must approve an account you reported."
            )
        self.approved_account_id = account.id
        self.approver = actor
        self.approve_time = at
        self.state = RefundState.APPROVED
        self._changed(at)

    def reject(self, actor: str, reason: str, at: datetime) -> None:
        self._require_changeable()
        self._clear_approval()
        self.state = RefundState.REJECTED
        self.status_message = reason
        self._changed(at)

    def change_account(
        self, account_id: str, details: AccountDetails, actor: str, reason: str, at: datetime
    ) -> None:
        """Staff replace the account (audited); it counts as confirmed, needs approval."""
        self._require_changeable()
        if self.account is not None:
            self._retire_account(actor, reason, at)
        self.account = RefundAccount(
            id=account_id,
            iban=details.iban,
            bic=details.bic,
            holder_name=details.holder_name,
            reporter=actor,
            report_time=at,
            confirm_time=at,
        )
        self._clear_approval()
        self.state = RefundState.AWAITING_APPROVAL
        self.status_message = ""
        self._changed(at)
        self.events.append(
            RefundAccountReported(
                refund_case_id=self.id,
                invoice=self.invoice,
                reporter=actor,
                manual_review=False,
                report_time=at,
            )
        )

    # ------------------------------------------------------------------ payout

    def put_in_payout(self, batch_id: str, at: datetime) -> int:
        """Into batch ``batch_id``; returns the payout attempt (failed payouts so far)."""
        if not self.payable:
            raise FailedPrecondition(NOT_APPROVED, "The refund is not approved for payout.")
        self.payout_batch_id = batch_id
        self.state = RefundState.IN_PAYOUT
        self._changed(at)
        return self.failed_payout_count

    def in_payout_of(self, batch_id: str, attempt: int) -> bool:
        """True while this case waits for the bank's word on ``batch_id``'s ``attempt``."""
        return (
            self.state is RefundState.IN_PAYOUT
            and self.payout_batch_id == batch_id
            and self.failed_payout_count == attempt
        )

    def mark_paid(self, at: datetime) -> None:
        if self.state is not RefundState.IN_PAYOUT:
            raise FailedPrecondition(NOT_APPROVED, "The refund is not in a payout.")
        self.state = RefundState.PAID
        self.paid_time = at
        self._changed(at)
        self.events.append(
            RefundPaid(
                refund_case_id=self.id,
                invoice=self.invoice,
                payout_batch_id=self.payout_batch_id,
                amount=self.payout_amount,
                paid_time=at,
            )
        )

    def mark_payout_failed(self, message: str, at: datetime) -> None:
        """The bank rejected the transfer: ask the person for an account again."""
        if self.state is not RefundState.IN_PAYOUT:
            raise FailedPrecondition(NOT_APPROVED, "The refund is not in a payout.")
        self._retire_account("", message, at)
        self._clear_approval()
        self.payout_batch_id = ""
        self.failed_payout_count += 1
        self.status_message = message
        self.state = RefundState.AWAITING_ACCOUNT
        self._changed(at)

    # ------------------------------------------------------------------ helpers

    def pull_events(self) -> list[DomainEvent]:
        """The events recorded since the last call (for the outbox)."""
        events, self.events = self.events, []
        return events

    def _require_etag(self, etag: str) -> None:
        if etag != self.etag:
            raise Aborted(CASE_CHANGED, "The refund case changed; reload it and try again.")

    def _require_changeable(self) -> None:
        if self.state is RefundState.IN_PAYOUT:
            raise FailedPrecondition(IN_PAYOUT, "The refund is in a payout batch.")
        if self.state in FINAL_STATES:
            raise FailedPrecondition(CASE_CLOSED, "The refund case is closed.")

    def _retire_account(self, replaced_by: str, reason: str, at: datetime) -> None:
        account = self.account
        assert account is not None
        account.replaced_by = replaced_by
        account.replace_reason = reason
        account.replace_time = at
        self.previous_accounts.append(account)
        self.account = None

    def _clear_approval(self) -> None:
        self.approved_account_id = ""
        self.approver = ""
        self.approve_time = None

    def _changed(self, at: datetime) -> None:
        self.version += 1
        self.update_time = at
