"""Domain error types: what a use case can fail with, free of any transport.

Domain and service-layer code raise these; ``ropo_platform.rpc.errors`` turns
them into ``google.rpc.Status`` (canonical code + ``ErrorInfo`` + details) at the
gRPC edge, and the gateway turns those into HTTP JSON. This module imports
nothing but the standard library, so domain packages may use it.

- ``reason``: UPPER_SNAKE, stable, machine-readable (``DUE_DATE_EXTENSION_NOT_ALLOWED``);
- ``message``: a short developer-facing English sentence — never personal data
  (no henkilötunnus, names or addresses); dynamic values go into ``metadata``;
- ``metadata``: ``str -> str`` facts a client may use (``{"invoice": "invoices/123"}``).

Validation collects all problems before failing::

    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    violations.raise_if_any()
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

_REASON = re.compile(r"^[A-Z][A-Z0-9_]{0,62}[A-Z0-9]$")


class ErrorCode(StrEnum):
    """Canonical status codes (the names of ``grpc.StatusCode`` / ``google.rpc.Code``)."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    ABORTED = "ABORTED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad request field: ``field`` is a dotted path (``invoice.due_date``)."""

    field: str
    description: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PreconditionViolation:
    """One unmet precondition: ``type`` (e.g. ``INVOICE_STATE``), ``subject`` (resource name)."""

    type: str
    subject: str
    description: str


class DomainError(Exception):
    """Base of every expected failure; subclasses fix the canonical ``code``."""

    code: ClassVar[ErrorCode] = ErrorCode.FAILED_PRECONDITION
    default_reason: ClassVar[str] = "FAILED_PRECONDITION"

    def __init__(
        self,
        reason: str | None = None,
        message: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        reason = reason or self.default_reason
        if not _REASON.match(reason):
            raise ValueError(f"error reason must be UPPER_SNAKE, got {reason!r}")
        self.reason = reason
        self.message = message or reason.replace("_", " ").capitalize()
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in (metadata or {}).items()}
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, message={self.message!r})"


class ValidationFailed(DomainError):
    """The request is malformed: ``INVALID_ARGUMENT`` with ``BadRequest`` field violations."""

    code = ErrorCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        violations: Sequence[FieldViolation],
        message: str = "",
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self.violations: tuple[FieldViolation, ...] = tuple(violations)
        if not message:
            fields = ", ".join(v.field for v in self.violations[:5])
            message = f"invalid request: {fields}" if fields else "invalid request"
        super().__init__(reason, message, metadata)


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know that it exists (``NOT_FOUND``)."""

    code = ErrorCode.NOT_FOUND
    default_reason = "NOT_FOUND"

    def __init__(
        self,
        reason: str | None = None,
        message: str = "",
        metadata: Mapping[str, str] | None = None,
        *,
        resource_type: str = "",
        resource_name: str = "",
    ) -> None:
        self.resource_type = resource_type
        self.resource_name = resource_name
        super().__init__(reason, message, metadata)


class AlreadyExists(DomainError):
    """Creating something that exists (``ALREADY_EXISTS``)."""

    code = ErrorCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    """The resource is in the wrong state for this operation (``FAILED_PRECONDITION``).

    ``violations`` become a ``PreconditionFailure`` detail.
    """

    code = ErrorCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"

    def __init__(
        self,
        reason: str | None = None,
        message: str = "",
        metadata: Mapping[str, str] | None = None,
        *,
        violations: Sequence[PreconditionViolation] = (),
    ) -> None:
        self.violations: tuple[PreconditionViolation, ...] = tuple(violations)
        super().__init__(reason, message, metadata)


class Aborted(DomainError):
    """A concurrent change won (optimistic lock); the client may retry (``ABORTED``)."""

    code = ErrorCode.ABORTED
    default_reason = "CONCURRENT_MODIFICATION"


class PermissionDenied(DomainError):
    """The caller is known but not allowed (``PERMISSION_DENIED``).

    For someone else's object, prefer ``NotFound`` (it must look like a missing one).
    """

    code = ErrorCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    """No or invalid credentials (``UNAUTHENTICATED``)."""

    code = ErrorCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class ResourceExhausted(DomainError):
    """A rate limit or quota is used up (``RESOURCE_EXHAUSTED``); ``retry_after_seconds`` hints."""

    code = ErrorCode.RESOURCE_EXHAUSTED
    default_reason = "RATE_LIMITED"

    def __init__(
        self,
        reason: str | None = None,
        message: str = "",
        metadata: Mapping[str, str] | None = None,
        *,
        retry_after_seconds: float | None = None,
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(reason, message, metadata)


class Unavailable(DomainError):
    """A dependency is down; retrying later may succeed (``UNAVAILABLE``)."""

    code = ErrorCode.UNAVAILABLE
    default_reason = "DEPENDENCY_UNAVAILABLE"

    def __init__(
        self,
        reason: str | None = None,
        message: str = "",
        metadata: Mapping[str, str] | None = None,
        *,
        retry_after_seconds: float | None = None,
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(reason, message, metadata)


class Violations:
    """Collects field violations and raises one ``ValidationFailed`` with all of them."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._items: list[FieldViolation] = []

    def add(self, field: str, description: str, reason: str = "") -> Self:
        """Record that ``field`` is invalid (``description`` says why, without its value)."""
        path = f"{self._prefix}.{field}" if self._prefix and field else (self._prefix or field)
        self._items.append(FieldViolation(path, description, reason))
        return self

    def check(self, condition: bool, field: str, description: str, reason: str = "") -> bool:
        """Add a violation unless ``condition`` holds; returns ``condition``."""
        if not condition:
            self.add(field, description, reason)
        return condition

    def extend(self, violations: Sequence[FieldViolation]) -> Self:
        """Take over violations collected elsewhere (e.g. from a nested ``ValidationFailed``)."""
        for violation in violations:
            self.add(violation.field, violation.description, violation.reason)
        return self

    def nested(self, prefix: str) -> Violations:
        """A view that prefixes fields: ``nested("invoice").add("due_date", ...)`` records
        ``invoice.due_date``."""
        child = Violations(f"{self._prefix}.{prefix}" if self._prefix else prefix)
        child._items = self._items  # shared list: one raise reports everything
        return child

    @property
    def items(self) -> tuple[FieldViolation, ...]:
        return tuple(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[FieldViolation]:
        return iter(tuple(self._items))

    def raise_if_any(self, message: str = "", reason: str | None = None) -> None:
        """Raise ``ValidationFailed`` with every collected violation, if there is any."""
        if self._items:
            raise ValidationFailed(self._items, message, reason)


__all__ = [
    "Aborted",
    "AlreadyExists",
    "DomainError",
    "ErrorCode",
    "FailedPrecondition",
    "FieldViolation",
    "NotFound",
    "PermissionDenied",
    "PreconditionViolation",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "ValidationFailed",
    "Violations",
]
