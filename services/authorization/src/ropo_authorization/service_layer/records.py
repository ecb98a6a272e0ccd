"""Stored results of mutating requests (for idempotent replay) and request fingerprints.

A replay answers with what the first call answered, not with today's state, so the
result is kept as a snapshot: JSON of the authorization or lookup grant. The sealed
code is left out (responses never carry it).

The fingerprint binds a ``request_id`` to the request's content. It is computed from
the command with the grantee's pseudonymous key in place of the henkilötunnus, so no
digest of a bare code (a small, guessable space) is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ropo_authorization.domain.authorizations import (
    Authorization,
    AuthorizationState,
    AuthorizationType,
)
from ropo_authorization.domain.lookup_grants import LookupGrant


def fingerprint(fields: Sequence[object]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``fields`` (dates as ISO text)."""
    canonical = json.dumps(
        [value.isoformat() if isinstance(value, date) else value for value in fields],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def authorization_record(authorization: Authorization) -> bytes:
    body = {
        "id": authorization.id,
        "type": authorization.type.value,
        "state": authorization.state.value,
        "grantor": authorization.grantor,
        "grantee": authorization.grantee,
        "grantee_display_name": authorization.grantee_display_name,
        "grantee_masked_identifier": authorization.grantee_masked_identifier,
        "create_time": _time(authorization.create_time),
        "creator": authorization.creator,
        "invoice": authorization.invoice,
        "creditor": authorization.creditor,
        "expire_date": (
            authorization.expire_date.isoformat() if authorization.expire_date else None
        ),
        "conversation": authorization.conversation,
        "end_time": _time(authorization.end_time),
        "revoker": authorization.revoker,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def authorization_from_record(raw: bytes) -> Authorization:
    body = json.loads(raw)
    create_time = _parse_time(body["create_time"])
    assert create_time is not None
    return Authorization(
        id=body["id"],
        type=AuthorizationType(body["type"]),
        state=AuthorizationState(body["state"]),
        grantor=body["grantor"],
        grantee=body["grantee"],
        grantee_display_name=body["grantee_display_name"],
        grantee_masked_identifier=body["grantee_masked_identifier"],
        create_time=create_time,
        creator=body["creator"],
        invoice=body["invoice"],
        creditor=body["creditor"],
        expire_date=date.fromisoformat(body["expire_date"]) if body["expire_date"] else None,
        conversation=body["conversation"],
        end_time=_parse_time(body["end_time"]),
        revoker=body["revoker"],
    )


def lookup_grant_record(grant: LookupGrant) -> bytes:
    body = {
        "id": grant.id,
        "subject": grant.subject,
        "invoice": grant.invoice,
        "create_time": _time(grant.create_time),
        "expire_time": _time(grant.expire_time),
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def lookup_grant_from_record(raw: bytes) -> LookupGrant:
    body = json.loads(raw)
    create_time, expire_time = _parse_time(body["create_time"]), _parse_time(body["expire_time"])
    assert create_time is not None and expire_time is not None
    return LookupGrant(body["id"], body["subject"], body["invoice"], create_time, expire_time)
