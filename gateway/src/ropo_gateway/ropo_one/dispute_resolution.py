"""Checking an agent's decision on a dispute before it goes to the invoice service.

Shared by the resolve form and its JSON twin, so both refuse the same input with the same
problems: an outcome from the three offered, an amount only for a partial acceptance
(more than zero and at most what was disputed — the open amount when the whole invoice
was), and a message to the customer (required, at most 4000 characters, and never a
henkilötunnus: it becomes a letter in the customer's message centre). The service checks
everything again; its refusals are mapped back onto the same fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final

import grpc
from ropo_platform.money import InvalidMoney, Money
from ropo_platform.redaction import contains_hetu

from ropo_gateway.clients.disputes import DisputeOutcome, DisputeView
from ropo_gateway.errors import UpstreamError

MAX_MESSAGE_LENGTH: Final = 4000
MAX_AMOUNT_TEXT: Final = 20
#: ``12,50``, ``1 234,50 €``, ``12.50``: digits with an optional decimal part of 1–2 digits.
_AMOUNT: Final = re.compile(r"^[0-9]+(?:[.,][0-9]{1,2})?$")
#: Form fields in the order the page lists their problems.
FIELDS: Final = ("outcome", "credited_amount", "message")


@dataclass(frozen=True, slots=True)
class Problem:
    """A refused field and why (``one.dispute.problem.<field>.<code>``)."""

    field: str
    code: str

    @property
    def key(self) -> str:
        return f"one.dispute.problem.{self.field}.{self.code}"


@dataclass(frozen=True, slots=True)
class ResolutionInput:
    """The decision as typed."""

    outcome: str = ""
    credited_amount: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision that passed the checks."""

    outcome: DisputeOutcome
    credited_amount: Money | None
    message: str


@dataclass
class ResolutionRefused(Exception):
    """Why the decision was not sent (or the service refused it)."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(", ".join(problem.key for problem in self.problems))


def parse_euros(text: str, currency: str) -> Money:
    """An amount as a person types it (``1 234,50 €``); ``ValueError`` otherwise."""
    cleaned = "".join(text.replace("€", "").split())
    if not cleaned or len(cleaned) > MAX_AMOUNT_TEXT or not _AMOUNT.match(cleaned):
        raise ValueError("not an amount")
    try:
        return Money(Decimal(cleaned.replace(",", ".")), currency)
    except (InvalidOperation, InvalidMoney):
        raise ValueError("not an amount") from None


def amount_limit(dispute: DisputeView, open_amount: Money) -> Money:
    """The most a partial acceptance may credit: the disputed amount, or the open amount when
    the whole invoice is disputed."""
    return dispute.disputed_amount if dispute.disputed_amount is not None else open_amount


def _outcome(raw: str, problems: list[Problem]) -> DisputeOutcome | None:
    text = raw.strip().upper()
    if not text:
        problems.append(Problem("outcome", "required"))
        return None
    outcome = DisputeOutcome.__members__.get(text)
    if outcome is None:
        problems.append(Problem("outcome", "invalid"))
    return outcome


def _amount(raw: str, limit: Money, problems: list[Problem]) -> Money | None:
    if not raw.strip():
        problems.append(Problem("credited_amount", "required"))
        return None
    try:
        amount = parse_euros(raw, limit.currency)
    except ValueError:
        problems.append(Problem("credited_amount", "invalid"))
        return None
    if not amount.is_positive():
        problems.append(Problem("credited_amount", "not_positive"))
    elif amount > limit:
        problems.append(Problem("credited_amount", "too_large"))
    return amount


def _message(raw: str, problems: list[Problem]) -> str:
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        problems.append(Problem("message", "required"))
    elif len(text) > MAX_MESSAGE_LENGTH:
        problems.append(Problem("message", "too_long"))
    elif contains_hetu(text):
        problems.append(Problem("message", "identity_code"))
    return text


def check_decision(typed: ResolutionInput, dispute: DisputeView, open_amount: Money) -> Decision:
    """The decision to send, or ``ResolutionRefused`` with every problem at once."""
    problems: list[Problem] = []
    if not dispute.open:
        raise ResolutionRefused([Problem("form", "not_open")])
    outcome = _outcome(typed.outcome, problems)
    amount = None
    if outcome is DisputeOutcome.PARTIALLY_ACCEPTED:
        amount = _amount(typed.credited_amount, amount_limit(dispute, open_amount), problems)
    message = _message(typed.message, problems)
    if problems or outcome is None:
        raise ResolutionRefused(problems)
    return Decision(outcome, amount, message)


_SERVICE_FIELDS: Final = {"credited_amount": "credited_amount", "message": "message"}


def service_refusal(error: UpstreamError) -> ResolutionRefused | None:
    """The problems of a decision the invoice service refused; ``None`` when the error is not
    about the decision (it is then shown as an error page)."""
    code = error.rpc_error.code
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return ResolutionRefused([Problem("form", "not_open")])
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        problems = [
            Problem(_SERVICE_FIELDS[name], "rejected")
            for name in dict.fromkeys(
                violation.field.split(".", 1)[0] for violation in error.rpc_error.field_violations
            )
            if name in _SERVICE_FIELDS
        ]
        return ResolutionRefused(problems or [Problem("form", "rejected")])
    return None
