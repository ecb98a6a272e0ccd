"""Recognising a statement's format, and what is not one."""

from __future__ import annotations

import pytest
from ropo_payment.adapters.statements import StatementError, StatementKind, detect_kind
from statement_builders import (
    CAMT_V02,
    CamtEntry,
    camt054,
    ktl_file,
    ktl_header,
    ktl_payment,
    ktl_sum,
    psp_report,
)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (camt054([CamtEntry()]), StatementKind.CAMT054),
        (camt054([CamtEntry()], version=CAMT_V02), StatementKind.CAMT054),
        (b"\xef\xbb\xbf" + camt054([CamtEntry()]), StatementKind.CAMT054),
        (
            ktl_file(ktl_header(), ktl_payment(100), ktl_sum(1, 100)),
            StatementKind.REFERENCE_PAYMENT_FILE,
        ),
        (psp_report(), StatementKind.PSP_SETTLEMENT_REPORT),
    ],
    ids=["camt-v08", "camt-v02", "camt-with-bom", "ktl", "psp-report"],
)
def test_each_format_is_recognised(content: bytes, kind: StatementKind) -> None:
    assert detect_kind(content) is kind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"<Finvoice Version='3.0'/>", "not a camt.054 document"),
        (b"<broken", "not well-formed XML"),
        (b'{"type": "something-else"}', "not a PSP settlement report"),
        (b"{not json", "not a PSP settlement report"),
        (b"IBAN;amount\nFI14;12.00\n", "unknown file format"),
        (b"0180205", "unknown file format"),
    ],
)
def test_anything_else_is_a_statement_error(content: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        detect_kind(content)


def test_text_is_refused_so_that_the_encoding_is_honoured() -> None:
    with pytest.raises(TypeError):
        detect_kind("<Document/>")  # type: ignore[arg-type]
