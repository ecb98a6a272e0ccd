"""Validation of gRPC requests: shape and format of every field, before any use case runs.

Everything wrong in one request is reported at once, as ``INVALID_ARGUMENT`` with
``BadRequest`` field violations (``ropo_platform.errors.Violations``). Descriptions
say what is expected and never echo the value: a debtor party or a free-text
query could carry personal data.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from google.type import date_pb2, money_pb2
from ropo.invoice.v1 import invoice_service_pb2
from ropo_platform.errors import PermissionDenied, ValidationFailed, Violations
from ropo_platform.money import Money
from ropo_platform.money_proto import money_from_proto
from ropo_platform.pseudonym import is_person_key

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import BusinessId, CaseNumber, PaymentReference
from ropo_invoice.domain.model import CREDITORS_PREFIX, INVOICES_PREFIX
from ropo_invoice.domain.party import ORGANIZATIONS_PREFIX, PERSONS_PREFIX, Language
from ropo_invoice.domain.payment_plan import PAYMENT_PLANS_SEGMENT
from ropo_invoice.entrypoints.proto_mapping import View
from ropo_invoice.service_layer.lookup import LookupByDetails, LookupByMyRopoId, LookupQuery
from ropo_invoice.service_layer.pagination import MAX_PAGE_SIZE
from ropo_invoice.service_layer.payment_time import (
    CancelPaymentPlan,
    CreatePaymentPlan,
    ExtendDueDate,
)
from ropo_invoice.service_layer.ports import InvoiceFilter, TextScope
from ropo_invoice.service_layer.proto_values import stage_from_proto

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
MAX_QUERY_LENGTH = 100
PDF_MEDIA_TYPE = "application/pdf"
#: Longest value a lookup field accepts at all; anything shorter that is still wrong
#: (bad check digit, unknown number) is an ordinary miss, decided by the use case.
MAX_LOOKUP_FIELD_LENGTH = 64
_LETTER = re.compile(
    r"^invoices/([A-Za-z0-9][A-Za-z0-9-]{0,63})/letters/([A-Za-z0-9][A-Za-z0-9-]{0,63})$"
)
_VIEWS: dict[int, View] = {
    invoice_service_pb2.INVOICE_VIEW_BASIC: View.BASIC,
    invoice_service_pb2.INVOICE_VIEW_FULL: View.FULL,
}


def resource_id(name: str, prefix: str) -> str | None:
    """The id in ``{prefix}{id}`` (e.g. ``invoices/…``), or ``None`` when malformed."""
    if not name.startswith(prefix):
        return None
    candidate = name.removeprefix(prefix)
    return candidate if _ID.match(candidate) else None


def check_request_id(violations: Violations, request_id: str) -> None:
    """``request_id`` is optional; when given it must be a UUID (AIP-155)."""
    if not request_id:
        return
    try:
        uuid.UUID(request_id)
    except ValueError:
        violations.add("request_id", "must be a UUID")


def check_language(violations: Violations, language_code: str) -> Language:
    """Default ``fi``; otherwise one of fi, sv, en."""
    if not language_code:
        return Language.FI
    try:
        return Language.parse(language_code)
    except ValueError:
        violations.add("language_code", "must be one of fi, sv, en")
        return Language.FI


def check_view(violations: Violations, view: int, default: View) -> View:
    """``INVOICE_VIEW_UNSPECIFIED`` → ``default``."""
    if view == invoice_service_pb2.INVOICE_VIEW_UNSPECIFIED:
        return default
    found = _VIEWS.get(int(view))
    if found is None:
        violations.add("view", "is not a known InvoiceView")
        return default
    return found


def is_debtor_party(party: str) -> bool:
    """``persons/{key}`` with a pseudonymous key, or ``organizations/{business_id}``."""
    if party.startswith(PERSONS_PREFIX):
        return is_person_key(party.removeprefix(PERSONS_PREFIX))
    if party.startswith(ORGANIZATIONS_PREFIX):
        business_id = party.removeprefix(ORGANIZATIONS_PREFIX)
        return (
            BusinessId.is_valid(business_id) and BusinessId.parse(business_id).value == business_id
        )
    return False


def check_import(
    violations: Violations,
    request_id: str,
    finvoice_xml: bytes,
    original_document: bytes,
    media_type: str,
    *,
    max_document_bytes: int,
) -> None:
    """Fields of ``ImportFinvoiceRequest`` and of each ``ImportInvoicesRequest``."""
    check_request_id(violations, request_id)
    if not finvoice_xml:
        violations.add("finvoice_xml", "is required")
    if original_document or media_type:
        check_original_document(violations, original_document, media_type, max_document_bytes)


def check_original_document(
    violations: Violations, content: bytes, media_type: str, max_bytes: int
) -> None:
    """The creditor's own invoice image: a PDF (declared and recognisable as one)."""
    if media_type.strip().lower() != PDF_MEDIA_TYPE:
        violations.add("original_document_media_type", f'must be "{PDF_MEDIA_TYPE}"')
    if not content:
        violations.add("original_document", "is required when a media type is given")
    elif not content.startswith(b"%PDF-"):
        violations.add("original_document", "is not a PDF document")
    elif len(content) > max_bytes:
        violations.add("original_document", f"is larger than {max_bytes} bytes")


def check_get(request: invoice_service_pb2.GetInvoiceRequest) -> tuple[str, Language, View]:
    """``GetInvoiceRequest`` → (invoice id, language, view)."""
    violations = Violations()
    invoice_id = resource_id(request.name, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("name", 'must be "invoices/{invoice}"')
    language = check_language(violations, request.language_code)
    view = check_view(violations, request.view, View.FULL)
    violations.raise_if_any()
    assert invoice_id is not None
    return invoice_id, language, view


def check_list(
    request: invoice_service_pb2.ListInvoicesRequest,
) -> tuple[InvoiceFilter, Language, View]:
    """``ListInvoicesRequest`` → (filter, language, view); page size and token are checked
    by the use case (they belong to pagination)."""
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    ids: list[str] = []
    if len(request.names) > MAX_PAGE_SIZE:
        violations.add("names", f"must have at most {MAX_PAGE_SIZE} entries")
    for index, name in enumerate(request.names):
        invoice_id = resource_id(name, INVOICES_PREFIX)
        if invoice_id is None:
            violations.add(f"names[{index}]", 'must be "invoices/{invoice}"')
        else:
            ids.append(invoice_id)
    if request.debtor_party and not is_debtor_party(request.debtor_party):
        violations.add("debtor_party", 'must be "persons/{key}" or "organizations/{business_id}"')
    if not request.names and not request.debtor_party:
        violations.add("debtor_party", "set debtor_party or names")
    creditor_id = ""
    if request.creditor:
        creditor_id = resource_id(request.creditor, CREDITORS_PREFIX) or ""
        if not creditor_id:
            violations.add("creditor", 'must be "creditors/{creditor}"')
    if request.open_only and request.closed_only:
        violations.add("closed_only", "cannot be combined with open_only")
    query = request.query.strip()
    if len(query) > MAX_QUERY_LENGTH:
        violations.add("query", f"must be at most {MAX_QUERY_LENGTH} characters")
    language = check_language(violations, request.language_code)
    view = check_view(violations, request.view, View.BASIC)
    violations.raise_if_any()
    invoice_filter = InvoiceFilter(
        invoice_ids=tuple(dict.fromkeys(ids)) if request.names else None,
        debtor_party=request.debtor_party,
        creditor_id=creditor_id,
        open_only=request.open_only,
        closed_only=request.closed_only,
        text=query,
    )
    return invoice_filter, language, view


def check_lookup(
    request: invoice_service_pb2.LookupInvoiceRequest,
) -> tuple[LookupQuery, Language]:
    """``LookupInvoiceRequest`` → (query, language). Only missing or absurdly long fields are
    ``INVALID_ARGUMENT``: a value of the right shape that is wrong (a bad check digit,
    an unknown number) must fail exactly like every other miss, in the use case."""
    violations = Violations()
    language = check_language(violations, request.language_code)
    which = request.WhichOneof("query")
    values: dict[str, str] = {}
    if which == "invoice_details":
        details = request.invoice_details
        for name in ("invoice_number", "reference", "postal_code"):
            values[name] = getattr(details, name).strip()
            _lookup_field(violations, f"invoice_details.{name}", values[name])
    elif which == "myropo_id":
        values["myropo_id"] = request.myropo_id.strip()
        _lookup_field(violations, "myropo_id", values["myropo_id"])
    else:
        violations.add("query", "set invoice_details or myropo_id")
    violations.raise_if_any()
    if which == "myropo_id":
        return LookupByMyRopoId(values["myropo_id"]), language
    details_query = LookupByDetails(
        values["invoice_number"], values["reference"], values["postal_code"]
    )
    return details_query, language


def _lookup_field(violations: Violations, field: str, value: str) -> None:
    if not value:
        violations.add(field, "is required")
    elif len(value) > MAX_LOOKUP_FIELD_LENGTH:
        violations.add(field, f"must be at most {MAX_LOOKUP_FIELD_LENGTH} characters")


def check_search(
    request: invoice_service_pb2.SearchInvoicesRequest,
) -> tuple[InvoiceFilter, Language, View]:
    """``SearchInvoicesRequest`` (Ropo One) → (filter, language, view)."""
    violations = Violations()
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    query = request.query.strip()
    if len(query) > MAX_QUERY_LENGTH:
        violations.add("query", f"must be at most {MAX_QUERY_LENGTH} characters")
    case_number = ""
    if request.case_number.strip():
        try:
            case_number = CaseNumber.parse(request.case_number).value
        except InvalidValue as error:
            violations.add("case_number", error.description)
    reference = ""
    if request.reference.strip():
        try:
            reference = PaymentReference.parse(request.reference).value
        except InvalidValue as error:
            violations.add("reference", error.description)
    invoice_number = request.invoice_number.strip()
    if len(invoice_number) > MAX_QUERY_LENGTH:
        violations.add("invoice_number", f"must be at most {MAX_QUERY_LENGTH} characters")
    debtor_name = request.debtor_name.strip()
    if len(debtor_name) > MAX_QUERY_LENGTH:
        violations.add("debtor_name", f"must be at most {MAX_QUERY_LENGTH} characters")
    creditor_id = ""
    if request.creditor:
        creditor_id = resource_id(request.creditor, CREDITORS_PREFIX) or ""
        if not creditor_id:
            violations.add("creditor", 'must be "creditors/{creditor}"')
    if request.debtor_party and not is_debtor_party(request.debtor_party):
        violations.add("debtor_party", 'must be "persons/{key}" or "organizations/{business_id}"')
    stages = []
    for index, state in enumerate(request.states):
        stage = stage_from_proto(state)
        if stage is None:
            violations.add(f"states[{index}]", "is not a known Invoice.State")
        else:
            stages.append(stage)
    language = check_language(violations, request.language_code)
    view = check_view(violations, request.view, View.BASIC)
    violations.raise_if_any()
    invoice_filter = InvoiceFilter(
        debtor_party=request.debtor_party,
        creditor_id=creditor_id,
        open_only=request.open_only,
        text=query,
        text_scope=TextScope.STAFF,
        case_number=case_number,
        invoice_number=invoice_number,
        reference=reference,
        debtor_name=debtor_name,
        stages=tuple(dict.fromkeys(stages)),
    )
    return invoice_filter, language, view


def check_list_events(
    request: invoice_service_pb2.ListInvoiceEventsRequest,
) -> tuple[str, Language]:
    """``ListInvoiceEventsRequest`` → (invoice id, language)."""
    violations = Violations()
    invoice_id = resource_id(request.invoice, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
    if request.page_size < 0:
        violations.add("page_size", "must not be negative")
    language = check_language(violations, request.language_code)
    violations.raise_if_any()
    assert invoice_id is not None
    return invoice_id, language


def check_document(
    request: invoice_service_pb2.GetInvoiceDocumentRequest,
) -> tuple[str, str, Language]:
    """``GetInvoiceDocumentRequest`` → (invoice id, letter id or "", language)."""
    violations = Violations()
    invoice_id = resource_id(request.invoice, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
    letter_id = ""
    if request.letter:
        match = _LETTER.match(request.letter)
        if match is None:
            violations.add("letter", 'must be "invoices/{invoice}/letters/{letter}"')
        elif match.group(1) != invoice_id:
            violations.add("letter", "must be a letter of the requested invoice")
        else:
            letter_id = match.group(2)
    language = check_language(violations, request.language_code)
    violations.raise_if_any()
    assert invoice_id is not None
    return invoice_id, letter_id, language


STAFF_USERS_PREFIX = "staffUsers/"
MAX_REASON_LENGTH = 500


def _check_actor(violations: Violations, actor: str) -> None:
    if not actor:
        violations.add("actor", "is required")
    elif not (
        (actor.startswith(PERSONS_PREFIX) and is_debtor_party(actor)) or _is_staff_user(actor)
    ):
        violations.add("actor", 'must be "persons/{key}" or "staffUsers/{user}"')


def _is_staff_user(actor: str) -> bool:
    return resource_id(actor, STAFF_USERS_PREFIX) is not None


def _check_fee(violations: Violations, fee: money_pb2.Money) -> Money | None:
    if not fee.currency_code:
        violations.add("accepted_fee", "is required (the fee shown to the person)")
        return None
    try:
        amount = money_from_proto(fee, field="accepted_fee")
    except ValidationFailed as error:
        violations.extend(error.violations)
        return None
    if amount.is_negative():
        violations.add("accepted_fee", "must not be negative")
        return None
    return amount


def _check_date(violations: Violations, name: str, value: date_pb2.Date) -> date | None:
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        violations.add(name, "must be a valid calendar date")
        return None


def check_payment_time_options(
    request: invoice_service_pb2.GetPaymentTimeOptionsRequest,
) -> tuple[str, Language]:
    """``GetPaymentTimeOptionsRequest`` → (invoice id, language)."""
    violations = Violations()
    invoice_id = resource_id(request.invoice, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
    language = check_language(violations, request.language_code)
    violations.raise_if_any()
    assert invoice_id is not None
    return invoice_id, language


def check_extend_due_date(
    request: invoice_service_pb2.ExtendDueDateRequest,
) -> tuple[ExtendDueDate, Language]:
    """``ExtendDueDateRequest`` → (command, language)."""
    violations = Violations()
    check_request_id(violations, request.request_id)
    invoice_id = resource_id(request.invoice, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
    new_due_date = _check_date(violations, "new_due_date", request.new_due_date)
    fee = _check_fee(violations, request.accepted_fee)
    _check_actor(violations, request.actor)
    language = check_language(violations, request.language_code)
    violations.raise_if_any()
    assert invoice_id is not None and new_due_date is not None and fee is not None
    command = ExtendDueDate(invoice_id, new_due_date, fee, request.actor, request.request_id)
    return command, language


def check_create_payment_plan(
    request: invoice_service_pb2.CreatePaymentPlanRequest,
) -> tuple[CreatePaymentPlan, Language]:
    """``CreatePaymentPlanRequest`` → (command, language)."""
    violations = Violations()
    check_request_id(violations, request.request_id)
    invoice_id = resource_id(request.invoice, INVOICES_PREFIX)
    if invoice_id is None:
        violations.add("invoice", 'must be "invoices/{invoice}"')
    if request.instalment_count < 2:
        violations.add("instalment_count", "must be at least 2")
    fee = _check_fee(violations, request.accepted_fee)
    _check_actor(violations, request.actor)
    language = check_language(violations, request.language_code)
    violations.raise_if_any()
    assert invoice_id is not None and fee is not None
    command = CreatePaymentPlan(
        invoice_id, request.instalment_count, fee, request.actor, request.request_id
    )
    return command, language


def check_cancel_payment_plan(
    request: invoice_service_pb2.CancelPaymentPlanRequest,
) -> CancelPaymentPlan:
    """``CancelPaymentPlanRequest`` → command; only staff may cancel a plan."""
    violations = Violations()
    check_request_id(violations, request.request_id)
    invoice_id, plan_id = _plan_ids(request.name)
    if invoice_id is None or plan_id is None:
        violations.add("name", 'must be "invoices/{invoice}/paymentPlans/{payment_plan}"')
    if not request.actor:
        violations.add("actor", "is required")
    elif not _is_staff_user(request.actor) and not request.actor.startswith(PERSONS_PREFIX):
        violations.add("actor", 'must be "staffUsers/{user}"')
    reason = request.reason.strip()
    if not reason:
        violations.add("reason", "is required (it is shown in the timeline)")
    elif len(reason) > MAX_REASON_LENGTH:
        violations.add("reason", f"must be at most {MAX_REASON_LENGTH} characters")
    violations.raise_if_any()
    if not _is_staff_user(request.actor):
        raise PermissionDenied("STAFF_ONLY", "only staff may cancel a payment plan")
    assert invoice_id is not None and plan_id is not None
    return CancelPaymentPlan(invoice_id, plan_id, request.actor, reason, request.request_id)


def _plan_ids(name: str) -> tuple[str | None, str | None]:
    invoice_part, separator, plan_part = name.partition(PAYMENT_PLANS_SEGMENT)
    if not separator:
        return None, None
    invoice_id = resource_id(invoice_part, INVOICES_PREFIX)
    plan_id = plan_part if _ID.match(plan_part) else None
    return invoice_id, plan_id
