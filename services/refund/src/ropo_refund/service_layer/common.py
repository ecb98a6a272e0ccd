"""What every refund use case shares: its dependencies, idempotent replay of mutating
calls, and the retry when a concurrent writer won.

A mutating call runs in one transaction: look up ``(method, request_id)`` in the request
log (a hit replays the stored response byte for byte), do the work, store the response,
commit. A lost optimistic-lock race (``StaleCase``) re-runs the whole transaction on
fresh data; after a few lost races the caller gets ``ABORTED`` and may retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from ropo_platform.errors import Aborted, PermissionDenied

from ropo_refund.domain.refund_case import RefundCase
from ropo_refund.service_layer.ports import Conflict, RandomSource, Responses
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
ATTEMPTS = 5
REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"
ROLE_REQUIRED = "REFUND_ROLE_REQUIRED"
AGENT = "agent"
SUPERVISOR = "supervisor"


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaleCase(Exception):
    """A case or batch changed between our read and our write; run the work again."""


@dataclass(frozen=True, slots=True)
class Mutation:
    """The idempotency identity of one mutating call."""

    method: str
    request_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Dependencies:
    """The ports every use case group is built with (``bootstrap`` wires them)."""

    uow: UnitOfWorkFactory
    responses: Responses
    random: RandomSource
    clock: Clock = utc_now


async def run_idempotent(
    uow_factory: UnitOfWorkFactory,
    mutation: Mutation,
    work: Callable[[AbstractUnitOfWork], Awaitable[bytes]],
) -> bytes:
    """``work``'s response, stored under ``mutation``, or the stored one on a replay."""
    for _ in range(ATTEMPTS):
        async with uow_factory() as uow:
            stored = await uow.requests.find(
                mutation.method, mutation.request_id, mutation.fingerprint
            )
            if stored is not None:
                return stored
            try:
                response = await work(uow)
                await uow.requests.record(
                    mutation.method, mutation.request_id, mutation.fingerprint, response
                )
            except (StaleCase, Conflict):
                # Lost a race (the same request id, or the same case): the next round
                # reads what the winner committed.
                continue
            await uow.commit()
            return response
    raise Aborted(REQUEST_IN_PROGRESS, "A concurrent change won; retry the request.")


def require_role(roles: Collection[str], allowed: Collection[str]) -> None:
    """``PERMISSION_DENIED`` ``REFUND_ROLE_REQUIRED`` unless one of ``allowed`` is held."""
    if not set(roles) & set(allowed):
        raise PermissionDenied(
            ROLE_REQUIRED,
            f"This needs the role {' or '.join(sorted(allowed))}.",
            {"roles": ",".join(sorted(allowed))},
        )


async def save_case(uow: AbstractUnitOfWork, case: RefundCase, expected_version: int) -> None:
    """Store the case and its events; ``StaleCase`` when a concurrent change won."""
    if not await uow.cases.update(case, expected_version):
        raise StaleCase(case.id)
    await uow.events.publish(case.pull_events())
