"""*Reklamaatio*: a person disputes all or part of an invoice they may handle.

Who may: whoever may manage the invoice's payment time (``ACTION_MANAGE_PAYMENT_TIME``: the
debtor and the persons they authorized, not a lookup grant) — the same check, the same one
audited 404 for anyone else. The gateway checks the upload before it calls the service, so a
person learns at once what was wrong: at most ``MAX_ATTACHMENTS`` files of at most
``MAX_ATTACHMENT_BYTES`` each, and each a PDF, JPEG or PNG by its extension, its declared
type *and* its first bytes. The invoice service then opens every file (a PDF that does not
parse, an image that does not decode) and answers with field violations on
``attachments[i].*``, shown per file in the person's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Final

import grpc
from ropo_platform.logging import get_logger
from ropo_platform.money import InvalidMoney, Money

from ropo_gateway.audit.model import AuditEvent, Channel, Outcome, Purpose
from ropo_gateway.audit.trail import AuditTrail
from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.disputes import (
    AttachmentUpload,
    DisputeOrder,
    DisputeState,
    DisputeView,
)
from ropo_gateway.errors import UpstreamError, invoice_not_found
from ropo_gateway.myropo.access import InvoiceAccess, InvoiceAccessPolicy
from ropo_gateway.myropo.ports import DisputeSource
from ropo_gateway.myropo.views import InvoiceRow

_log = get_logger("ropo_gateway.disputes")

MAX_ATTACHMENTS: Final = 5
MAX_ATTACHMENT_BYTES: Final = 5 * 1024 * 1024
MAX_REASON_LENGTH: Final = 2000
#: Room for the form's text fields and the multipart headers beside the files.
FORM_OVERHEAD_BYTES: Final = 1024 * 1024
#: The largest request body a dispute may have; a larger one is refused before it is read.
MAX_DISPUTE_BODY_BYTES: Final = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + FORM_OVERHEAD_BYTES
#: How many file parts the form parser reads before giving up: a few more than allowed, so
#: that six files get the readable "at most five" and a flood is cut short.
MAX_PARSED_FILES: Final = 4 * MAX_ATTACHMENTS
MAX_FORM_FIELDS: Final = 20
#: The largest text field (the reason is at most 2000 characters of up to 4 bytes).
MAX_FIELD_BYTES: Final = 64 * 1024
#: Disputes shown on the invoice page (an invoice has few).
MAX_SHOWN: Final = 20
MAX_FILENAME_LENGTH: Final = 120
CURRENCY: Final = "EUR"
#: The form's file input and its JSON twin's part name.
ATTACHMENTS_FIELD: Final = "attachments"
DISPUTE_ALREADY_OPEN: Final = "DISPUTE_ALREADY_OPEN"
INVOICE_NOT_OPEN: Final = "INVOICE_NOT_OPEN"
_AMOUNT: Final = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_ATTACHMENT_FIELD: Final = re.compile(r"^attachments\[(\d+)\](?:\.(\w+))?$")


@dataclass(frozen=True, slots=True)
class FileKind:
    """An accepted kind of file: its extensions, media type and signature."""

    extensions: tuple[str, ...]
    media_type: str
    magic: bytes


FILE_KINDS: Final = (
    FileKind((".pdf",), "application/pdf", b"%PDF-"),
    FileKind((".jpg", ".jpeg"), "image/jpeg", b"\xff\xd8\xff"),
    FileKind((".png",), "image/png", b"\x89PNG\r\n\x1a\n"),
)
#: The ``accept`` attribute of the form's file input.
ACCEPT: Final = ",".join(ext for kind in FILE_KINDS for ext in kind.extensions)


def kind_of(filename: str) -> FileKind | None:
    """The accepted kind a file name's extension names, if any."""
    lowered = filename.lower()
    return next(
        (kind for kind in FILE_KINDS if lowered.endswith(kind.extensions)),
        None,
    )


def clean_filename(raw: str) -> str:
    """The file's own name (no folders a browser may send), without control characters, at
    most ``MAX_FILENAME_LENGTH`` characters — what is shown back and sent on."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_FILENAME_LENGTH - len(dot + extension)
        name = f"{stem[:keep]}{dot}{extension}" if dot and keep > 0 else name[:MAX_FILENAME_LENGTH]
    return name


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file as it came in: name, declared type and content (read up to one byte over
    the limit, so an oversize file is known without reading all of it)."""

    filename: str
    declared_type: str
    content: bytes


def file_problem(upload: UploadedFile) -> str:
    """``""`` for an acceptable file, else what is wrong: ``too_large``, ``empty``, ``type``
    (not a PDF, JPEG or PNG by name) or ``mismatch`` (type or content disagree)."""
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        return "too_large"
    if not upload.content:
        return "empty"
    kind = kind_of(upload.filename)
    if kind is None:
        return "type"
    declared = upload.declared_type.split(";", 1)[0].strip().lower()
    if declared != kind.media_type or not upload.content.startswith(kind.magic):
        return "mismatch"
    return ""


@dataclass(frozen=True, slots=True)
class FormError:
    """One problem to show: the field (``disputed_amount``, ``reason``, ``attachments`` or
    ``attachments[i]``), the text key (``dispute.error.<key>``) and the file it is about."""

    field: str
    key: str
    filename: str = ""


class DisputeRejected(Exception):
    """The dispute was refused for its content; every problem is listed."""

    def __init__(self, errors: Sequence[FormError]) -> None:
        super().__init__("dispute rejected")
        self.errors = list(errors)


class DisputeProblem(Exception):
    """Refused for the state of things or the service: ``key`` names the text
    (``dispute.problem.<key>``), ``status`` the HTTP status and ``reason`` the AIP-193 reason."""

    def __init__(self, key: str, status: int, reason: str) -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.reason = reason


def parse_amount(text: str, open_amount: Money | None) -> Money:
    """A part amount in euros as a person types it (``12,50``, ``1 234.50 €``); the errors
    name the field ``disputed_amount``."""
    compact = "".join(text.split()).removesuffix("€").removesuffix("EUR").replace(",", ".")
    if not compact:
        raise DisputeRejected([FormError("disputed_amount", "amount.required")])
    if not _AMOUNT.match(compact):
        raise DisputeRejected([FormError("disputed_amount", "amount.format")])
    try:
        amount = Money(Decimal(compact), open_amount.currency if open_amount else CURRENCY)
    except (InvalidOperation, InvalidMoney):
        raise DisputeRejected([FormError("disputed_amount", "amount.format")]) from None
    if not amount.is_positive():
        raise DisputeRejected([FormError("disputed_amount", "amount.not_positive")])
    if open_amount is not None and open_amount < amount:
        raise DisputeRejected([FormError("disputed_amount", "amount.too_large")])
    return amount


@dataclass(frozen=True, slots=True)
class DisputeInput:
    """What the form or the API sent, before it is checked."""

    whole: bool
    amount: str
    reason: str
    files: Sequence[UploadedFile] = ()
    #: More files than allowed (their contents are not read).
    too_many_files: bool = False
    #: False when the parser stopped at a flood of files: nothing but the count is known.
    fields_read: bool = True


@dataclass(frozen=True, slots=True)
class DisputeSubmission:
    """A checked dispute, ready for ``DisputeInvoice``."""

    disputed_amount: Money | None
    reason: str
    attachments: tuple[AttachmentUpload, ...]


def checked(given: DisputeInput, open_amount: Money | None) -> DisputeSubmission:
    """Every check the gateway makes; ``DisputeRejected`` lists every problem found."""
    if not given.fields_read:
        raise DisputeRejected([FormError(ATTACHMENTS_FIELD, "files.too_many")])
    errors: list[FormError] = []
    amount: Money | None = None
    if not given.whole:
        try:
            amount = parse_amount(given.amount, open_amount)
        except DisputeRejected as rejected:
            errors.extend(rejected.errors)
    reason = given.reason.strip()
    if not reason:
        errors.append(FormError("reason", "reason.required"))
    elif len(reason) > MAX_REASON_LENGTH:
        errors.append(FormError("reason", "reason.too_long"))
    attachments: list[AttachmentUpload] = []
    if given.too_many_files or len(given.files) > MAX_ATTACHMENTS:
        errors.append(FormError(ATTACHMENTS_FIELD, "files.too_many"))
    else:
        for index, upload in enumerate(given.files):
            problem = file_problem(upload)
            if problem:
                errors.append(
                    FormError(f"attachments[{index}]", f"file.{problem}", upload.filename)
                )
                continue
            kind = kind_of(upload.filename)
            assert kind is not None  # file_problem() checked it
            attachments.append(AttachmentUpload(upload.filename, kind.media_type, upload.content))
    if errors:
        raise DisputeRejected(errors)
    return DisputeSubmission(amount, reason, tuple(attachments))


_FILE_PROBLEMS: Final = {"content": "malformed", "media_type": "mismatch", "filename": "filename"}


def service_errors(error: UpstreamError, submission: DisputeSubmission) -> list[FormError]:
    """The invoice service's field violations as problems to show (per file where named)."""
    errors: list[FormError] = []
    for violation in error.rpc_error.field_violations:
        matched = _ATTACHMENT_FIELD.match(violation.field)
        if matched:
            index = int(matched.group(1))
            attachments = submission.attachments
            filename = attachments[index].filename if index < len(attachments) else ""
            problem = _FILE_PROBLEMS.get(matched.group(2) or "", "malformed")
            errors.append(FormError(f"attachments[{index}]", f"file.{problem}", filename))
        elif violation.field == ATTACHMENTS_FIELD:
            errors.append(FormError(ATTACHMENTS_FIELD, "files.too_many"))
        elif violation.field == "disputed_amount":
            errors.append(FormError("disputed_amount", "amount.invalid"))
        elif violation.field == "reason":
            errors.append(FormError("reason", "reason.invalid"))
    return errors or [FormError("form", "form")]


def problem_of(error: UpstreamError) -> DisputeProblem:
    """The readable problem of a refusal that is not about the input; anything unexpected
    is re-raised (an error page, not a notice)."""
    code, reason = error.rpc_error.code, error.rpc_error.reason or ""
    if error.unavailable or code == grpc.StatusCode.UNIMPLEMENTED:
        return DisputeProblem("unavailable", HTTPStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE")
    if code == grpc.StatusCode.FAILED_PRECONDITION and reason == DISPUTE_ALREADY_OPEN:
        return DisputeProblem("already_open", HTTPStatus.CONFLICT, reason)
    if code in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED):
        return DisputeProblem("not_open", HTTPStatus.CONFLICT, reason or INVOICE_NOT_OPEN)
    raise error


@dataclass(frozen=True, slots=True)
class DisputeSection:
    """The *Reklamaatio* section of the invoice page: the invoice's disputes (newest first),
    whether a new one may be made, and ``unavailable`` when the service did not answer."""

    disputes: tuple[DisputeView, ...] = ()
    may_dispute: bool = False
    unavailable: bool = False

    @property
    def open_dispute(self) -> DisputeView | None:
        return next((item for item in self.disputes if item.state is DisputeState.OPEN), None)


def may_dispute(row: InvoiceRow, disputes: Sequence[DisputeView]) -> bool:
    """Something is open and no dispute waits for an agent."""
    open_now = any(item.state is DisputeState.OPEN for item in disputes)
    return not row.archived and row.open_amount.is_positive() and not open_now


@dataclass
class DisputeForm:
    """What the dispute form shows again after a refusal (never the files)."""

    request_id: str
    whole: bool = True
    amount: str = ""
    reason: str = ""
    errors: list[FormError] = field(default_factory=list)
    #: ``dispute.problem.<key>`` for a refusal of the whole request.
    problem: str = ""

    def error_for(self, name: str) -> FormError | None:
        return next((item for item in self.errors if item.field == name), None)

    @property
    def file_errors(self) -> list[FormError]:
        return [item for item in self.errors if item.field.startswith(ATTACHMENTS_FIELD)]


class DisputeDesk:
    """*Reklamaatio* on behalf of one person."""

    def __init__(
        self,
        policy: InvoiceAccessPolicy,
        disputes: DisputeSource,
        audit: AuditTrail,
        channel: Channel,
    ) -> None:
        self._policy = policy
        self._disputes = disputes
        self._audit = audit
        self._channel = channel

    async def require(self, subject: str, invoice_id: str) -> InvoiceAccess:
        """The access for disputing (the one audited 404 for anyone else)."""
        return await self._policy.require(subject, invoice_id, Action.MANAGE_PAYMENT_TIME)

    async def history(self, access: InvoiceAccess) -> tuple[DisputeView, ...]:
        """The invoice's disputes, newest first."""
        try:
            page = await self._disputes.list_disputes(invoice=access.invoice, page_size=MAX_SHOWN)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            raise
        return tuple(item for item in page.disputes if item.invoice == access.invoice)

    async def overview(self, access: InvoiceAccess, row: InvoiceRow) -> DisputeSection:
        """The invoice page's section (the page checked the person may handle the invoice).
        A failing service leaves the rest of the page usable."""
        try:
            disputes = await self.history(access)
        except UpstreamError as error:
            _log.warning("disputes_unavailable", code=error.rpc_error.code.name)
            return DisputeSection(unavailable=True)
        return DisputeSection(disputes, may_dispute(row, disputes))

    async def submit(
        self, access: InvoiceAccess, submission: DisputeSubmission, request_id: str
    ) -> DisputeView:
        """``DisputeInvoice``; ``DisputeRejected`` for the service's field violations,
        ``DisputeProblem`` for a refusal of the state of things."""
        order = DisputeOrder(
            request_id=request_id,
            invoice=access.invoice,
            actor=access.subject,
            reason=submission.reason,
            disputed_amount=submission.disputed_amount,
            attachments=submission.attachments,
        )
        try:
            result = await self._disputes.dispute_invoice(order)
        except UpstreamError as error:
            code = error.rpc_error.code
            if code == grpc.StatusCode.NOT_FOUND:
                raise invoice_not_found() from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise DisputeRejected(service_errors(error, submission)) from None
            raise problem_of(error) from None
        await self._audit.record(
            AuditEvent(
                actor=access.subject,
                resource=result.dispute.name,
                purpose=Purpose.DISPUTE_SUBMIT,
                outcome=Outcome.ALLOWED,
                channel=self._channel,
                data_subject=result.invoice.debtor.party,
                reason=access.reason,
            )
        )
        return result.dispute
