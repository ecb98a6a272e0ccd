"""A debtor's dispute (*reklamaatio*) of all or part of an invoice.

While a dispute is open the invoice is on hold (stage ``DISPUTED``): the Debt
Collection Act §4 b stops voluntary collection when liability is disputed with
grounds. An agent resolves it: accepted (the disputed amount is credited),
partly accepted (an amount the agent chooses), or rejected (collection resumes).

The rules here are about what a dispute may carry: the reason, the amount and the
attached files' names, types and sizes. Whether a file's bytes really are a PDF or
an image is checked by an adapter behind the service layer's ``AttachmentInspector``
(parsing is I/O-library work, not domain logic).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ropo_platform.errors import FailedPrecondition, FieldViolation, NotFound, ValidationFailed
from ropo_platform.money import Money

DISPUTES_SEGMENT = "/disputes/"

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
#: Media types a debtor may attach: documents and photos of receipts, nothing executable.
ALLOWED_MEDIA_TYPES = (PDF, JPEG, PNG)
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_FILENAME_LENGTH = 120
MAX_REASON_LENGTH = 2000
MAX_MESSAGE_LENGTH = 4000
#: Path separators of any platform: a stored name is only ever a base name.
_SEPARATORS = frozenset("/\\")


class DisputeState(StrEnum):
    """Lifecycle of a dispute."""

    OPEN = "open"
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class DisputeOutcome(StrEnum):
    """What the agent decides; each outcome ends the dispute in the state of the same name."""

    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"

    @property
    def state(self) -> DisputeState:
        """The state a dispute resolved with this outcome is in."""
        return DisputeState(self.value)


class DisputeInvalid(ValidationFailed):
    """The dispute or its resolution has field violations (``INVALID_ARGUMENT``); nothing
    was stored."""

    default_reason = "DISPUTE_INVALID"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        if not violations:
            raise ValueError("DisputeInvalid needs at least one violation")
        super().__init__(violations)


class DisputeNotAllowed(FailedPrecondition):
    """The invoice or dispute is not in a state that allows the change
    (``FAILED_PRECONDITION``): ``DISPUTE_ALREADY_OPEN``, ``INVOICE_NOT_OPEN`` or
    ``DISPUTE_NOT_OPEN``."""

    def __init__(self, reason: str, message: str, subject: str) -> None:
        super().__init__(reason, message=message, metadata={"resource": subject})


class DisputeNotFound(NotFound):
    """No such dispute, or no such attachment of it (``NOT_FOUND``)."""

    default_reason = "DISPUTE_NOT_FOUND"

    def __init__(self, dispute_name: str) -> None:
        super().__init__(
            message="dispute not found",
            metadata={"dispute": dispute_name},
            resource_type="ropo.invoice.v1.Dispute",
            resource_name=dispute_name,
        )


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What is kept on the dispute about one attached file (the bytes are stored apart)."""

    filename: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached file as uploaded."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)

    @property
    def info(self) -> AttachmentInfo:
        """Name, type and size, without the bytes."""
        return AttachmentInfo(self.filename, self.media_type, len(self.content))


def filename_problem(filename: str) -> str | None:
    """Why ``filename`` cannot be stored as an attachment's name, or ``None``.

    Only a base name: it is shown to agents and offered again as a download name, so
    a path, a control character (a forged line in a header or a log) or an endless
    name must not get in.
    """
    if not filename.strip():
        return "is required"
    if len(filename) > MAX_FILENAME_LENGTH:
        return f"must be at most {MAX_FILENAME_LENGTH} characters"
    if any(character in _SEPARATORS for character in filename):
        return "must be a file name without a folder (no / or \\)"
    if any(unicodedata.category(character).startswith("C") for character in filename):
        return "must not contain control characters"
    if filename.strip(". ") == "":
        return "must be a file name, not only dots"
    return None


def attachment_violations(attachments: Sequence[AttachmentInfo]) -> list[FieldViolation]:
    """Count, names, declared types and sizes of the attached files (not their content)."""
    violations: list[FieldViolation] = []
    if len(attachments) > MAX_ATTACHMENTS:
        violations.append(FieldViolation("attachments", f"must be at most {MAX_ATTACHMENTS} files"))
    for index, attachment in enumerate(attachments):
        prefix = f"attachments[{index}]"
        problem = filename_problem(attachment.filename)
        if problem is not None:
            violations.append(FieldViolation(f"{prefix}.filename", problem))
        if attachment.media_type not in ALLOWED_MEDIA_TYPES:
            allowed = ", ".join(ALLOWED_MEDIA_TYPES)
            violations.append(FieldViolation(f"{prefix}.media_type", f"must be one of {allowed}"))
        if attachment.size == 0:
            violations.append(FieldViolation(f"{prefix}.content", "is empty"))
        elif attachment.size > MAX_ATTACHMENT_BYTES:
            violations.append(
                FieldViolation(
                    f"{prefix}.content",
                    f"is larger than 5 MiB ({MAX_ATTACHMENT_BYTES} bytes)",
                )
            )
    return violations


def text_violations(field_name: str, text: str, max_length: int) -> list[FieldViolation]:
    """A required plain text of at most ``max_length`` characters (reason, message)."""
    if not text.strip():
        return [FieldViolation(field_name, "is required")]
    if len(text) > max_length:
        return [FieldViolation(field_name, f"must be at most {max_length} characters")]
    return []


@dataclass(slots=True, eq=False)
class Dispute:
    """One dispute of one invoice; an entity (same id, same dispute).

    ``disputed_amount`` ``None`` means the whole invoice. Made by
    ``Invoice.dispute`` and resolved by ``Invoice.resolve_dispute``, which keep the
    invoice's stage and ledger in step with it.
    """

    id: str
    invoice_id: str
    state: DisputeState
    disputed_amount: Money | None
    reason: str
    disputer: str
    attachments: tuple[AttachmentInfo, ...]
    created_at: datetime
    #: The invoice's currency (of the disputed and credited amounts).
    currency: str
    resolved_at: datetime | None = None
    resolver: str = ""
    resolution_message: str = ""
    credited_amount: Money | None = None
    #: The customer-service letter that told the debtor the outcome.
    message_letter_id: str = ""

    @property
    def resource_name(self) -> str:
        """``invoices/{invoice}/disputes/{dispute}``."""
        return f"invoices/{self.invoice_id}{DISPUTES_SEGMENT}{self.id}"

    @property
    def is_open(self) -> bool:
        """True until an agent resolved it."""
        return self.state is DisputeState.OPEN

    @property
    def is_whole(self) -> bool:
        """True when the whole invoice is disputed."""
        return self.disputed_amount is None

    def close(
        self,
        outcome: DisputeOutcome,
        credited: Money | None,
        message: str,
        resolver: str,
        letter_id: str,
        now: datetime,
    ) -> None:
        """Record the decision (the invoice's side is ``Invoice.resolve_dispute``)."""
        if not self.is_open:
            raise DisputeNotAllowed(
                "DISPUTE_NOT_OPEN", "the dispute has already been resolved", self.resource_name
            )
        self.state = outcome.state
        self.credited_amount = credited
        self.resolution_message = message
        self.resolver = resolver
        self.message_letter_id = letter_id
        self.resolved_at = now

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dispute) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)
