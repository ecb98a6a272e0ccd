"""Helpers of the refund tests: names, accounts, cases, settings, requests, database
look-ups and a running gRPC server."""

from __future__ import annotations

import os
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import sqlalchemy as sa
from google.type import money_pb2
from ropo.refund.v1 import refund_service_pb2 as pb
from ropo.refund.v1 import refund_service_pb2_grpc
from ropo_platform.db import Database
from ropo_platform.money import Money
from ropo_platform.rpc import RpcError, RpcServer
from ropo_refund.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_refund.bootstrap import RefundApp
from ropo_refund.config import RefundSettings
from ropo_refund.domain.accounts import AccountDetails
from ropo_refund.domain.refund_case import NewCase, RefundCase, RefundOrigin
from ropo_refund.service_layer.opening import OverpaymentDetected

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FI_IBAN = "FI4250001510000023"
FI_IBAN_2 = "FI1410093000123458"
DE_IBAN = "DE89370400440532013000"
BR_IBAN = "BR1500000000000010932840814P2"  # valid, outside SEPA
TR_IBAN = "TR330006100519786457841326"  # valid, outside SEPA
DEBTOR_NAME = "Matti Meikäläinen"
XSD_NAME = "iso20022/xsd/pain.001.001.09.xsd"


def person(letter: str) -> str:
    """A well-formed ``persons/{key}`` (32 base32 characters)."""
    assert letter in string.ascii_lowercase
    return f"persons/{letter * 32}"


ALICE, BOB = person("a"), person("b")
AGENT = "staffUsers/agent-1"
AGENT_2 = "staffUsers/agent-2"
SUPERVISOR = "staffUsers/super-1"


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def eur_proto(amount: str) -> money_pb2.Money:
    units, nanos = eur(amount).to_units_nanos()
    return money_pb2.Money(currency_code="EUR", units=units, nanos=nanos)


def account(
    iban: str = FI_IBAN, holder: str = DEBTOR_NAME, bic: str = "OKOYFIHH"
) -> AccountDetails:
    return AccountDetails(iban, bic, holder)


def new_case(
    *,
    origin: RefundOrigin = RefundOrigin.OVERPAYMENT,
    amount: str = "50.00",
    fee: str = "5.00",
    debtor_name: str = DEBTOR_NAME,
    case_id: str = "00000000-0000-4000-8000-000000000001",
    case_number: str = "9000000017",
    myropo_id: str = "4KQ79XMP2D3H",
) -> RefundCase:
    """A freshly opened case (AWAITING_ACCOUNT, its opening event pulled)."""
    case = RefundCase.open(
        NewCase(
            origin=origin,
            source_key=f"overpayment:invoices/inv-1:payments/{case_id}",
            invoice="invoices/inv-1",
            payment="payments/p-1",
            debtor_party=ALICE,
            debtor_display_name=debtor_name,
            language="fi",
            refundable_amount=eur(amount),
        ),
        case_id=case_id,
        case_number=case_number,
        myropo_id=myropo_id,
        handling_fee=eur(fee),
        at=OPENED,
    )
    case.pull_events()
    return case


def new_request_id() -> str:
    return str(uuid.uuid4())


def refund_settings(database_url: str, **overrides: Any) -> RefundSettings:
    """Settings for a test: own database, ephemeral ports, no metrics servers."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "environment": "test",
    }
    values.update(overrides)
    return RefundSettings(**values)


def samples_xsd() -> Path | None:
    """The public pain.001.001.09 XSD (``ROPO_SAMPLES_DIR`` or ``../shared/data``)."""
    candidates = []
    if os.environ.get("ROPO_SAMPLES_DIR"):
        candidates.append(Path(os.environ["ROPO_SAMPLES_DIR"]) / XSD_NAME)
    repository = Path(__file__).resolve().parents[2]
    candidates.append(repository.parent / "shared" / "data" / XSD_NAME)
    return next((path for path in candidates if path.is_file()), None)


def require_samples_xsd() -> Path:
    found = samples_xsd()
    if found is None:
        pytest.skip(f"{XSD_NAME} not found (set ROPO_SAMPLES_DIR or add ../shared/data)")
    return found


# --------------------------------------------------------------------------- database


async def count_rows(database: Database, sql: str, **params: Any) -> int:
    async with database.session() as session:
        value = await session.scalar(sa.text(sql), params)
    return int(value or 0)


async def outbox_events(database: Database, event_type: str) -> int:
    return await count_rows(
        database, "SELECT count(*) FROM outbox WHERE event_type = :t", t=event_type
    )


async def outbox_payloads(database: Database, event_type: str) -> list[bytes]:
    async with database.session() as session:
        rows = await session.execute(
            sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"),
            {"t": event_type},
        )
        return [bytes(row[0]) for row in rows]


# --------------------------------------------------------------------------- server


@dataclass
class RunningServer:
    """A started gRPC server with the service, and a client channel to it."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub; type-check-only, so only in this annotation.
    stub: refund_service_pb2_grpc.RefundServiceAsyncStub
    app: RefundApp


async def start_server(app: RefundApp) -> tuple[RpcServer, grpc.aio.Channel]:
    server = RpcServer(service_name="refund", port=0)
    port = await server.start(app.register)
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


async def call_error(call: Any) -> RpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return RpcError.from_aio(raised.value)


def verify(case: Any, subject: str = ALICE, **changes: str) -> pb.VerifyRefundCaseRequest:
    """A VerifyRefundCaseRequest with the case's own codes (``changes`` override them)."""
    values = {
        "request_id": new_request_id(),
        "subject": subject,
        "case_number": case.case_number,
        "myropo_id": case.myropo_id,
    }
    values.update(changes)
    return pb.VerifyRefundCaseRequest(**values)


def submit(
    name: str,
    *,
    subject: str = ALICE,
    iban: str = FI_IBAN,
    holder: str = DEBTOR_NAME,
    bic: str = "",
    request_id: str | None = None,
) -> pb.SubmitRefundAccountRequest:
    return pb.SubmitRefundAccountRequest(
        request_id=request_id or new_request_id(),
        refund_case=name,
        subject=subject,
        iban=iban,
        bic=bic,
        holder_name=holder,
    )


def confirm(
    name: str, etag: str, *, subject: str = ALICE, request_id: str | None = None
) -> pb.ConfirmRefundAccountRequest:
    return pb.ConfirmRefundAccountRequest(
        request_id=request_id or new_request_id(), refund_case=name, subject=subject, etag=etag
    )


def approve(name: str, etag: str, actor: str = AGENT) -> pb.ApproveRefundRequest:
    return pb.ApproveRefundRequest(
        request_id=new_request_id(), name=name, actor=actor, actor_roles=["agent"], etag=etag
    )


def export(request_id: str | None = None) -> pb.ExportPayoutBatchRequest:
    return pb.ExportPayoutBatchRequest(
        request_id=request_id or new_request_id(), actor=SUPERVISOR, actor_roles=["supervisor"]
    )


def change_account(
    name: str, *, iban: str = FI_IBAN_2, holder: str = DEBTOR_NAME, actor: str = SUPERVISOR
) -> pb.ChangeRefundAccountRequest:
    return pb.ChangeRefundAccountRequest(
        request_id=new_request_id(),
        name=name,
        actor=actor,
        actor_roles=["supervisor"],
        iban=iban,
        holder_name=holder,
        reason="The person called: the account was closed.",
    )


def import_status(
    content: bytes, actor: str = SUPERVISOR, roles: tuple[str, ...] = ("supervisor",)
) -> pb.ImportPayoutStatusRequest:
    return pb.ImportPayoutStatusRequest(
        request_id=new_request_id(), content=content, actor=actor, actor_roles=roles
    )


async def open_overpayment(
    app: RefundApp,
    *,
    amount: str = "50.00",
    invoice: str = "invoices/inv-1",
    payment: str | None = None,
    debtor_name: str = DEBTOR_NAME,
) -> RefundCase:
    """A case opened through the service layer (as the invoice-event consumer does)."""
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        case = await app.handlers.opener.open_case_from_overpayment(
            uow,
            OverpaymentDetected(
                invoice=invoice,
                payment=payment or f"payments/{uuid.uuid4().hex}",
                debtor_party=ALICE,
                debtor_display_name=debtor_name,
                language="fi",
                amount=eur(amount),
            ),
        )
        await uow.commit()
    return case


def pain002(original_message_id: str, statuses: dict[str, tuple[str, str]]) -> bytes:
    """A pain.002.001.03 report: ``{end_to_end_id: (status, reason code)}``."""
    transactions = "".join(
        f"""
    <TxInfAndSts>
      <OrgnlEndToEndId>{end_to_end}</OrgnlEndToEndId>
      <TxSts>{status}</TxSts>{
            f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn><AddtlInf>Closed account</AddtlInf>"
            "</StsRsnInf>"
            if reason
            else ""
        }
    </TxInfAndSts>"""
        for end_to_end, (status, reason) in statuses.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS{original_message_id[4:20]}</MsgId>
      <CreDtTm>2026-12-03T10:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>{original_message_id}</OrgnlMsgId>
      <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>{original_message_id}</OrgnlPmtInfId>{transactions}
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
""".encode()
