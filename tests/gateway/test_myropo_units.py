"""Small pieces of MyRopo: printed identifiers, search text, safe file names, the language
switch's redirect target, the rate limiter, error pages and times in Finnish time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from myropo_fakes import upstream
from ropo_gateway.errors import lookup_rate_limited
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.access import is_invoice_id
from ropo_gateway.myropo.formatting import (
    compact_search_text,
    printed_case_number,
    printed_iban,
    printed_reference,
)
from ropo_gateway.myropo.invoice_page import safe_pdf_filename
from ropo_gateway.myropo.rate_limit import LookupRateLimiter, RateLimit
from ropo_gateway.web.language import safe_next


@pytest.mark.parametrize(
    ("machine", "printed"),
    [
        ("1232", "1232"),
        ("1234561", "12 34561"),
        ("11112", "11112"),
        ("12345678901234567894", "12345 67890 12345 67894"),
        ("RF332348236", "RF33 2348 236"),
        ("RF9811112", "RF98 1111 2"),
        ("not a reference", "not a reference"),
    ],
)
def test_references_are_printed_like_on_paper(machine: str, printed: str) -> None:
    assert printed_reference(machine) == printed


def test_case_number_and_iban_are_grouped_by_four() -> None:
    assert printed_case_number("123456789012") == "1234 5678 9012"
    assert printed_case_number("12") == "12"
    assert printed_iban("FI2112345600000785") == "FI21 1234 5600 0007 85"


def test_search_text_turns_printed_references_into_machine_form_only() -> None:
    assert compact_search_text("  12 34561 ") == "1234561"
    assert compact_search_text("rf33 2348 236") == "RF332348236"
    assert compact_search_text("Oy  Yritys X Ab") == "Oy Yritys X Ab"
    assert compact_search_text("20240017") == "20240017"


@pytest.mark.parametrize(
    ("suggested", "safe"),
    [
        ("lasku-12345.pdf", "lasku-12345.pdf"),
        ('lasku "1";\r\nSet-Cookie: x.pdf', "lasku-1-Set-Cookie-x.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ("", "lasku.pdf"),
        ("....pdf", "lasku.pdf"),
        ("lasku ääkköset.PDF", "lasku-kk-set.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_pdf_file_names_are_safe_in_a_header(suggested: str, safe: str) -> None:
    assert safe_pdf_filename(suggested) == safe


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/laskut/abc?tab=arkisto", "/laskut/abc?tab=arkisto"),
        ("/", "/"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
        ("relative", "/"),
    ],
)
def test_language_switch_returns_only_to_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_invoice_ids_are_checked_before_any_call() -> None:
    assert is_invoice_id("0b6f8a9e-2c1d-4f5e-9a7b-1234567890ab")
    for bad in ("", "../x", "a/b", "x" * 65, "-leading", "ä"):
        assert not is_invoice_id(bad)


class MemoryAttempts:
    """``AttemptStore`` in a list (the SQL one runs in the route tests)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, datetime]] = []

    async def record_if_below(
        self, holder: str, now: datetime, since: datetime, max_attempts: int
    ) -> datetime | None:
        window = sorted(at for who, at in self.rows if who == holder and at > since)
        if len(window) >= max_attempts:
            return window[0]
        self.rows.append((holder, now))
        return None

    async def purge(self, before: datetime) -> int:
        kept = [(who, at) for who, at in self.rows if at > before]
        removed = len(self.rows) - len(kept)
        self.rows = kept
        return removed


async def test_rate_limiter_is_a_sliding_window_per_holder() -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    clock = [now]
    store = MemoryAttempts()
    limiter = LookupRateLimiter(store, RateLimit(3, timedelta(minutes=15)), lambda: clock[0])
    for minute in (0, 5, 10):
        clock[0] = now + timedelta(minutes=minute)
        assert (await limiter.admit("persons/a")).allowed
    clock[0] = now + timedelta(minutes=11)
    refused = await limiter.admit("persons/a")
    assert not refused.allowed and refused.retry_after_seconds == 4 * 60
    assert (await limiter.admit("persons/b")).allowed
    clock[0] = now + timedelta(minutes=15, seconds=1)  # the first attempt left the window
    assert (await limiter.admit("persons/a")).allowed
    assert not (await limiter.admit("persons/a")).allowed
    clock[0] = now + timedelta(hours=1)
    assert await limiter.purge() == 5 and store.rows == []


def test_error_pages_and_retry_after() -> None:
    assert upstream(grpc.StatusCode.RESOURCE_EXHAUSTED).page == "rate_limited"
    assert upstream(grpc.StatusCode.UNIMPLEMENTED).page == "not_implemented"
    assert upstream(grpc.StatusCode.PERMISSION_DENIED).page == "denied"
    assert upstream(grpc.StatusCode.ABORTED).page == "conflict"
    assert upstream(grpc.StatusCode.DATA_LOSS).page == "internal"
    slow = upstream(grpc.StatusCode.RESOURCE_EXHAUSTED, retry_after_seconds=2.5)
    assert (
        slow.headers == {"Retry-After": "3"} and upstream(grpc.StatusCode.NOT_FOUND).headers == {}
    )
    limited = lookup_rate_limited(0)
    assert limited.headers == {"Retry-After": "1"} and limited.http_status == 429
    body = limited.to_json()["error"]
    assert (body["status"], body["details"][0]["reason"]) == (
        "RESOURCE_EXHAUSTED",
        "LOOKUP_RATE_LIMITED",
    )
    for language in ("fi", "sv", "en"):
        t = Translator(language)
        for page in ("rate_limited", "not_implemented", "invoice_not_found", "denied"):
            assert t(f"error.{page}.heading") != f"error.{page}.heading"


def test_times_are_shown_in_finnish_time() -> None:
    summer = datetime(2025, 7, 1, 9, 5, tzinfo=UTC)
    assert Translator("fi").date_time(summer) == "1.7.2025 klo 12.05"
    assert Translator("sv").date_time(summer) == "1.7.2025 kl. 12.05"
    assert Translator("en").date_time(summer) == "1.7.2025 12:05"
    assert Translator("fi").date_time(None) == ""
