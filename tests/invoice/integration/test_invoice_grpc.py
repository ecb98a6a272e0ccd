"""The real gRPC server: imports, reads, lists, errors, health and reflection."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from invoice_server_support import RunningServer, invoice_settings, start_server
from invoice_support import HETU_MAIJA, HETU_MATTI, finvoice_xml
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.bootstrap import SERVICE_NAME, bootstrap
from ropo_invoice.entrypoints.grpc_servicer import NOT_IMPLEMENTED
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_platform.rpc import RpcError
from ropo_platform.testing import eventually

pb = invoice_service_pb2


async def import_one(running: RunningServer, **changes: object) -> invoice_pb2.Invoice:
    response = await running.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(**changes))
    )
    invoice: invoice_pb2.Invoice = response.invoice
    return invoice


async def call_error(call: object) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return RpcError.from_aio(raised.value)


def violations(error: RpcError) -> dict[str, str]:
    return {v.field: v.description for v in error.field_violations}


# ------------------------------------------------------------------------------- import


async def test_import_then_get(running: RunningServer) -> None:
    response = await running.stub.ImportFinvoice(
        pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml(encoding="ISO-8859-15"))
    )
    assert response.created
    invoice = response.invoice
    assert invoice.name.startswith("invoices/")
    assert invoice.creditor_display_name == "Testi-yritys Oy"
    assert invoice.debtor.kind == invoice_pb2.DEBTOR_KIND_PERSON
    assert invoice.debtor.display_name == "Matti Meikäläinen"
    assert invoice.debtor.masked_identifier == "010190-****"
    assert invoice.debtor.party.startswith("persons/")
    assert invoice.state == invoice_pb2.Invoice.STATE_INVOICE
    assert invoice.display_status == "Lasku"
    assert (invoice.open_amount.currency_code, invoice.open_amount.units) == ("EUR", 124)
    assert invoice.open_amount.nanos == 0
    assert (invoice.due_date.year, invoice.due_date.month, invoice.due_date.day) == (2026, 9, 15)
    assert len(invoice.myropo_id) == 12 and len(invoice.case_number) == 12
    assert HETU_MATTI.encode() not in response.SerializeToString()

    got = await running.stub.GetInvoice(pb.GetInvoiceRequest(name=invoice.name, language_code="sv"))
    assert got.invoice.display_status == "Faktura"
    assert got.invoice.reference == "1232"
    (component,) = got.invoice.ledger_components
    assert component.type == invoice_pb2.LEDGER_COMPONENT_TYPE_CAPITAL
    assert component.display_name == "Kapital"
    (line,) = got.invoice.lines
    assert (line.description, line.quantity, line.vat_rate_percent) == ("Konsultointi", "2", "24")
    assert (line.unit_price.units, line.gross_amount.units) == (50, 124)
    assert got.invoice.debtor.postal_address.postal_code == "00100"

    basic = await running.stub.GetInvoice(
        pb.GetInvoiceRequest(name=invoice.name, view=pb.INVOICE_VIEW_BASIC)
    )
    assert not basic.invoice.lines and not basic.invoice.ledger_components


async def test_reimport_answers_created_false(running: RunningServer) -> None:
    first = await running.stub.ImportFinvoice(pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml()))
    again = await running.stub.ImportFinvoice(pb.ImportFinvoiceRequest(finvoice_xml=finvoice_xml()))
    assert first.created and not again.created
    assert again.invoice.name == first.invoice.name


async def test_bulk_import_reports_each_item(running: RunningServer) -> None:
    async def items() -> AsyncIterator[pb.ImportInvoicesRequest]:
        yield pb.ImportInvoicesRequest(finvoice_xml=finvoice_xml(number="1"))
        yield pb.ImportInvoicesRequest(finvoice_xml=finvoice_xml(number="2", reference="1233"))
        yield pb.ImportInvoicesRequest(finvoice_xml=finvoice_xml(number="1"))
        yield pb.ImportInvoicesRequest(finvoice_xml=b"")

    response = await running.stub.ImportInvoices(items())
    assert (response.created_count, response.existing_count, response.rejected_count) == (1, 1, 2)
    ok, bad_reference, existing, empty = response.results
    assert ok.created and ok.invoice.startswith("invoices/")
    assert existing.invoice == ok.invoice and not existing.created
    assert [r.index for r in response.results] == [0, 1, 2, 3]
    for rejected, field in (
        (bad_reference, "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"),
        (empty, "finvoice_xml"),
    ):
        assert rejected.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        error = RpcError.from_status(grpc.StatusCode.INVALID_ARGUMENT, "", rejected.error)
        assert error.error_info is not None and error.error_info.domain == "invoice.ropo"
        assert field in violations(error)


# ------------------------------------------------------------------------------- errors


async def test_invalid_finvoice_names_the_element(running: RunningServer) -> None:
    error = await call_error(
        running.stub.ImportFinvoice(
            pb.ImportFinvoiceRequest(
                finvoice_xml=finvoice_xml(reference="1233", buyer_id="010190-900X")
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVOICE_INVALID"
    assert violations(error) == {
        "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier": (
            "the check digit of the national reference is wrong"
        ),
        "BuyerPartyDetails/BuyerPartyIdentifier": (
            "is neither a valid henkilötunnus nor a valid business ID"
        ),
    }
    assert "010190-900X" not in error.message


async def test_request_field_violations(running: RunningServer) -> None:
    error = await call_error(
        running.stub.ImportFinvoice(pb.ImportFinvoiceRequest(request_id="not-a-uuid"))
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(error) == {"request_id": "must be a UUID", "finvoice_xml": "is required"}

    error = await call_error(running.stub.GetInvoice(pb.GetInvoiceRequest(name="invoice/1")))
    assert violations(error) == {"name": 'must be "invoices/{invoice}"'}

    error = await call_error(
        running.stub.ListInvoices(
            pb.ListInvoicesRequest(
                page_size=-1,
                debtor_party=f"persons/{HETU_MAIJA}",
                names=["x"],
                open_only=True,
                closed_only=True,
                language_code="de",
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(error)) == {
        "page_size",
        "names[0]",
        "debtor_party",
        "closed_only",
        "language_code",
    }
    assert HETU_MAIJA not in error.message
    assert all(HETU_MAIJA not in v.description for v in error.field_violations)


async def test_unknown_invoice_is_not_found(running: RunningServer) -> None:
    error = await call_error(running.stub.GetInvoice(pb.GetInvoiceRequest(name="invoices/nope")))
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.reason == "INVOICE_NOT_FOUND"


def test_every_rpc_of_the_contract_is_implemented() -> None:
    # The platform answers UNIMPLEMENTED for a method the servicer lacks
    # (tests/platform/test_unimplemented.py); the invoice service lacks none.
    assert NOT_IMPLEMENTED == ()


# -------------------------------------------------------------------------------- lists


async def test_list_a_debtors_invoices_page_by_page(running: RunningServer) -> None:
    party = ""
    for day in range(10, 17):
        party = (await import_one(running, number=f"A{day}", due_date=f"202609{day}")).debtor.party
    other = await import_one(running, number="B1", buyer_id=HETU_MAIJA)

    names: list[str] = []
    dates: list[int] = []
    token = ""
    pages = 0
    while True:
        page = await running.stub.ListInvoices(
            pb.ListInvoicesRequest(debtor_party=party, page_size=3, page_token=token)
        )
        pages += 1
        names += [invoice.name for invoice in page.invoices]
        dates += [invoice.due_date.day for invoice in page.invoices]
        assert all(not invoice.lines for invoice in page.invoices)  # BASIC view
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert dates == [16, 15, 14, 13, 12, 11, 10]
    assert other.name not in names and len(set(names)) == 7

    by_name = await running.stub.ListInvoices(
        pb.ListInvoicesRequest(names=[other.name, names[0], "invoices/unknown"])
    )
    assert {invoice.name for invoice in by_name.invoices} == {other.name, names[0]}

    open_only = await running.stub.ListInvoices(
        pb.ListInvoicesRequest(debtor_party=party, open_only=True, page_size=1000)
    )
    assert len(open_only.invoices) == 7
    closed = await running.stub.ListInvoices(
        pb.ListInvoicesRequest(debtor_party=party, closed_only=True)
    )
    assert not closed.invoices

    searched = await running.stub.ListInvoices(
        pb.ListInvoicesRequest(debtor_party=party, query="a12")
    )
    assert [invoice.invoice_number for invoice in searched.invoices] == ["A12"]


async def test_page_token_cannot_be_reused_with_other_filters(running: RunningServer) -> None:
    party = ""
    for number in ("1", "2"):
        party = (await import_one(running, number=number)).debtor.party
    page = await running.stub.ListInvoices(pb.ListInvoicesRequest(debtor_party=party, page_size=1))
    error = await call_error(
        running.stub.ListInvoices(
            pb.ListInvoicesRequest(
                debtor_party=party, open_only=True, page_token=page.next_page_token
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_PAGE_TOKEN"
    assert set(violations(error)) == {"page_token"}


# ----------------------------------------------------------------- health and reflection


async def test_health_serves_only_after_migrations(database_url: str) -> None:
    app = bootstrap(invoice_settings(database_url))
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
        await eventually(
            lambda: status(SERVICE_NAME),
            lambda value: value == health_pb2.HealthCheckResponse.SERVING,
            within=10,
        )
        assert await status("") == health_pb2.HealthCheckResponse.SERVING
    finally:
        readiness.cancel()
        await channel.close()
        await server.stop(grace=0.5)
        await app.close()


async def test_reflection_lists_the_invoice_service(running: RunningServer) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)

    async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    services: set[str] = set()
    async for response in stub.ServerReflectionInfo(requests()):
        services.update(s.name for s in response.list_services_response.service)
    assert "ropo.invoice.v1.InvoiceService" in services
    assert "grpc.health.v1.Health" in services


def test_error_details_round_trip() -> None:
    # The helpers above decode google.rpc.Status; make sure the detail types are the real ones.
    status = status_pb2.Status(code=3)
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="X", domain="invoice.ropo"))
    decoded = RpcError.from_status(grpc.StatusCode.INVALID_ARGUMENT, "", status)
    assert decoded.reason == "X"


# ------------------------------------------------------------------ the project's demo data


@pytest.fixture
def demo_finvoices(tmp_path: Path) -> list[bytes]:
    """The sandbox's generated demo invoices (``python -m ropo_sandbox demo-finvoices``)."""
    if importlib.util.find_spec("ropo_sandbox") is None:
        pytest.skip("the sandbox package (demo-finvoices) is not installed")
    completed = subprocess.run(
        [sys.executable, "-m", "ropo_sandbox", "demo-finvoices", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    files = sorted(tmp_path.glob("*.xml"))
    assert files
    return [file.read_bytes() for file in files]


async def test_demo_finvoices_import_in_bulk(
    running: RunningServer, demo_finvoices: list[bytes]
) -> None:
    """Consumers with test-range henkilötunnus and a company debtor import through
    ImportInvoices; a second run finds them all."""

    async def items() -> AsyncIterator[pb.ImportInvoicesRequest]:
        for data in demo_finvoices:
            yield pb.ImportInvoicesRequest(finvoice_xml=data)

    first = await running.stub.ImportInvoices(items())
    assert [r.error.message for r in first.results if r.error.code] == []
    assert first.created_count == len(demo_finvoices)
    again = await running.stub.ImportInvoices(items())
    assert again.existing_count == len(demo_finvoices)
    listed = await running.stub.ListInvoices(
        pb.ListInvoicesRequest(names=[r.invoice for r in first.results], page_size=1000)
    )
    assert len(listed.invoices) == len(demo_finvoices)
    kinds = {invoice.debtor.kind for invoice in listed.invoices}
    assert kinds == {invoice_pb2.DEBTOR_KIND_PERSON, invoice_pb2.DEBTOR_KIND_ORGANIZATION}
    for invoice in listed.invoices:
        if invoice.debtor.kind == invoice_pb2.DEBTOR_KIND_PERSON:
            assert invoice.debtor.party.startswith("persons/")
            assert invoice.debtor.masked_identifier.endswith("-****")
