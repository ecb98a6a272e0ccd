"""Use cases of the authorization service.

Plain coroutines that take a command or query and a unit of work, so the same
code runs under a gRPC call (a fresh unit of work per call, see
``AuthorizationHandlers``) and under the event consumer (a unit of work joined
to the consumer's transaction, which also holds the inbox row).

Mutating calls are idempotent by ``request_id``: the first call's result is stored
with the change (platform ``request_log``) and a retry gets it back; the change and
its event (outbox) commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from ropo_platform.errors import Aborted, FailedPrecondition, NotFound
from ropo_platform.logging import get_logger
from ropo_platform.national_id import NationalId
from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_authorization.domain.access import (
    AccessDecision,
    AccessibleInvoice,
    AccessReason,
    Action,
    decide,
)
from ropo_authorization.domain.authorizations import (
    INVOICE_NOT_FOUND,
    Authorization,
    AuthorizationGranted,
    AuthorizationRevoked,
    AuthorizationState,
    Grantee,
    create_continuous_authorization,
    grant_invoice_authorization,
    helsinki_date,
)
from ropo_authorization.domain.lookup_grants import LookupGrant, grant_or_extend
from ropo_authorization.domain.ownership import (
    InvoiceOwnership,
    RecordOutcome,
    compare_registration,
)
from ropo_authorization.domain.subjects import Party, Subject
from ropo_authorization.service_layer import records
from ropo_authorization.service_layer.ports import (
    AuthorizationCursor,
    AuthorizationFilter,
    Conflict,
    IdentityProtector,
    ProtectedIdentity,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

_log = get_logger(__name__)
T = TypeVar("T")

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

GRANT_INVOICE_AUTHORIZATION = "GrantInvoiceAuthorization"
REVOKE_AUTHORIZATION = "RevokeAuthorization"
CREATE_CONTINUOUS_AUTHORIZATION = "CreateContinuousAuthorization"
GRANT_LOOKUP_ACCESS = "GrantLookupAccess"
_ATTEMPTS = 3
EXPIRY_BATCH = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A resource id: 32 hex characters of a random UUID."""
    return uuid.uuid4().hex


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class RecordInvoiceRegistered:
    """The invoice service registered an invoice for a debtor."""

    invoice: str
    creditor: str
    debtor: str
    register_time: datetime


@dataclass(frozen=True, slots=True)
class RecordInvoiceClosed:
    """The invoice was paid, credited or cancelled (``invoice_paid``, ``invoice_stage_changed``)."""

    invoice: str
    creditor: str
    debtor: str
    close_time: datetime


@dataclass(frozen=True, slots=True)
class CheckAccess:
    """May ``subject`` perform ``action`` (``None``: unspecified) on ``invoice``?"""

    subject: Subject
    invoice: str
    action: Action | None


@dataclass(frozen=True, slots=True)
class ListAccessibleInvoices:
    """A page of the invoices ``person`` may see; empty ``reasons`` means all."""

    person: Party
    reasons: frozenset[AccessReason] = frozenset()
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class AccessibleInvoicePage:
    """One page and the token for the next (empty on the last page)."""

    invoices: tuple[AccessibleInvoice, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class GrantInvoiceAuthorization:
    """The debtor authorizes a person, named by henkilötunnus and name, for one invoice."""

    request_id: str
    invoice: str
    grantor: Party
    grantee_national_id: NationalId
    grantee_name: str  # already trimmed and checked (``display_name``)
    expire_date: date | None = None


@dataclass(frozen=True, slots=True)
class RevokeAuthorization:
    request_id: str
    authorization_id: str
    actor: Subject


@dataclass(frozen=True, slots=True)
class CreateContinuousAuthorization:
    request_id: str
    actor: Subject
    grantor: Party
    grantee_national_id: NationalId
    grantee_name: str
    creditor: str = ""
    expire_date: date | None = None
    conversation: str = ""


@dataclass(frozen=True, slots=True)
class GrantLookupAccess:
    request_id: str
    subject: Party
    invoice: str


@dataclass(frozen=True, slots=True)
class ListAuthorizations:
    """At least one of ``invoice``, ``grantor``, ``grantee`` (checked by validation)."""

    invoice: str = ""
    grantor: str = ""
    grantee: str = ""
    active_only: bool = False
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class AuthorizationPage:
    authorizations: tuple[Authorization, ...]
    next_page_token: str


# --------------------------------------------------------------------- event handlers


async def record_invoice_registered(
    command: RecordInvoiceRegistered, uow: AbstractUnitOfWork
) -> RecordOutcome:
    """Learn the debtor of a new invoice; a repeat is a no-op, a conflict changes nothing."""
    incoming = InvoiceOwnership(
        command.invoice, command.creditor, command.debtor, command.register_time
    )
    async with uow:
        outcome = compare_registration(await uow.ownerships.get(command.invoice), incoming)
        if outcome is RecordOutcome.RECORDED and not await uow.ownerships.add(incoming):
            # Another transaction recorded it between our read and write: compare with it.
            outcome = compare_registration(await uow.ownerships.get(command.invoice), incoming)
        await uow.commit()
    if outcome is RecordOutcome.CONFLICTING:
        _log.warning("conflicting_invoice_registration", invoice=command.invoice)
    return outcome


async def record_invoice_closed(command: RecordInvoiceClosed, uow: AbstractUnitOfWork) -> int:
    """Mark the invoice closed and end its active per-invoice authorizations (each with an
    ``authorization_revoked`` event, state ENDED); returns how many ended.

    Tolerates reordering: an invoice not registered yet is recorded (closed) from the
    event's own facts, and the later registration is then a harmless repeat.
    """
    async with uow:
        ownership = await uow.ownerships.get(command.invoice)
        if ownership is None:
            await uow.ownerships.add(
                InvoiceOwnership(
                    command.invoice,
                    command.creditor,
                    command.debtor,
                    command.close_time,
                    closed=True,
                    closed_time=command.close_time,
                )
            )
        elif not ownership.closed:
            await uow.ownerships.mark_closed(command.invoice, command.close_time)
        ended = 0
        for authorization in await uow.authorizations.active_invoice_authorizations(
            command.invoice
        ):
            stopped = authorization.end(command.close_time)
            await uow.authorizations.save(stopped, expected_state=AuthorizationState.ACTIVE)
            await uow.events.add(AuthorizationRevoked(stopped))
            ended += 1
        await uow.commit()
    if ended:
        _log.info("authorizations_ended", invoice=command.invoice, count=ended)
    return ended


async def expire_due_authorizations(
    uow: AbstractUnitOfWork, now: datetime, limit: int = EXPIRY_BATCH
) -> int:
    """Mark ACTIVE authorizations past their last day EXPIRED (with events); returns the
    count. Access checks already treat them as not in force; this makes it visible."""
    async with uow:
        due = await uow.authorizations.past_expiry(helsinki_date(now), limit)
        for authorization in due:
            stopped = authorization.expire(now)
            await uow.authorizations.save(stopped, expected_state=AuthorizationState.ACTIVE)
            await uow.events.add(AuthorizationRevoked(stopped))
        await uow.commit()
    return len(due)


# --------------------------------------------------------------------------- queries


async def check_access(
    query: CheckAccess, uow: AbstractUnitOfWork, now: datetime
) -> AccessDecision:
    """The access decision for one subject, invoice and action (one read of the facts)."""
    person = query.subject.name if isinstance(query.subject, Party) else None
    async with uow:
        facts = await uow.access_facts.read(query.invoice, person, now)
    return decide(query.subject, facts, query.action)


async def list_accessible_invoices(
    query: ListAccessibleInvoices, uow: AbstractUnitOfWork, now: datetime
) -> AccessibleInvoicePage:
    """A keyset-paginated page, ordered by invoice name."""
    page_size = effective_page_size(query.page_size)
    reasons = query.reasons or frozenset(AccessReason)
    digest = query_digest([query.person.name, *sorted(query.reasons)])
    after = decode_page_token(query.page_token, digest)
    async with uow:
        # One extra row tells whether another page exists without a COUNT.
        rows = await uow.accessible_invoices.list_for_person(
            query.person.name, reasons, after=after, limit=page_size + 1, now=now
        )
    items = tuple(rows[:page_size])
    more = len(rows) > page_size
    token = encode_page_token(items[-1].invoice, digest) if more and items else ""
    return AccessibleInvoicePage(items, token)


def _cursor_key(authorization: Authorization) -> str:
    return f"{authorization.create_time.astimezone(UTC).isoformat()}|{authorization.id}"


def _parse_cursor(key: str | None) -> AuthorizationCursor | None:
    if key is None:
        return None
    try:
        stamp, _, authorization_id = key.partition("|")
        return AuthorizationCursor(datetime.fromisoformat(stamp), authorization_id)
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None


async def list_authorizations(
    query: ListAuthorizations, uow: AbstractUnitOfWork, now: datetime
) -> AuthorizationPage:
    """Authorizations by invoice (continuous ones covering it included), grantor and/or
    grantee; newest first, keyset pages."""
    page_size = effective_page_size(query.page_size)
    digest = query_digest(
        [query.invoice, query.grantor, query.grantee, "active" if query.active_only else ""]
    )
    after = _parse_cursor(decode_page_token(query.page_token, digest))
    async with uow:
        scope = await uow.ownerships.get(query.invoice) if query.invoice else None
        rows = await uow.authorizations.list(
            AuthorizationFilter(
                invoice=query.invoice,
                invoice_scope=scope,
                grantor=query.grantor,
                grantee=query.grantee,
                active_on=helsinki_date(now) if query.active_only else None,
            ),
            after=after,
            limit=page_size + 1,
        )
    items = tuple(rows[:page_size])
    more = len(rows) > page_size
    token = encode_page_token(_cursor_key(items[-1]), digest) if more and items else ""
    return AuthorizationPage(items, token)


# -------------------------------------------------------------------------- commands


async def _add_granted(uow: AbstractUnitOfWork, authorization: Authorization) -> None:
    """Store a new authorization with its ``authorization_granted`` event."""
    await uow.authorizations.add(authorization)
    await uow.events.add(AuthorizationGranted(authorization))


class AuthorizationHandlers:
    """The use cases with their dependencies bound (what the servicer and worker call)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        identities: IdentityProtector,
        *,
        clock: Clock = utc_now,
        ids: IdFactory = new_id,
        lookup_grant_duration: timedelta = timedelta(minutes=15),
    ) -> None:
        self._uow = uow
        self._identities = identities
        self._clock = clock
        self._ids = ids
        self._lookup_grant_duration = lookup_grant_duration

    # ------------------------------------------------------------------ queries

    async def check_access(self, query: CheckAccess) -> AccessDecision:
        return await check_access(query, self._uow(read_only=True), self._clock())

    async def list_accessible_invoices(
        self, query: ListAccessibleInvoices
    ) -> AccessibleInvoicePage:
        return await list_accessible_invoices(query, self._uow(read_only=True), self._clock())

    async def list_authorizations(self, query: ListAuthorizations) -> AuthorizationPage:
        return await list_authorizations(query, self._uow(read_only=True), self._clock())

    # ------------------------------------------------------------------ events

    async def record_invoice_registered(self, command: RecordInvoiceRegistered) -> RecordOutcome:
        return await record_invoice_registered(command, self._uow())

    async def record_invoice_closed(self, command: RecordInvoiceClosed) -> int:
        return await record_invoice_closed(command, self._uow())

    async def expire_due_authorizations(self, limit: int = EXPIRY_BATCH) -> int:
        return await expire_due_authorizations(self._uow(), self._clock(), limit)

    # ------------------------------------------------------------------ commands

    async def grant_invoice_authorization(
        self, command: GrantInvoiceAuthorization
    ) -> Authorization:
        grantee_party = self._identities.party(command.grantee_national_id)
        fingerprint = records.fingerprint(
            [
                command.invoice,
                command.grantor.name,
                grantee_party,
                command.grantee_name,
                command.expire_date,
            ]
        )

        async def work(uow: AbstractUnitOfWork) -> Authorization:
            now = self._clock()
            ownership = await uow.ownerships.get(command.invoice)
            active = await self._active_after_expiring(
                uow,
                await uow.authorizations.active_invoice_authorizations(
                    command.invoice, grantee_party
                ),
                now,
            )
            authorization = grant_invoice_authorization(
                authorization_id=self._ids(),
                ownership=ownership,
                grantor=command.grantor,
                grantee=self._grantee(command.grantee_national_id, command.grantee_name),
                expire_date=command.expire_date,
                now=now,
                already_active=bool(active),
            )
            await _add_granted(uow, authorization)
            return authorization

        authorization = await self._idempotent_authorization(
            GRANT_INVOICE_AUTHORIZATION, command.request_id, fingerprint, work
        )
        _log.info(
            "authorization_granted", authorization=authorization.name, invoice=command.invoice
        )
        return authorization

    async def create_continuous_authorization(
        self, command: CreateContinuousAuthorization
    ) -> Authorization:
        grantee_party = self._identities.party(command.grantee_national_id)
        fingerprint = records.fingerprint(
            [
                command.actor.name,
                command.grantor.name,
                grantee_party,
                command.grantee_name,
                command.creditor,
                command.expire_date,
                command.conversation,
            ]
        )

        async def work(uow: AbstractUnitOfWork) -> Authorization:
            now = self._clock()
            active = await self._active_after_expiring(
                uow,
                await uow.authorizations.active_continuous(
                    command.grantor.name, grantee_party, command.creditor
                ),
                now,
            )
            authorization = create_continuous_authorization(
                authorization_id=self._ids(),
                actor=command.actor,
                grantor=command.grantor,
                grantee=self._grantee(command.grantee_national_id, command.grantee_name),
                creditor=command.creditor,
                expire_date=command.expire_date,
                conversation=command.conversation,
                now=now,
                already_active=bool(active),
            )
            await _add_granted(uow, authorization)
            return authorization

        authorization = await self._idempotent_authorization(
            CREATE_CONTINUOUS_AUTHORIZATION, command.request_id, fingerprint, work
        )
        _log.info(
            "continuous_authorization_created",
            authorization=authorization.name,
            actor=command.actor.name,
        )
        return authorization

    async def revoke_authorization(self, command: RevokeAuthorization) -> Authorization:
        fingerprint = records.fingerprint([command.authorization_id, command.actor.name])

        async def work(uow: AbstractUnitOfWork) -> Authorization:
            authorization = await uow.authorizations.get(command.authorization_id)
            if authorization is None:
                raise NotFound("AUTHORIZATION_NOT_FOUND", "authorization not found")
            revoked = authorization.revoke(command.actor, self._clock())
            await uow.authorizations.save(revoked, expected_state=AuthorizationState.ACTIVE)
            await uow.events.add(AuthorizationRevoked(revoked))
            return revoked

        authorization = await self._idempotent_authorization(
            REVOKE_AUTHORIZATION, command.request_id, fingerprint, work
        )
        _log.info(
            "authorization_revoked", authorization=authorization.name, actor=command.actor.name
        )
        return authorization

    async def grant_lookup_access(self, command: GrantLookupAccess) -> LookupGrant:
        fingerprint = records.fingerprint([command.subject.name, command.invoice])

        async def work(uow: AbstractUnitOfWork) -> LookupGrant:
            now = self._clock()
            if await uow.ownerships.get(command.invoice) is None:
                raise NotFound(INVOICE_NOT_FOUND, "invoice not found")
            existing = await uow.lookup_grants.in_force(command.subject.name, command.invoice, now)
            grant = grant_or_extend(
                existing,
                grant_id=self._ids(),
                subject=command.subject.name,
                invoice=command.invoice,
                now=now,
                duration=self._lookup_grant_duration,
            )
            await uow.lookup_grants.save(grant)
            return grant

        return await self._idempotent(
            GRANT_LOOKUP_ACCESS,
            command.request_id,
            fingerprint,
            work,
            records.lookup_grant_record,
            records.lookup_grant_from_record,
        )

    # ------------------------------------------------------------------ helpers

    def _grantee(self, national_id: NationalId, name: str) -> Grantee:
        protected: ProtectedIdentity = self._identities.protect(national_id)
        return Grantee(protected.party, name, protected.masked, protected.sealed)

    async def _active_after_expiring(
        self, uow: AbstractUnitOfWork, found: Sequence[Authorization], now: datetime
    ) -> list[Authorization]:
        """The ones still in force; any past its last day is marked EXPIRED on the way
        (before the sweep gets to it), so that it does not block a new one."""
        today = helsinki_date(now)
        active: list[Authorization] = []
        for authorization in found:
            if authorization.is_past(today):
                stopped = authorization.expire(now)
                await uow.authorizations.save(stopped, expected_state=AuthorizationState.ACTIVE)
                await uow.events.add(AuthorizationRevoked(stopped))
            else:
                active.append(authorization)
        return active

    async def _idempotent_authorization(
        self,
        method: str,
        request_id: str,
        fingerprint: str,
        work: Callable[[AbstractUnitOfWork], Awaitable[Authorization]],
    ) -> Authorization:
        """``_idempotent`` for the calls that answer with an authorization."""
        return await self._idempotent(
            method,
            request_id,
            fingerprint,
            work,
            records.authorization_record,
            records.authorization_from_record,
        )

    async def _idempotent(
        self,
        method: str,
        request_id: str,
        fingerprint: str,
        work: Callable[[AbstractUnitOfWork], Awaitable[T]],
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
    ) -> T:
        """Run ``work`` once per ``request_id``: a retry returns the stored result.

        A ``Conflict`` (concurrent first calls with one id, or a concurrent change of the
        same authorization) is retried with a fresh unit of work, which then sees the
        winner: the stored response, or the new state. A refusal because of the state is
        checked against the request log once more: a concurrent first call with the same
        id may have committed between the look-up and the work, and its answer is the
        answer (not "already authorized").
        """
        for _ in range(_ATTEMPTS):
            try:
                async with self._uow() as uow:
                    stored = await uow.requests.find(method, request_id, fingerprint)
                    if stored is not None:
                        return decode(stored)
                    result = await work(uow)
                    await uow.requests.record(method, request_id, fingerprint, encode(result))
                    await uow.commit()
                    return result
            except Conflict:
                continue
            except FailedPrecondition:
                async with self._uow(read_only=True) as uow:
                    stored = await uow.requests.find(method, request_id, fingerprint)
                if stored is None:
                    raise
                return decode(stored)
        raise Aborted(message="a concurrent change won; retry the request")
