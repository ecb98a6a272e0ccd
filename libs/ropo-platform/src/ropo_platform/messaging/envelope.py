"""CloudEvents 1.0 in NATS binary mode: the body is the protobuf message, the
attributes are ``ce-*`` headers (values percent-encoded as the bindings require),
plus ``Nats-Msg-Id`` for JetStream de-duplication and W3C trace context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from nats.aio.msg import Msg

NATS_MSG_ID = "Nats-Msg-Id"
CE_SPECVERSION = "ce-specversion"
CE_ID = "ce-id"
CE_SOURCE = "ce-source"
CE_TYPE = "ce-type"
CE_TIME = "ce-time"
CE_SUBJECT = "ce-subject"
CE_DATACONTENTTYPE = "ce-datacontenttype"
CORRELATION_ID = "ropo-correlation-id"

SPECVERSION = "1.0"
PROTOBUF_CONTENT_TYPE = "application/protobuf"

# ropo.<producer>.v<major>.<event_snake>: lower-case tokens, no wildcards, no ids.
EVENT_TYPE_PATTERN = re.compile(r"^ropo\.[a-z][a-z0-9_]*\.v[0-9]+\.[a-z][a-z0-9_]*$")
SOURCE_PATTERN = re.compile(r"^/ropo/[a-z][a-z0-9_-]*$")

# CloudEvents bindings: percent-encode space, '"', '%' and anything outside printable ASCII.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')


class InvalidEnvelope(ValueError):
    """A message lacks the attributes every event must carry."""


def encode_value(value: str) -> str:
    return quote(value, safe=_SAFE)


def decode_value(value: str) -> str:
    return unquote(value)


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z``."""
    if value.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def validate_event_type(event_type: str) -> None:
    if not EVENT_TYPE_PATTERN.match(event_type):
        raise ValueError(
            f"invalid event type {event_type!r}: expected ropo.<producer>.v<N>.<event_snake>"
        )


def validate_source(source: str) -> None:
    if not SOURCE_PATTERN.match(source):
        raise ValueError(f"invalid event source {source!r}: expected /ropo/<producer>")


def cloudevent_headers(
    *,
    event_id: str,
    event_type: str,
    source: str,
    subject: str,
    time: datetime,
) -> dict[str, str]:
    """The ``Nats-Msg-Id`` and ``ce-*`` headers of one event."""
    return {
        NATS_MSG_ID: event_id,
        CE_SPECVERSION: SPECVERSION,
        CE_ID: event_id,
        CE_SOURCE: encode_value(source),
        CE_TYPE: event_type,
        CE_TIME: format_time(time),
        CE_SUBJECT: encode_value(subject),
        CE_DATACONTENTTYPE: PROTOBUF_CONTENT_TYPE,
    }


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a handler learns about an event besides its payload."""

    id: str
    type: str
    source: str
    subject: str | None
    time: datetime | None
    nats_subject: str
    num_delivered: int = 1
    stream_seq: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def correlation_id(self) -> str | None:
        return self.headers.get(CORRELATION_ID)

    @classmethod
    def from_msg(cls, msg: Msg) -> Envelope:
        """Read the envelope of a JetStream message; ``InvalidEnvelope`` when unusable."""
        headers: dict[str, str] = dict(msg.headers or {})
        num_delivered, stream_seq = 1, None
        if msg.reply:
            metadata = msg.metadata
            num_delivered = metadata.num_delivered or 1
            stream_seq = metadata.sequence.stream if metadata.sequence else None
        return cls.from_headers(
            headers, nats_subject=msg.subject, num_delivered=num_delivered, stream_seq=stream_seq
        )

    @classmethod
    def from_headers(
        cls,
        headers: Mapping[str, str],
        *,
        nats_subject: str,
        num_delivered: int = 1,
        stream_seq: int | None = None,
    ) -> Envelope:
        event_id = headers.get(CE_ID) or headers.get(NATS_MSG_ID)
        if not event_id:
            raise InvalidEnvelope("message has neither ce-id nor Nats-Msg-Id")
        raw_time = headers.get(CE_TIME)
        try:
            time = parse_time(raw_time) if raw_time else None
        except ValueError as exc:
            raise InvalidEnvelope(f"invalid ce-time {raw_time!r}") from exc
        subject = headers.get(CE_SUBJECT)
        return cls(
            id=event_id,
            type=headers.get(CE_TYPE) or nats_subject,
            source=decode_value(headers.get(CE_SOURCE, "")),
            subject=decode_value(subject) if subject is not None else None,
            time=time,
            nats_subject=nats_subject,
            num_delivered=num_delivered,
            stream_seq=stream_seq,
            headers=dict(headers),
        )


__all__ = [
    "CE_DATACONTENTTYPE",
    "CE_ID",
    "CE_SOURCE",
    "CE_SPECVERSION",
    "CE_SUBJECT",
    "CE_TIME",
    "CE_TYPE",
    "CORRELATION_ID",
    "NATS_MSG_ID",
    "PROTOBUF_CONTENT_TYPE",
    "SPECVERSION",
    "Envelope",
    "InvalidEnvelope",
    "cloudevent_headers",
    "decode_value",
    "encode_value",
    "format_time",
    "parse_time",
    "validate_event_type",
    "validate_source",
]
