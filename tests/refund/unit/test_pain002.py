"""The bank's status report (pain.002): outcomes per transaction and group, versions, refusals."""

from __future__ import annotations

import pytest
from ropo_refund.adapters.pain002 import (
    InvalidStatusReport,
    PayoutStatusReport,
    TransactionOutcome,
    TransactionStatusReport,
    parse_pain002,
)

V03 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
V10 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
BATCH = "ROPO0f3a9c1e2b7d4e5f8a6b1c2d3e4f"
PAID, REJECTED, PENDING = (
    TransactionOutcome.PAID,
    TransactionOutcome.REJECTED,
    TransactionOutcome.PENDING,
)


def report(body: str, namespace: str = V03, group: str = "", message_id: str = "STS-1") -> bytes:
    original = f"<OrgnlMsgId>{BATCH}</OrgnlMsgId>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-04T08:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      {original}
      <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
      {group}
    </OrgnlGrpInfAndSts>
    {body}
  </CstmrPmtStsRpt>
</Document>""".encode()


def payment_info(*transactions: str, status: str = "") -> str:
    own = f"<PmtInfSts>{status}</PmtInfSts>" if status else ""
    return (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{BATCH}-1</OrgnlPmtInfId>{own}"
        + "".join(transactions)
        + "</OrgnlPmtInfAndSts>"
    )


def tx(end_to_end_id: str, status: str = "", reason: str = "", *info: str) -> str:
    own = f"<TxSts>{status}</TxSts>" if status else ""
    reasons = ""
    if reason or info:
        code = f"<Rsn><Cd>{reason}</Cd></Rsn>" if reason else ""
        reasons = (
            f"<StsRsnInf>{code}"
            + "".join(f"<AddtlInf>{i}</AddtlInf>" for i in info)
            + "</StsRsnInf>"
        )
    return (
        f"<TxInfAndSts><OrgnlEndToEndId>{end_to_end_id}</OrgnlEndToEndId>{own}{reasons}"
        "</TxInfAndSts>"
    )


def test_group_level_acceptance_without_transactions_pays_every_transaction() -> None:
    parsed = parse_pain002(report("", group="<GrpSts>ACSC</GrpSts>"))
    assert parsed.message_id == "STS-1"
    assert parsed.original_message_id == BATCH
    assert parsed.group_outcome is PAID
    assert parsed.transactions == ()
    assert parsed.outcome_for("9123456785-0") == TransactionStatusReport(
        "9123456785-0", PAID, "", ""
    )


def test_group_rejection_carries_its_reason_to_every_transaction() -> None:
    group = (
        "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn>"
        "<AddtlInf>Invalid file format</AddtlInf></StsRsnInf>"
    )
    parsed = parse_pain002(report("", group=group))
    assert parsed.outcome_for("9123456785-0") == TransactionStatusReport(
        "9123456785-0", REJECTED, "FF01", "Invalid file format"
    )


def test_per_transaction_rejection_with_reason_code_and_text() -> None:
    body = payment_info(
        tx("9123456785-0", "ACSC"),
        tx("9123456786-1", "RJCT", "AC04", "Closed account", "number"),
    )
    parsed = parse_pain002(report(body, group="<GrpSts>PART</GrpSts>"))
    assert parsed.group_outcome is PENDING
    assert parsed.transactions == (
        TransactionStatusReport("9123456785-0", PAID, "", ""),
        TransactionStatusReport("9123456786-1", REJECTED, "AC04", "Closed account number"),
    )
    assert parsed.outcome_for("9123456786-1") == parsed.transactions[1]
    # A partly accepted group says nothing final about a transaction it does not list.
    assert parsed.outcome_for("9123456787-0") is None


def test_proprietary_reason_is_used_when_there_is_no_code() -> None:
    item = (
        "<TxInfAndSts><OrgnlEndToEndId>9123456785-0</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        "<StsRsnInf><Rsn><Prtry>X99</Prtry></Rsn></StsRsnInf></TxInfAndSts>"
    )
    parsed = parse_pain002(report(payment_info(item)))
    transaction = parsed.outcome_for("9123456785-0")
    assert transaction is not None
    assert (transaction.outcome, transaction.reason_code) == (REJECTED, "X99")


@pytest.mark.parametrize("status", ["ACTC", "ACCP", "ACSP", "ACWC", "PDNG", "PART", "RCVD"])
def test_pending_statuses_change_nothing(status: str) -> None:
    parsed = parse_pain002(report(payment_info(tx("9123456785-0", status))))
    transaction = parsed.outcome_for("9123456785-0")
    assert transaction is not None
    assert transaction.outcome is PENDING


@pytest.mark.parametrize("status", ["ACSC", "ACCC"])
def test_settled_statuses_are_paid(status: str) -> None:
    parsed = parse_pain002(report(payment_info(tx("9123456785-0", status))))
    assert parsed.transactions[0].outcome is PAID


def test_a_status_the_project_does_not_know_is_pending_not_paid() -> None:
    parsed = parse_pain002(report(payment_info(tx("9123456785-0", "CANC"))))
    assert parsed.transactions[0].outcome is PENDING


def test_transaction_status_wins_over_payment_information_and_group_status() -> None:
    body = payment_info(tx("9123456785-0", "RJCT", "AC01"), tx("9123456786-1"), status="ACSC")
    parsed = parse_pain002(report(body, group="<GrpSts>PART</GrpSts>"))
    assert [t.outcome for t in parsed.transactions] == [REJECTED, PAID]


def test_payment_information_status_counts_for_the_whole_report_without_group_status() -> None:
    parsed = parse_pain002(report(payment_info(status="RJCT")))
    assert parsed.group_outcome is REJECTED
    rejected = parsed.outcome_for("anything-1")
    assert rejected is not None
    assert rejected.outcome is REJECTED


def test_a_transaction_not_in_the_report_has_no_outcome() -> None:
    parsed = parse_pain002(report(payment_info(tx("9123456785-0", "ACSC"))))
    assert parsed.group_outcome is None
    assert parsed.outcome_for("9123456786-1") is None


def test_version_10_is_read_the_same_way() -> None:
    body = payment_info(tx("9123456785-0", "ACCC"), tx("9123456786-1", "RJCT", "AC04"))
    assert parse_pain002(report(body, V10)) == parse_pain002(report(body, V03))


def test_a_final_status_beats_an_earlier_pending_one_for_the_same_transaction() -> None:
    body = payment_info(tx("9123456785-0", "ACSP"), tx("9123456785-0", "ACSC"))
    assert parse_pain002(report(body)).transactions == (
        TransactionStatusReport("9123456785-0", PAID, "", ""),
    )


def test_paid_and_rejected_for_the_same_transaction_is_refused() -> None:
    body = payment_info(tx("9123456785-0", "ACSC"), tx("9123456785-0", "RJCT"))
    with pytest.raises(InvalidStatusReport, match="both pays and rejects"):
        parse_pain002(report(body))


def test_result_type() -> None:
    assert isinstance(parse_pain002(report("")), PayoutStatusReport)


# -------------------------------------------------------------------------------- refusals


def test_malformed_xml_is_refused() -> None:
    with pytest.raises(InvalidStatusReport, match="not well-formed XML"):
        parse_pain002(report("<OrgnlPmtInfAndSts>")[:-20])


def test_an_entity_expansion_bomb_is_refused_and_not_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Document [\n<!ENTITY a "aaaaaaaaaa">\n'
        + b"".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">\n'.encode()
            for n in range(8)
        )
        + b"]>\n"
        + report("").split(b"?>", 1)[1].replace(b"STS-1", b"&i;")
    )
    # libxml2 stops the amplification itself; the DOCTYPE would be refused anyway.
    with pytest.raises(InvalidStatusReport, match=r"DOCTYPE|not well-formed") as raised:
        parse_pain002(laughs)
    assert "aaaa" not in str(raised.value)


def test_an_internal_entity_is_refused_rather_than_used() -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x "FAKE-BATCH">]>' + report(
        ""
    ).split(b"?>", 1)[1].replace(BATCH.encode(), b"&x;")
    with pytest.raises(InvalidStatusReport, match="DOCTYPE"):
        parse_pain002(content)


def test_an_external_entity_is_refused() -> None:
    content = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + report("").split(b"?>", 1)[1].replace(b"STS-1", b"&x;")
    )
    with pytest.raises(InvalidStatusReport, match="DOCTYPE"):
        parse_pain002(content)


def test_a_report_without_original_message_id_is_refused() -> None:
    content = report("").replace(f"<OrgnlMsgId>{BATCH}</OrgnlMsgId>".encode(), b"")
    with pytest.raises(InvalidStatusReport, match="OrgnlMsgId"):
        parse_pain002(content)


def test_a_report_without_its_own_message_id_is_refused() -> None:
    with pytest.raises(InvalidStatusReport, match="GrpHdr/MsgId"):
        parse_pain002(report("", message_id=""))


@pytest.mark.parametrize(
    "content",
    [
        b"<Document/>",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/>'
        b"</Document>",
        b"<CstmrPmtStsRpt/>",
    ],
)
def test_a_document_that_is_no_status_report_is_refused(content: bytes) -> None:
    with pytest.raises(InvalidStatusReport, match=r"not a pain\.002"):
        parse_pain002(content)


def test_a_transaction_status_without_end_to_end_id_is_refused() -> None:
    item = "<TxInfAndSts><TxSts>RJCT</TxSts></TxInfAndSts>"
    with pytest.raises(InvalidStatusReport, match=r"TxInfAndSts\[1\] has no OrgnlEndToEndId"):
        parse_pain002(report(payment_info(item)))


def test_a_status_that_is_not_a_code_is_refused_without_quoting_it() -> None:
    with pytest.raises(InvalidStatusReport, match="TxSts is not a status code") as raised:
        parse_pain002(report(payment_info(tx("9123456785-0", "paid!"))))
    assert "paid!" not in str(raised.value)
