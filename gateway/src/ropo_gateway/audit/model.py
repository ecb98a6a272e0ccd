"""Audit records and their hash chain (pure: no I/O).

A record names the actor (``persons/{key}``, ``staffUsers/{id}``, or ``visitors/{id}`` for
someone using *Avaa Chat* without a login), the data subject
by pseudonym only (``persons/{key}`` of the debtor, empty when the gateway does not
know it — e.g. on a denial, where looking it up would itself be a read), the
resource, the purpose, the outcome and the request id. Never a name, a
henkilötunnus or search text.

Each record carries the SHA-256 of its own canonical form including the previous
record's hash, so changing, removing or reordering a stored row breaks
``verify_chain`` from that row on (ASVS 16.4.2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

#: The "previous hash" of the first record.
GENESIS_HASH: Final = "0" * 64


class Purpose(StrEnum):
    """Why personal data was read (or why a refusal was recorded)."""

    #: A staff user opened a case (page or API: invoice, ledger, timeline, authorizations).
    CASE_VIEW = "case_view"
    #: A staff search whose results list debtor names.
    CASE_SEARCH = "case_search"
    #: A staff user created or ended an authorization.
    AUTHORIZATION_ADMIN = "authorization_admin"
    #: A staff user cancelled a payment plan.
    PAYMENT_PLAN_ADMIN = "payment_plan_admin"
    #: An authorized person (delegate) read someone else's invoice.
    DELEGATE_VIEW = "delegate_view"
    #: Someone asked for an object they may not see or act on.
    ACCESS_DENIED = "access_denied"
    #: A PSP redirect or callback whose signature (or shape) did not verify.
    PSP_RETURN = "psp_return"
    #: A staff user read a refund case, its letter, the refund list or a payout file.
    REFUND_VIEW = "refund_view"
    #: A staff user approved, rejected or changed the account of a refund, or made a
    #: payout batch or imported its bank status (also when the service refused it).
    REFUND_ADMIN = "refund_admin"
    #: A staff user read a chat conversation (its transcript and the customer's invoices)
    #: or the chat queue.
    CHAT_VIEW = "chat_view"
    #: A staff user claimed, answered, transferred or closed a conversation (also when the
    #: chat service refused it).
    CHAT_ADMIN = "chat_admin"
    #: A staff user read a dispute, one of its files or the dispute queue.
    DISPUTE_VIEW = "dispute_view"
    #: A staff user resolved a dispute (also when the invoice service refused it).
    DISPUTE_ADMIN = "dispute_admin"
    #: A staff user moved a case to payment monitoring (also when refused).
    PAYMENT_MONITORING_ADMIN = "payment_monitoring_admin"
    #: A person gave or withdrew their consent to electronic letters (never the address).
    LETTER_CONSENT = "letter_consent"
    #: A person downloaded their balance certificate (saldotodistus).
    BALANCE_CERTIFICATE = "balance_certificate"
    #: A person disputed an invoice (reklamaatio), their own or one they handle for its debtor.
    DISPUTE_SUBMIT = "dispute_submit"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    #: A message refused as not genuine (a PSP return with a bad signature).
    REJECTED = "rejected"


class Channel(StrEnum):
    MYROPO = "myropo"
    MYROPO_API = "myropo_api"
    ROPO_ONE = "ropo_one"
    ROPO_ONE_API = "ropo_one_api"
    #: The PSP's server-to-server callbacks (no session).
    PSP_CALLBACK = "psp_callback"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, before it is stored."""

    actor: str
    resource: str
    purpose: Purpose
    outcome: Outcome
    channel: Channel
    data_subject: str = ""
    #: The authorization service's UPPER_SNAKE explanation (``NO_RELATION``, ``AUTHORIZED`` ...).
    reason: str = ""
    #: For searches: how many cases the user saw.
    result_count: int | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored event with its time, request id and place in the chain."""

    sequence: int
    recorded_at: datetime
    request_id: str
    event: AuditEvent
    previous_hash: str
    record_hash: str


def canonical_form(
    event: AuditEvent, recorded_at: datetime, request_id: str, previous_hash: str
) -> bytes:
    """The bytes a record's hash covers (stable key order, UTC ISO time)."""
    payload = {
        "actor": event.actor,
        "channel": event.channel.value,
        "data_subject": event.data_subject,
        "outcome": event.outcome.value,
        "previous_hash": previous_hash,
        "purpose": event.purpose.value,
        "reason": event.reason,
        "recorded_at": recorded_at.isoformat(timespec="microseconds"),
        "request_id": request_id,
        "resource": event.resource,
        "result_count": event.result_count,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def chain_hash(
    event: AuditEvent, recorded_at: datetime, request_id: str, previous_hash: str
) -> str:
    """The hash of a record that follows ``previous_hash``."""
    return hashlib.sha256(canonical_form(event, recorded_at, request_id, previous_hash)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where verification failed: the first record whose stored hashes do not add up."""

    sequence: int
    problem: str


def verify_chain(records: Iterable[AuditRecord]) -> ChainBreak | None:
    """``None`` when every record links to the one before and hashes to its stored hash."""
    previous = GENESIS_HASH
    for record in records:
        if record.previous_hash != previous:
            return ChainBreak(record.sequence, "previous hash does not match")
        expected = chain_hash(record.event, record.recorded_at, record.request_id, previous)
        if record.record_hash != expected:
            return ChainBreak(record.sequence, "record hash does not match its content")
        previous = record.record_hash
    return None


class AuditLog(Protocol):
    """Where audit events are appended (``storage.audit_store.SqlAuditLog``)."""

    async def append(self, event: AuditEvent, request_id: str) -> AuditRecord: ...
