"""Parsers of incoming payment files: camt.054, KTL reference payments, PSP settlement reports.

``parse_statement(content)`` recognises the format (``detect_kind``) and returns a
``ParsedStatement``; any problem is a ``StatementError`` with a readable message (never a
parser's own exception), so an upload can be answered with what to fix.
"""

from __future__ import annotations

from ropo_payment.adapters.statements.camt054 import is_camt054, parse_camt054
from ropo_payment.adapters.statements.model import (
    MAX_STATEMENT_BYTES,
    ParsedStatement,
    SettlementLine,
    StatementEntry,
    StatementError,
    StatementKind,
)
from ropo_payment.adapters.statements.psp_report import (
    is_psp_settlement_report,
    load_json_object,
    parse_psp_report,
)
from ropo_payment.adapters.statements.reference_payment_file import (
    looks_like_reference_payment_file,
    parse_reference_payment_file,
)
from ropo_payment.adapters.statements.xml import parse_xml


def _checked(content: bytes) -> bytes:
    if not isinstance(content, bytes | bytearray | memoryview):
        raise TypeError("statements are parsed from bytes so that their encoding is honoured")
    raw = bytes(content)
    if not raw.strip():
        raise StatementError("document", "the file is empty")
    if len(raw) > MAX_STATEMENT_BYTES:
        raise StatementError("document", f"the file is larger than {MAX_STATEMENT_BYTES} bytes")
    return raw


def detect_kind(content: bytes) -> StatementKind:
    """The format of ``content``; ``StatementError`` when it is none of the known ones."""
    raw = _checked(content)
    start = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<"):
        if is_camt054(parse_xml(raw)):
            return StatementKind.CAMT054
        raise StatementError("document", "not a camt.054 document")
    if start.startswith(b"{"):
        data = load_json_object(raw)
        if data is not None and is_psp_settlement_report(data):
            return StatementKind.PSP_SETTLEMENT_REPORT
        raise StatementError("document", "not a PSP settlement report")
    if looks_like_reference_payment_file(raw):
        return StatementKind.REFERENCE_PAYMENT_FILE
    raise StatementError(
        "document",
        "unknown file format (expected camt.054 XML, a KTL reference payment file "
        "or a PSP settlement report)",
    )


def parse_statement(content: bytes, kind: StatementKind | None = None) -> ParsedStatement:
    """``content`` parsed as ``kind`` (recognised when ``None``)."""
    raw = _checked(content)
    match kind or detect_kind(raw):
        case StatementKind.CAMT054:
            return parse_camt054(raw)
        case StatementKind.REFERENCE_PAYMENT_FILE:
            return parse_reference_payment_file(raw)
        case StatementKind.PSP_SETTLEMENT_REPORT:
            return parse_psp_report(raw)


__all__ = [
    "ParsedStatement",
    "SettlementLine",
    "StatementEntry",
    "StatementError",
    "StatementKind",
    "detect_kind",
    "parse_statement",
]
