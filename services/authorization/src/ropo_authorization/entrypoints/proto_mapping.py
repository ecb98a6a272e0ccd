"""Between the wire (``ropo.authorization.v1``) and the domain."""

from __future__ import annotations

from types import MappingProxyType

from ropo.authorization.v1 import access_pb2, authorization_service_pb2

from ropo_authorization.domain.access import (
    AccessDecision,
    AccessibleInvoice,
    AccessReason,
    Action,
)

ACTIONS = MappingProxyType(
    {
        access_pb2.ACTION_VIEW: Action.VIEW,
        access_pb2.ACTION_PAY: Action.PAY,
        access_pb2.ACTION_MANAGE_PAYMENT_TIME: Action.MANAGE_PAYMENT_TIME,
        access_pb2.ACTION_AUTHORIZE: Action.AUTHORIZE,
        access_pb2.ACTION_CHAT: Action.CHAT,
        access_pb2.ACTION_REFUND: Action.REFUND,
        access_pb2.ACTION_DISPUTE: Action.DISPUTE,
        access_pb2.ACTION_ADMINISTER: Action.ADMINISTER,
    }
)

ACCESS_REASONS = MappingProxyType(
    {
        AccessReason.OWN: access_pb2.ACCESS_REASON_OWN,
        AccessReason.AUTHORIZED: access_pb2.ACCESS_REASON_AUTHORIZED,
        AccessReason.LOOKUP: access_pb2.ACCESS_REASON_LOOKUP,
        AccessReason.CONTINUOUS_AUTHORIZATION: access_pb2.ACCESS_REASON_CONTINUOUS_AUTHORIZATION,
        AccessReason.STAFF: access_pb2.ACCESS_REASON_STAFF,
        AccessReason.CREDITOR: access_pb2.ACCESS_REASON_CREDITOR,
    }
)
ACCESS_REASONS_FROM_PROTO = MappingProxyType({v: k for k, v in ACCESS_REASONS.items()})


def decision_to_proto(decision: AccessDecision) -> authorization_service_pb2.CheckAccessResponse:
    return authorization_service_pb2.CheckAccessResponse(
        allowed=decision.allowed,
        reason=decision.reason,
        access_reason=(
            ACCESS_REASONS[decision.access_reason]
            if decision.access_reason is not None
            else access_pb2.ACCESS_REASON_UNSPECIFIED
        ),
        grant=decision.grant,
    )


def accessible_invoice_to_proto(item: AccessibleInvoice) -> access_pb2.AccessibleInvoice:
    message = access_pb2.AccessibleInvoice(invoice=item.invoice, reason=ACCESS_REASONS[item.reason])
    if item.reason in (AccessReason.AUTHORIZED, AccessReason.CONTINUOUS_AUTHORIZATION):
        message.authorization = item.grant
    elif item.reason is AccessReason.LOOKUP:
        message.lookup_grant = item.grant
    return message
