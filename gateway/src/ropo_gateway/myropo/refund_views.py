"""What the *Ilmoita tilinumero* pages show: their paths, the forms' state and the link a
notice carries. Kept apart from the routes so that the front page and the invoice page
(``routes``) link to the wizard without importing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode

from ropo_gateway.clients.refunds import RefundCaseView, RefundState

REFUND_PATH: Final = "/tilinumero"
#: Query parameter of step 1 that pre-fills the case number (the notices' links).
CASE_NUMBER_PARAMETER: Final = "asia"


@dataclass(frozen=True, slots=True)
class RefundPaths:
    """The pages of one case (``{refund_case_id}`` is the only path parameter)."""

    account: str
    confirm: str
    receipt: str


def refund_paths(refund_case_id: str) -> RefundPaths:
    base = f"{REFUND_PATH}/{refund_case_id}"
    return RefundPaths(account=f"{base}/tili", confirm=f"{base}/vahvista", receipt=f"{base}/valmis")


def start_url(case_number: str) -> str:
    """Step 1 with the case number filled in."""
    return f"{REFUND_PATH}?{urlencode({CASE_NUMBER_PARAMETER: case_number})}"


def next_page(case: RefundCaseView) -> str:
    """Where a person continues with ``case``: the account form, the confirmation or, once
    the account is confirmed, the receipt."""
    paths = refund_paths(case.id)
    if case.confirmed:
        return paths.receipt
    if case.state is RefundState.ACCOUNT_SUBMITTED and case.account is not None:
        return paths.confirm
    return paths.account


@dataclass
class VerifyForm:
    """Step 1 as shown: the case number (typed or from ``?asia=``; the MyRopo ID is never
    shown back) and whether a try failed or the attempts ran out."""

    case_number: str = ""
    failed: bool = False
    locked: bool = False


@dataclass
class AccountForm:
    """Step 2 as shown: the values typed (kept after a refusal, the IBAN as typed), a text
    key per refused field and a fresh idempotency key."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    request_id: str = ""

    @classmethod
    def of(cls, case: RefundCaseView, request_id: str) -> AccountForm:
        """The form for ``case``: an account submitted but not confirmed is offered again
        (its BIC and holder; the IBAN is only known masked and must be typed again)."""
        values: dict[str, str] = {}
        if case.account is not None and not case.account.confirmed:
            values = {"bic": case.account.bic, "holder_name": case.account.holder_name}
        return cls(values=values, request_id=request_id)
