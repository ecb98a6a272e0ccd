"""The verification log (wizard step 1) and the request log (idempotent replay) on the
refund database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.orm import refund_verifications, verification_attempts
from ropo_refund.domain.verification import FailureCount
from ropo_refund.service_layer.ports import Conflict, RequestIdReused, RequestLog, VerificationLog


class SqlVerificationLog(VerificationLog):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _failures(self, where: sa.ColumnElement[bool], since: datetime) -> FailureCount:
        attempts = verification_attempts
        row = (
            await self._session.execute(
                sa.select(sa.func.count(), sa.func.min(attempts.c.attempt_time)).where(
                    where, attempts.c.attempt_time > since
                )
            )
        ).one()
        return FailureCount(int(row[0] or 0), row[1])

    async def serialise(self, subject: str, case_number_key: str) -> None:
        if self._session.get_bind().dialect.name != "postgresql":
            return  # SQLite: the unit of work began with BEGIN IMMEDIATE, one writer at a time
        # Always subject first, then case number: a fixed order cannot deadlock.
        for key in (f"refund-verify-subject:{subject}", f"refund-verify-case:{case_number_key}"):
            await self._session.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0)))
            )

    async def failures_of_subject(self, subject: str, since: datetime) -> FailureCount:
        return await self._failures(verification_attempts.c.subject == subject, since)

    async def failures_of_case_number(self, key: str, since: datetime) -> FailureCount:
        return await self._failures(verification_attempts.c.case_number_key == key, since)

    async def record_failure(self, subject: str, case_number_key: str, at: datetime) -> None:
        await self._session.execute(
            sa.insert(verification_attempts).values(
                subject=subject, case_number_key=case_number_key, attempt_time=at
            )
        )

    async def record_success(self, case_id: str, subject: str, at: datetime) -> None:
        await self._session.execute(
            sa.insert(refund_verifications).values(
                refund_case_id=case_id, subject=subject, verify_time=at
            )
        )

    async def verified_since(self, case_id: str, subject: str, since: datetime) -> bool:
        found = await self._session.scalar(
            sa.select(refund_verifications.c.seq)
            .where(
                refund_verifications.c.refund_case_id == case_id,
                refund_verifications.c.subject == subject,
                refund_verifications.c.verify_time > since,
            )
            .limit(1)
        )
        return found is not None


class SqlRequestLog(RequestLog):
    """The platform's ``request_log`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        try:
            return await find_response(self._session, method, request_id, fingerprint)
        except PlatformRequestIdReused:
            raise RequestIdReused(method) from None

    async def record(self, method: str, request_id: str, fingerprint: str, response: bytes) -> None:
        try:
            await record_response(self._session, method, request_id, fingerprint, response)
        except IntegrityError:
            raise Conflict("a concurrent call with the same request_id won") from None
