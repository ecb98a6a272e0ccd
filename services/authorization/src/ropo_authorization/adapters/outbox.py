"""Integration events of the authorization service, written to the platform outbox.

Subjects ``ropo.authorization.v1.authorization_granted`` / ``…_revoked`` (stream
``ROPO_AUTHORIZATION``), ``ce-subject`` the authorization's resource name. People
appear only as ``persons/{key}``: no henkilötunnus, no grantee name.
"""

from __future__ import annotations

from ropo.authorization.v1 import events_pb2
from ropo_platform.messaging import OutboxWriter
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_authorization.domain.authorizations import AuthorizationEvent, AuthorizationGranted
from ropo_authorization.proto_values import STATES, TYPES, proto_date, timestamp
from ropo_authorization.service_layer.ports import EventOutbox

AUTHORIZATION_GRANTED = "ropo.authorization.v1.authorization_granted"
AUTHORIZATION_REVOKED = "ropo.authorization.v1.authorization_revoked"


class SqlEventOutbox(EventOutbox):
    def __init__(self, session: AsyncSession, writer: OutboxWriter) -> None:
        self._session = session
        self._writer = writer

    async def add(self, event: AuthorizationEvent) -> None:
        authorization = event.authorization
        if isinstance(event, AuthorizationGranted):
            granted = events_pb2.AuthorizationGranted(
                authorization=authorization.name,
                type=TYPES[authorization.type],
                grantor=authorization.grantor,
                grantee=authorization.grantee,
                invoice=authorization.invoice,
                creditor=authorization.creditor,
                creator=authorization.creator,
                grant_time=timestamp(authorization.create_time),
            )
            if authorization.expire_date is not None:
                granted.expire_date.CopyFrom(proto_date(authorization.expire_date))
            await self._writer.add(
                self._session,
                event_type=AUTHORIZATION_GRANTED,
                subject_name=authorization.name,
                message=granted,
                occurred_at=authorization.create_time,
            )
            return
        end_time = authorization.end_time
        assert end_time is not None, "a stopped authorization has an end time"
        revoked = events_pb2.AuthorizationRevoked(
            authorization=authorization.name,
            type=TYPES[authorization.type],
            grantor=authorization.grantor,
            grantee=authorization.grantee,
            invoice=authorization.invoice,
            state=STATES[authorization.state],
            revoker=authorization.revoker,
            revoke_time=timestamp(end_time),
        )
        await self._writer.add(
            self._session,
            event_type=AUTHORIZATION_REVOKED,
            subject_name=authorization.name,
            message=revoked,
            occurred_at=end_time,
        )
