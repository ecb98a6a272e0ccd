"""The ``StatementReader`` port on top of the statement parsers (``adapters/statements``)."""

from __future__ import annotations

from ropo_payment.adapters.statements import (
    ParsedStatement,
    StatementError,
    StatementKind,
    parse_statement,
)
from ropo_payment.service_layer.bank_statements import (
    BankEntry,
    SettlementEntry,
    Statement,
    StatementFormat,
    StatementUnreadable,
)


class ParserStatementReader:
    """Reads camt.054, KTL and PSP settlement reports with the project's parsers."""

    def read(self, content: bytes, format: StatementFormat | None) -> Statement:
        kind = StatementKind(format.value) if format is not None else None
        try:
            parsed = parse_statement(content, kind)
        except StatementError as error:
            # The parser's message is written for people, already says where in the
            # file, and quotes at most 40 characters of it.
            raise StatementUnreadable(error.message) from None
        return statement_of(parsed)


def statement_of(parsed: ParsedStatement) -> Statement:
    """The service layer's view of a parsed file."""
    return Statement(
        format=StatementFormat(parsed.kind.value),
        statement_id=parsed.statement_id,
        entries=tuple(
            BankEntry(
                entry_key=entry.entry_key,
                reference=entry.reference,
                amount_minor=entry.amount_minor,
                currency=entry.currency,
                booking_date=entry.booking_date,
                value_date=entry.value_date,
                payer_name=entry.payer_name,
                archive_id=entry.archive_id,
            )
            for entry in parsed.entries
        ),
        settlements=tuple(
            SettlementEntry(line.transaction_id, line.stamp, line.amount_minor)
            for line in parsed.settlements
        ),
        settled_at=parsed.settled_at,
        skipped_count=parsed.skipped_count,
    )
