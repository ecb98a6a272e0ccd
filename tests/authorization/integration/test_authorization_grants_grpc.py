"""Authorizations and lookup grants over the real gRPC server, on SQLite and PostgreSQL.

Covers every new RPC, idempotent replay, "revoke → the very next check is denied", and
that the grantee's henkilötunnus is nowhere in clear: not in answers, not in any
table, not in the outbox, not in the logs.
"""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from authorization_support import (
    ALICE,
    BOB,
    CREDITOR,
    GRANTEE_HETU,
    OTHER_CREDITOR,
    OTHER_HETU,
    PERSON_KEY_SECRET,
    RunningServer,
    ownership,
)
from google.type import date_pb2
from ropo.authorization.v1 import access_pb2, authorization_pb2, authorization_service_pb2
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_platform.pseudonym import person_key, person_party
from ropo_platform.rpc import RpcError

pb = authorization_service_pb2
Authorization = authorization_pb2.Authorization
GRANTEE = person_party(person_key(GRANTEE_HETU, PERSON_KEY_SECRET.encode()))
OTHER = person_party(person_key(OTHER_HETU, PERSON_KEY_SECRET.encode()))
NAME = "Bertta Valtuutettu"
AGENT_ROLES = ["agent"]


def rid() -> str:
    return str(uuid.uuid4())


async def call_error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return RpcError.from_aio(raised.value)


async def own(app: AuthorizationApp, *invoice_ids: str, debtor: str = ALICE) -> None:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        for invoice_id in invoice_ids:
            await uow.ownerships.add(ownership(invoice_id, debtor=debtor))
        await uow.commit()


def grant_request(
    invoice: str = "invoices/i1", **fields: Any
) -> pb.GrantInvoiceAuthorizationRequest:
    values: dict[str, Any] = {
        "request_id": rid(),
        "invoice": invoice,
        "grantor": ALICE,
        "grantee_national_id": GRANTEE_HETU,
        "grantee_name": NAME,
    }
    values.update(fields)
    return pb.GrantInvoiceAuthorizationRequest(**values)


async def check(
    running: RunningServer,
    subject: str,
    action: access_pb2.Action.ValueType = access_pb2.ACTION_VIEW,
    invoice: str = "invoices/i1",
) -> pb.CheckAccessResponse:
    response: pb.CheckAccessResponse = await running.stub.CheckAccess(
        pb.CheckAccessRequest(subject=subject, invoice=invoice, action=action)
    )
    return response


async def all_text(app: AuthorizationApp) -> str:
    """Every value of every table, as text (bytes decoded leniently)."""
    parts: list[str] = []
    async with app.database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        for name in names:
            rows = await connection.execute(sa.text(f'SELECT * FROM "{name}"'))  # noqa: S608
            for row in rows:
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


# ------------------------------------------------------------------------ grant


async def test_grant_answers_the_authorization_and_the_grantee_gets_access(
    running: RunningServer,
) -> None:
    await own(running.app, "i1", "i2")
    response = await running.stub.GrantInvoiceAuthorization(
        grant_request(expire_date=date_pb2.Date(year=2099, month=12, day=31))
    )
    made = response.authorization
    assert made.name.startswith("authorizations/")
    assert (made.type, made.state) == (
        authorization_pb2.AUTHORIZATION_TYPE_INVOICE,
        Authorization.STATE_ACTIVE,
    )
    assert (made.grantor, made.grantee, made.creator, made.invoice) == (
        ALICE,
        GRANTEE,
        ALICE,
        "invoices/i1",
    )
    assert made.grantee_display_name == NAME
    assert made.grantee_masked_identifier == "010594-****"
    assert (made.expire_date.year, made.expire_date.month, made.expire_date.day) == (2099, 12, 31)
    assert made.HasField("create_time") and not made.HasField("end_time")
    assert GRANTEE_HETU not in str(response)

    allowed = await check(running, GRANTEE, access_pb2.ACTION_PAY)
    assert (allowed.allowed, allowed.reason, allowed.access_reason, allowed.grant) == (
        True,
        "AUTHORIZED",
        access_pb2.ACCESS_REASON_AUTHORIZED,
        made.name,
    )
    assert not (await check(running, GRANTEE, access_pb2.ACTION_AUTHORIZE)).allowed
    assert not (await check(running, GRANTEE, invoice="invoices/i2")).allowed

    listed = await running.stub.ListAccessibleInvoices(
        pb.ListAccessibleInvoicesRequest(subject=GRANTEE)
    )
    (entry,) = listed.accessible_invoices
    assert (entry.invoice, entry.reason, entry.authorization) == (
        "invoices/i1",
        access_pb2.ACCESS_REASON_AUTHORIZED,
        made.name,
    )
    assert entry.HasField("expire_time")


async def test_same_request_id_replays_and_reuse_is_refused(running: RunningServer) -> None:
    await own(running.app, "i1")
    request = grant_request()
    first = await running.stub.GrantInvoiceAuthorization(request)
    again = await running.stub.GrantInvoiceAuthorization(request)
    assert again == first
    changed = pb.GrantInvoiceAuthorizationRequest()
    changed.CopyFrom(request)
    changed.grantee_name = "Someone Else"
    error = await call_error(running.stub.GrantInvoiceAuthorization(changed))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "REQUEST_ID_REUSED"
    assert [v.field for v in error.field_violations] == ["request_id"]
    listed = await running.stub.ListAuthorizations(pb.ListAuthorizationsRequest(grantor=ALICE))
    assert len(listed.authorizations) == 1


@pytest.mark.parametrize(
    ("fields", "violations"),
    [
        ({"request_id": "not-a-uuid"}, ["request_id"]),
        ({"request_id": str(uuid.uuid1())}, ["request_id"]),
        ({"grantee_national_id": "010594Y9033"}, ["grantee_national_id"]),
        ({"grantee_name": "  "}, ["grantee_name"]),
        ({"grantor": "organizations/1234567-8"}, ["grantor"]),
        ({"invoice": "nope"}, ["invoice"]),
        ({"expire_date": date_pb2.Date(year=2026, month=2, day=30)}, ["expire_date"]),
    ],
)
async def test_grant_validation_never_echoes_the_code(
    running: RunningServer, fields: dict[str, Any], violations: list[str]
) -> None:
    error = await call_error(running.stub.GrantInvoiceAuthorization(grant_request(**fields)))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == violations
    assert "010594" not in repr(error)


async def test_grant_errors_do_not_reveal_invoices(running: RunningServer) -> None:
    await own(running.app, "i1")
    await own(running.app, "b1", debtor=BOB)
    unknown = await call_error(running.stub.GrantInvoiceAuthorization(grant_request("invoices/x")))
    others = await call_error(running.stub.GrantInvoiceAuthorization(grant_request("invoices/b1")))
    for error in (unknown, others):
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "INVOICE_NOT_FOUND")
    assert unknown.message == others.message


async def test_self_authorization_and_duplicates_are_refused(running: RunningServer) -> None:
    await own(running.app, "s1", debtor=GRANTEE)
    self_error = await call_error(
        running.stub.GrantInvoiceAuthorization(grant_request("invoices/s1", grantor=GRANTEE))
    )
    assert (self_error.code, self_error.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "SELF_AUTHORIZATION",
    )
    assert [v.field for v in self_error.field_violations] == ["grantee_national_id"]
    await running.stub.GrantInvoiceAuthorization(
        grant_request("invoices/s1", grantor=GRANTEE, grantee_national_id=OTHER_HETU)
    )
    duplicate = await call_error(
        running.stub.GrantInvoiceAuthorization(
            grant_request("invoices/s1", grantor=GRANTEE, grantee_national_id=OTHER_HETU)
        )
    )
    assert (duplicate.code, duplicate.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "AUTHORIZATION_ALREADY_ACTIVE",
    )


# ------------------------------------------------------------------------ revoke


async def test_revoke_denies_the_very_next_check(running: RunningServer) -> None:
    await own(running.app, "i1")
    made = (await running.stub.GrantInvoiceAuthorization(grant_request())).authorization
    assert (await check(running, GRANTEE)).allowed

    stranger = await call_error(
        running.stub.RevokeAuthorization(
            pb.RevokeAuthorizationRequest(request_id=rid(), name=made.name, actor=BOB)
        )
    )
    missing = await call_error(
        running.stub.RevokeAuthorization(
            pb.RevokeAuthorizationRequest(
                request_id=rid(), name="authorizations/" + "f" * 32, actor=BOB
            )
        )
    )
    assert (stranger.code, stranger.reason) == (
        grpc.StatusCode.NOT_FOUND,
        "AUTHORIZATION_NOT_FOUND",
    )
    assert stranger.message == missing.message

    revoked = await running.stub.RevokeAuthorization(
        pb.RevokeAuthorizationRequest(request_id=rid(), name=made.name, actor=ALICE)
    )
    assert revoked.authorization.state == Authorization.STATE_REVOKED
    assert revoked.authorization.revoker == ALICE
    assert revoked.authorization.HasField("end_time")
    denied = await check(running, GRANTEE)
    assert (denied.allowed, denied.reason) == (False, "NO_RELATION")

    again = await call_error(
        running.stub.RevokeAuthorization(
            pb.RevokeAuthorizationRequest(
                request_id=rid(),
                name=made.name,
                actor="staffUsers/agent-7",
                actor_roles=AGENT_ROLES,
            )
        )
    )
    assert (again.code, again.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "AUTHORIZATION_NOT_ACTIVE",
    )


# ------------------------------------------------------------------------ continuous


async def test_continuous_authorization_by_staff_only(running: RunningServer) -> None:
    await own(running.app, "i1", "i2")

    def request(actor: str, roles: list[str], creditor: str = "") -> Any:
        return pb.CreateContinuousAuthorizationRequest(
            request_id=rid(),
            actor=actor,
            actor_roles=roles,
            grantor=ALICE,
            grantee_national_id=OTHER_HETU,
            grantee_name="Onni Jatkuva",
            creditor=creditor,
            conversation="conversations/c-1",
        )

    person = await call_error(running.stub.CreateContinuousAuthorization(request(BOB, [])))
    creditor_user = await call_error(
        running.stub.CreateContinuousAuthorization(
            request("staffUsers/c1", ["creditor:testi-yritys"])
        )
    )
    for error in (person, creditor_user):
        assert (error.code, error.reason) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "STAFF_ROLE_REQUIRED",
        )

    made = (
        await running.stub.CreateContinuousAuthorization(
            request("staffUsers/sup-1", ["supervisor"], creditor=CREDITOR)
        )
    ).authorization
    assert (made.type, made.creator, made.creditor, made.conversation, made.invoice) == (
        authorization_pb2.AUTHORIZATION_TYPE_CONTINUOUS,
        "staffUsers/sup-1",
        CREDITOR,
        "conversations/c-1",
        "",
    )
    for invoice in ("invoices/i1", "invoices/i2"):
        decision = await check(running, OTHER, access_pb2.ACTION_CHAT, invoice)
        assert (decision.reason, decision.grant) == ("CONTINUOUS_AUTHORIZATION", made.name)
    other_creditor = (
        await running.stub.CreateContinuousAuthorization(
            request("staffUsers/sup-1", ["supervisor"], creditor=OTHER_CREDITOR)
        )
    ).authorization
    assert other_creditor.name != made.name

    listed = await running.stub.ListAccessibleInvoices(
        pb.ListAccessibleInvoicesRequest(subject=OTHER)
    )
    assert [(e.invoice, e.reason, e.authorization) for e in listed.accessible_invoices] == [
        ("invoices/i1", access_pb2.ACCESS_REASON_CONTINUOUS_AUTHORIZATION, made.name),
        ("invoices/i2", access_pb2.ACCESS_REASON_CONTINUOUS_AUTHORIZATION, made.name),
    ]

    by_invoice = await running.stub.ListAuthorizations(
        pb.ListAuthorizationsRequest(invoice="invoices/i1")
    )
    assert [a.name for a in by_invoice.authorizations] == [made.name]


# ------------------------------------------------------------------------ lists


async def test_list_authorizations_filters_pages_and_needs_a_filter(
    running: RunningServer,
) -> None:
    await own(running.app, "i1", "i2", "i3")
    names = []
    for invoice in ("invoices/i1", "invoices/i2", "invoices/i3"):
        made = (await running.stub.GrantInvoiceAuthorization(grant_request(invoice))).authorization
        names.append(made.name)
    await running.stub.RevokeAuthorization(
        pb.RevokeAuthorizationRequest(request_id=rid(), name=names[0], actor=ALICE)
    )
    seen: list[str] = []
    token = ""
    while True:
        page = await running.stub.ListAuthorizations(
            pb.ListAuthorizationsRequest(grantee=GRANTEE, page_size=2, page_token=token)
        )
        seen += [a.name for a in page.authorizations]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(names))  # newest first
    active = await running.stub.ListAuthorizations(
        pb.ListAuthorizationsRequest(grantor=ALICE, active_only=True)
    )
    assert [a.name for a in active.authorizations] == [names[2], names[1]]
    by_invoice = await running.stub.ListAuthorizations(
        pb.ListAuthorizationsRequest(invoice="invoices/i1")
    )
    assert [a.state for a in by_invoice.authorizations] == [Authorization.STATE_REVOKED]

    error = await call_error(running.stub.ListAuthorizations(pb.ListAuthorizationsRequest()))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    bad_token = await call_error(
        running.stub.ListAuthorizations(
            pb.ListAuthorizationsRequest(grantor=BOB, page_token=page.next_page_token or "x")
        )
    )
    assert [v.field for v in bad_token.field_violations] == ["page_token"]


async def test_accessible_invoices_union_keeps_one_entry_per_invoice(
    running: RunningServer,
) -> None:
    await own(running.app, *(f"a{n}" for n in range(4)))  # Alice's
    await own(running.app, *(f"g{n}" for n in range(3)), debtor=GRANTEE)  # the grantee's own
    for n in range(4):
        await running.stub.GrantInvoiceAuthorization(grant_request(f"invoices/a{n}"))
    for invoice in ("invoices/a0", "invoices/a1", "invoices/g0"):
        await running.stub.GrantLookupAccess(
            pb.GrantLookupAccessRequest(request_id=rid(), subject=GRANTEE, invoice=invoice)
        )
    seen: list[tuple[str, int]] = []
    token = ""
    while True:
        page = await running.stub.ListAccessibleInvoices(
            pb.ListAccessibleInvoicesRequest(subject=GRANTEE, page_size=2, page_token=token)
        )
        seen += [(e.invoice, e.reason) for e in page.accessible_invoices]
        token = page.next_page_token
        if not token:
            break
    own_reason, authorized = access_pb2.ACCESS_REASON_OWN, access_pb2.ACCESS_REASON_AUTHORIZED
    assert seen == [
        *((f"invoices/a{n}", authorized) for n in range(4)),
        *((f"invoices/g{n}", own_reason) for n in range(3)),
    ]
    lookups = await running.stub.ListAccessibleInvoices(
        pb.ListAccessibleInvoicesRequest(subject=GRANTEE, reasons=[access_pb2.ACCESS_REASON_LOOKUP])
    )
    assert [e.invoice for e in lookups.accessible_invoices] == [
        "invoices/a0",
        "invoices/a1",
        "invoices/g0",
    ]
    assert all(e.lookup_grant and e.HasField("expire_time") for e in lookups.accessible_invoices)


# ------------------------------------------------------------------------ lookup grants


async def test_lookup_grant_allows_view_and_pay_and_is_extended(running: RunningServer) -> None:
    await own(running.app, "i1")
    request = pb.GrantLookupAccessRequest(request_id=rid(), subject=OTHER, invoice="invoices/i1")
    first = (await running.stub.GrantLookupAccess(request)).lookup_grant
    assert first.name.startswith("lookupGrants/")
    assert (first.subject, first.invoice) == (OTHER, "invoices/i1")
    delta = first.expire_time.ToDatetime() - first.create_time.ToDatetime()
    assert delta.total_seconds() == 15 * 60
    replay = (await running.stub.GrantLookupAccess(request)).lookup_grant
    assert replay == first
    extended = (
        await running.stub.GrantLookupAccess(
            pb.GrantLookupAccessRequest(request_id=rid(), subject=OTHER, invoice="invoices/i1")
        )
    ).lookup_grant
    assert extended.name == first.name
    assert extended.expire_time.ToDatetime() >= first.expire_time.ToDatetime()

    pay = await check(running, OTHER, access_pb2.ACTION_PAY)
    assert (pay.allowed, pay.reason, pay.access_reason, pay.grant) == (
        True,
        "LOOKUP_GRANT",
        access_pb2.ACCESS_REASON_LOOKUP,
        first.name,
    )
    chat = await check(running, OTHER, access_pb2.ACTION_CHAT)
    assert (chat.allowed, chat.reason) == (False, "LOOKUP_GRANT_ACTION_NOT_ALLOWED")

    unknown = await call_error(
        running.stub.GrantLookupAccess(
            pb.GrantLookupAccessRequest(request_id=rid(), subject=OTHER, invoice="invoices/x")
        )
    )
    assert (unknown.code, unknown.reason) == (grpc.StatusCode.NOT_FOUND, "INVOICE_NOT_FOUND")


# ------------------------------------------------------------------------ the hetu stays sealed


async def test_no_clear_hetu_in_any_table_or_in_the_logs(
    running: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    await own(running.app, "i1", "i2")
    made = (await running.stub.GrantInvoiceAuthorization(grant_request())).authorization
    await running.stub.CreateContinuousAuthorization(
        pb.CreateContinuousAuthorizationRequest(
            request_id=rid(),
            actor="staffUsers/agent-7",
            actor_roles=AGENT_ROLES,
            grantor=ALICE,
            grantee_national_id=OTHER_HETU.lower(),
            grantee_name="Onni",
        )
    )
    await call_error(
        running.stub.GrantInvoiceAuthorization(grant_request(grantee_national_id="010594Y9033"))
    )
    await running.stub.RevokeAuthorization(
        pb.RevokeAuthorizationRequest(request_id=rid(), name=made.name, actor=ALICE)
    )

    text = await all_text(running.app)
    for code in (GRANTEE_HETU, OTHER_HETU, OTHER_HETU.lower(), "010594Y9033"):
        assert code not in text
    assert "010594-****" in text  # the masked form is stored
    async with running.app.database.session() as session:
        sealed = (
            await session.execute(sa.text("SELECT grantee_national_id_sealed FROM authorizations"))
        ).scalars()
        assert all(bytes(blob)[:1] == b"\x02" for blob in sealed)  # version 2: with key id

    captured = capsys.readouterr()
    for code in (GRANTEE_HETU, OTHER_HETU, "010594Y9033", "Y9032"):
        assert code not in captured.out + captured.err
