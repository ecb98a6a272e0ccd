"""ImportBankStatement and ListBankPayments at the gRPC edge.

``PaymentServicer`` delegates both methods here. Thin: validate the request, call
the use case, map the result. Domain errors are raised; the platform interceptor
turns them into ``google.rpc.Status`` (``INVALID_ARGUMENT`` with ``BadRequest``
field violations and an ``ErrorInfo`` reason such as ``STATEMENT_INVALID`` or
``REQUEST_ID_REUSED``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ropo.payment.v1 import bank_payment_pb2
from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_platform.db import Database
from ropo_platform.db.request_log import request_fingerprint
from ropo_platform.errors import FieldViolation, ValidationFailed, Violations
from ropo_platform.messaging import OutboxWriter

from ropo_payment.adapters.bank_proto import STATES_FROM_PROTO, bank_payment_to_proto, money
from ropo_payment.adapters.bank_repository import bank_stores
from ropo_payment.adapters.statement_reader import ParserStatementReader
from ropo_payment.domain.bank_payments import INVOICES, BankPaymentState
from ropo_payment.service_layer.bank_statements import (
    MAX_STATEMENT_BYTES,
    BankPaymentCursor,
    BankStatementImporter,
    ImportStatement,
    StatementFormat,
    StatementReader,
)

#: ``ce-source`` of the payment service's events.
EVENT_SOURCE = "/ropo/payment"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_MAX_FILENAME = 255
_MAX_INVOICE_ID = 64
_TOKEN_VERSION = 1

FORMATS = {
    bank_payment_pb2.STATEMENT_FORMAT_UNSPECIFIED: None,
    bank_payment_pb2.STATEMENT_FORMAT_CAMT054: StatementFormat.CAMT054,
    bank_payment_pb2.STATEMENT_FORMAT_REFERENCE_PAYMENT_FILE: (
        StatementFormat.REFERENCE_PAYMENT_FILE
    ),
    bank_payment_pb2.STATEMENT_FORMAT_PSP_SETTLEMENT_REPORT: StatementFormat.PSP_SETTLEMENT_REPORT,
}

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class BankStatementRpc:
    """The bank statement methods of ``PaymentService``."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        ids: Callable[[], str],
        reader: StatementReader | None = None,
    ) -> None:
        self._importer = BankStatementImporter(
            bank_stores(database, OutboxWriter(EVENT_SOURCE)),
            reader or ParserStatementReader(),
            clock=clock,
            ids=ids,
        )

    async def import_bank_statement(
        self, request: pb.ImportBankStatementRequest, context: Context
    ) -> pb.ImportBankStatementResponse:
        result = await self._importer.import_statement(import_command(request))
        return pb.ImportBankStatementResponse(
            bank_statement=f"bankStatements/{result.statement_id}",
            matched_count=result.matched_count,
            unclear_count=result.unclear_count,
            duplicate_count=result.duplicate_count,
            settled_count=result.settled_count,
            total_amount=money(result.total_minor, result.currency),
            bank_payments=[bank_payment_to_proto(p) for p in result.bank_payments],
        )

    async def list_bank_payments(
        self, request: pb.ListBankPaymentsRequest, context: Context
    ) -> pb.ListBankPaymentsResponse:
        violations = Violations()
        if request.page_size < 0:
            violations.add("page_size", "must not be negative")
        state: BankPaymentState | None = None
        if request.state != bank_payment_pb2.BankPayment.STATE_UNSPECIFIED:
            state = STATES_FROM_PROTO.get(request.state)
            if state is None:
                violations.add("state", "must be a BankPayment.State value")
        invoice_id = _invoice_id(violations, request.invoice)
        violations.raise_if_any()
        limit = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        digest = _query_digest(request.state, request.invoice)
        after = decode_page_token(request.page_token, digest)
        found = await self._importer.list_bank_payments(state, invoice_id, after, limit + 1)
        page, more = found[:limit], len(found) > limit
        next_token = ""
        if more:
            last = page[-1]
            next_token = encode_page_token(BankPaymentCursor(last.create_time, last.id), digest)
        return pb.ListBankPaymentsResponse(
            bank_payments=[bank_payment_to_proto(p) for p in page], next_page_token=next_token
        )


def import_command(request: pb.ImportBankStatementRequest) -> ImportStatement:
    """The validated command of an ImportBankStatement request."""
    violations = Violations()
    request_id = request.request_id
    if not request_id:
        violations.add("request_id", "is required")
    elif not _is_uuid4(request_id):
        violations.add("request_id", "must be a UUID4")
    if not request.content:
        violations.add("content", "is required")
    elif len(request.content) > MAX_STATEMENT_BYTES:
        violations.add("content", f"must be at most {MAX_STATEMENT_BYTES // (1024 * 1024)} MB")
    if request.format not in FORMATS:
        violations.add("format", "must be a StatementFormat value")
    if len(request.filename) > _MAX_FILENAME:
        violations.add("filename", f"must be at most {_MAX_FILENAME} characters")
    violations.raise_if_any()
    return ImportStatement(
        request_id=request_id.lower(),
        fingerprint=request_fingerprint(request),
        content=request.content,
        format=FORMATS[request.format],
        filename=request.filename,
    )


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


def _invoice_id(violations: Violations, name: str) -> str | None:
    if not name:
        return None
    invoice_id = name.removeprefix(INVOICES)
    if invoice_id == name or not invoice_id or len(invoice_id) > _MAX_INVOICE_ID:
        violations.add("invoice", "must be an invoice name, invoices/{invoice}")
        return None
    return invoice_id


# ------------------------------------------------------------------ page tokens


def _query_digest(state: int, invoice: str) -> str:
    canonical = json.dumps([state, invoice], separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode_page_token(cursor: BankPaymentCursor, digest: str) -> str:
    """An opaque token continuing after ``cursor``, bound to the query's fields."""
    body = {
        "v": _TOKEN_VERSION,
        "t": cursor.create_time.isoformat(),
        "k": cursor.bank_payment_id,
        "q": digest,
    }
    raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_page_token(token: str, digest: str) -> BankPaymentCursor | None:
    """The cursor of a token (``None`` for the first page); ``INVALID_ARGUMENT``
    (``INVALID_PAGE_TOKEN``) when it is not from a previous response of this query."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown token version")
        cursor = BankPaymentCursor(datetime.fromisoformat(body["t"]), str(body["k"]))
        token_digest = body["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise _bad_token("is not a token from a previous response") from None
    if token_digest != digest:
        raise _bad_token("was issued for a request with other fields")
    return cursor


def _bad_token(description: str) -> ValidationFailed:
    return ValidationFailed(
        [FieldViolation("page_token", description)],
        message="invalid page token",
        reason="INVALID_PAGE_TOKEN",
    )
