"""Helpers of the authorization tests: names, settings, in-memory fakes, a running server."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc.aio
from ropo.authorization.v1 import authorization_service_pb2_grpc
from ropo_authorization.adapters.identity import SealingIdentityProtector
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.config import AuthorizationSettings
from ropo_authorization.domain.access import LIST_REASON_ORDER, AccessibleInvoice, AccessReason
from ropo_authorization.domain.authorizations import (
    Authorization,
    AuthorizationEvent,
    AuthorizationType,
    helsinki_date,
)
from ropo_authorization.domain.lookup_grants import LookupGrant
from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.service_layer.access_facts import RepositoryAccessFacts
from ropo_authorization.service_layer.ports import (
    AccessibleInvoiceView,
    AuthorizationCursor,
    AuthorizationFilter,
    AuthorizationRepository,
    Conflict,
    EventOutbox,
    IdentityProtector,
    LookupGrantRepository,
    OwnershipRepository,
    ProtectedIdentity,
    RequestIdReused,
    RequestLog,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_platform.national_id import NationalId
from ropo_platform.rpc import RpcServer

PERSON_KEY_SECRET = "authorization-test-person-key-secret-0123456789"
# A henkilötunnus from the test range (900–999): must never come back in any answer.
HETU = "010190-900P"
REGISTERED = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)


def person(letter: str) -> str:
    """A well-formed ``persons/{key}`` (32 base32 characters)."""
    assert letter in string.ascii_lowercase
    return f"persons/{letter * 32}"


ALICE, BOB = person("a"), person("b")
CREDITOR = "creditors/testi-yritys"
OTHER_CREDITOR = "creditors/yritys-x"
# Valid codes of the test range with 2023 century signs (none of them is ALICE or BOB).
GRANTEE_HETU = "010594Y9032"
OTHER_HETU = "020502E902X"


def ownership(invoice_id: str, debtor: str = ALICE) -> InvoiceOwnership:
    return InvoiceOwnership(f"invoices/{invoice_id}", CREDITOR, debtor, REGISTERED)


def authorization_settings(database_url: str, **overrides: Any) -> AuthorizationSettings:
    """Settings for a test: own database, ephemeral ports, no metrics servers."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "person_key_secret": PERSON_KEY_SECRET,
        "environment": "test",
    }
    values.update(overrides)
    return AuthorizationSettings(**values)


# --------------------------------------------------------------------------- fakes


class FakeOwnerships(OwnershipRepository, AccessibleInvoiceView):
    """The whole database in dicts (ownership, authorizations, lookup grants, request log,
    outbox). Serves ownership and the accessible-invoice view itself; the other ports
    are small views on the same dicts (``FakeUnitOfWork`` wires them)."""

    def __init__(self, entries: Sequence[InvoiceOwnership] = ()) -> None:
        self.entries = {entry.invoice: entry for entry in entries}
        self.authorizations: dict[str, Authorization] = {}
        self.grants: dict[str, LookupGrant] = {}
        self.requests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.events: list[AuthorizationEvent] = []

    # -- state snapshots, so a unit of work left without commit rolls back

    def snapshot(self) -> tuple[Any, ...]:
        return (
            dict(self.entries),
            dict(self.authorizations),
            dict(self.grants),
            dict(self.requests),
            list(self.events),
        )

    def restore(self, state: tuple[Any, ...]) -> None:
        # In place: the port views hold references to these containers.
        containers: tuple[dict[Any, Any], ...] = (
            self.entries,
            self.authorizations,
            self.grants,
            self.requests,
        )
        for target, saved in zip(containers, state[:4], strict=True):
            target.clear()
            target.update(saved)
        self.events[:] = state[4]

    # -- ownership

    async def get(self, invoice: str) -> InvoiceOwnership | None:
        return self.entries.get(invoice)

    async def add(self, ownership: InvoiceOwnership) -> bool:
        if ownership.invoice in self.entries:
            return False
        self.entries[ownership.invoice] = ownership
        return True

    async def mark_closed(self, invoice: str, at: datetime) -> bool:
        entry = self.entries.get(invoice)
        if entry is None or entry.closed:
            return False
        self.entries[invoice] = replace(entry, closed=True, closed_time=at)
        return True

    # -- accessible invoices

    async def list_for_person(
        self,
        person: str,
        reasons: frozenset[AccessReason],
        *,
        after: str | None,
        limit: int,
        now: datetime | None = None,
    ) -> Sequence[AccessibleInvoice]:
        now = now or REGISTERED
        today = helsinki_date(now)
        found: list[AccessibleInvoice] = []
        if AccessReason.OWN in reasons:
            found += [
                AccessibleInvoice(name, AccessReason.OWN)
                for name, entry in self.entries.items()
                if entry.debtor == person
            ]
        for a in self.authorizations.values():
            if a.grantee != person or not a.in_force(today):
                continue
            if a.type is AuthorizationType.INVOICE and AccessReason.AUTHORIZED in reasons:
                found.append(
                    AccessibleInvoice(a.invoice, AccessReason.AUTHORIZED, a.name, a.expire_time)
                )
            if (
                a.type is AuthorizationType.CONTINUOUS
                and AccessReason.CONTINUOUS_AUTHORIZATION in reasons
            ):
                found += [
                    AccessibleInvoice(
                        name, AccessReason.CONTINUOUS_AUTHORIZATION, a.name, a.expire_time
                    )
                    for name, entry in self.entries.items()
                    if a.covers(entry)
                ]
        if AccessReason.LOOKUP in reasons:
            found += [
                AccessibleInvoice(g.invoice, AccessReason.LOOKUP, g.name, g.expire_time)
                for g in self.grants.values()
                if g.subject == person and g.in_force(now)
            ]
        rank = {reason: index for index, reason in enumerate(LIST_REASON_ORDER)}
        best: dict[str, AccessibleInvoice] = {}
        for item in found:
            if after is not None and item.invoice <= after:
                continue
            if item.invoice not in best or rank[item.reason] < rank[best[item.invoice].reason]:
                best[item.invoice] = item
        return [best[name] for name in sorted(best)][:limit]


class FakeAuthorizations(AuthorizationRepository):
    def __init__(self, store: FakeOwnerships) -> None:
        self.store = store

    @property
    def authorizations(self) -> dict[str, Authorization]:
        return self.store.authorizations

    async def add(self, authorization: Authorization) -> None:
        self.authorizations[authorization.id] = authorization

    async def get(self, authorization_id: str) -> Authorization | None:
        return self.authorizations.get(authorization_id)

    async def save(self, authorization: Authorization, *, expected_state: str) -> None:
        stored = self.authorizations.get(authorization.id)
        if stored is None or stored.state != expected_state:
            raise Conflict("changed")
        self.authorizations[authorization.id] = authorization

    async def active_invoice_authorizations(
        self, invoice: str, grantee: str | None = None
    ) -> Sequence[Authorization]:
        return [
            a
            for a in self.authorizations.values()
            if a.type is AuthorizationType.INVOICE
            and a.invoice == invoice
            and a.is_active
            and (grantee is None or a.grantee == grantee)
        ]

    async def active_continuous(
        self, grantor: str, grantee: str, creditor: str | None = None
    ) -> Sequence[Authorization]:
        return [
            a
            for a in self.authorizations.values()
            if a.type is AuthorizationType.CONTINUOUS
            and a.grantor == grantor
            and a.grantee == grantee
            and a.is_active
            and (creditor is None or a.creditor == creditor)
        ]

    async def past_expiry(self, today: date, limit: int) -> Sequence[Authorization]:
        due = [a for a in self.authorizations.values() if a.is_active and a.is_past(today)]
        return sorted(due, key=lambda a: a.id)[:limit]

    async def list(
        self, query: AuthorizationFilter, *, after: AuthorizationCursor | None, limit: int
    ) -> Sequence[Authorization]:
        def matches(a: Authorization) -> bool:
            if query.invoice:
                scope = query.invoice_scope
                covered = (a.type is AuthorizationType.INVOICE and a.invoice == query.invoice) or (
                    scope is not None and a.type is AuthorizationType.CONTINUOUS and a.covers(scope)
                )
                if not covered:
                    return False
            if query.grantor and a.grantor != query.grantor:
                return False
            if query.grantee and a.grantee != query.grantee:
                return False
            if query.active_on is not None and not a.in_force(query.active_on):
                return False
            return after is None or (a.create_time, a.id) < (after.create_time, after.id)

        found = sorted(
            (a for a in self.authorizations.values() if matches(a)),
            key=lambda a: (a.create_time, a.id),
            reverse=True,
        )
        return found[:limit]


class FakeLookupGrants(LookupGrantRepository):
    def __init__(self, store: FakeOwnerships) -> None:
        self.grants = store.grants

    async def save(self, grant: LookupGrant) -> None:
        self.grants[grant.id] = grant

    async def in_force(self, subject: str, invoice: str, now: datetime) -> LookupGrant | None:
        found = [
            g
            for g in self.grants.values()
            if g.subject == subject and g.invoice == invoice and g.in_force(now)
        ]
        return max(found, key=lambda g: g.expire_time) if found else None


class FakeRequestLog(RequestLog):
    def __init__(self, store: FakeOwnerships) -> None:
        self.store = store

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        stored = self.store.requests.get((method, request_id))
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise RequestIdReused(method)
        return stored[1]

    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        self.store.requests[(method, request_id)] = (fingerprint, result)


class FakeOutbox(EventOutbox):
    def __init__(self, store: FakeOwnerships) -> None:
        self.store = store

    async def add(self, event: AuthorizationEvent) -> None:
        self.store.events.append(event)


class FakeUnitOfWork(AbstractUnitOfWork):
    """Shares one ``FakeOwnerships``; counts commits, and rolls back what was not committed."""

    def __init__(self, store: FakeOwnerships) -> None:
        self.ownerships = store
        self.accessible_invoices = store
        self.authorizations = FakeAuthorizations(store)
        self.lookup_grants = FakeLookupGrants(store)
        self.access_facts = RepositoryAccessFacts(
            self.ownerships, self.authorizations, self.lookup_grants
        )
        self.requests = FakeRequestLog(store)
        self.events = FakeOutbox(store)
        self.store = store
        self.commits = 0
        self._saved: tuple[Any, ...] | None = None

    async def _begin(self) -> None:
        self._saved = self.store.snapshot()

    async def commit(self) -> None:
        self.commits += 1
        self._saved = None

    async def rollback(self) -> None:
        if self._saved is not None:
            self.store.restore(self._saved)
            self._saved = None


class FakeIdentities(IdentityProtector):
    """The real pseudonym and cipher with test keys."""

    def __init__(self) -> None:
        self.real = SealingIdentityProtector(bytes(range(32)), PERSON_KEY_SECRET.encode())

    def party(self, national_id: NationalId) -> str:
        return self.real.party(national_id)

    def protect(self, national_id: NationalId) -> ProtectedIdentity:
        return self.real.protect(national_id)


class Clock:
    """A settable clock for handlers."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


# --------------------------------------------------------------------------- server


@dataclass
class RunningServer:
    """A started gRPC server with the service, and a client channel to it."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub (what the generated stub's constructor returns for an
    # aio channel); type-check-only, so it is named only in this (unevaluated) annotation.
    stub: authorization_service_pb2_grpc.AuthorizationServiceAsyncStub
    app: AuthorizationApp


async def start_server(app: AuthorizationApp) -> tuple[RpcServer, grpc.aio.Channel]:
    server = RpcServer(service_name="authorization", port=0)
    port = await server.start(app.register)
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")
