"""Payment time as the gateway reads it: *Eräpäivän siirto* and *Maksusuunnitelma*.

The invoice service's ``GetPaymentTimeOptions``, ``ExtendDueDate``, ``CreatePaymentPlan`` and
``CancelPaymentPlan`` answer with protobuf messages; this module maps them once into plain,
typed values (``date``, ``Money``) that the pages and the JSON APIs read. Nothing is computed
here: dates, fees and instalment amounts are the service's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

from google.protobuf.message import Message
from google.type import date_pb2
from ropo.invoice.v1 import payment_time_pb2
from ropo_platform.money import Money
from ropo_platform.money_proto import optional_money_from_proto

DEFAULT_CURRENCY: Final = "EUR"
_REASON_PREFIX: Final = "PAYMENT_TIME_UNAVAILABLE_REASON_"


class PlanState(StrEnum):
    """Lifecycle of a payment plan (``PaymentPlan.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class InstalmentState(StrEnum):
    """Lifecycle of one instalment (``Instalment.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    OPEN = "OPEN"
    PAID = "PAID"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True, slots=True)
class InstalmentView:
    """One instalment: its position, due date, amount and what is paid of it."""

    number: int
    due_date: date | None
    amount: Money
    paid_amount: Money
    state: InstalmentState


@dataclass(frozen=True, slots=True)
class PaymentPlanView:
    """A payment plan (``invoices/{invoice}/paymentPlans/{plan}``)."""

    name: str
    state: PlanState
    instalments: tuple[InstalmentView, ...]
    fee: Money
    total_amount: Money
    create_time: datetime | None
    cancel_time: datetime | None

    @property
    def active(self) -> bool:
        return self.state is PlanState.ACTIVE


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """One plan a person may choose, previewed exactly as it would be made."""

    instalment_count: int
    fee: Money
    total_amount: Money
    instalments: tuple[InstalmentView, ...]

    @property
    def first_amount(self) -> Money:
        """The first instalment (the amount a person compares choices by)."""
        return self.instalments[0].amount if self.instalments else self.total_amount


@dataclass(frozen=True, slots=True)
class ExtensionOption:
    """Whether the due date may be moved now, to which dates and at what fee; else why not
    (``unavailable_message`` is the service's sentence in the request's language)."""

    available: bool
    earliest_due_date: date | None
    latest_due_date: date | None
    fee: Money
    unavailable_reason: str
    unavailable_message: str


@dataclass(frozen=True, slots=True)
class PlanOption:
    """Whether a payment plan may be made now and the choices; else why not."""

    available: bool
    choices: tuple[PlanChoice, ...]
    unavailable_reason: str
    unavailable_message: str

    def choice(self, instalment_count: int) -> PlanChoice | None:
        """The offered choice with ``instalment_count`` instalments, if there is one."""
        return next(
            (item for item in self.choices if item.instalment_count == instalment_count), None
        )


@dataclass(frozen=True, slots=True)
class PaymentTimeOptions:
    """The answer of ``GetPaymentTimeOptions``."""

    extension: ExtensionOption
    plan: PlanOption


def _date(parent: Message, name: str) -> date | None:
    if not parent.HasField(name):
        return None
    value: date_pb2.Date = getattr(parent, name)
    if not value.year or not value.month or not value.day:
        return None
    return date(value.year, value.month, value.day)


def date_to_proto(value: date) -> date_pb2.Date:
    """``google.type.Date`` of ``value``."""
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _money(parent: Message, name: str, currency: str = DEFAULT_CURRENCY) -> Money:
    return optional_money_from_proto(parent, name) or Money.zero(currency)


def _reason(value: int) -> str:
    if not value:
        return ""
    name = payment_time_pb2.PaymentTimeUnavailableReason.Name(value)  # type: ignore[arg-type]
    return name.removeprefix(_REASON_PREFIX)


def instalment_view(message: payment_time_pb2.Instalment, currency: str) -> InstalmentView:
    """Map one instalment."""
    name = payment_time_pb2.Instalment.State.Name(message.state).removeprefix("STATE_")
    return InstalmentView(
        number=message.number,
        due_date=_date(message, "due_date"),
        amount=_money(message, "amount", currency),
        paid_amount=_money(message, "paid_amount", currency),
        state=InstalmentState.__members__.get(name, InstalmentState.UNSPECIFIED),
    )


def plan_view(message: payment_time_pb2.PaymentPlan) -> PaymentPlanView:
    """Map a payment plan."""
    total = _money(message, "total_amount")
    name = payment_time_pb2.PaymentPlan.State.Name(message.state).removeprefix("STATE_")
    return PaymentPlanView(
        name=message.name,
        state=PlanState.__members__.get(name, PlanState.UNSPECIFIED),
        instalments=tuple(instalment_view(item, total.currency) for item in message.instalments),
        fee=_money(message, "fee", total.currency),
        total_amount=total,
        create_time=_time(message, "create_time"),
        cancel_time=_time(message, "cancel_time"),
    )


def _choice(message: payment_time_pb2.PaymentPlanChoice) -> PlanChoice:
    total = _money(message, "total_amount")
    return PlanChoice(
        instalment_count=message.instalment_count,
        fee=_money(message, "fee", total.currency),
        total_amount=total,
        instalments=tuple(instalment_view(item, total.currency) for item in message.instalments),
    )


def extension_option(message: payment_time_pb2.DueDateExtensionOption) -> ExtensionOption:
    """Map the due-date extension option."""
    return ExtensionOption(
        available=message.available,
        earliest_due_date=_date(message, "earliest_due_date"),
        latest_due_date=_date(message, "latest_due_date"),
        fee=_money(message, "fee"),
        unavailable_reason=_reason(message.unavailable_reason),
        unavailable_message=message.unavailable_message,
    )


def plan_option(message: payment_time_pb2.PaymentPlanOption) -> PlanOption:
    """Map the payment plan option (choices fewest instalments first, as sent)."""
    return PlanOption(
        available=message.available,
        choices=tuple(_choice(item) for item in message.choices),
        unavailable_reason=_reason(message.unavailable_reason),
        unavailable_message=message.unavailable_message,
    )
