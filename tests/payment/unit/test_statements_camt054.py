"""camt.054 parsing: the public Handelsbanken sample and generated .001.02/.001.08 documents."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree
from ropo_payment.adapters.statements import (
    StatementError,
    StatementKind,
    parse_statement,
)
from statement_builders import (
    CAMT_V02,
    CAMT_V08,
    CamtEntry,
    CamtTx,
    camt054,
    require_sample,
    xsd_for,
)

BOTH_VERSIONS = pytest.mark.parametrize("version", [CAMT_V02, CAMT_V08], ids=["v02", "v08"])


def assert_schema_valid(document: bytes, version: str) -> None:
    """Generated documents follow the real schema when the shared XSDs are present."""
    path = xsd_for(version)
    if path is None:
        return
    schema = etree.XMLSchema(etree.parse(str(path)))
    tree = etree.fromstring(document)
    assert schema.validate(tree), schema.error_log


def test_the_handelsbanken_sample_gives_its_four_credits() -> None:
    content = require_sample("iso20022/camt054_001_02_handelsbanken_fi_example.xml").read_bytes()

    parsed = parse_statement(content)

    assert parsed.kind is StatementKind.CAMT054
    assert parsed.statement_id == "CAMT08224820170203001"
    assert [(e.reference, e.amount_minor, e.payer_name) for e in parsed.entries] == [
        ("9597349", 8816, "SUOMI OY"),  # Ustrd that is a reference
        ("9544208", 74245, "TEST OY"),  # Strd/CdtrRefInf/Ref
        ("", 600054, "DEBTOR FINLAND OY"),  # only invoice numbers, no creditor reference
        ("", 21685, "Debtor Name"),  # free text is not a reference; TxAmt (EUR), not InstdAmt (SEK)
    ]
    assert [e.entry_key for e in parsed.entries] == [
        "camt:201701312588CECZ0804:0",
        "camt:20170123456:0",
        "camt:201702013131LG123456:0",
        "camt:170130313190U60111:0",
    ]
    assert {e.booking_date for e in parsed.entries} == {date(2017, 1, 22)}
    assert {e.value_date for e in parsed.entries} == {date(2017, 1, 22)}
    assert {e.currency for e in parsed.entries} == {"EUR"}
    assert parsed.total_minor == 704800
    assert parsed.skipped_count == 0
    assert parsed.settlements == ()
    assert parsed.settled_at is None


@BOTH_VERSIONS
def test_a_generated_document_gives_its_credits(version: str) -> None:
    document = camt054(
        [
            CamtEntry(
                amount="15.25",
                entry_reference="NTRY-1",
                account_servicer_reference="ARCH-1",
                transactions=[CamtTx(amount="15.25", structured_reference="RF18 5390 0754 7034")],
            ),
            CamtEntry(
                amount="1696.32",
                account_servicer_reference="ARCH-2",
                value_date=None,
                booking_is_datetime=True,
                transactions=[CamtTx(amount="1696.32", unstructured=("1301 3",), debtor=None)],
            ),
        ],
        version=version,
        message_id="MSG-GEN-1",
    )
    assert_schema_valid(document, version)

    parsed = parse_statement(document)

    assert parsed.statement_id == "MSG-GEN-1"
    first, second = parsed.entries
    assert (first.reference, first.amount_minor, first.payer_name) == (
        "RF18539007547034",
        1525,
        "MAKSAJA OY",
    )
    assert (first.entry_key, first.archive_id) == ("camt:ARCH-1:0", "ARCH-1")
    assert (first.booking_date, first.value_date) == (date(2026, 11, 27), date(2026, 11, 27))
    assert (second.reference, second.amount_minor, second.payer_name) == ("13013", 169632, "")
    assert (second.booking_date, second.value_date) == (date(2026, 11, 27), None)
    assert parsed.total_minor == 171157


@BOTH_VERSIONS
def test_debits_reversals_pending_and_foreign_entries_are_skipped_and_counted(
    version: str,
) -> None:
    document = camt054(
        [
            CamtEntry(amount="5.00", account_servicer_reference="CREDIT"),
            CamtEntry(amount="6.00", credit_debit="DBIT", account_servicer_reference="DEBIT"),
            CamtEntry(amount="7.00", reversal=True, account_servicer_reference="REVERSAL"),
            CamtEntry(amount="8.00", status="PDNG", account_servicer_reference="PENDING"),
            CamtEntry(
                amount="9.00",
                currency="SEK",
                account_servicer_reference="SEK",
                transactions=[CamtTx(amount="9.00", currency="SEK")],
            ),
        ],
        version=version,
    )
    assert_schema_valid(document, version)

    parsed = parse_statement(document)

    assert [e.entry_key for e in parsed.entries] == ["camt:CREDIT:0"]
    assert parsed.skipped_count == 4
    assert parsed.total_minor == 500


@BOTH_VERSIONS
def test_a_batch_entry_gives_one_payment_per_transaction(version: str) -> None:
    document = camt054(
        [
            CamtEntry(
                amount="30.00",
                entry_reference="BATCH",
                account_servicer_reference=None,
                transactions=[
                    CamtTx(amount="10.00", structured_reference="13013", debtor="A"),
                    CamtTx(
                        amount="20.00",
                        structured_reference="9597349",
                        debtor="B",
                        account_servicer_reference="TX-2",
                    ),
                ],
            )
        ],
        version=version,
    )
    assert_schema_valid(document, version)

    parsed = parse_statement(document)

    assert [(e.entry_key, e.reference, e.amount_minor, e.archive_id) for e in parsed.entries] == [
        ("camt:BATCH:0", "13013", 1000, "BATCH"),
        ("camt:BATCH:1", "9597349", 2000, "TX-2"),
    ]


def test_a_debit_transaction_inside_a_v08_credit_entry_is_skipped() -> None:
    document = camt054(
        [
            CamtEntry(
                amount="4.00",
                transactions=[CamtTx(amount="5.00"), CamtTx(amount="1.00", credit_debit="DBIT")],
            )
        ]
    )
    assert_schema_valid(document, CAMT_V08)

    parsed = parse_statement(document)

    assert [e.amount_minor for e in parsed.entries] == [500]
    assert parsed.skipped_count == 1


def test_an_entry_without_details_uses_the_entry_amount() -> None:
    document = camt054([CamtEntry(amount="12.30", transactions=[])], version=CAMT_V02)

    (entry,) = parse_statement(document).entries

    assert (entry.amount_minor, entry.reference, entry.payer_name) == (1230, "", "")


def test_the_same_bank_reference_twice_still_gives_distinct_stable_keys() -> None:
    document = camt054(
        [
            CamtEntry(amount="1.00", account_servicer_reference="SAME"),
            CamtEntry(amount="2.00", account_servicer_reference="SAME"),
        ]
    )

    keys = [e.entry_key for e in parse_statement(document).entries]
    again = [e.entry_key for e in parse_statement(document).entries]

    assert len(set(keys)) == 2
    assert keys == again


@pytest.mark.parametrize("amount", ["12.345", "abc", "-1.00", "0.00", "1e3"])
def test_a_bad_amount_is_a_statement_error(amount: str) -> None:
    document = camt054([CamtEntry(transactions=[CamtTx(amount=amount)])])

    with pytest.raises(StatementError, match="amount"):
        parse_statement(document)


def test_a_missing_message_id_is_a_statement_error() -> None:
    document = camt054([CamtEntry()], message_id="")

    with pytest.raises(StatementError, match="message id"):
        parse_statement(document)


def test_a_bad_booking_date_is_a_statement_error() -> None:
    document = camt054([CamtEntry(booking_date="2026-13-40")])

    with pytest.raises(StatementError, match="not a date"):
        parse_statement(document)


def test_malformed_xml_is_a_statement_error_not_an_lxml_error() -> None:
    with pytest.raises(StatementError, match="not well-formed XML") as caught:
        parse_statement(b"<Document><unclosed></Document>", StatementKind.CAMT054)
    assert not isinstance(caught.value, etree.LxmlError)


def test_a_doctype_with_entities_is_refused() -> None:
    document = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">&x;</Document>'
    )

    with pytest.raises(StatementError, match="DOCTYPE"):
        parse_statement(document)


def test_another_xml_document_is_not_a_camt054() -> None:
    document = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>'

    with pytest.raises(StatementError, match=r"not a camt\.054 document"):
        parse_statement(document)
    with pytest.raises(StatementError, match=r"not a camt\.054 document"):
        parse_statement(document, StatementKind.CAMT054)


def test_error_messages_repeat_at_most_40_characters_of_the_file() -> None:
    long_amount = "9" * 100
    document = camt054([CamtEntry(transactions=[CamtTx(amount=long_amount)])])

    with pytest.raises(StatementError) as caught:
        parse_statement(document)
    assert "9" * 41 not in caught.value.message
