"""Idempotent replay of mutating requests: the ``request_id`` a caller chose.

A mutating use case first looks for its ``request_id`` (``find_replay``) and, when it
acts, stores a small record of ids in the same unit of work (``record_replay``), from
which the response is rebuilt on a retry. The record is kept with a fingerprint of the
request without its id, so the same id with other contents is refused by the request
log instead of answering for a different request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork

#: Turns one field's value into the text fingerprinted (e.g. files by their digest).
FieldDigest = Callable[[Any], object]


def fingerprint(command: object, digests: Mapping[str, FieldDigest] | None = None) -> str:
    """A digest of ``command``'s fields except ``request_id``; a field named in
    ``digests`` is fingerprinted by what its function returns instead of its text."""
    special = digests or {}
    fields: dict[str, str] = {}
    for name in getattr(command, "__slots__", ()):
        if name == "request_id":
            continue
        value = getattr(command, name)
        fields[name] = str(special[name](value) if name in special else value)
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


async def find_replay(
    uow: AbstractUnitOfWork,
    method: str,
    request_id: str,
    command: object,
    digests: Mapping[str, FieldDigest] | None = None,
) -> dict[str, str] | None:
    """The record stored for an earlier ``request_id`` of ``method``, if any."""
    if not request_id:
        return None
    stored = await uow.requests.find(method, request_id, fingerprint(command, digests))
    if stored is None:
        return None
    record: dict[str, str] = json.loads(stored)
    return record


async def record_replay(
    uow: AbstractUnitOfWork,
    method: str,
    request_id: str,
    command: object,
    record: Mapping[str, str],
    digests: Mapping[str, FieldDigest] | None = None,
) -> None:
    """Keep ``record`` (ids only; the response is rebuilt from the stored rows)."""
    if request_id:
        payload = json.dumps(dict(record)).encode()
        await uow.requests.record(method, request_id, fingerprint(command, digests), payload)
