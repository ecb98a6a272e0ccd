"""Errors of the invoice domain.

They extend ``ropo_platform.errors`` (pure, transport-free) so that the gRPC edge
maps them to canonical codes with ``ErrorInfo``/``BadRequest`` without a
service-specific table.

Every validation problem names the field it is about (a path such as
``EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier`` for a
Finvoice element) and says why, so a creditor can fix its data without asking
support. Descriptions never repeat the rejected value: it might be a
henkilötunnus typed into the wrong field.
"""

from __future__ import annotations

from collections.abc import Sequence

from ropo_platform.errors import (
    FailedPrecondition,
    FieldViolation,
    NotFound,
    ValidationFailed,
    Violations,
)

__all__ = [
    "FieldViolation",
    "InvalidStageTransition",
    "InvalidValue",
    "InvoiceNotFound",
    "InvoiceValidationError",
    "Violations",
]


class InvalidValue(ValueError):
    """A single value object could not be built. The caller knows which field it came
    from and turns it into a ``FieldViolation``; the message says why, never the value."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvoiceValidationError(ValidationFailed):
    """The invoice data has one or more field violations; nothing was stored."""

    default_reason = "INVOICE_INVALID"

    def __init__(self, violations: Sequence[FieldViolation], message: str = "") -> None:
        if not violations:
            raise ValueError("InvoiceValidationError needs at least one violation")
        if not message:
            shown = "; ".join(f"{v.field}: {v.description}" for v in violations[:3])
            more = f" (and {len(violations) - 3} more)" if len(violations) > 3 else ""
            message = f"invoice rejected: {shown}{more}"
        super().__init__(violations, message)


class InvoiceNotFound(NotFound):
    """No invoice with the given id (``NOT_FOUND``)."""

    default_reason = "INVOICE_NOT_FOUND"

    def __init__(self, invoice_name: str) -> None:
        super().__init__(
            message="invoice not found",
            metadata={"invoice": invoice_name},
            resource_type="ropo.invoice.v1.Invoice",
            resource_name=invoice_name,
        )


class InvalidStageTransition(FailedPrecondition):
    """The invoice's stage does not allow the requested change (``FAILED_PRECONDITION``)."""

    default_reason = "INVALID_STAGE_TRANSITION"

    def __init__(self, invoice_name: str, current: str, requested: str) -> None:
        super().__init__(
            message="the invoice's stage does not allow this change",
            metadata={"invoice": invoice_name, "stage": current, "requested_stage": requested},
        )


class FeeChanged(FailedPrecondition):
    """The fee the person accepted is not the fee now (``FAILED_PRECONDITION``)."""

    default_reason = "FEE_CHANGED"

    def __init__(self, invoice_name: str, current_fee: str) -> None:
        super().__init__(
            message="the fee has changed since it was shown; show the new fee and ask again",
            metadata={"invoice": invoice_name, "current_fee": current_fee},
        )


class PaymentTimeNotAllowed(FailedPrecondition):
    """The requested extension or plan is not offered now (``FAILED_PRECONDITION``).

    ``unavailable_reason`` is the ``UnavailableReason`` value, or ``not_offered``
    when the option exists but not with the chosen date or instalment count.
    """

    def __init__(self, reason: str, invoice_name: str, unavailable_reason: str) -> None:
        super().__init__(
            reason,
            message="this payment-time option is not available for the invoice now",
            metadata={"invoice": invoice_name, "unavailable_reason": unavailable_reason},
        )


class PaymentPlanNotFound(NotFound):
    """No such payment plan on the invoice (``NOT_FOUND``)."""

    default_reason = "PAYMENT_PLAN_NOT_FOUND"

    def __init__(self, plan_name: str) -> None:
        super().__init__(
            message="payment plan not found",
            metadata={"payment_plan": plan_name},
            resource_type="ropo.invoice.v1.PaymentPlan",
            resource_name=plan_name,
        )
