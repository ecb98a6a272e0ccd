"""Authorizations and lookup grants: aggregate rules and use cases with in-memory fakes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from authorization_support import (
    ALICE,
    BOB,
    CREDITOR,
    GRANTEE_HETU,
    OTHER_CREDITOR,
    OTHER_HETU,
    Clock,
    FakeIdentities,
    FakeOwnerships,
    FakeUnitOfWork,
    ownership,
)
from ropo_authorization.domain.access import AccessReason, Action
from ropo_authorization.domain.authorizations import (
    AuthorizationGranted,
    AuthorizationRevoked,
    AuthorizationState,
    AuthorizationType,
    InvalidDisplayName,
    display_name,
)
from ropo_authorization.domain.subjects import Party, StaffRole, StaffUser
from ropo_authorization.service_layer.handlers import (
    AuthorizationHandlers,
    CheckAccess,
    CreateContinuousAuthorization,
    GrantInvoiceAuthorization,
    GrantLookupAccess,
    ListAccessibleInvoices,
    ListAuthorizations,
    RecordInvoiceClosed,
    RevokeAuthorization,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_platform.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ropo_platform.national_id import NationalId

NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)  # 12:00 in Helsinki
AGENT = StaffUser("staffUsers/agent1", frozenset({StaffRole.AGENT}))
CREDITOR_USER = StaffUser("staffUsers/c1", frozenset(), frozenset({CREDITOR}))
IDENTITIES = FakeIdentities()
GRANTEE = IDENTITIES.party(NationalId.parse(GRANTEE_HETU))
OTHER = IDENTITIES.party(NationalId.parse(OTHER_HETU))


def rid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def store() -> FakeOwnerships:
    return FakeOwnerships([ownership("i1"), ownership("i2"), ownership("b1", debtor=BOB)])


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def handlers(store: FakeOwnerships, clock: Clock) -> AuthorizationHandlers:
    def factory(*, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(store)

    return AuthorizationHandlers(factory, IDENTITIES, clock=clock)


def grant(
    invoice: str = "invoices/i1",
    *,
    grantor: str = ALICE,
    hetu: str = GRANTEE_HETU,
    name: str = "Bertta Valtuutettu",
    expire_date: date | None = None,
    request_id: str | None = None,
) -> GrantInvoiceAuthorization:
    return GrantInvoiceAuthorization(
        request_id or rid(), invoice, Party(grantor), NationalId.parse(hetu), name, expire_date
    )


def check(subject: str, action: Action = Action.VIEW, invoice: str = "invoices/i1") -> CheckAccess:
    return CheckAccess(Party(subject), invoice, action)


# ------------------------------------------------------------------------ aggregate


def test_display_name_is_trimmed_and_bounded() -> None:
    assert display_name("  Bertta  ") == "Bertta"
    for bad in ("", "   ", "x" * 201, "Bert\x00ta", "Bert\nta", "Bert\u202eta"):
        with pytest.raises(InvalidDisplayName):
            display_name(bad)
    assert display_name("x" * 200) == "x" * 200


# ------------------------------------------------------------------------ grant


async def test_debtor_grants_and_the_grantee_gets_access(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    authorization = await handlers.grant_invoice_authorization(grant())
    assert (authorization.type, authorization.state) == (
        AuthorizationType.INVOICE,
        AuthorizationState.ACTIVE,
    )
    assert (authorization.grantor, authorization.grantee, authorization.creator) == (
        ALICE,
        GRANTEE,
        ALICE,
    )
    assert authorization.grantee_masked_identifier == "010594-****"
    assert authorization.grantee_display_name == "Bertta Valtuutettu"
    stored = store.authorizations[authorization.id]
    assert GRANTEE_HETU.encode() not in stored.grantee_national_id_sealed
    assert IDENTITIES.real.open(GRANTEE, stored.grantee_national_id_sealed) == NationalId.parse(
        GRANTEE_HETU
    )
    assert [type(e) for e in store.events] == [AuthorizationGranted]

    decision = await handlers.check_access(check(GRANTEE, Action.PAY))
    assert (decision.allowed, decision.reason, decision.grant) == (
        True,
        "AUTHORIZED",
        authorization.name,
    )
    assert not (await handlers.check_access(check(GRANTEE, Action.AUTHORIZE))).allowed
    assert not (await handlers.check_access(check(GRANTEE, invoice="invoices/i2"))).allowed


@pytest.mark.parametrize(
    "command",
    [
        grant("invoices/unknown"),
        grant("invoices/b1"),  # Bob's invoice
        grant(grantor=BOB),  # not the debtor of i1
    ],
    ids=["unknown", "someone-elses", "not-the-debtor"],
)
async def test_only_the_debtor_grants_and_others_see_not_found(
    handlers: AuthorizationHandlers, command: GrantInvoiceAuthorization
) -> None:
    with pytest.raises(NotFound) as raised:
        await handlers.grant_invoice_authorization(command)
    assert raised.value.reason == "INVOICE_NOT_FOUND"


async def test_not_to_oneself(handlers: AuthorizationHandlers) -> None:
    # Alice's own key is GRANTEE here: the debtor of "self" is the grantee.
    store_self = FakeOwnerships([ownership("s1", debtor=GRANTEE)])

    def factory(*, read_only: bool = False) -> AbstractUnitOfWork:
        return FakeUnitOfWork(store_self)

    own = AuthorizationHandlers(factory, IDENTITIES, clock=lambda: NOW)
    with pytest.raises(ValidationFailed) as raised:
        await own.grant_invoice_authorization(grant("invoices/s1", grantor=GRANTEE))
    assert raised.value.reason == "SELF_AUTHORIZATION"
    assert [(v.field, v.reason) for v in raised.value.violations] == [
        ("grantee_national_id", "SELF_AUTHORIZATION")
    ]
    assert GRANTEE_HETU not in str(raised.value)


async def test_expire_date_not_before_today(handlers: AuthorizationHandlers) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await handlers.grant_invoice_authorization(grant(expire_date=date(2026, 9, 14)))
    assert [v.field for v in raised.value.violations] == ["expire_date"]
    today = await handlers.grant_invoice_authorization(grant(expire_date=date(2026, 9, 15)))
    assert today.expire_date == date(2026, 9, 15)


async def test_closed_invoice_and_duplicate_are_failed_preconditions(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    await handlers.grant_invoice_authorization(grant())
    with pytest.raises(FailedPrecondition) as duplicate:
        await handlers.grant_invoice_authorization(grant())
    assert duplicate.value.reason == "AUTHORIZATION_ALREADY_ACTIVE"
    store.entries["invoices/i2"] = replace(store.entries["invoices/i2"], closed=True)
    with pytest.raises(FailedPrecondition) as closed:
        await handlers.grant_invoice_authorization(grant("invoices/i2"))
    assert closed.value.reason == "INVOICE_CLOSED"


async def test_an_authorization_past_its_date_does_not_block_a_new_one(
    handlers: AuthorizationHandlers, store: FakeOwnerships, clock: Clock
) -> None:
    old = await handlers.grant_invoice_authorization(grant(expire_date=date(2026, 9, 15)))
    clock.advance(timedelta(days=1))
    new = await handlers.grant_invoice_authorization(grant())
    assert store.authorizations[old.id].state is AuthorizationState.EXPIRED
    assert new.state is AuthorizationState.ACTIVE
    assert [type(e) for e in store.events] == [
        AuthorizationGranted,
        AuthorizationRevoked,
        AuthorizationGranted,
    ]


async def test_same_request_id_replays_and_a_different_request_is_refused(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    request_id = rid()
    first = await handlers.grant_invoice_authorization(grant(request_id=request_id))
    again = await handlers.grant_invoice_authorization(grant(request_id=request_id))
    assert again.id == first.id
    assert len(store.authorizations) == 1
    assert len(store.events) == 1
    with pytest.raises(ValidationFailed) as raised:
        await handlers.grant_invoice_authorization(grant(request_id=request_id, hetu=OTHER_HETU))
    assert raised.value.reason == "REQUEST_ID_REUSED"
    assert [v.field for v in raised.value.violations] == ["request_id"]


async def test_stored_fingerprints_and_results_hold_no_hetu(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    await handlers.grant_invoice_authorization(grant())
    ((fingerprint, result),) = store.requests.values()
    assert GRANTEE_HETU not in fingerprint
    assert GRANTEE_HETU.encode() not in result


# ------------------------------------------------------------------------ revoke


async def test_grantor_revokes_and_the_next_check_is_denied(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    authorization = await handlers.grant_invoice_authorization(grant())
    revoked = await handlers.revoke_authorization(
        RevokeAuthorization(rid(), authorization.id, Party(ALICE))
    )
    assert (revoked.state, revoked.revoker, revoked.end_time) == (
        AuthorizationState.REVOKED,
        ALICE,
        NOW,
    )
    assert isinstance(store.events[-1], AuthorizationRevoked)
    decision = await handlers.check_access(check(GRANTEE))
    assert (decision.allowed, decision.reason) == (False, "NO_RELATION")
    with pytest.raises(FailedPrecondition) as again:
        await handlers.revoke_authorization(
            RevokeAuthorization(rid(), authorization.id, Party(ALICE))
        )
    assert again.value.reason == "AUTHORIZATION_NOT_ACTIVE"


async def test_staff_may_revoke(handlers: AuthorizationHandlers) -> None:
    authorization = await handlers.grant_invoice_authorization(grant())
    revoked = await handlers.revoke_authorization(
        RevokeAuthorization(rid(), authorization.id, AGENT)
    )
    assert revoked.revoker == AGENT.name


@pytest.mark.parametrize(
    "actor", [Party(BOB), Party(GRANTEE), CREDITOR_USER], ids=["stranger", "grantee", "creditor"]
)
async def test_anyone_else_revoking_gets_not_found(
    handlers: AuthorizationHandlers, actor: Party | StaffUser
) -> None:
    authorization = await handlers.grant_invoice_authorization(grant())
    for name in (authorization.id, "f" * 32):
        with pytest.raises(NotFound) as raised:
            await handlers.revoke_authorization(RevokeAuthorization(rid(), name, actor))
        assert raised.value.reason == "AUTHORIZATION_NOT_FOUND"


# ------------------------------------------------------------------------ continuous


def continuous(
    actor: Party | StaffUser = AGENT, creditor: str = "", hetu: str = GRANTEE_HETU
) -> CreateContinuousAuthorization:
    return CreateContinuousAuthorization(
        rid(),
        actor,
        Party(ALICE),
        NationalId.parse(hetu),
        "Bertta",
        creditor=creditor,
        conversation="conversations/c1",
    )


async def test_staff_create_continuous_covering_every_invoice_of_the_grantor(
    handlers: AuthorizationHandlers,
) -> None:
    authorization = await handlers.create_continuous_authorization(continuous())
    assert (authorization.type, authorization.creator, authorization.conversation) == (
        AuthorizationType.CONTINUOUS,
        AGENT.name,
        "conversations/c1",
    )
    for invoice in ("invoices/i1", "invoices/i2"):
        decision = await handlers.check_access(check(GRANTEE, Action.PAY, invoice))
        assert (decision.reason, decision.grant) == ("CONTINUOUS_AUTHORIZATION", authorization.name)
    assert not (await handlers.check_access(check(GRANTEE, invoice="invoices/b1"))).allowed
    with pytest.raises(FailedPrecondition):
        await handlers.create_continuous_authorization(continuous())


async def test_continuous_for_one_creditor_only(handlers: AuthorizationHandlers) -> None:
    await handlers.create_continuous_authorization(continuous(creditor=OTHER_CREDITOR))
    assert not (await handlers.check_access(check(GRANTEE))).allowed


@pytest.mark.parametrize("actor", [Party(ALICE), CREDITOR_USER], ids=["person", "creditor-user"])
async def test_continuous_needs_agent_or_supervisor(
    handlers: AuthorizationHandlers, actor: Party | StaffUser
) -> None:
    with pytest.raises(PermissionDenied) as raised:
        await handlers.create_continuous_authorization(continuous(actor))
    assert raised.value.reason == "STAFF_ROLE_REQUIRED"


# ------------------------------------------------------------------------ lookup grants


async def test_lookup_grant_is_given_then_extended_then_expires(
    handlers: AuthorizationHandlers, clock: Clock
) -> None:
    first = await handlers.grant_lookup_access(
        GrantLookupAccess(rid(), Party(OTHER), "invoices/i1")
    )
    assert first.expire_time == NOW + timedelta(minutes=15)
    decision = await handlers.check_access(check(OTHER, Action.PAY))
    assert (decision.reason, decision.grant) == ("LOOKUP_GRANT", first.name)
    denied = await handlers.check_access(check(OTHER, Action.CHAT))
    assert denied.reason == "LOOKUP_GRANT_ACTION_NOT_ALLOWED"

    clock.advance(timedelta(minutes=10))
    extended = await handlers.grant_lookup_access(
        GrantLookupAccess(rid(), Party(OTHER), "invoices/i1")
    )
    assert extended.id == first.id
    assert extended.expire_time == clock.now + timedelta(minutes=15)

    clock.advance(timedelta(minutes=15))
    assert (await handlers.check_access(check(OTHER))).reason == "NO_RELATION"
    fresh = await handlers.grant_lookup_access(
        GrantLookupAccess(rid(), Party(OTHER), "invoices/i1")
    )
    assert fresh.id != first.id


async def test_lookup_grant_for_an_unknown_invoice_is_not_found(
    handlers: AuthorizationHandlers,
) -> None:
    with pytest.raises(NotFound):
        await handlers.grant_lookup_access(GrantLookupAccess(rid(), Party(OTHER), "invoices/x"))


# ------------------------------------------------------------------------ closing, expiry


async def test_closing_the_invoice_ends_its_authorizations(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    per_invoice = await handlers.grant_invoice_authorization(grant())
    ongoing = await handlers.create_continuous_authorization(continuous(hetu=OTHER_HETU))
    ended = await handlers.record_invoice_closed(
        RecordInvoiceClosed("invoices/i1", CREDITOR, ALICE, NOW)
    )
    assert ended == 1
    assert store.authorizations[per_invoice.id].state is AuthorizationState.ENDED
    assert store.authorizations[ongoing.id].state is AuthorizationState.ACTIVE
    assert store.entries["invoices/i1"].closed
    last = store.events[-1]
    assert isinstance(last, AuthorizationRevoked)
    assert last.authorization.state is AuthorizationState.ENDED
    assert not (await handlers.check_access(check(GRANTEE))).allowed
    assert (await handlers.check_access(check(ALICE))).allowed  # the debtor's archive
    # A repeat changes nothing.
    assert (
        await handlers.record_invoice_closed(
            RecordInvoiceClosed("invoices/i1", CREDITOR, ALICE, NOW)
        )
        == 0
    )


async def test_closing_an_unknown_invoice_records_it_closed(
    handlers: AuthorizationHandlers, store: FakeOwnerships
) -> None:
    await handlers.record_invoice_closed(RecordInvoiceClosed("invoices/n1", CREDITOR, ALICE, NOW))
    assert store.entries["invoices/n1"].closed
    with pytest.raises(FailedPrecondition):
        await handlers.grant_invoice_authorization(grant("invoices/n1"))


async def test_sweep_marks_past_authorizations_expired(
    handlers: AuthorizationHandlers, store: FakeOwnerships, clock: Clock
) -> None:
    dated = await handlers.grant_invoice_authorization(grant(expire_date=date(2026, 9, 15)))
    open_ended = await handlers.grant_invoice_authorization(grant("invoices/i2"))
    assert await handlers.expire_due_authorizations() == 0
    clock.now = datetime(2026, 9, 15, 21, 0, tzinfo=UTC)  # Helsinki midnight
    assert await handlers.expire_due_authorizations() == 1
    assert store.authorizations[dated.id].state is AuthorizationState.EXPIRED
    assert store.authorizations[open_ended.id].state is AuthorizationState.ACTIVE
    last = store.events[-1]
    assert isinstance(last, AuthorizationRevoked)
    assert last.authorization.state is AuthorizationState.EXPIRED


# ------------------------------------------------------------------------ lists


async def test_accessible_invoices_union_with_the_strongest_reason(
    handlers: AuthorizationHandlers,
) -> None:
    await handlers.grant_lookup_access(GrantLookupAccess(rid(), Party(GRANTEE), "invoices/i1"))
    await handlers.grant_lookup_access(GrantLookupAccess(rid(), Party(GRANTEE), "invoices/b1"))
    authorization = await handlers.grant_invoice_authorization(grant(expire_date=date(2026, 9, 20)))
    page = await handlers.list_accessible_invoices(ListAccessibleInvoices(Party(GRANTEE)))
    entries = {i.invoice: i for i in page.invoices}
    assert list(entries) == ["invoices/b1", "invoices/i1"]
    assert entries["invoices/i1"].reason is AccessReason.AUTHORIZED
    assert entries["invoices/i1"].grant == authorization.name
    assert entries["invoices/i1"].expire_time == datetime(2026, 9, 20, 21, 0, tzinfo=UTC)
    assert entries["invoices/b1"].reason is AccessReason.LOOKUP


async def test_list_authorizations_by_invoice_includes_continuous_ones(
    handlers: AuthorizationHandlers, clock: Clock
) -> None:
    per_invoice = await handlers.grant_invoice_authorization(grant())
    clock.advance(timedelta(seconds=1))
    ongoing = await handlers.create_continuous_authorization(continuous(hetu=OTHER_HETU))
    clock.advance(timedelta(seconds=1))
    await handlers.grant_invoice_authorization(grant("invoices/i2"))
    page = await handlers.list_authorizations(ListAuthorizations(invoice="invoices/i1"))
    assert [a.id for a in page.authorizations] == [ongoing.id, per_invoice.id]  # newest first
    await handlers.revoke_authorization(RevokeAuthorization(rid(), per_invoice.id, Party(ALICE)))
    active = await handlers.list_authorizations(
        ListAuthorizations(invoice="invoices/i1", active_only=True)
    )
    assert [a.id for a in active.authorizations] == [ongoing.id]
    by_grantor = await handlers.list_authorizations(ListAuthorizations(grantor=ALICE, page_size=2))
    rest = await handlers.list_authorizations(
        ListAuthorizations(grantor=ALICE, page_size=2, page_token=by_grantor.next_page_token)
    )
    assert len(by_grantor.authorizations) == 2
    assert len(rest.authorizations) == 1
    assert rest.next_page_token == ""
