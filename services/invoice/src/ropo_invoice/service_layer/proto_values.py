"""Conversions of domain values to the wire types shared by events and the gRPC API:
``google.type.Date``, ``google.protobuf.Timestamp`` and the ``ropo.invoice.v1`` enums.

Both the integration events (service layer) and the servicer (entrypoints) use
them, so they live here, next to the event mapping.
"""

from __future__ import annotations

from datetime import date, datetime

from google.protobuf import timestamp_pb2
from google.type import date_pb2
from ropo.invoice.v1 import invoice_pb2, payment_time_pb2
from ropo_platform.money_proto import money_to_proto

from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.party import DebtorKind
from ropo_invoice.domain.payment_plan import Instalment, InstalmentState, PaymentPlan, PlanState
from ropo_invoice.domain.payment_time import UnavailableReason
from ropo_invoice.domain.stage import Stage

_STATE = {
    Stage.INVOICE: invoice_pb2.Invoice.STATE_INVOICE,
    Stage.REMINDER: invoice_pb2.Invoice.STATE_REMINDER,
    Stage.COLLECTION: invoice_pb2.Invoice.STATE_COLLECTION,
    Stage.PAYMENT_MONITORING: invoice_pb2.Invoice.STATE_PAYMENT_MONITORING,
    Stage.PAID: invoice_pb2.Invoice.STATE_PAID,
    Stage.CREDITED: invoice_pb2.Invoice.STATE_CREDITED,
    Stage.CANCELLED: invoice_pb2.Invoice.STATE_CANCELLED,
    Stage.DISPUTED: invoice_pb2.Invoice.STATE_DISPUTED,
}

_DEBTOR_KIND = {
    DebtorKind.PERSON: invoice_pb2.DEBTOR_KIND_PERSON,
    DebtorKind.ORGANIZATION: invoice_pb2.DEBTOR_KIND_ORGANIZATION,
}

_COMPONENT_TYPE = {
    ComponentType.CAPITAL: invoice_pb2.LEDGER_COMPONENT_TYPE_CAPITAL,
    ComponentType.PENALTY_INTEREST: invoice_pb2.LEDGER_COMPONENT_TYPE_PENALTY_INTEREST,
    ComponentType.REMINDER_FEE: invoice_pb2.LEDGER_COMPONENT_TYPE_REMINDER_FEE,
    ComponentType.PAYMENT_DEMAND_FEE: invoice_pb2.LEDGER_COMPONENT_TYPE_PAYMENT_DEMAND_FEE,
    ComponentType.DUE_DATE_EXTENSION_FEE: invoice_pb2.LEDGER_COMPONENT_TYPE_DUE_DATE_EXTENSION_FEE,
    ComponentType.PAYMENT_PLAN_FEE: invoice_pb2.LEDGER_COMPONENT_TYPE_PAYMENT_PLAN_FEE,
    ComponentType.FIXED_COMPENSATION: invoice_pb2.LEDGER_COMPONENT_TYPE_FIXED_COMPENSATION,
    ComponentType.OTHER_COST: invoice_pb2.LEDGER_COMPONENT_TYPE_OTHER_COST,
}


def state_to_proto(stage: Stage) -> invoice_pb2.Invoice.State.ValueType:
    """Domain stage → ``Invoice.State``."""
    return _STATE[stage]


_STAGE_OF_STATE: dict[int, Stage] = {int(state): stage for stage, state in _STATE.items()}


def stage_from_proto(state: int) -> Stage | None:
    """``Invoice.State`` → domain stage; ``None`` for unspecified or unknown values."""
    return _STAGE_OF_STATE.get(int(state))


def debtor_kind_to_proto(kind: DebtorKind) -> invoice_pb2.DebtorKind.ValueType:
    """Domain debtor kind → ``DebtorKind``."""
    return _DEBTOR_KIND[kind]


def component_type_to_proto(
    component_type: ComponentType,
) -> invoice_pb2.LedgerComponentType.ValueType:
    """Domain ledger component type → ``LedgerComponentType``."""
    return _COMPONENT_TYPE[component_type]


def date_to_proto(value: date) -> date_pb2.Date:
    """Calendar date → ``google.type.Date``."""
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def timestamp_to_proto(value: datetime) -> timestamp_pb2.Timestamp:
    """Aware datetime → ``google.protobuf.Timestamp`` (UTC)."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    timestamp = timestamp_pb2.Timestamp()
    timestamp.FromDatetime(value)
    return timestamp


_INSTALMENT_STATE = {
    InstalmentState.OPEN: payment_time_pb2.Instalment.STATE_OPEN,
    InstalmentState.PAID: payment_time_pb2.Instalment.STATE_PAID,
    InstalmentState.OVERDUE: payment_time_pb2.Instalment.STATE_OVERDUE,
}
_PLAN_STATE = {
    PlanState.ACTIVE: payment_time_pb2.PaymentPlan.STATE_ACTIVE,
    PlanState.COMPLETED: payment_time_pb2.PaymentPlan.STATE_COMPLETED,
    PlanState.CANCELLED: payment_time_pb2.PaymentPlan.STATE_CANCELLED,
}
_REASON = {
    reason: payment_time_pb2.PaymentTimeUnavailableReason.Value(
        "PAYMENT_TIME_UNAVAILABLE_REASON_" + reason.name
    )
    for reason in UnavailableReason
}


def instalment_to_proto(instalment: Instalment) -> payment_time_pb2.Instalment:
    """Domain instalment → ``Instalment``."""
    return payment_time_pb2.Instalment(
        number=instalment.number,
        due_date=date_to_proto(instalment.due_date),
        amount=money_to_proto(instalment.amount),
        paid_amount=money_to_proto(instalment.paid_amount),
        state=_INSTALMENT_STATE[instalment.state],
    )


def payment_plan_to_proto(invoice_id: str, plan: PaymentPlan) -> payment_time_pb2.PaymentPlan:
    """Domain plan → ``PaymentPlan``."""
    message = payment_time_pb2.PaymentPlan(
        name=plan.resource_name(invoice_id),
        state=_PLAN_STATE[plan.state],
        instalments=[instalment_to_proto(i) for i in plan.instalments],
        fee=money_to_proto(plan.fee),
        total_amount=money_to_proto(plan.total_amount),
        create_time=timestamp_to_proto(plan.created_at),
    )
    if plan.cancelled_at is not None:
        message.cancel_time.CopyFrom(timestamp_to_proto(plan.cancelled_at))
    return message


def unavailable_reason_to_proto(
    reason: UnavailableReason | None,
) -> payment_time_pb2.PaymentTimeUnavailableReason.ValueType:
    """Domain reason → ``PaymentTimeUnavailableReason`` (unspecified when available)."""
    if reason is None:
        return payment_time_pb2.PAYMENT_TIME_UNAVAILABLE_REASON_UNSPECIFIED
    return _REASON[reason]
