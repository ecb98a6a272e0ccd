"""``demo-import`` over real gRPC.

The server here is a stand-in for the invoice service's import RPC only (the
real service is exercised by the end-to-end tests): it keys invoices on
creditor + invoice number as the real contract says, so the client's
idempotent re-run and its error reporting can be checked in isolation.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import date

import grpc
import pytest
from lxml import etree
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_sandbox.__main__ import main
from ropo_sandbox.demo.generator import generate
from ropo_sandbox.persons import PERSONS
from sandbox_support import identity_code_forms

TODAY = "2026-11-26"


@dataclass
class ImportRecorder(invoice_service_pb2_grpc.InvoiceServiceServicer):
    """Accepts Finvoice imports, idempotent on (seller business id, invoice number)."""

    stored: set[tuple[str, str]] = field(default_factory=set)
    request_ids: list[str] = field(default_factory=list)
    reject_number: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ImportFinvoice(
        self, request: invoice_service_pb2.ImportFinvoiceRequest, context: grpc.ServicerContext
    ) -> invoice_service_pb2.ImportFinvoiceResponse:
        document = etree.fromstring(request.finvoice_xml)
        number = document.findtext("InvoiceDetails/InvoiceNumber")
        key = (document.findtext("SellerPartyDetails/SellerPartyIdentifier"), number)
        if number == self.reject_number:
            # A misbehaving service that echoes the debtor's identity code.
            buyer = document.findtext("BuyerPartyDetails/BuyerPartyIdentifier")
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad buyer {buyer}")
        with self.lock:
            self.request_ids.append(request.request_id)
            created = key not in self.stored
            self.stored.add(key)
        return invoice_service_pb2.ImportFinvoiceResponse(created=created)


@pytest.fixture
def invoice_service() -> Iterator[tuple[str, ImportRecorder]]:
    recorder = ImportRecorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", recorder
    finally:
        server.stop(grace=None)


def test_import_is_idempotent(
    invoice_service: tuple[str, ImportRecorder], capsys: pytest.CaptureFixture[str]
) -> None:
    address, recorder = invoice_service
    expected = len(generate(1, date.fromisoformat(TODAY)))

    assert main(["demo-import", "--invoice-addr", address, "--today", TODAY]) == 0
    first = capsys.readouterr().out.strip().splitlines()
    assert main(["demo-import", "--invoice-addr", address, "--today", TODAY]) == 0
    second = capsys.readouterr().out.strip().splitlines()

    assert first == [
        f"demo-import: {expected} invoices to {address}: {expected} created, "
        "0 already existed, 0 failed"
    ]
    assert second == [
        f"demo-import: {expected} invoices to {address}: 0 created, "
        f"{expected} already existed, 0 failed"
    ]
    assert len(recorder.stored) == expected
    ids = recorder.request_ids
    assert all(uuid.UUID(value).version == 4 for value in ids)
    # Same document → same idempotency key; different documents → different keys.
    assert ids[:expected] == ids[expected:]
    assert len(set(ids[:expected])) == expected


def test_a_later_day_is_recognised_by_invoice_number(
    invoice_service: tuple[str, ImportRecorder], capsys: pytest.CaptureFixture[str]
) -> None:
    address, recorder = invoice_service

    assert main(["demo-import", "--invoice-addr", address, "--today", TODAY]) == 0
    assert main(["demo-import", "--invoice-addr", address, "--today", "2026-11-27"]) == 0

    assert len(recorder.stored) == len(generate(1, date.fromisoformat(TODAY)))

    assert " 0 created" in capsys.readouterr().out.splitlines()[-1]


def test_failures_are_reported_without_identity_codes(
    invoice_service: tuple[str, ImportRecorder], capsys: pytest.CaptureFixture[str]
) -> None:
    address, recorder = invoice_service
    recorder.reject_number = "100101"  # Maija Meikäläinen's first invoice

    status = main(["demo-import", "--invoice-addr", address, "--today", TODAY])

    captured = capsys.readouterr()
    assert status == 1
    assert "testi-yritys-100101.xml: INVALID_ARGUMENT" in captured.err
    assert ", 1 failed" in captured.out
    for form in identity_code_forms():
        assert form not in captured.out + captured.err
    assert PERSONS[0].hetu not in captured.err


def test_unreachable_service_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    from sandbox_support import free_port

    address = f"127.0.0.1:{free_port()}"

    status = main(["demo-import", "--invoice-addr", address, "--timeout", "0.5"])

    assert status == 1
    assert capsys.readouterr().err.strip() == (
        f"demo-import: invoice service not reachable at {address}"
    )
