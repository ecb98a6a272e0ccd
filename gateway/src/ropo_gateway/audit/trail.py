"""Recording audit events from request handlers.

``AuditTrail.record`` takes the request id from the logging context (the one the
response carries in ``X-Request-Id``) so a record can be matched to its request.
A record that cannot be stored fails the request: reading personal data without
leaving a trace is not an option (fail closed, ASVS 16.5.3).
"""

from __future__ import annotations

from ropo_platform.logging import get_logger, get_request_id

from ropo_gateway.audit.model import AuditEvent, AuditLog, AuditRecord

_log = get_logger("ropo_gateway.audit")


class AuditTrail:
    """Appends events to the audit log and mirrors a one-line summary to the log."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log

    async def record(self, event: AuditEvent) -> AuditRecord:
        stored = await self._log.append(event, get_request_id() or "")
        _log.info(
            "audit_record",
            sequence=stored.sequence,
            actor=event.actor,
            resource=event.resource,
            purpose=event.purpose.value,
            outcome=event.outcome.value,
            channel=event.channel.value,
            request_id=stored.request_id,
        )
        return stored
