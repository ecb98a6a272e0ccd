"""Between the wire (``ropo.authorization.v1``) and the domain."""

from __future__ import annotations

from types import MappingProxyType

from ropo.authorization.v1 import (
    access_pb2,
    authorization_pb2,
    authorization_service_pb2,
    lookup_grant_pb2,
)

from ropo_authorization.domain.access import (
    AccessDecision,
    AccessibleInvoice,
    AccessReason,
    Action,
)
from ropo_authorization.domain.authorizations import Authorization
from ropo_authorization.domain.lookup_grants import LookupGrant
from ropo_authorization.proto_values import STATES, TYPES, proto_date, timestamp

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
    if item.expire_time is not None:
        message.expire_time.CopyFrom(timestamp(item.expire_time))
    return message


def authorization_to_proto(item: Authorization) -> authorization_pb2.Authorization:
    """The wire form; the sealed code is never part of it."""
    message = authorization_pb2.Authorization(
        name=item.name,
        type=TYPES[item.type],
        state=STATES[item.state],
        grantor=item.grantor,
        grantee=item.grantee,
        grantee_display_name=item.grantee_display_name,
        grantee_masked_identifier=item.grantee_masked_identifier,
        invoice=item.invoice,
        creditor=item.creditor,
        creator=item.creator,
        conversation=item.conversation,
        create_time=timestamp(item.create_time),
        revoker=item.revoker,
    )
    if item.expire_date is not None:
        message.expire_date.CopyFrom(proto_date(item.expire_date))
    if item.end_time is not None:
        message.end_time.CopyFrom(timestamp(item.end_time))
    return message


def lookup_grant_to_proto(item: LookupGrant) -> lookup_grant_pb2.LookupGrant:
    return lookup_grant_pb2.LookupGrant(
        name=item.name,
        subject=item.subject,
        invoice=item.invoice,
        create_time=timestamp(item.create_time),
        expire_time=timestamp(item.expire_time),
    )
