"""The sandbox bank over real HTTP: payout files in, pain.002 status reports out."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from lxml import etree
from ropo_platform.money import Money
from ropo_refund.adapters.pain001 import DebtorAccount, PayoutInstruction, build_pain001
from ropo_sandbox.app import create_app
from ropo_sandbox.config import SandboxSettings
from sandbox_support import FakeClock, require_sample
from test_psp_harness import serving

PAIN002 = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"}
DEBTOR = DebtorAccount("Ropo Capital Oy", "FI4250001510000023", "")
CREDITOR_IBAN = "FI2112345600000785"


@dataclass
class RunningBank:
    http: httpx.Client
    logs: io.StringIO
    clock: FakeClock


@pytest.fixture(scope="module")
def bank() -> Iterator[RunningBank]:
    clock, logs = FakeClock(), io.StringIO()
    app = create_app(SandboxSettings(), clock=clock, log_stream=logs)
    with serving(app) as base_url, httpx.Client(base_url=f"{base_url}/bank", timeout=10) as http:
        yield RunningBank(http, logs, clock)


def payout_file(message_id: str, *amounts: str) -> bytes:
    instructions = [
        PayoutInstruction(
            end_to_end_id=f"{message_id[-10:]}-{number}",
            amount=Money.eur(amount),
            creditor_name="Maija Meikäläinen",
            creditor_iban=CREDITOR_IBAN,
            creditor_bic="",
            remittance=f"Palautus {number}",
        )
        for number, amount in enumerate(amounts)
    ]
    return build_pain001(
        message_id=message_id,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        execution_date=date(2026, 3, 3),
        debtor=DEBTOR,
        instructions=instructions,
    )


PAIN001_03 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">
  <CstmrCdtTrfInitn>
    <GrpHdr><MsgId>OLD-FORMAT-1</MsgId><CreDtTm>2026-03-02T09:00:00</CreDtTm>
      <NbOfTxs>1</NbOfTxs><CtrlSum>7.5</CtrlSum><InitgPty><Nm>Ropo</Nm></InitgPty></GrpHdr>
    <PmtInf><PmtInfId>OLD-FORMAT-1-1</PmtInfId><PmtMtd>TRF</PmtMtd>
      <ReqdExctnDt>2026-03-03</ReqdExctnDt>
      <CdtTrfTxInf><PmtId><EndToEndId>OLD-1</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">7.50</InstdAmt></Amt></CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>"""


def statuses(report: bytes) -> dict[str, tuple[str, str]]:
    root = etree.fromstring(report)
    return {
        item.findtext("p:OrgnlEndToEndId", namespaces=PAIN002) or "": (
            item.findtext("p:TxSts", namespaces=PAIN002) or "",
            item.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=PAIN002) or "",
        )
        for item in root.iterfind(".//p:TxInfAndSts", PAIN002)
    }


def test_a_payout_file_is_received_once(bank: RunningBank) -> None:
    content = payout_file("ROPO00000000000000000000000000a1", "0.01", "1234.56", "10.00")
    first = bank.http.post("/payouts", content=content)
    assert first.status_code == 201, first.text
    assert first.json() == {
        "message_id": "ROPO00000000000000000000000000a1",
        "transactions": 3,
        "control_sum": "1244.57",
    }
    again = bank.http.post("/payouts", content=content)
    assert (again.status_code, again.json()) == (200, first.json())
    # Another file under the same message id: the bank keeps its one copy.
    other = bank.http.post(
        "/payouts", content=payout_file("ROPO00000000000000000000000000a1", "5.00")
    )
    assert (other.status_code, other.json()) == (200, first.json())


def test_older_format_and_the_shared_sample_are_received(bank: RunningBank) -> None:
    old = bank.http.post("/payouts", content=PAIN001_03)
    assert old.status_code == 201, old.text
    assert old.json() == {"message_id": "OLD-FORMAT-1", "transactions": 1, "control_sum": "7.50"}
    sample = require_sample("iso20022/pain001_001_09_sepaxml_sample.xml").read_bytes()
    received = bank.http.post("/payouts", content=sample)
    assert received.json()["control_sum"] == "60.12"
    assert received.json()["transactions"] == 2


def test_status_report_settles_every_transaction(bank: RunningBank) -> None:
    content = payout_file("ROPO00000000000000000000000000b1", "12.34", "0.66")
    bank.http.post("/payouts", content=content)
    response = bank.http.get("/payouts/ROPO00000000000000000000000000b1/status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    group = root.find("p:CstmrPmtStsRpt/p:OrgnlGrpInfAndSts", PAIN002)
    assert group is not None
    assert group.findtext("p:OrgnlMsgId", namespaces=PAIN002) == "ROPO00000000000000000000000000b1"
    assert group.findtext("p:OrgnlMsgNmId", namespaces=PAIN002) == "pain.001.001.09"
    assert group.findtext("p:GrpSts", namespaces=PAIN002) == "ACSC"
    assert statuses(response.content) == {
        "00000000b1-0": ("ACSC", ""),
        "00000000b1-1": ("ACSC", ""),
    }


def test_a_rejection_asked_for_shows_in_the_report(bank: RunningBank) -> None:
    content = payout_file("ROPO00000000000000000000000000c1", "20.00", "30.00")
    bank.http.post("/payouts", content=content)
    rejected_id = "00000000c1-1"
    answer = bank.http.post(
        "/control/rejections", json={"end_to_end_id": rejected_id, "reason_code": "AC01"}
    )
    assert answer.status_code == 204
    report = bank.http.get("/payouts/ROPO00000000000000000000000000c1/status").content
    assert statuses(report) == {"00000000c1-0": ("ACSC", ""), rejected_id: ("RJCT", "AC01")}
    assert etree.fromstring(report).findtext(".//p:GrpSts", namespaces=PAIN002) == "PART"


def test_unknown_payout_has_no_status(bank: RunningBank) -> None:
    response = bank.http.get("/payouts/NO-SUCH-FILE/status")
    assert response.status_code == 404
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "pain.001 XML"),
        (b"<Document", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document>&x;</Document>',
            "DOCTYPE",
        ),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>', "not a pain.001"),
        (PAIN001_03.replace(b"<CtrlSum>7.5</CtrlSum>", b"<CtrlSum>7.51</CtrlSum>"), "CtrlSum"),
        (PAIN001_03.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>2</NbOfTxs>"), "NbOfTxs"),
        (PAIN001_03.replace(b">7.50<", b">-7.50<"), "InstdAmt"),
    ],
)
def test_a_bad_payout_file_is_refused(bank: RunningBank, content: bytes, message: str) -> None:
    response = bank.http.post("/payouts", content=content)
    assert response.status_code == 400
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"reason_code": "AC04"}',
        b'{"end_to_end_id": "x", "reason_code": "ac04"}',
        b'{"end_to_end_id": "' + b"9" * 36 + b'"}',
    ],
)
def test_a_bad_rejection_request_is_refused(bank: RunningBank, body: bytes) -> None:
    response = bank.http.post("/control/rejections", content=body)
    assert response.status_code == 400


def test_the_log_never_has_an_account_number(bank: RunningBank) -> None:
    bank.http.post("/payouts", content=payout_file("ROPO00000000000000000000000000d1", "1.00"))
    logs = bank.logs.getvalue()
    assert "bank_payout_received" in logs
    assert CREDITOR_IBAN not in logs
    assert DEBTOR.iban not in logs
