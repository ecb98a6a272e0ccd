"""Conversions of domain values to the wire types shared by events and the gRPC API:
``google.type.Date``, ``google.protobuf.Timestamp`` and the ``ropo.invoice.v1`` enums.

Both the integration events (service layer) and the servicer (entrypoints) use
them, so they live here, next to the event mapping.
"""

from __future__ import annotations

from datetime import date, datetime

from google.protobuf import timestamp_pb2
from google.type import date_pb2
from ropo.invoice.v1 import invoice_pb2

from ropo_invoice.domain.ledger import ComponentType
from ropo_invoice.domain.party import DebtorKind
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
