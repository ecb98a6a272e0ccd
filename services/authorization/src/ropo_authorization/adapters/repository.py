"""SQLAlchemy implementations of the service-layer ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ropo_platform.db import utcnow
from ropo_platform.db.request_log import RequestIdReused as PlatformRequestIdReused
from ropo_platform.db.request_log import find_response, record_response
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from ropo_authorization.adapters.orm import authorizations, invoice_ownership, lookup_grants
from ropo_authorization.domain.access import (
    LIST_REASON_ORDER,
    AccessibleInvoice,
    AccessReason,
)
from ropo_authorization.domain.authorizations import (
    Authorization,
    AuthorizationState,
    AuthorizationType,
    end_of_day,
    helsinki_date,
)
from ropo_authorization.domain.lookup_grants import LookupGrant
from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.service_layer import ports

_t = invoice_ownership
_a = authorizations
_g = lookup_grants

_ACTIVE = AuthorizationState.ACTIVE.value
_INVOICE = AuthorizationType.INVOICE.value
_CONTINUOUS = AuthorizationType.CONTINUOUS.value


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(_t).on_conflict_do_nothing(index_elements=[_t.c.invoice])


def ownership_from_row(row: Any) -> InvoiceOwnership:
    """An ownership from a row (or anything with its column names as attributes)."""
    return InvoiceOwnership(
        row.invoice,
        row.creditor,
        row.debtor_party,
        row.register_time,
        bool(row.closed),
        row.closed_time,
    )


class SqlOwnershipRepository(ports.OwnershipRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, invoice: str) -> InvoiceOwnership | None:
        row = (
            await self._session.execute(
                select(
                    _t.c.invoice,
                    _t.c.creditor,
                    _t.c.debtor_party,
                    _t.c.register_time,
                    _t.c.closed,
                    _t.c.closed_time,
                ).where(_t.c.invoice == invoice)
            )
        ).first()
        return ownership_from_row(row) if row is not None else None

    async def add(self, ownership: InvoiceOwnership) -> bool:
        result = await self._session.execute(
            _insert_ignoring_duplicates(self._session).values(
                invoice=ownership.invoice,
                creditor=ownership.creditor,
                debtor_party=ownership.debtor,
                register_time=ownership.register_time,
                recorded_at=utcnow(),
                closed=ownership.closed,
                closed_time=ownership.closed_time,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def mark_closed(self, invoice: str, at: datetime) -> bool:
        result = await self._session.execute(
            update(_t)
            .where(_t.c.invoice == invoice, _t.c.closed.is_(False))
            .values(closed=True, closed_time=at)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


# ------------------------------------------------------------------ authorizations


def authorization_from_row(row: Any) -> Authorization:
    """An authorization from a row (or anything with its column names as attributes)."""
    return Authorization(
        id=row.id,
        type=AuthorizationType(row.type),
        state=AuthorizationState(row.state),
        grantor=row.grantor,
        grantee=row.grantee,
        grantee_display_name=row.grantee_display_name,
        grantee_masked_identifier=row.grantee_masked_identifier,
        grantee_national_id_sealed=bytes(row.grantee_national_id_sealed),
        create_time=row.create_time,
        creator=row.creator,
        invoice=row.invoice or "",
        creditor=row.creditor or "",
        expire_date=row.expire_date,
        conversation=row.conversation or "",
        end_time=row.end_time,
        revoker=row.revoker or "",
    )


def _end_of(expire_date: date | None) -> datetime | None:
    return end_of_day(expire_date) if expire_date is not None else None


def _in_force_on(today: date) -> ColumnElement[bool]:
    return and_(_a.c.state == _ACTIVE, or_(_a.c.expire_date.is_(None), _a.c.expire_date >= today))


class SqlAuthorizationRepository(ports.AuthorizationRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, authorization: Authorization) -> None:
        try:
            await self._session.execute(
                insert(_a).values(
                    id=authorization.id,
                    type=authorization.type.value,
                    state=authorization.state.value,
                    grantor=authorization.grantor,
                    grantee=authorization.grantee,
                    grantee_display_name=authorization.grantee_display_name,
                    grantee_masked_identifier=authorization.grantee_masked_identifier,
                    grantee_national_id_sealed=authorization.grantee_national_id_sealed,
                    invoice=authorization.invoice or None,
                    creditor=authorization.creditor or None,
                    expire_date=authorization.expire_date,
                    creator=authorization.creator,
                    conversation=authorization.conversation or None,
                    create_time=authorization.create_time,
                    end_time=authorization.end_time,
                    revoker=authorization.revoker or None,
                )
            )
        except IntegrityError:
            raise ports.Conflict("a concurrent grant of the same scope won") from None

    async def get(self, authorization_id: str) -> Authorization | None:
        row = (await self._session.execute(select(_a).where(_a.c.id == authorization_id))).first()
        return authorization_from_row(row) if row is not None else None

    async def save(self, authorization: Authorization, *, expected_state: str) -> None:
        result = await self._session.execute(
            update(_a)
            .where(_a.c.id == authorization.id, _a.c.state == expected_state)
            .values(
                state=authorization.state.value,
                end_time=authorization.end_time,
                revoker=authorization.revoker or None,
            )
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            raise ports.Conflict("the authorization changed concurrently")

    async def active_invoice_authorizations(
        self, invoice: str, grantee: str | None = None
    ) -> Sequence[Authorization]:
        query = select(_a).where(
            _a.c.invoice == invoice, _a.c.type == _INVOICE, _a.c.state == _ACTIVE
        )
        if grantee is not None:
            query = query.where(_a.c.grantee == grantee)
        rows = await self._session.execute(query.order_by(_a.c.create_time, _a.c.id))
        return [authorization_from_row(row) for row in rows]

    async def active_continuous(
        self, grantor: str, grantee: str, creditor: str | None = None
    ) -> Sequence[Authorization]:
        query = select(_a).where(
            _a.c.grantee == grantee,
            _a.c.state == _ACTIVE,
            _a.c.grantor == grantor,
            _a.c.type == _CONTINUOUS,
        )
        if creditor is not None:
            query = query.where(
                _a.c.creditor.is_(None) if creditor == "" else _a.c.creditor == creditor
            )
        rows = await self._session.execute(query.order_by(_a.c.create_time, _a.c.id))
        return [authorization_from_row(row) for row in rows]

    async def past_expiry(self, today: date, limit: int) -> Sequence[Authorization]:
        rows = await self._session.execute(
            select(_a)
            .where(_a.c.state == _ACTIVE, _a.c.expire_date < today)
            .order_by(_a.c.expire_date, _a.c.id)
            .limit(limit)
        )
        return [authorization_from_row(row) for row in rows]

    async def list(
        self,
        query: ports.AuthorizationFilter,
        *,
        after: ports.AuthorizationCursor | None,
        limit: int,
    ) -> Sequence[Authorization]:
        statement = select(_a)
        if query.invoice:
            per_invoice = and_(_a.c.type == _INVOICE, _a.c.invoice == query.invoice)
            scope = query.invoice_scope
            if scope is not None:
                statement = statement.where(
                    or_(
                        per_invoice,
                        and_(
                            _a.c.type == _CONTINUOUS,
                            _a.c.grantor == scope.debtor,
                            or_(_a.c.creditor.is_(None), _a.c.creditor == scope.creditor),
                        ),
                    )
                )
            else:
                statement = statement.where(per_invoice)
        if query.grantor:
            statement = statement.where(_a.c.grantor == query.grantor)
        if query.grantee:
            statement = statement.where(_a.c.grantee == query.grantee)
        if query.active_on is not None:
            statement = statement.where(_in_force_on(query.active_on))
        if after is not None:
            statement = statement.where(
                or_(
                    _a.c.create_time < after.create_time,
                    and_(_a.c.create_time == after.create_time, _a.c.id < after.id),
                )
            )
        rows = await self._session.execute(
            statement.order_by(_a.c.create_time.desc(), _a.c.id.desc()).limit(limit)
        )
        return [authorization_from_row(row) for row in rows]


# ------------------------------------------------------------------ lookup grants


class SqlLookupGrantRepository(ports.LookupGrantRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def in_force(self, subject: str, invoice: str, now: datetime) -> LookupGrant | None:
        row = (
            await self._session.execute(
                select(_g)
                .where(_g.c.subject == subject, _g.c.invoice == invoice, _g.c.expire_time > now)
                .order_by(_g.c.expire_time.desc(), _g.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return LookupGrant(row.id, row.subject, row.invoice, row.create_time, row.expire_time)

    async def save(self, grant: LookupGrant) -> None:
        result = await self._session.execute(
            update(_g).where(_g.c.id == grant.id).values(expire_time=grant.expire_time)
        )
        if int(getattr(result, "rowcount", 0) or 0) == 0:
            await self._session.execute(
                insert(_g).values(
                    id=grant.id,
                    subject=grant.subject,
                    invoice=grant.invoice,
                    create_time=grant.create_time,
                    expire_time=grant.expire_time,
                )
            )


# ------------------------------------------------------------------ request log


class SqlRequestLog(ports.RequestLog):
    """The platform's ``request_log`` table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        try:
            return await find_response(self._session, method, request_id, fingerprint)
        except PlatformRequestIdReused:
            raise ports.RequestIdReused(method) from None

    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        try:
            await record_response(self._session, method, request_id, fingerprint, result)
        except IntegrityError:
            raise ports.Conflict("a concurrent call with the same request_id won") from None


# ------------------------------------------------------------------ accessible invoices


class SqlAccessibleInvoiceView(ports.AccessibleInvoiceView):
    """The union of the four sources, merged in invoice-name order.

    Each source returns up to ``limit`` distinct invoices after ``after``. The merged
    list is exact up to the smallest "last invoice" of the sources that filled their
    limit (beyond it a full source may have more rows), so the result is cut there:
    at least ``limit`` entries remain whenever any source was full, which is what the
    use case's one-extra-row "is there another page" check needs.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for_person(
        self,
        person: str,
        reasons: frozenset[AccessReason],
        *,
        after: str | None,
        limit: int,
        now: datetime,
    ) -> Sequence[AccessibleInvoice]:
        today = helsinki_date(now)
        sources: list[list[AccessibleInvoice]] = []
        if AccessReason.OWN in reasons:
            sources.append(await self._own(person, after, limit))
        if AccessReason.AUTHORIZED in reasons:
            sources.append(await self._authorized(person, after, limit, today))
        if AccessReason.CONTINUOUS_AUTHORIZATION in reasons:
            sources.append(await self._continuous(person, after, limit, today))
        if AccessReason.LOOKUP in reasons:
            sources.append(await self._lookup(person, after, limit, now))

        boundary: str | None = None
        for rows in sources:
            if len(rows) >= limit and rows:
                last = rows[-1].invoice
                boundary = last if boundary is None else min(boundary, last)
        rank = {reason: index for index, reason in enumerate(LIST_REASON_ORDER)}
        best: dict[str, AccessibleInvoice] = {}
        for rows in sources:
            for entry in rows:
                if boundary is not None and entry.invoice > boundary:
                    continue
                current = best.get(entry.invoice)
                if current is None or rank[entry.reason] < rank[current.reason]:
                    best[entry.invoice] = entry
        return [best[invoice] for invoice in sorted(best)][:limit]

    async def _own(self, person: str, after: str | None, limit: int) -> list[AccessibleInvoice]:
        query = select(_t.c.invoice).where(_t.c.debtor_party == person)
        if after is not None:
            query = query.where(_t.c.invoice > after)
        rows = await self._session.execute(query.order_by(_t.c.invoice).limit(limit))
        return [AccessibleInvoice(invoice, AccessReason.OWN) for (invoice,) in rows]

    async def _authorized(
        self, person: str, after: str | None, limit: int, today: date
    ) -> list[AccessibleInvoice]:
        # At most one active per grantee and invoice (unique index): rows are distinct.
        query = select(_a.c.invoice, _a.c.id, _a.c.expire_date).where(
            _a.c.grantee == person, _a.c.type == _INVOICE, _in_force_on(today)
        )
        if after is not None:
            query = query.where(_a.c.invoice > after)
        rows = await self._session.execute(query.order_by(_a.c.invoice).limit(limit))
        return [
            AccessibleInvoice(
                row.invoice,
                AccessReason.AUTHORIZED,
                f"authorizations/{row.id}",
                _end_of(row.expire_date),
            )
            for row in rows
        ]

    async def _continuous(
        self, person: str, after: str | None, limit: int, today: date
    ) -> list[AccessibleInvoice]:
        query = (
            select(_t.c.invoice, func.min(_a.c.id).label("grant_id"))
            .select_from(
                _t.join(
                    _a,
                    and_(
                        _a.c.grantor == _t.c.debtor_party,
                        or_(_a.c.creditor.is_(None), _a.c.creditor == _t.c.creditor),
                    ),
                )
            )
            .where(_a.c.grantee == person, _a.c.type == _CONTINUOUS, _in_force_on(today))
            .group_by(_t.c.invoice)
        )
        if after is not None:
            query = query.where(_t.c.invoice > after)
        rows = list(await self._session.execute(query.order_by(_t.c.invoice).limit(limit)))
        if not rows:
            return []
        chosen = await self._session.execute(
            select(_a.c.id, _a.c.expire_date).where(_a.c.id.in_({row.grant_id for row in rows}))
        )
        expiry: dict[str, date | None] = {row.id: row.expire_date for row in chosen}
        return [
            AccessibleInvoice(
                row.invoice,
                AccessReason.CONTINUOUS_AUTHORIZATION,
                f"authorizations/{row.grant_id}",
                _end_of(expiry.get(row.grant_id)),
            )
            for row in rows
        ]

    async def _lookup(
        self, person: str, after: str | None, limit: int, now: datetime
    ) -> list[AccessibleInvoice]:
        in_force = and_(_g.c.subject == person, _g.c.expire_time > now)
        query = select(_g.c.invoice).where(in_force).group_by(_g.c.invoice)
        if after is not None:
            query = query.where(_g.c.invoice > after)
        invoices = [
            invoice
            for (invoice,) in await self._session.execute(query.order_by(_g.c.invoice).limit(limit))
        ]
        if not invoices:
            return []
        latest: dict[str, LookupGrant] = {}
        rows = await self._session.execute(select(_g).where(in_force, _g.c.invoice.in_(invoices)))
        for row in rows:
            current = latest.get(row.invoice)
            if current is None or row.expire_time > current.expire_time:
                latest[row.invoice] = LookupGrant(
                    row.id, row.subject, row.invoice, row.create_time, row.expire_time
                )
        return [
            AccessibleInvoice(
                invoice, AccessReason.LOOKUP, latest[invoice].name, latest[invoice].expire_time
            )
            for invoice in invoices
        ]
