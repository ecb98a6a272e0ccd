"""Payout files (pain.001.001.09): schema conformance, exact amounts, names, BICs, refusals."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from ropo_platform.money import Money
from ropo_refund.adapters.pain001 import (
    DebtorAccount,
    PayoutFileInvalid,
    PayoutInstruction,
    build_pain001,
    read_pain001,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
MESSAGE_ID = "ROPO0f3a9c1e2b7d4e5f8a6b1c2d3e4f"
CREATED_AT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
EXECUTION_DATE = date(2026, 3, 3)
DEBTOR = DebtorAccount(name="Ropo Capital Oy", iban="FI4250001510000023", bic="")
OP_IBAN, OP_BIC = "FI4250001510000023", "OKOYFIHH"
NORDEA_IBAN, NORDEA_BIC = "FI2112345600000785", "NDEAFIHH"
DUTCH_IBAN = "NL91ABNA0417164300"


def samples_dir() -> Path | None:
    configured = os.environ.get("ROPO_SAMPLES_DIR")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def sample(relative: str) -> Path:
    base = samples_dir()
    if base is None:
        pytest.skip("shared samples absent (set ROPO_SAMPLES_DIR or provide ../shared/data)")
    path = base / relative
    if not path.exists():
        pytest.skip(f"sample {relative} absent from {base}")
    return path


def instruction(number: int = 1, **changes: object) -> PayoutInstruction:
    base = PayoutInstruction(
        end_to_end_id=f"912345678{number % 10}-0",
        amount=Money.eur("25.50"),
        creditor_name="Maija Meikäläinen",
        creditor_iban=NORDEA_IBAN,
        creditor_bic="",
        remittance=f"Palautus 912345678{number % 10}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def build(*instructions: PayoutInstruction, **overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "message_id": MESSAGE_ID,
        "created_at": CREATED_AT,
        "execution_date": EXECUTION_DATE,
        "debtor": DEBTOR,
        "instructions": instructions or (instruction(),),
    }
    arguments.update(overrides)
    return build_pain001(**arguments)  # type: ignore[arg-type]


def tree(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def texts(content: bytes, path: str) -> list[str]:
    return [element.text or "" for element in tree(content).iterfind(path, NS)]


def transaction(content: bytes, end_to_end_id: str) -> etree._Element:
    for item in tree(content).iterfind(".//p:CdtTrfTxInf", NS):
        if item.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == end_to_end_id:
            return item
    raise AssertionError(f"no transaction {end_to_end_id}")


# ---------------------------------------------------------------------------- conformance


def test_built_file_validates_against_the_shared_xsd() -> None:
    xsd_path = sample("iso20022/xsd/pain.001.001.09.xsd")
    content = build(
        instruction(1, amount=Money.eur("0.01")),
        instruction(2, creditor_iban=DUTCH_IBAN, creditor_name="Åsa Öhman"),
        instruction(3, creditor_bic="NDEAFIHH"),
    )
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    assert schema.validate(tree(content)), schema.error_log
    # The same check through the builder's own hook.
    assert build(instruction(), extra_xsd=xsd_path) == build(instruction())


def test_an_extra_schema_that_does_not_match_refuses_the_file_by_element() -> None:
    old_schema = sample("iso20022/xsd/pain.001.001.03.xsd")
    with pytest.raises(
        PayoutFileInvalid, match=r"does not match pain\.001\.001\.03\.xsd at /Document"
    ):
        build(instruction(), extra_xsd=old_schema)


def test_reads_the_shared_sample_with_matching_sum_and_count() -> None:
    summary = read_pain001(sample("iso20022/pain001_001_09_sepaxml_sample.xml").read_bytes())
    assert summary.message_id == "20180724040432-d24ce3b3e284"
    assert summary.execution_date == date(2018, 7, 24)
    assert len(summary.transactions) == 2
    assert summary.control_sum == Decimal("60.12")
    assert sum(t.amount.amount for t in summary.transactions) == summary.control_sum
    assert [t.amount for t in summary.transactions] == [Money.eur("10.12"), Money.eur("50.00")]
    assert summary.transactions[0].creditor_bic == "BANKNL2A"
    assert summary.transactions[0].remittance == "Test transaction1"


# ------------------------------------------------------------------------------ structure


def test_one_sepa_batch_with_the_debtor_and_execution_date() -> None:
    content = build(instruction(1), instruction(2))
    document = tree(content)
    assert len(document.findall(".//p:PmtInf", NS)) == 1
    payment_info = document.find(".//p:PmtInf", NS)
    assert payment_info is not None
    assert payment_info.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert payment_info.findtext("p:BtchBookg", namespaces=NS) == "true"
    assert payment_info.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=NS) == "SEPA"
    assert payment_info.findtext("p:ChrgBr", namespaces=NS) == "SLEV"
    assert payment_info.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-03-03"
    assert payment_info.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Ropo Capital Oy"
    assert payment_info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == OP_IBAN
    assert payment_info.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == OP_BIC
    assert texts(content, ".//p:InstdAmt") == ["25.50", "25.50"]
    assert {e.get("Ccy") for e in document.iterfind(".//p:InstdAmt", NS)} == {"EUR"}
    assert texts(content, ".//p:RmtInf/p:Ustrd") == ["Palautus 9123456781", "Palautus 9123456782"]


def test_same_input_gives_the_same_bytes_with_ids_from_the_message_id() -> None:
    first, second = build(), build()
    assert first == second
    assert texts(first, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == [MESSAGE_ID]
    assert texts(first, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm") == ["2026-03-02T09:30:15+00:00"]
    (payment_info_id,) = texts(first, ".//p:PmtInfId")
    assert payment_info_id.startswith(MESSAGE_ID[:20])
    assert len(payment_info_id) <= 35
    other = build(message_id="ROPO11112222333344445555666677778")
    assert texts(other, ".//p:PmtInfId") != [payment_info_id]


def test_finnish_iban_gets_its_banks_bic() -> None:
    content = build(
        instruction(1, creditor_iban=NORDEA_IBAN), instruction(2, creditor_iban=OP_IBAN)
    )
    for end_to_end_id, bic in (("9123456781-0", NORDEA_BIC), ("9123456782-0", OP_BIC)):
        agent = transaction(content, end_to_end_id).findtext(
            "p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS
        )
        assert agent == bic


def test_other_sepa_iban_without_bic_has_no_creditor_agent() -> None:
    content = build(instruction(1, creditor_iban=DUTCH_IBAN))
    item = transaction(content, "9123456781-0")
    assert item.find("p:CdtrAgt", NS) is None
    assert item.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == DUTCH_IBAN


def test_a_given_bic_is_used() -> None:
    content = build(instruction(1, creditor_iban=DUTCH_IBAN, creditor_bic="ABNANL2A"))
    bic = transaction(content, "9123456781-0").findtext(
        "p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS
    )
    assert bic == "ABNANL2A"


def test_debtor_without_a_derivable_bic_says_not_provided() -> None:
    content = build(debtor=DebtorAccount("Ropo Capital Oy", DUTCH_IBAN, ""))
    assert texts(content, ".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]


# -------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0.01", "0.01"), ("0.10", "0.10"), ("1234.56", "1234.56"), ("1000000.00", "1000000.00")],
)
def test_amounts_are_written_exactly(amount: str, text: str) -> None:
    content = build(instruction(amount=Money.eur(amount)))
    assert texts(content, ".//p:InstdAmt") == [text]
    assert texts(content, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == [text]


def test_control_sum_of_many_small_amounts_is_exact() -> None:
    # 0.10 added 333 times is 33.300000000000004 in binary floating point.
    many = [
        instruction(end_to_end_id=f"9000000000-{n}", amount=Money.eur("0.10")) for n in range(333)
    ]
    many.append(instruction(end_to_end_id="9000000001-0", amount=Money.eur("1234.56")))
    content = build(*many)
    assert texts(content, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == ["1267.86"]
    assert texts(content, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == ["334"]
    assert texts(content, ".//p:PmtInf/p:CtrlSum") == ["1267.86"]
    summary = read_pain001(content)
    assert summary.control_sum == Decimal("1267.86")
    assert len(summary.transactions) == 334


def test_reading_back_gives_the_instructions() -> None:
    given = (
        instruction(1, amount=Money.eur("1234.56")),
        instruction(2, creditor_iban=DUTCH_IBAN, creditor_name="Åsa Öhman"),
    )
    summary = read_pain001(build(*given))
    assert summary.message_id == MESSAGE_ID
    assert summary.execution_date == EXECUTION_DATE
    assert summary.transactions == (replace(given[0], creditor_bic=NORDEA_BIC), given[1])


# ---------------------------------------------------------------------------------- names


def test_finnish_and_swedish_letters_stay_as_written() -> None:
    content = build(instruction(creditor_name="Åke Öystilä-Ääriö", remittance="Palautus ÅÄÖ åäö"))
    assert texts(content, ".//p:Cdtr/p:Nm") == ["Åke Öystilä-Ääriö"]
    assert texts(content, ".//p:Ustrd") == ["Palautus ÅÄÖ åäö"]


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("José Müller", "Jose Muller"),
        ("Łukasz Straße", "Lukasz Strasse"),
        ("Søren & Co Oy", "Soren + Co Oy"),
        ('Anna  \t Berg; "x"', "Anna Berg x"),
    ],
)
def test_other_letters_are_folded_to_the_sepa_character_set(name: str, written: str) -> None:
    content = build(instruction(creditor_name=name))
    assert texts(content, ".//p:Cdtr/p:Nm") == [written]


def test_a_name_with_nothing_writable_is_refused() -> None:
    with pytest.raises(PayoutFileInvalid, match=r"CdtTrfTxInf\[1\]/Cdtr/Nm must not be empty"):
        build(instruction(creditor_name="王小明"))


# -------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("changes", "element"),
    [
        ({"amount": Money.eur("-5.00")}, "Amt/InstdAmt must be positive"),
        ({"amount": Money.eur("0.00")}, "Amt/InstdAmt must be positive"),
        ({"amount": Money("5.00", "SEK")}, "Amt/InstdAmt must be in EUR"),
        ({"amount": Money.eur("1000000000.00")}, "Amt/InstdAmt must be at most"),
        ({"end_to_end_id": "9" * 36}, "PmtId/EndToEndId must be 1–35"),
        ({"end_to_end_id": ""}, "PmtId/EndToEndId must be 1–35"),
        ({"end_to_end_id": "9123 456785-0"}, "PmtId/EndToEndId"),
        ({"end_to_end_id": "/9123456785"}, "PmtId/EndToEndId"),
        ({"creditor_name": "A" * 71}, "Cdtr/Nm must be at most 70"),
        ({"remittance": "R" * 141}, "RmtInf/Ustrd must be at most 140"),
        ({"creditor_bic": "NOTABIC"}, "CdtrAgt/FinInstnId/BICFI is not a valid BIC"),
    ],
)
def test_a_bad_instruction_is_refused_naming_the_element(
    changes: dict[str, object], element: str
) -> None:
    with pytest.raises(PayoutFileInvalid, match=r"CdtTrfTxInf\[2\]/") as raised:
        build(instruction(1), instruction(2, **changes))
    assert element in str(raised.value)


@pytest.mark.parametrize("iban", ["FI2112345600000786", "FI21123456", "XX00", "fi 21"])
def test_a_bad_iban_is_refused_without_quoting_it(iban: str) -> None:
    with pytest.raises(PayoutFileInvalid, match="CdtrAcct/Id/IBAN is not a valid IBAN") as raised:
        build(instruction(creditor_iban=iban))
    assert iban not in str(raised.value)


def test_duplicate_end_to_end_ids_are_refused() -> None:
    with pytest.raises(PayoutFileInvalid, match="EndToEndId must be unique"):
        build(instruction(1), instruction(1))


def test_no_instructions_is_refused() -> None:
    with pytest.raises(PayoutFileInvalid, match="at least one"):
        build_pain001(
            message_id=MESSAGE_ID,
            created_at=CREATED_AT,
            execution_date=EXECUTION_DATE,
            debtor=DEBTOR,
            instructions=(),
        )


@pytest.mark.parametrize("message_id", ["", "R" * 36, "ROPO 1"])
def test_a_bad_message_id_is_refused(message_id: str) -> None:
    with pytest.raises(PayoutFileInvalid, match="GrpHdr/MsgId"):
        build(message_id=message_id)


def test_a_bad_debtor_account_is_refused() -> None:
    with pytest.raises(PayoutFileInvalid, match="DbtrAcct/Id/IBAN is not a valid IBAN"):
        build(debtor=DebtorAccount("Ropo Capital Oy", "FI4250001510000024", ""))


# --------------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Document", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document>&x;</Document>',
            "DOCTYPE",
        ),
        (b"<Document/>", "no CstmrCdtTrfInitn"),
    ],
)
def test_reading_refuses_what_is_not_a_payout_file(content: bytes, message: str) -> None:
    with pytest.raises(PayoutFileInvalid, match=message):
        read_pain001(content)


def test_reading_refuses_a_control_sum_that_does_not_add_up() -> None:
    content = build(instruction(1), instruction(2)).replace(
        b"<CtrlSum>51.00</CtrlSum>", b"<CtrlSum>51.01</CtrlSum>", 1
    )
    with pytest.raises(PayoutFileInvalid, match="GrpHdr/CtrlSum"):
        read_pain001(content)
