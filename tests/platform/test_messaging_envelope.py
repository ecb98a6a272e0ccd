"""CloudEvents binary-mode headers and the backoff schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from ropo_platform.messaging.backoff import Backoff, scheduled_delay
from ropo_platform.messaging.envelope import (
    Envelope,
    InvalidEnvelope,
    cloudevent_headers,
    decode_value,
    encode_value,
    format_time,
    validate_event_type,
    validate_source,
)


def test_headers_and_envelope_round_trip() -> None:
    when = datetime(2026, 3, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    headers = cloudevent_headers(
        event_id="7d0f7a7e-0000-4000-8000-000000000001",
        event_type="ropo.invoice.v1.invoice_registered",
        source="/ropo/invoice",
        subject="invoices/inv 1",
        time=when,
    )
    assert headers == {
        "Nats-Msg-Id": "7d0f7a7e-0000-4000-8000-000000000001",
        "ce-specversion": "1.0",
        "ce-id": "7d0f7a7e-0000-4000-8000-000000000001",
        "ce-source": "/ropo/invoice",
        "ce-type": "ropo.invoice.v1.invoice_registered",
        "ce-time": "2026-03-01T12:30:05.123456Z",
        "ce-subject": "invoices/inv%201",
        "ce-datacontenttype": "application/protobuf",
    }
    envelope = Envelope.from_headers(
        headers, nats_subject="ropo.invoice.v1.invoice_registered", num_delivered=2, stream_seq=9
    )
    assert envelope.id == headers["ce-id"]
    assert envelope.type == "ropo.invoice.v1.invoice_registered"
    assert envelope.source == "/ropo/invoice"
    assert envelope.subject == "invoices/inv 1"
    assert envelope.time == when.astimezone(UTC)
    assert (envelope.num_delivered, envelope.stream_seq) == (2, 9)


def test_envelope_falls_back_to_nats_headers() -> None:
    envelope = Envelope.from_headers({"Nats-Msg-Id": "abc"}, nats_subject="ropo.x.v1.y")
    assert (envelope.id, envelope.type, envelope.subject, envelope.time) == (
        "abc",
        "ropo.x.v1.y",
        None,
        None,
    )


@pytest.mark.parametrize(
    "headers", [{}, {"ce-type": "ropo.x.v1.y"}, {"ce-id": "a", "ce-time": "yesterday"}]
)
def test_unusable_envelopes(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidEnvelope):
        Envelope.from_headers(headers, nats_subject="ropo.x.v1.y")


def test_percent_encoding_of_header_values() -> None:
    value = 'Åland "50%" ok'
    encoded = encode_value(value)
    assert encoded.isascii() and " " not in encoded and '"' not in encoded
    assert decode_value(encoded) == value
    assert encode_value("invoices/inv_01J-abc") == "invoices/inv_01J-abc"


def test_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        format_time(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "event_type",
    ["ropo.invoice.v1.invoice_registered", "ropo.payment.v2.payment_settled"],
)
def test_valid_event_types(event_type: str) -> None:
    validate_event_type(event_type)


@pytest.mark.parametrize(
    "event_type",
    [
        "invoice_registered",
        "ropo.invoice.invoice_registered",
        "ropo.invoice.v1.*",
        "ropo.Invoice.v1.x",
    ],
)
def test_invalid_event_types(event_type: str) -> None:
    with pytest.raises(ValueError, match="invalid event type"):
        validate_event_type(event_type)


def test_sources() -> None:
    validate_source("/ropo/invoice")
    with pytest.raises(ValueError):
        validate_source("ropo/invoice")


def test_exponential_backoff_is_capped() -> None:
    backoff = Backoff(base=0.5, cap=10.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert backoff.delay(10_000) == 10.0


def test_backoff_jitter_stays_in_band() -> None:
    backoff = Backoff(base=1.0, cap=100.0, jitter=0.2)
    delays = [backoff.delay(3) for _ in range(200)]
    assert all(3.2 <= d <= 4.8 for d in delays)
    assert len(set(delays)) > 1


def test_scheduled_delay_repeats_the_last_step() -> None:
    assert [scheduled_delay([1, 5, 30], n) for n in (1, 2, 3, 4, 9)] == [1, 5, 30, 30, 30]
    assert scheduled_delay([], 3) == 0.0
