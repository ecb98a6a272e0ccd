"""*Siirrä maksuvalvontaan*: after a court judgment a staff user moves a case in collection to
payment monitoring; the invoice service sends the payment-monitoring letter.

Offered to agents and supervisors only, and only while the invoice is in collection; the
authorization service decides again (``CheckAccess(ACTION_ADMINISTER)`` in
``CaseGuard.open``) and the invoice service checks the stage and the judgment again. The
judgment's date may not be in the future; its reference (the court and its case number,
printed on the letter) is required, bounded and never a henkilötunnus. Every attempt the
service answers writes one audit record naming the case and the debtor by pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

import grpc
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.redaction import contains_hetu

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.auth.staff_identity import INTERNAL_ROLES, StaffIdentity
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.disputes import MonitoringOrder, MonitoringResult
from ropo_gateway.errors import UpstreamError
from ropo_gateway.ropo_one.access import CaseGuard, OpenCase
from ropo_gateway.ropo_one.authorizations import parse_date
from ropo_gateway.ropo_one.ports import DisputeDesk

MAX_REFERENCE_LENGTH: Final = 200
STARTED: Final = "PAYMENT_MONITORING_STARTED"
#: Form fields in the order the page lists their problems.
FIELDS: Final = ("judgment_date", "judgment_reference")


@dataclass(frozen=True, slots=True)
class Problem:
    """A refused field and why (``one.monitoring.problem.<field>.<code>``)."""

    field: str
    code: str

    @property
    def key(self) -> str:
        return f"one.monitoring.problem.{self.field}.{self.code}"


@dataclass(frozen=True, slots=True)
class MonitoringInput:
    """The form as typed."""

    judgment_date: str = ""
    judgment_reference: str = ""


@dataclass
class MonitoringForm:
    """The form as the case page shows it: what was typed, the problems and a fresh
    idempotency key."""

    typed: MonitoringInput = field(default_factory=MonitoringInput)
    problems: list[Problem] = field(default_factory=list)
    request_id: str = field(default_factory=new_request_id)

    def __post_init__(self) -> None:
        # A henkilötunnus typed into the reference is refused, and not written back either.
        if any(problem.code == "identity_code" for problem in self.problems):
            self.typed = replace(self.typed, judgment_reference="")

    def messages(self, name: str) -> list[str]:
        return [problem.key for problem in self.problems if problem.field == name]

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(input id, text key) of every problem, in the order of the form's fields."""
        order = {name: index for index, name in enumerate(("form", *FIELDS))}
        ranked = sorted(self.problems, key=lambda problem: order.get(problem.field, 0))
        return [(f"monitoring-{problem.field}", problem.key) for problem in ranked]


@dataclass
class MonitoringRefused(Exception):
    """Why the case was not moved (every problem at once)."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(", ".join(problem.key for problem in self.problems))

    @property
    def wrong_stage(self) -> bool:
        return any(problem.code == "not_in_collection" for problem in self.problems)


def starts_monitoring(identity: StaffIdentity) -> bool:
    """True for agents and supervisors (a creditor user is never offered it)."""
    return bool(identity.roles & INTERNAL_ROLES)


def may_start_monitoring(identity: StaffIdentity, invoice: invoice_pb2.Invoice) -> bool:
    """True when the form is offered: a staff user, a case in collection."""
    return starts_monitoring(identity) and invoice.state == invoice_pb2.Invoice.STATE_COLLECTION


@dataclass(frozen=True, slots=True)
class Judgment:
    """A judgment that passed the checks."""

    judgment_date: date
    judgment_reference: str


def check_judgment(typed: MonitoringInput, today: date) -> Judgment:
    """The judgment to send, or ``MonitoringRefused``."""
    problems: list[Problem] = []
    judgment_date: date | None = None
    if not typed.judgment_date.strip():
        problems.append(Problem("judgment_date", "required"))
    else:
        try:
            judgment_date = parse_date(typed.judgment_date)
        except ValueError:
            problems.append(Problem("judgment_date", "invalid"))
        if judgment_date is not None and judgment_date > today:
            problems.append(Problem("judgment_date", "future"))
    reference = " ".join(typed.judgment_reference.split())
    if not reference:
        problems.append(Problem("judgment_reference", "required"))
    elif len(reference) > MAX_REFERENCE_LENGTH:
        problems.append(Problem("judgment_reference", "too_long"))
    elif contains_hetu(reference):
        problems.append(Problem("judgment_reference", "identity_code"))
    if problems or judgment_date is None:
        raise MonitoringRefused(problems)
    return Judgment(judgment_date, reference)


def monitoring_event(
    identity: StaffIdentity,
    case: OpenCase,
    reason: str,
    channel: Channel,
    *,
    refused: bool = False,
) -> AuditEvent:
    """``identity`` moved ``case`` to payment monitoring (or the service refused it)."""
    return AuditEvent(
        actor=identity.subject,
        resource=case.name,
        purpose=Purpose.PAYMENT_MONITORING_ADMIN,
        outcome=Outcome.DENIED if refused else Outcome.ALLOWED,
        channel=channel,
        data_subject=case.debtor,
        reason=reason,
    )


_SERVICE_FIELDS: Final = frozenset(FIELDS)


def _service_problems(error: UpstreamError) -> list[Problem] | None:
    code = error.rpc_error.code
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return [Problem("form", "not_in_collection")]
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        fields = dict.fromkeys(v.field for v in error.rpc_error.field_violations)
        found = [Problem(name, "rejected") for name in fields if name in _SERVICE_FIELDS]
        return found or [Problem("form", "rejected")]
    return None


async def start_monitoring(
    guard: CaseGuard,
    desk: DisputeDesk,
    identity: StaffIdentity,
    case: OpenCase,
    typed: MonitoringInput,
    request_id: str,
    today: date,
) -> MonitoringResult:
    """Move ``case`` to payment monitoring; ``MonitoringRefused`` when it is not in collection,
    the input is unusable or the invoice service refuses it."""
    if case.invoice.state != invoice_pb2.Invoice.STATE_COLLECTION:
        raise MonitoringRefused([Problem("form", "not_in_collection")])
    judgment = check_judgment(typed, today)
    try:
        result = await desk.start_payment_monitoring(
            MonitoringOrder(
                request_id=request_id,
                invoice=case.name,
                actor=identity.subject,
                judgment_date=judgment.judgment_date,
                judgment_reference=judgment.judgment_reference,
            )
        )
    except UpstreamError as error:
        problems = _service_problems(error)
        if problems is None:
            raise
        reason = error.rpc_error.reason or error.rpc_error.code.name
        await guard.record(monitoring_event(identity, case, reason, guard.channel, refused=True))
        raise MonitoringRefused(problems) from None
    await guard.record(monitoring_event(identity, case, STARTED, guard.channel))
    return result
