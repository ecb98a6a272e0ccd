"""The real gRPC server: CheckAccess, ListAccessibleInvoices, errors, health, reflection."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import grpc.aio
import pytest
from authorization_support import (
    ALICE,
    BOB,
    HETU,
    RunningServer,
    authorization_settings,
    ownership,
    start_server,
)
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from ropo.authorization.v1 import access_pb2, authorization_service_pb2
from ropo_authorization.adapters.migrations import migrations_dir
from ropo_authorization.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_authorization.bootstrap import SERVICE_NAME, AuthorizationApp, bootstrap
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_platform.rpc import RpcError

pb = authorization_service_pb2

ISSUE_METHODS = {
    "CheckAccess",
    "ListAccessibleInvoices",
    "GrantInvoiceAuthorization",
    "RevokeAuthorization",
    "ListAuthorizations",
    "CreateContinuousAuthorization",
    "GrantLookupAccess",
}


async def call_error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return RpcError.from_aio(raised.value)


async def own(app: AuthorizationApp, *invoice_ids: str, debtor: str = ALICE) -> None:
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        for invoice_id in invoice_ids:
            await uow.ownerships.add(ownership(invoice_id, debtor=debtor))
        await uow.commit()


# ------------------------------------------------------------------------ CheckAccess


async def test_debtor_is_allowed_with_reason_own(running: RunningServer) -> None:
    await own(running.app, "i1")
    response = await running.stub.CheckAccess(
        pb.CheckAccessRequest(subject=ALICE, invoice="invoices/i1", action=access_pb2.ACTION_PAY)
    )
    assert response.allowed
    assert response.reason == "OWN_INVOICE"
    assert response.access_reason == access_pb2.ACCESS_REASON_OWN


async def test_other_person_and_unknown_invoice_get_the_same_denial(
    running: RunningServer,
) -> None:
    await own(running.app, "i1")
    other = await running.stub.CheckAccess(
        pb.CheckAccessRequest(subject=BOB, invoice="invoices/i1", action=access_pb2.ACTION_VIEW)
    )
    unknown = await running.stub.CheckAccess(
        pb.CheckAccessRequest(subject=ALICE, invoice="invoices/nope", action=access_pb2.ACTION_VIEW)
    )
    assert other == unknown
    assert (other.allowed, other.reason) == (False, "NO_RELATION")
    assert other.access_reason == access_pb2.ACCESS_REASON_UNSPECIFIED


async def test_staff_may_view_but_not_pay(running: RunningServer) -> None:
    await own(running.app, "i1")

    async def check(action: access_pb2.Action.ValueType) -> pb.CheckAccessResponse:
        request = pb.CheckAccessRequest(
            subject="staffUsers/agent-7", invoice="invoices/i1", action=action, roles=["agent"]
        )
        response: pb.CheckAccessResponse = await running.stub.CheckAccess(request)
        return response

    view, pay = await check(access_pb2.ACTION_VIEW), await check(access_pb2.ACTION_PAY)
    assert (view.allowed, view.reason, view.access_reason) == (
        True,
        "STAFF_AGENT",
        access_pb2.ACCESS_REASON_STAFF,
    )
    assert (pay.allowed, pay.reason) == (False, "ACTION_NOT_ALLOWED")


async def test_unspecified_action_is_denied(running: RunningServer) -> None:
    await own(running.app, "i1")
    response = await running.stub.CheckAccess(
        pb.CheckAccessRequest(subject=ALICE, invoice="invoices/i1")
    )
    assert (response.allowed, response.reason) == (False, "ACTION_NOT_SPECIFIED")


async def test_malformed_request_lists_every_field_without_echoing_values(
    running: RunningServer,
) -> None:
    error = await call_error(
        running.stub.CheckAccess(
            pb.CheckAccessRequest(
                subject=HETU, invoice=f"invoices/{HETU} x", action=access_pb2.Action.ValueType(99)
            )
        )
    )
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.error_info is not None
    assert error.error_info.domain == "authorization.ropo"
    assert {v.field for v in error.field_violations} == {"subject", "invoice", "action"}
    assert HETU not in repr(error)


async def test_malformed_roles_are_reported_on_roles(running: RunningServer) -> None:
    error = await call_error(
        running.stub.CheckAccess(
            pb.CheckAccessRequest(
                subject="staffUsers/u1",
                invoice="invoices/i1",
                action=access_pb2.ACTION_VIEW,
                roles=["root"],
            )
        )
    )
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["roles"]


# ------------------------------------------------------------- ListAccessibleInvoices


async def test_list_pages_through_own_invoices(running: RunningServer) -> None:
    await own(running.app, "i1", "i2", "i3")
    await own(running.app, "other", debtor=BOB)
    first = await running.stub.ListAccessibleInvoices(
        pb.ListAccessibleInvoicesRequest(subject=ALICE, page_size=2)
    )
    second = await running.stub.ListAccessibleInvoices(
        pb.ListAccessibleInvoicesRequest(
            subject=ALICE, page_size=2, page_token=first.next_page_token
        )
    )
    entries = [*first.accessible_invoices, *second.accessible_invoices]
    assert [e.invoice for e in entries] == ["invoices/i1", "invoices/i2", "invoices/i3"]
    assert {e.reason for e in entries} == {access_pb2.ACCESS_REASON_OWN}
    assert first.next_page_token
    assert second.next_page_token == ""


@pytest.mark.parametrize(
    ("request_fields", "fields"),
    [
        ({"subject": "staffUsers/u1"}, ["subject"]),
        ({"subject": ""}, ["subject"]),
        ({"subject": ALICE, "page_size": -1}, ["page_size"]),
        ({"subject": ALICE, "page_token": "garbage"}, ["page_token"]),
        ({"subject": ALICE, "reasons": [access_pb2.ACCESS_REASON_UNSPECIFIED]}, ["reasons[0]"]),
    ],
)
async def test_list_rejects_invalid_requests(
    running: RunningServer, request_fields: dict[str, Any], fields: list[str]
) -> None:
    error = await call_error(
        running.stub.ListAccessibleInvoices(pb.ListAccessibleInvoicesRequest(**request_fields))
    )
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == fields


# ------------------------------------------------------------ every method is real


@pytest.mark.parametrize(
    ("method", "request_type"),
    [
        ("GrantInvoiceAuthorization", pb.GrantInvoiceAuthorizationRequest),
        ("RevokeAuthorization", pb.RevokeAuthorizationRequest),
        ("ListAuthorizations", pb.ListAuthorizationsRequest),
        ("CreateContinuousAuthorization", pb.CreateContinuousAuthorizationRequest),
        ("GrantLookupAccess", pb.GrantLookupAccessRequest),
    ],
)
async def test_issue_4_methods_are_implemented_and_validate(
    running: RunningServer, method: str, request_type: Any
) -> None:
    error = await call_error(getattr(running.stub, method)(request_type()))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.error_info is not None
    assert error.error_info.domain == "authorization.ropo"
    assert error.field_violations


# ------------------------------------------------------------ health and reflection


async def test_health_serves_only_after_migrations(database_url: str) -> None:
    app = bootstrap(authorization_settings(database_url))
    server, channel = await start_server(app)
    health = health_pb2_grpc.HealthStub(channel)

    async def status(service: str) -> int:
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        return int(response.status)

    readiness = asyncio.create_task(server.wait_until_ready(app.readiness, initial_delay=0.05))
    try:
        await asyncio.sleep(0.3)
        assert await status(SERVICE_NAME) == health_pb2.HealthCheckResponse.NOT_SERVING
        assert await status("") == health_pb2.HealthCheckResponse.NOT_SERVING
        await upgrade_to_head_async(database_url, migrations_dir())
        await asyncio.wait_for(readiness, timeout=15)
        assert await status(SERVICE_NAME) == health_pb2.HealthCheckResponse.SERVING
        assert await status("") == health_pb2.HealthCheckResponse.SERVING
    finally:
        readiness.cancel()
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


async def test_reflection_lists_the_service_and_its_methods(running: RunningServer) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)

    async def ask(request: reflection_pb2.ServerReflectionRequest) -> Any:
        call = stub.ServerReflectionInfo()
        await call.write(request)
        await call.done_writing()
        return await call.read()

    listed = await ask(reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {service.name for service in listed.list_services_response.service}
    assert {SERVICE_NAME, "grpc.health.v1.Health"} <= names

    described = await ask(
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME)
    )
    methods: set[str] = set()
    for raw in described.file_descriptor_response.file_descriptor_proto:
        file = descriptor_pb2.FileDescriptorProto.FromString(raw)
        for service in file.service:
            if f"{file.package}.{service.name}" == SERVICE_NAME:
                methods = {m.name for m in service.method}
    assert methods >= ISSUE_METHODS
