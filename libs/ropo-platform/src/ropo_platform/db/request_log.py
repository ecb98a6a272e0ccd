"""Idempotent replay of mutating requests by ``request_id`` (AIP-155).

In the command's transaction::

    fp = request_fingerprint(request)
    cached = await find_response(session, METHOD, request.request_id, fp)
    if cached is not None:
        return Response.FromString(cached)          # replay, no second effect
    ... do the work ...
    await record_response(session, METHOD, request.request_id, fp, response)

Two concurrent first calls with the same id both miss; the second insert then
violates the primary key and its transaction rolls back: exactly one effect.
Reusing a ``request_id`` with a different request raises ``RequestIdReused``.
"""

from __future__ import annotations

import hashlib

from google.protobuf.message import Message
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.db.types import utcnow

_request_log = DEFAULT_TABLES.request_log


class RequestIdReused(Exception):
    """The same ``request_id`` came with a different request body."""

    def __init__(self, method: str) -> None:
        super().__init__(f"request_id was already used for a different {method} request")
        self.method = method


def request_fingerprint(request: Message, *, id_field: str = "request_id") -> str:
    """SHA-256 (hex) of the request without its ``request_id`` (deterministic encoding)."""
    copy = type(request)()
    copy.CopyFrom(request)
    if id_field in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField(id_field)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


async def find_response(
    session: AsyncSession, method: str, request_id: str, fingerprint: str
) -> bytes | None:
    """The stored response for ``(method, request_id)``, or ``None`` on first use."""
    row = (
        await session.execute(
            select(_request_log.c.fingerprint, _request_log.c.response).where(
                _request_log.c.method == method, _request_log.c.request_id == request_id
            )
        )
    ).one_or_none()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise RequestIdReused(method)
    response: bytes = row.response
    return response


async def record_response(
    session: AsyncSession,
    method: str,
    request_id: str,
    fingerprint: str,
    response: Message | bytes,
) -> None:
    """Store the response of a first call (in the command's transaction)."""
    body = response if isinstance(response, bytes) else response.SerializeToString()
    await session.execute(
        insert(_request_log).values(
            method=method,
            request_id=request_id,
            fingerprint=fingerprint,
            response=body,
            created_at=utcnow(),
        )
    )


__all__ = ["RequestIdReused", "find_response", "record_response", "request_fingerprint"]
