"""ImportBankStatement and ListBankPayments on a real migrated database (SQLite, and
PostgreSQL when ``ROPO_TEST_POSTGRES_URL`` is set), with the real parsers and outbox."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeAlias

import pytest
import pytest_asyncio
import sqlalchemy as sa
from ropo.payment.v1 import bank_payment_pb2, events_pb2
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_payment.adapters.bank_tables import bank_payments, bank_statements
from ropo_payment.adapters.invoice_index import IndexedInvoice, record_registered
from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.entrypoints.bank_rpc import BankStatementRpc
from ropo_platform.db import Database
from ropo_platform.db.migrations import upgrade_to_head_async
from ropo_platform.db.schema import DEFAULT_TABLES
from ropo_platform.errors import ValidationFailed

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
RECEIVED = "ropo.payment.v1.bank_payment_received"
UNCLEAR = "ropo.payment.v1.unclear_payment_received"
CAMT_V02 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
STATE = bank_payment_pb2.BankPayment
StatementFormat: TypeAlias = bank_payment_pb2.StatementFormat.ValueType
_outbox = DEFAULT_TABLES.outbox
_request_log = DEFAULT_TABLES.request_log


# ------------------------------------------------------------------ file builders


def ktl_file(payments: list[tuple[str, str, int]], *, created: str = "2611271000") -> bytes:
    """A KTL reference payment file: (archive id, reference, cents) per payment."""
    lines = [f"0{created}47020840699" + "1".ljust(68)]
    for archive_id, reference, cents in payments:
        lines.append(
            "3"
            + "47300010416310"
            + "261127"
            + "261126"
            + archive_id.ljust(16)
            + reference.rjust(20, "0")
            + "MAKSAJA M".ljust(12)
            + "1"
            + " "
            + f"{cents:010d}"
            + "0"
            + "J"
            + " "
        )
    total = sum(cents for _, _, cents in payments)
    lines.append(f"9{len(payments):06d}{total:011d}{0:06d}{0:011d}".ljust(90))
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def camt_file(payments: list[tuple[str, str, str]], *, message_id: str = "MSG-1") -> bytes:
    """A camt.054.001.02 with one credit entry per (archive id, reference, amount)."""
    entries = "".join(
        f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-26</Dt></BookgDt><ValDt><Dt>2026-11-26</Dt></ValDt>
<AcctSvcrRef>{archive}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>MAKSAJA OY</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{reference}</Ref>
</CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        for archive, reference, amount in payments
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT_V02}"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-11-27T10:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><CreDtTm>2026-11-27T10:00:00</CreDtTm>
<Acct><Id><IBAN>FI1431313001234567</IBAN></Id></Acct>{entries}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


def samples_dir() -> Path | None:
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[3].parent / "shared" / "data"
    )
    return path if path.is_dir() else None


def sample(relative: str) -> bytes:
    base = samples_dir()
    if base is None or not (base / relative).is_file():
        pytest.skip(
            f"shared sample {relative} absent (set ROPO_SAMPLES_DIR or provide ../shared/data)"
        )
    return (base / relative).read_bytes()


# ------------------------------------------------------------------ fixtures and helpers


@pytest_asyncio.fixture
async def bank_database(database_url: str) -> AsyncIterator[Database]:
    """A migrated payment database of the current backend."""
    await upgrade_to_head_async(database_url, migrations_dir())
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def rpc(bank_database: Database) -> BankStatementRpc:
    return BankStatementRpc(bank_database, clock=lambda: NOW, ids=lambda: uuid.uuid4().hex)


async def index_invoice(
    database: Database, invoice_id: str, reference: str, closed: bool = False
) -> None:
    async with database.transaction() as session:
        await record_registered(
            session,
            IndexedInvoice(invoice_id, reference, "persons/p1", "creditors/c1", 4900, closed),
            NOW,
        )


def request(
    content: bytes,
    request_id: str | None = None,
    format: StatementFormat = bank_payment_pb2.STATEMENT_FORMAT_UNSPECIFIED,
) -> pb.ImportBankStatementRequest:
    return pb.ImportBankStatementRequest(
        request_id=request_id or str(uuid.uuid4()), content=content, format=format, filename="file"
    )


async def outbox_events(database: Database) -> list[tuple[str, str, bytes]]:
    async with database.session() as session:
        rows = await session.execute(
            sa.select(_outbox.c.event_type, _outbox.c.subject, _outbox.c.payload).order_by(
                _outbox.c.created_at, _outbox.c.event_type
            )
        )
        return [(row.event_type, row.subject, row.payload) for row in rows]


async def count(database: Database, table: sa.Table) -> int:
    async with database.session() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


# ------------------------------------------------------------------ tests


async def test_known_reference_is_matched_with_one_received_event(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    await index_invoice(bank_database, "inv-1", "13013")
    response = await rpc.import_bank_statement(
        request(ktl_file([("ARCH0001", "13013", 4900)])), None
    )
    assert (response.matched_count, response.unclear_count, response.duplicate_count) == (1, 0, 0)
    assert (response.total_amount.units, response.total_amount.nanos) == (49, 0)
    (payment,) = response.bank_payments
    assert payment.state == STATE.STATE_MATCHED
    assert (payment.invoice, payment.reference, payment.archive_id) == (
        "invoices/inv-1",
        "13013",
        "ARCH0001",
    )
    assert payment.bank_statement == response.bank_statement
    ((event_type, subject, payload),) = await outbox_events(bank_database)
    assert (event_type, subject) == (RECEIVED, payment.name)
    event = events_pb2.BankPaymentReceived.FromString(payload)
    assert (event.invoice, event.reference, event.amount.units, event.amount.currency_code) == (
        "invoices/inv-1",
        "13013",
        49,
        "EUR",
    )
    assert (event.booking_date.year, event.booking_date.month, event.booking_date.day) == (
        2026,
        11,
        27,
    )


async def test_unknown_invalid_and_missing_references_are_unclear(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    content = camt_file([("A1", "1234561", "12.50"), ("A2", "1234567", "1.00"), ("A3", "", "2.00")])
    response = await rpc.import_bank_statement(request(content), None)
    assert (response.matched_count, response.unclear_count) == (0, 3)
    assert (response.total_amount.units, response.total_amount.nanos) == (15, 500_000_000)
    events = await outbox_events(bank_database)
    assert [event_type for event_type, _, _ in events] == [UNCLEAR] * 3
    reasons = {
        events_pb2.UnclearPaymentReceived.FromString(
            payload
        ).reference: events_pb2.UnclearPaymentReceived.FromString(payload).unclear_reason
        for _, _, payload in events
    }
    assert reasons == {
        "1234561": bank_payment_pb2.UNCLEAR_REASON_UNKNOWN_REFERENCE,
        "1234567": bank_payment_pb2.UNCLEAR_REASON_INVALID_REFERENCE,
        "": bank_payment_pb2.UNCLEAR_REASON_MISSING_REFERENCE,
    }


async def test_reimport_of_the_same_file_is_all_duplicates_without_new_events(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    await index_invoice(bank_database, "inv-1", "13013")
    content = ktl_file([("ARCH0001", "13013", 4900), ("ARCH0002", "1234561", 100)])
    first = await rpc.import_bank_statement(request(content), None)
    again = await rpc.import_bank_statement(request(content), None)
    assert (again.matched_count, again.unclear_count, again.duplicate_count) == (0, 0, 2)
    assert again.bank_statement == first.bank_statement
    assert list(again.bank_payments) == []
    assert len(await outbox_events(bank_database)) == 2
    assert await count(bank_database, bank_statements) == 1
    # An overlapping camt with one of the same entries is not counted twice either.
    overlap = ktl_file(
        [("ARCH0002", "1234561", 100), ("ARCH0003", "13013", 700)], created="2611281000"
    )
    third = await rpc.import_bank_statement(request(overlap), None)
    assert (third.matched_count, third.duplicate_count) == (1, 1)
    assert await count(bank_database, bank_payments) == 3


async def test_same_request_id_replays_and_a_different_request_is_refused(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    request_id = str(uuid.uuid4())
    content = ktl_file([("ARCH0001", "13013", 4900)])
    first = await rpc.import_bank_statement(request(content, request_id), None)
    replay = await rpc.import_bank_statement(request(content, request_id), None)
    assert replay == first
    assert len(await outbox_events(bank_database)) == 1
    with pytest.raises(ValidationFailed) as raised:
        await rpc.import_bank_statement(
            request(ktl_file([("ARCH0009", "13013", 1)]), request_id), None
        )
    assert raised.value.reason == "REQUEST_ID_REUSED"


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a statement",
        ktl_file([("ARCH0001", "13013", 4900)]).replace(b"9000001", b"9000002"),  # bad count
    ],
)
async def test_bad_file_is_invalid_argument_and_nothing_is_written(
    rpc: BankStatementRpc, bank_database: Database, content: bytes
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await rpc.import_bank_statement(request(content), None)
    assert raised.value.reason == "STATEMENT_INVALID"
    assert [v.field for v in raised.value.violations] == ["content"]
    for table in (bank_statements, bank_payments, _outbox, _request_log):
        assert await count(bank_database, table) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"request_id": ""}, "request_id"),
        ({"request_id": "not-a-uuid"}, "request_id"),
        ({"content": b""}, "content"),
    ],
)
async def test_malformed_request_names_the_field(
    rpc: BankStatementRpc, fields: dict[str, object], field: str
) -> None:
    message = request(b"x")
    for name, value in fields.items():
        setattr(message, name, value)
    with pytest.raises(ValidationFailed) as raised:
        await rpc.import_bank_statement(message, None)
    assert [v.field for v in raised.value.violations] == [field]


async def test_concurrent_imports_of_one_file_store_each_entry_once(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    await index_invoice(bank_database, "inv-1", "13013")
    content = ktl_file([("ARCH0001", "13013", 4900)])
    responses = await asyncio.gather(
        *(rpc.import_bank_statement(request(content), None) for _ in range(4))
    )
    assert sorted(r.matched_count for r in responses) == [0, 0, 0, 1]
    assert len(await outbox_events(bank_database)) == 1
    assert await count(bank_database, bank_payments) == 1


async def test_psp_settlement_report_goes_to_settlement(rpc: BankStatementRpc) -> None:
    report = {
        "type": "psp-settlement-report",
        "version": 1,
        "settlementId": str(uuid.uuid4()),
        "merchant": "375917",
        "settlementDate": "2026-11-27",
        "createdAt": "2026-11-27T10:00:00.000Z",
        "currency": "EUR",
        "items": [
            {
                "transactionId": str(uuid.uuid4()),
                "stamp": "unknown-stamp",
                "reference": "13013",
                "amount": 1525,
                "paidAt": "2026-11-27T09:59:00.000Z",
                "provider": "nordea",
            }
        ],
        "total": 1525,
    }
    response = await rpc.import_bank_statement(
        request(
            json.dumps(report).encode(),
            format=bank_payment_pb2.STATEMENT_FORMAT_PSP_SETTLEMENT_REPORT,
        ),
        None,
    )
    # An unknown transaction settles nothing and is not a bank payment.
    assert (response.settled_count, response.matched_count, response.unclear_count) == (0, 0, 0)
    assert response.bank_statement.startswith("bankStatements/")


async def test_list_bank_payments_newest_first_with_filters_and_pages(
    bank_database: Database,
) -> None:
    times = iter([NOW.replace(hour=h) for h in (8, 9)])
    rpc = BankStatementRpc(bank_database, clock=lambda: next(times), ids=lambda: uuid.uuid4().hex)
    await index_invoice(bank_database, "inv-1", "13013")
    await rpc.import_bank_statement(
        request(ktl_file([("A1", "13013", 100), ("A2", "1234561", 200)])), None
    )
    await rpc.import_bank_statement(
        request(ktl_file([("A3", "13013", 300)], created="2611281000")), None
    )
    listed = await rpc.list_bank_payments(pb.ListBankPaymentsRequest(page_size=2), None)
    assert listed.bank_payments[0].archive_id == "A3" and listed.next_page_token
    rest = await rpc.list_bank_payments(
        pb.ListBankPaymentsRequest(page_size=2, page_token=listed.next_page_token), None
    )
    assert len(rest.bank_payments) == 1 and not rest.next_page_token
    every = {p.archive_id for p in [*listed.bank_payments, *rest.bank_payments]}
    assert every == {"A1", "A2", "A3"}
    matched = await rpc.list_bank_payments(
        pb.ListBankPaymentsRequest(invoice="invoices/inv-1", state=STATE.STATE_MATCHED), None
    )
    assert [p.archive_id for p in matched.bank_payments] == ["A3", "A1"]
    with pytest.raises(ValidationFailed) as raised:
        await rpc.list_bank_payments(
            pb.ListBankPaymentsRequest(
                state=STATE.STATE_UNCLEAR, page_token=listed.next_page_token
            ),
            None,
        )
    assert raised.value.reason == "INVALID_PAGE_TOKEN"


# ------------------------------------------------------------------ the shared samples


async def test_camt054_sample_imports_with_its_amounts_and_references(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    content = sample("iso20022/camt054_001_02_handelsbanken_fi_example.xml")
    await index_invoice(bank_database, "inv-camt", "9597349")
    response = await rpc.import_bank_statement(request(content), None)
    found = {(p.reference, p.amount.units, p.amount.nanos, p.state) for p in response.bank_payments}
    assert found == {
        ("9597349", 88, 160_000_000, STATE.STATE_MATCHED),
        ("9544208", 742, 450_000_000, STATE.STATE_UNCLEAR),
        ("", 6000, 540_000_000, STATE.STATE_UNCLEAR),
        ("", 216, 850_000_000, STATE.STATE_UNCLEAR),
    }
    assert (response.total_amount.units, response.total_amount.nanos) == (7048, 0)
    assert len(await outbox_events(bank_database)) == 4


async def test_reference_payment_file_sample_imports_and_matches(
    rpc: BankStatementRpc, bank_database: Database
) -> None:
    content = sample("ktl/jbank_547392460_redacted.SVM")
    await index_invoice(bank_database, "inv-ktl", "13013")
    response = await rpc.import_bank_statement(request(content), None)
    (payment,) = response.bank_payments
    assert (payment.state, payment.invoice, payment.reference) == (
        STATE.STATE_MATCHED,
        "invoices/inv-ktl",
        "13013",
    )
    assert (payment.amount.units, payment.amount.nanos, payment.archive_id) == (
        49,
        0,
        "02042588WWRV0212",
    )
