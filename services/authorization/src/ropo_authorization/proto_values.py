"""Domain values as protobuf values, shared by the gRPC mapping and the event outbox."""

from __future__ import annotations

from datetime import date, datetime

from google.protobuf import timestamp_pb2
from google.type import date_pb2
from ropo.authorization.v1 import authorization_pb2

from ropo_authorization.domain.authorizations import AuthorizationState, AuthorizationType

TYPES = {
    AuthorizationType.INVOICE: authorization_pb2.AUTHORIZATION_TYPE_INVOICE,
    AuthorizationType.CONTINUOUS: authorization_pb2.AUTHORIZATION_TYPE_CONTINUOUS,
}
STATES = {
    AuthorizationState.ACTIVE: authorization_pb2.Authorization.STATE_ACTIVE,
    AuthorizationState.REVOKED: authorization_pb2.Authorization.STATE_REVOKED,
    AuthorizationState.EXPIRED: authorization_pb2.Authorization.STATE_EXPIRED,
    AuthorizationState.ENDED: authorization_pb2.Authorization.STATE_ENDED,
}


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def proto_date(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)
