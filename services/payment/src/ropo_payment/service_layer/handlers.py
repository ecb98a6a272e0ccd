"""Use cases of the payment service (PSP payments).

Plain coroutines over a unit of work factory and the PSP port, so the gRPC servicer
and the worker's reconciler share them; unit tests wire fakes.

CreatePayment follows Brandur's idempotency keys with recovery points: the
``create_payment_requests`` row is claimed with a lease and the payment stored in
one transaction (``started``), the PSP is called outside any transaction with the
payment id as its ``stamp``, and the answer is stored (``finished``). A retry after a
crash or a PSP outage resumes with the same payment id, and the PSP answers the same
stamp with the same transaction, so no second transaction is ever created.

Status messages (redirect, callback, the reconciler's query) are applied at most once:
the payment update is guarded by its version, the audit row, and the event are written
in one transaction; a lost race re-reads and re-applies (then ``UNCHANGED``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from ropo_platform.errors import (
    Aborted,
    DomainError,
    ErrorCode,
    FailedPrecondition,
    FieldViolation,
    NotFound,
    Unavailable,
    ValidationFailed,
)
from ropo_platform.faults import fault_point
from ropo_platform.logging import get_logger
from ropo_platform.pagination import (
    InvalidPageToken,
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)

from ropo_payment.domain.payments import (
    Payment,
    PaymentItem,
    PaymentState,
    StatusChange,
    StatusOutcome,
    psp_reference,
)
from ropo_payment.domain.psp import (
    PspCreatedPayment,
    PspItem,
    PspPaymentRequest,
    PspStatus,
    SignatureInvalid,
    verify_return,
)
from ropo_payment.service_layer.ports import (
    Conflict,
    CreateRequest,
    MessageKind,
    MessageOutcome,
    PaymentCursor,
    PaymentFilter,
    PaymentProvider,
    ProviderRejected,
    ProviderUnavailable,
    PspMessage,
    RequestPhase,
    StoredError,
)
from ropo_payment.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

_log = get_logger(__name__)

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]
ResponseEncoder = Callable[[Payment], bytes]

#: The crash-test point between the PSP's answer and storing ours.
AFTER_PSP_CREATE = "payment_after_psp_create"
#: How long a finished CreatePayment answer is replayed before the worker prunes it.
REQUEST_RETENTION = timedelta(hours=24)
RECONCILE_BATCH = 100
_ATTEMPTS = 5

# Error reasons (ErrorInfo.reason).
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"
INVOICE_NOT_FOUND = "INVOICE_NOT_FOUND"
INVOICE_CLOSED = "INVOICE_CLOSED"
INVOICE_ALREADY_PAID = "INVOICE_ALREADY_PAID"
PSP_UNAVAILABLE = "PSP_UNAVAILABLE"
PSP_REJECTED = "PSP_REJECTED"
PSP_SIGNATURE_INVALID = "PSP_SIGNATURE_INVALID"
PSP_AMOUNT_MISMATCH = "PSP_AMOUNT_MISMATCH"
PAYMENT_NOT_FOUND = "PAYMENT_NOT_FOUND"

_STORED_ERRORS: dict[str, type[DomainError]] = {
    ErrorCode.FAILED_PRECONDITION.value: FailedPrecondition,
    ErrorCode.NOT_FOUND.value: NotFound,
    ErrorCode.ABORTED.value: Aborted,
    ErrorCode.UNAVAILABLE.value: Unavailable,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A resource id: 32 hex characters of a random UUID."""
    return uuid.uuid4().hex


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class NewItem:
    """One invoice to pay (id without ``invoices/``) and the amount in cents."""

    invoice_id: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class CreatePayment:
    """A validated CreatePayment request; ``fingerprint`` identifies its parameters."""

    request_id: str
    fingerprint: str
    payer: str
    items: tuple[NewItem, ...]
    success_url: str
    cancel_url: str
    language: str = "fi"


@dataclass(frozen=True, slots=True)
class HandlePspReturn:
    """A redirect or callback query as the gateway received it."""

    request_id: str
    kind: MessageKind
    query: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ListPayments:
    """At least one of ``invoice_id`` and ``payer`` (checked by validation)."""

    invoice_id: str = ""
    payer: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class PaymentPage:
    payments: tuple[Payment, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class PspOptions:
    """What the use cases need to know about the PSP account."""

    account: str
    secret: str
    callback_url: str
    customer_email: str
    #: Scheme and host the hosted payment page must be on (allowlist).
    page_origin: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A verified status of one PSP transaction (from a message or a status query)."""

    transaction_id: str
    stamp: str
    amount_minor: int
    status: PspStatus
    provider: str


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with different parameters (``INVALID_ARGUMENT``)."""

    def __init__(self) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message="request_id was already used for a different CreatePayment request",
            reason=REQUEST_ID_REUSED,
        )


def _raise_stored(error: StoredError) -> NoReturn:
    cls = _STORED_ERRORS.get(error.code, FailedPrecondition)
    raise cls(error.reason, error.message)


def _page_allowed(href: str, origin: str) -> bool:
    # "http://psp.example" must not accept "http://psp.example.evil.com/…".
    return href == origin or href.startswith(origin + "/")


class PaymentHandlers:
    """The use cases bound to their dependencies (built once in ``bootstrap``)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        provider: PaymentProvider,
        psp: PspOptions,
        encode_response: ResponseEncoder,
        *,
        lease: timedelta = timedelta(seconds=30),
        reconcile_after: timedelta = timedelta(seconds=120),
        reconcile_max_age: timedelta = timedelta(days=7),
        clock: Clock = utc_now,
        ids: IdFactory = new_id,
    ) -> None:
        self._uow = uow
        self._provider = provider
        self._psp = psp
        self._encode = encode_response
        self._lease = lease
        self._reconcile_after = reconcile_after
        self._reconcile_max_age = reconcile_max_age
        self._clock = clock
        self._ids = ids

    # ------------------------------------------------------------------ CreatePayment

    async def create_payment(self, command: CreatePayment) -> bytes:
        """The serialized CreatePaymentResponse (stored, so a retry replays it byte for byte)."""
        claimed = await self._claim(command)
        if isinstance(claimed, bytes):
            return claimed
        payment, lease = claimed
        try:
            created = await self._provider.create_payment(self._psp_request(payment, command))
            if not _page_allowed(created.href, self._psp.page_origin):
                # Never send a browser to a page the configured PSP does not serve.
                _log.error("psp_page_not_allowed", payment=payment.name)
                raise ProviderUnavailable("payment page outside the PSP's origin")
        except ProviderUnavailable as error:
            await self._release(command.request_id, lease)
            _log.warning("psp_unavailable", payment=payment.name, error=type(error).__name__)
            raise Unavailable(
                PSP_UNAVAILABLE, "the payment service provider is unavailable"
            ) from None
        except ProviderRejected as error:
            _log.error("psp_rejected", payment=payment.name, error=str(error)[:200])
            await self._reject(command.request_id, payment.id)
            raise FailedPrecondition(
                PSP_REJECTED, "the payment service provider refused the payment"
            ) from None
        fault_point(AFTER_PSP_CREATE)
        return await self._finish(command.request_id, payment.id, created)

    async def _claim(self, command: CreatePayment) -> bytes | tuple[Payment, datetime]:
        now = self._clock()
        async with self._uow() as uow:
            existing = await uow.create_requests.get(command.request_id)
            if existing is not None:
                return await self._resume(uow, existing, command, now)
            payment = await self._new_payment(uow, command, now)
            locked_until = now + self._lease
            try:
                # The claim row first: a concurrent first call stops here, before any payment.
                await uow.create_requests.add(
                    CreateRequest(
                        request_id=command.request_id,
                        fingerprint=command.fingerprint,
                        payer=command.payer,
                        payment_id=payment.id,
                        phase=RequestPhase.STARTED,
                        locked_until=locked_until,
                        created_at=now,
                        updated_at=now,
                    )
                )
            except Conflict:
                raise Aborted(REQUEST_IN_PROGRESS, "the same request is being processed") from None
            await uow.payments.add(payment)
            await uow.commit()
        _log.info("payment_created", payment=payment.name, items=len(payment.items))
        return payment, locked_until

    async def _resume(
        self,
        uow: AbstractUnitOfWork,
        existing: CreateRequest,
        command: CreatePayment,
        now: datetime,
    ) -> bytes | tuple[Payment, datetime]:
        if existing.fingerprint != command.fingerprint:
            raise RequestIdReused()
        if existing.phase is RequestPhase.FINISHED:
            if existing.error is not None:
                _raise_stored(existing.error)
            assert existing.response is not None, "a finished request has an answer"
            return existing.response
        if existing.locked_until > now:
            raise Aborted(REQUEST_IN_PROGRESS, "the same request is being processed")
        locked_until = now + self._lease
        if not await uow.create_requests.take_over(
            existing.request_id, existing.locked_until, locked_until, now
        ):
            raise Aborted(REQUEST_IN_PROGRESS, "the same request is being processed")
        payment = await uow.payments.get(existing.payment_id)
        assert payment is not None, "a started request has its payment"
        await uow.commit()
        _log.info("payment_create_resumed", payment=payment.name)
        return payment, locked_until

    async def _new_payment(
        self, uow: AbstractUnitOfWork, command: CreatePayment, now: datetime
    ) -> Payment:
        ids = [item.invoice_id for item in command.items]
        known = await uow.invoices.find(ids)
        missing = [invoice_id for invoice_id in ids if invoice_id not in known]
        if missing:
            raise NotFound(
                INVOICE_NOT_FOUND,
                "invoice not found",
                resource_type="ropo.invoice.v1.Invoice",
                resource_name=f"invoices/{missing[0]}",
            )
        closed = [invoice_id for invoice_id in ids if known[invoice_id].closed]
        if closed:
            raise FailedPrecondition(
                INVOICE_CLOSED, "the invoice is closed", {"invoice": f"invoices/{closed[0]}"}
            )
        # A confirmed payment not settled yet: paying again would pay the invoice twice.
        paid = await uow.payments.invoices_with_payment(ids, [PaymentState.SUCCEEDED])
        if paid:
            first = sorted(paid)[0]
            raise FailedPrecondition(
                INVOICE_ALREADY_PAID,
                "the invoice has a confirmed payment",
                {"invoice": f"invoices/{first}"},
            )
        payment_id = self._ids()
        items = tuple(
            PaymentItem(item.invoice_id, item.amount_minor, known[item.invoice_id].reference)
            for item in command.items
        )
        return Payment(
            id=payment_id,
            payer=command.payer,
            items=items,
            language=command.language,
            reference=psp_reference(payment_id, items),
            create_time=now,
            update_time=now,
        )

    def _psp_request(self, payment: Payment, command: CreatePayment) -> PspPaymentRequest:
        return PspPaymentRequest(
            stamp=payment.id,
            reference=payment.reference,
            amount_minor=payment.amount_minor,
            language=payment.language.upper(),
            items=tuple(
                PspItem(
                    unit_price_minor=item.amount_minor,
                    product_code=item.invoice_id,
                    stamp=f"{payment.id}-{position}",
                )
                for position, item in enumerate(payment.items, start=1)
            ),
            customer_email=self._psp.customer_email,
            success_url=command.success_url,
            cancel_url=command.cancel_url,
            callback_success_url=self._psp.callback_url,
            callback_cancel_url=self._psp.callback_url,
        )

    async def _release(self, request_id: str, lease: datetime) -> None:
        async with self._uow() as uow:
            await uow.create_requests.release(request_id, lease, self._clock())
            await uow.commit()

    async def _reject(self, request_id: str, payment_id: str) -> None:
        now = self._clock()
        error = StoredError(
            ErrorCode.FAILED_PRECONDITION.value,
            PSP_REJECTED,
            "the payment service provider refused the payment",
        )
        for _ in range(_ATTEMPTS):
            async with self._uow() as uow:
                payment = await uow.payments.get(payment_id)
                assert payment is not None
                if payment.state is PaymentState.PENDING:
                    expected = payment.version
                    payment.fail_rejected(now)
                    payment.version += 1
                    if not await uow.payments.update(payment, expected):
                        continue
                await uow.create_requests.finish(request_id, now, error=error)
                await uow.commit()
                return
        raise Aborted()

    async def _finish(self, request_id: str, payment_id: str, created: PspCreatedPayment) -> bytes:
        for _ in range(_ATTEMPTS):
            now = self._clock()
            async with self._uow() as uow:
                payment = await uow.payments.get(payment_id)
                assert payment is not None
                expected = payment.version
                if not payment.provider_transaction_id:
                    payment.provider_transaction_id = created.transaction_id
                elif payment.provider_transaction_id != created.transaction_id:
                    # Cannot happen with the same stamp; keep what a verified message set.
                    _log.error("payment_transaction_mismatch", payment=payment.name)
                payment.payment_page_url = created.href
                payment.update_time = now
                payment.version += 1
                if not await uow.payments.update(payment, expected):
                    continue  # a status message won the race: re-read and merge
                body = self._encode(payment)
                if not await uow.create_requests.finish(request_id, now, response=body):
                    # Another retry finished first: everyone answers with the stored one.
                    stored = await uow.create_requests.get(request_id)
                    if stored is not None and stored.response is not None:
                        body = stored.response
                await uow.commit()
            return body
        raise Aborted()

    # ------------------------------------------------------------------ queries

    async def get_payment(self, payment_id: str) -> Payment:
        async with self._uow(read_only=True) as uow:
            payment = await uow.payments.get(payment_id)
        if payment is None:
            raise NotFound(
                PAYMENT_NOT_FOUND,
                "payment not found",
                resource_type="ropo.payment.v1.Payment",
                resource_name=f"payments/{payment_id}",
            )
        return payment

    async def list_payments(self, query: ListPayments) -> PaymentPage:
        limit = effective_page_size(query.page_size)
        digest = query_digest(["payments", query.invoice_id, query.payer])
        after: PaymentCursor | None = None
        key = decode_page_token(query.page_token, digest)
        if key is not None:
            after = _cursor(key)
        async with self._uow(read_only=True) as uow:
            found = await uow.payments.list(
                PaymentFilter(query.invoice_id, query.payer), after, limit + 1
            )
        page = tuple(found[:limit])
        token = ""
        if len(found) > limit:
            last = page[-1]
            token = encode_page_token(f"{last.create_time.isoformat()}|{last.id}", digest)
        return PaymentPage(page, token)

    # ------------------------------------------------------------------ PSP messages

    async def handle_psp_return(self, command: HandlePspReturn) -> Payment:
        """Verify and apply one redirect or callback; every message leaves an audit row."""
        query = {k: v for k, v in command.query.items() if k != "signature"}
        try:
            verified = verify_return(
                command.query, account=self._psp.account, secret=self._psp.secret
            )
        except SignatureInvalid as error:
            reason = error.reason
            _log.warning("psp_signature_invalid", kind=command.kind.value, reason=reason)
            await self._record_alone(
                _message(
                    self._ids(),
                    command.kind,
                    command.request_id,
                    query,
                    self._clock(),
                    MessageOutcome.REJECTED,
                    f"{PSP_SIGNATURE_INVALID}:{reason}"[:64],
                )
            )
            raise ValidationFailed(
                [FieldViolation("query_parameters", "the PSP signature does not verify")],
                message="the PSP message does not verify",
                reason=PSP_SIGNATURE_INVALID,
            ) from None
        report = StatusReport(
            verified.transaction_id,
            verified.stamp,
            verified.amount_minor,
            verified.status,
            verified.provider,
        )
        payment, _change = await self._apply(command.kind, report, query, command.request_id)
        return payment

    async def _record_alone(self, message: PspMessage) -> None:
        async with self._uow() as uow:
            await uow.psp_messages.add(message)
            await uow.commit()

    async def _apply(
        self, kind: MessageKind, report: StatusReport, query: dict[str, str], request_id: str
    ) -> tuple[Payment, StatusChange]:
        for _ in range(_ATTEMPTS):
            now = self._clock()
            record = _message(
                self._ids(), kind, request_id, query, now, MessageOutcome.ACCEPTED, "", report
            )
            async with self._uow() as uow:
                payment = await uow.payments.get_by_transaction(report.transaction_id)
                adopt = False
                if payment is None:
                    # A fast PSP can call back before CreatePayment stored the transaction id.
                    candidate = await uow.payments.get(report.stamp)
                    if candidate is not None and not candidate.provider_transaction_id:
                        payment, adopt = candidate, True
                if payment is None or payment.id != report.stamp:
                    await self._reject_message(uow, record, PAYMENT_NOT_FOUND)
                    _log.warning("psp_message_unknown_payment", kind=kind.value)
                    raise NotFound(
                        PAYMENT_NOT_FOUND,
                        "no payment with this transaction",
                        resource_type="ropo.payment.v1.Payment",
                    )
                record = _with_payment(record, payment.id)
                if report.amount_minor != payment.amount_minor:
                    await self._reject_message(uow, record, PSP_AMOUNT_MISMATCH)
                    _log.error(
                        "payment_amount_mismatch",
                        payment=payment.name,
                        kind=kind.value,
                        expected=payment.amount_minor,
                        received=report.amount_minor,
                    )
                    raise ValidationFailed(
                        [
                            FieldViolation(
                                "query_parameters", "checkout-amount is not the payment's amount"
                            )
                        ],
                        message="the PSP message's amount does not match the payment",
                        reason=PSP_AMOUNT_MISMATCH,
                    )
                expected = payment.version
                if adopt:
                    payment.provider_transaction_id = report.transaction_id
                change = payment.apply_psp_status(report.status, report.provider, now)
                dirty = adopt or change.outcome in (
                    StatusOutcome.SUCCEEDED,
                    StatusOutcome.FAILED,
                    StatusOutcome.NOTED,
                )
                if dirty:
                    payment.version += 1
                    payment.update_time = now
                    if not await uow.payments.update(payment, expected):
                        continue  # another message won: re-read and re-apply
                if change.outcome is StatusOutcome.SUCCEEDED:
                    await uow.events.payment_succeeded(payment)
                elif change.outcome is StatusOutcome.FAILED:
                    await uow.events.payment_failed(payment)
                if change.outcome is StatusOutcome.IGNORED:
                    self._log_ignored(payment, report, change)
                outcome = MessageOutcome.ACCEPTED if dirty else MessageOutcome.IGNORED
                reason = change.reason.upper() if change.reason else change.outcome.value.upper()
                await uow.psp_messages.add(_with_outcome(record, outcome, reason))
                await uow.commit()
            if change.outcome.changes_state:
                _log.info(
                    "payment_status_applied",
                    payment=payment.name,
                    state=payment.state.value,
                    kind=kind.value,
                )
            return payment, change
        raise Aborted(message="the payment changed concurrently; retry")

    async def _reject_message(
        self, uow: AbstractUnitOfWork, record: PspMessage, reason: str
    ) -> None:
        await uow.psp_messages.add(_with_outcome(record, MessageOutcome.REJECTED, reason))
        await uow.commit()

    @staticmethod
    def _log_ignored(payment: Payment, report: StatusReport, change: StatusChange) -> None:
        fields = {
            "payment": payment.name,
            "state": payment.state.value,
            "status": report.status.value,
        }
        if change.reason == "payment_ok_after_fail":
            # Money may have moved for a payment we consider failed: customer service must look.
            _log.error(change.reason, **fields)
        else:
            _log.warning(change.reason or "payment_status_ignored", **fields)

    # ------------------------------------------------------------------ reconciler

    async def reconcile_due(self, limit: int = RECONCILE_BATCH) -> int:
        """Ask the PSP about pending payments unchanged for ``reconcile_after`` (each at most
        once per ``reconcile_after``, the least recently asked first, none older than
        ``reconcile_max_age``); returns how many changed state. A PSP outage skips the
        payment until the next round."""
        now = self._clock()
        async with self._uow(read_only=True) as uow:
            due = await uow.payments.due_for_reconcile(
                unchanged_since=now - self._reconcile_after,
                created_after=now - self._reconcile_max_age,
                checked_before=now - self._reconcile_after,
                limit=limit,
            )
        if due:
            async with self._uow() as uow:
                await uow.payments.mark_checked([payment.id for payment in due], now)
                await uow.commit()
        changed = 0
        for payment in due:
            try:
                status = await self._provider.get_payment(payment.provider_transaction_id)
            except (ProviderUnavailable, ProviderRejected) as error:
                _log.warning(
                    "reconcile_psp_failed", payment=payment.name, error=type(error).__name__
                )
                continue
            report = StatusReport(
                status.transaction_id or payment.provider_transaction_id,
                status.stamp or payment.id,
                status.amount_minor,
                status.status,
                status.provider,
            )
            query = {
                "checkout-transaction-id": report.transaction_id,
                "checkout-stamp": report.stamp,
                "checkout-amount": str(report.amount_minor),
                "checkout-status": report.status.value,
                "checkout-provider": report.provider,
            }
            try:
                _payment, change = await self._apply(MessageKind.RECONCILE, report, query, "")
            except DomainError as error:
                _log.warning("reconcile_apply_failed", payment=payment.name, reason=error.reason)
                continue
            if change.outcome.changes_state:
                changed += 1
        if changed:
            _log.info("payments_reconciled", count=changed)
        return changed

    async def prune_requests(self) -> int:
        """Delete finished CreatePayment requests older than 24 h (no replay after that)."""
        async with self._uow() as uow:
            count = await uow.create_requests.prune(self._clock() - REQUEST_RETENTION)
            await uow.commit()
        return count


# --------------------------------------------------------------------------- helpers


def _cursor(key: str) -> PaymentCursor:
    time_text, _, payment_id = key.partition("|")
    try:
        return PaymentCursor(datetime.fromisoformat(time_text), payment_id)
    except ValueError:
        raise InvalidPageToken("is not a token from a previous response") from None


def _message(
    message_id: str,
    kind: MessageKind,
    request_id: str,
    query: dict[str, str],
    at: datetime,
    outcome: MessageOutcome,
    reason: str,
    report: StatusReport | None = None,
) -> PspMessage:
    amount: int | None = None
    if report is not None:
        amount = report.amount_minor
    else:
        try:
            amount = int(query.get("checkout-amount", ""))
        except ValueError:
            amount = None
    return PspMessage(
        id=message_id,
        kind=kind,
        outcome=outcome,
        reason=reason,
        query=query,
        received_at=at,
        request_id=request_id,
        transaction_id=report.transaction_id
        if report
        else query.get("checkout-transaction-id", ""),
        stamp=report.stamp if report else query.get("checkout-stamp", ""),
        status=report.status.value if report else query.get("checkout-status", ""),
        amount_minor=amount,
    )


def _with_payment(message: PspMessage, payment_id: str) -> PspMessage:
    return replace(message, payment_id=payment_id)


def _with_outcome(message: PspMessage, outcome: MessageOutcome, reason: str) -> PspMessage:
    return replace(message, outcome=outcome, reason=reason)
