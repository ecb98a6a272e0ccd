"""KTL reference payment files: the public sample and generated files."""

from __future__ import annotations

from datetime import date

import pytest
from ropo_payment.adapters.statements import StatementError, StatementKind, parse_statement
from statement_builders import ktl_file, ktl_header, ktl_payment, ktl_sum, require_sample


def test_the_jbank_sample_gives_its_payment() -> None:
    content = require_sample("ktl/jbank_547392460_redacted.SVM").read_bytes()

    parsed = parse_statement(content)

    assert parsed.kind is StatementKind.REFERENCE_PAYMENT_FILE
    assert parsed.statement_id == "ktl:47020840699:1802051946"
    (entry,) = parsed.entries
    assert entry.entry_key == "ktl:02042588WWRV0212:2018-02-05"
    assert (entry.reference, entry.amount_minor, entry.currency) == ("13013", 4900, "EUR")
    assert (entry.booking_date, entry.value_date) == (date(2018, 2, 5), date(2018, 2, 4))
    assert (entry.payer_name, entry.archive_id) == ("MEIKALAINE M", "02042588WWRV0212")
    assert (parsed.total_minor, parsed.skipped_count) == (4900, 0)


@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_a_generated_file_gives_its_payments(newline: str) -> None:
    content = ktl_file(
        ktl_header(),
        ktl_payment(4900, reference="13013", archive_id="ARCH0001", payer="ÄIJÄLÄ Ö"),
        ktl_payment(169632, reference="9597349", archive_id="ARCH0002"),
        ktl_sum(2, 174532),
        newline=newline,
    )

    parsed = parse_statement(content)

    assert parsed.statement_id == "ktl:47020840699:2611270815"
    assert [(e.entry_key, e.reference, e.amount_minor) for e in parsed.entries] == [
        ("ktl:ARCH0001:2026-11-27", "13013", 4900),
        ("ktl:ARCH0002:2026-11-27", "9597349", 169632),
    ]
    assert parsed.entries[0].payer_name == "ÄIJÄLÄ Ö"  # ISO-8859-1
    assert parsed.entries[0].value_date == date(2026, 11, 26)
    assert parsed.total_minor == 174532


def test_corrections_are_skipped_and_counted() -> None:
    content = ktl_file(
        ktl_header(),
        ktl_payment(1000, archive_id="ARCH0001"),
        ktl_payment(500, archive_id="ARCH0002", record="5"),
        ktl_payment(700, archive_id="ARCH0003", correction="1"),
        ktl_sum(2, 1700, 1, 500),
    )

    parsed = parse_statement(content)

    assert [e.archive_id for e in parsed.entries] == ["ARCH0001"]
    assert parsed.skipped_count == 2
    assert parsed.total_minor == 1000


def test_several_batches_are_read() -> None:
    content = ktl_file(
        ktl_header(service="000000001"),
        ktl_payment(100, archive_id="A1"),
        ktl_sum(1, 100),
        ktl_header(service="000000002"),
        ktl_payment(200, archive_id="B1"),
        ktl_sum(1, 200),
    )

    parsed = parse_statement(content)

    assert [e.amount_minor for e in parsed.entries] == [100, 200]
    assert parsed.statement_id == "ktl:47000000001:2611270815"


@pytest.mark.parametrize(
    ("sum_record", "message"),
    [
        (ktl_sum(2, 1000), "number of payments is 2"),
        (ktl_sum(1, 999), "sum of payments is 999"),
        (ktl_sum(1, 1000, 1, 0), "number of corrections is 1"),
    ],
)
def test_a_sum_record_that_does_not_match_is_refused(sum_record: str, message: str) -> None:
    content = ktl_file(ktl_header(), ktl_payment(1000), sum_record)

    with pytest.raises(StatementError, match=message):
        parse_statement(content)


def test_an_amount_that_is_not_a_number_is_refused_with_its_line() -> None:
    content = ktl_file(ktl_header(), ktl_payment(0, amount_text="00000049X0"), ktl_sum(1, 4900))

    with pytest.raises(StatementError, match="line 2: amount is not a number") as caught:
        parse_statement(content)
    assert caught.value.field == "line 2"


def test_a_file_without_a_sum_record_is_refused() -> None:
    with pytest.raises(StatementError, match="without a sum record"):
        parse_statement(ktl_file(ktl_header(), ktl_payment(1000)))


def test_an_unknown_record_type_is_refused() -> None:
    content = ktl_file(ktl_header(), "7" + " " * 89, ktl_sum(0, 0))

    with pytest.raises(StatementError, match="line 2: unknown record type '7'"):
        parse_statement(content)


def test_a_payment_before_the_header_is_refused() -> None:
    content = ktl_file(ktl_payment(1000), ktl_sum(1, 1000))

    with pytest.raises(StatementError, match="line 1"):
        parse_statement(content, StatementKind.REFERENCE_PAYMENT_FILE)


def test_a_bad_booking_date_is_refused() -> None:
    content = ktl_file(ktl_header(), ktl_payment(1000, booking="261340"), ktl_sum(1, 1000))

    with pytest.raises(StatementError, match="line 2: booking date is not a date"):
        parse_statement(content)


def test_a_file_in_another_currency_is_refused() -> None:
    header = ktl_header()
    content = ktl_file(header[:22] + "2" + header[23:], ktl_sum(0, 0))

    with pytest.raises(StatementError, match="only euro"):
        parse_statement(content)
