"""The request log (idempotent replay of mutating calls) on the chat database."""

from __future__ import annotations

from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_chat.service_layer.ports import Conflict, RequestIdReused, RequestLog


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
