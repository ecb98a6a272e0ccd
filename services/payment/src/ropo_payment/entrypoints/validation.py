"""Validation of PaymentService requests: every problem of a request reported at once,
as ``INVALID_ARGUMENT`` with ``BadRequest`` field violations. Descriptions say what is
expected and never echo the value (a mistyped payer could be a henkilötunnus).
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from ropo.payment.v1 import payment_service_pb2 as pb
from ropo_platform.db.request_log import request_fingerprint
from ropo_platform.errors import Violations
from ropo_platform.money import InvalidMoney
from ropo_platform.money_proto import money_from_proto
from ropo_platform.pseudonym import key_of_person_party

from ropo_payment.domain.payments import CURRENCY, LANGUAGES, MAX_ITEMS, MAX_PAYMENT_MINOR
from ropo_payment.service_layer.handlers import (
    CreatePayment,
    HandlePspReturn,
    ListPayments,
    NewItem,
)
from ropo_payment.service_layer.ports import MessageKind

INVOICES = "invoices/"
PAYMENTS = "payments/"
MAX_URL_LENGTH = 300
MAX_QUERY_PARAMETERS = 40
MAX_QUERY_VALUE = 500
_INVOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$")
_PAYMENT_ID = re.compile(r"^[0-9a-f]{32}$")
_QUERY_KEY = re.compile(r"^[a-z0-9-]{1,64}$")
_KINDS = {
    pb.PSP_RETURN_KIND_REDIRECT: MessageKind.REDIRECT,
    pb.PSP_RETURN_KIND_CALLBACK: MessageKind.CALLBACK,
}


def _request_id(violations: Violations, value: str) -> None:
    """A UUID4 chosen by the caller (the idempotency key)."""
    if not value:
        violations.add("request_id", "is required")
        return
    try:
        valid = uuid.UUID(value).version == 4 and len(value) == 36
    except ValueError:
        valid = False
    if not valid:
        violations.add("request_id", "must be a UUID4")


def _payer(violations: Violations, value: str, field: str = "payer") -> None:
    if not value:
        violations.add(field, "is required")
        return
    try:
        key_of_person_party(value)
    except ValueError:
        violations.add(field, "must be persons/{key}")


def invoice_id(violations: Violations, name: str, field: str) -> str:
    """The id of ``invoices/{id}``; a violation on ``field`` otherwise."""
    if not name:
        violations.add(field, "is required")
        return ""
    invoice = name.removeprefix(INVOICES)
    if invoice == name or not _INVOICE_ID.match(invoice):
        violations.add(field, "must be invoices/{invoice}")
        return ""
    return invoice


def _url(violations: Violations, value: str, field: str) -> None:
    if not value:
        violations.add(field, "is required")
        return
    if len(value) > MAX_URL_LENGTH:
        violations.add(field, f"must be at most {MAX_URL_LENGTH} characters")
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        violations.add(field, "must be an absolute http(s) URL")


def create_payment_request(request: pb.CreatePaymentRequest) -> CreatePayment:
    violations = Violations()
    _request_id(violations, request.request_id)
    _payer(violations, request.payer)
    items: list[NewItem] = []
    if not request.items:
        violations.add("items", "must name at least one invoice")
    elif len(request.items) > MAX_ITEMS:
        violations.add("items", f"must name at most {MAX_ITEMS} invoices")
    seen: set[str] = set()
    for index, item in enumerate(request.items[:MAX_ITEMS]):
        field = f"items[{index}]"
        invoice = invoice_id(violations, item.invoice, f"{field}.invoice")
        if invoice and invoice in seen:
            violations.add(f"{field}.invoice", "names an invoice already in the list")
        seen.add(invoice)
        amount_minor = 0
        if not item.HasField("amount"):
            violations.add(f"{field}.amount", "is required")
        else:
            try:
                amount = money_from_proto(item.amount, field=f"{field}.amount")
            except InvalidMoney as error:
                violations.extend(error.violations)
            else:
                if amount.currency != CURRENCY:
                    violations.add(f"{field}.amount", f"must be in {CURRENCY}")
                elif not amount.is_positive():
                    violations.add(f"{field}.amount", "must be more than zero")
                else:
                    amount_minor = amount.minor_units
        items.append(NewItem(invoice, amount_minor))
    if sum(item.amount_minor for item in items) > MAX_PAYMENT_MINOR:
        violations.add("items", "must total at most 999 999,98 €")
    _url(violations, request.success_url, "success_url")
    _url(violations, request.cancel_url, "cancel_url")
    language = request.language_code or "fi"
    if language not in LANGUAGES:
        violations.add("language_code", "must be fi, sv or en")
    violations.raise_if_any()
    return CreatePayment(
        request_id=request.request_id,
        fingerprint=request_fingerprint(request),
        payer=request.payer,
        items=tuple(items),
        success_url=request.success_url,
        cancel_url=request.cancel_url,
        language=language,
    )


def payment_id(violations: Violations, name: str, field: str = "name") -> str:
    """The id of ``payments/{id}``; a violation on ``field`` otherwise."""
    if not name:
        violations.add(field, "is required")
        return ""
    payment = name.removeprefix(PAYMENTS)
    if payment == name or not _PAYMENT_ID.match(payment):
        violations.add(field, "must be payments/{payment}")
        return ""
    return payment


def get_payment_request(request: pb.GetPaymentRequest) -> str:
    violations = Violations()
    payment = payment_id(violations, request.name)
    violations.raise_if_any()
    return payment


def list_payments_request(request: pb.ListPaymentsRequest) -> ListPayments:
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    invoice = ""
    if request.invoice:
        invoice = invoice_id(violations, request.invoice, "invoice")
    if request.payer:
        _payer(violations, request.payer)
    if not request.invoice and not request.payer:
        violations.add("invoice", "invoice or payer is required")
    violations.raise_if_any()
    return ListPayments(invoice, request.payer, request.page_size, request.page_token)


def handle_psp_return_request(request: pb.HandlePspReturnRequest) -> HandlePspReturn:
    violations = Violations()
    _request_id(violations, request.request_id)
    kind = _KINDS.get(request.kind)
    if kind is None:
        violations.add("kind", "must be REDIRECT or CALLBACK")
    query = dict(request.query_parameters)
    if not query:
        violations.add("query_parameters", "are required")
    elif len(query) > MAX_QUERY_PARAMETERS:
        violations.add("query_parameters", f"must be at most {MAX_QUERY_PARAMETERS}")
    elif any(
        not _QUERY_KEY.match(key) or len(value) > MAX_QUERY_VALUE for key, value in query.items()
    ):
        violations.add("query_parameters", "hold a malformed parameter")
    violations.raise_if_any()
    assert kind is not None
    return HandlePspReturn(request.request_id, kind, query)
