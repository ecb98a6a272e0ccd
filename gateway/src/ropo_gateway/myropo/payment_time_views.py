"""What the *Maksuaika* parts of the pages show: paths, the date form, the notice text, fees.

Kept apart from the routes so that the invoice page (``routes``) and the payment-time
routes share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request
from ropo_platform.money import InvalidMoney, Money

from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.notices import Notice, PendingNotice
from ropo_gateway.myropo.payment_time import PaymentTimeSection
from ropo_gateway.web.pages import translator_for


@dataclass(frozen=True, slots=True)
class PaymentTimePaths:
    """The form targets of one invoice (``{invoice_id}`` is the only path parameter)."""

    extension: str
    extension_confirm: str
    plan: str
    plan_confirm: str


def payment_time_paths(invoice_id: str) -> PaymentTimePaths:
    base = f"/laskut/{invoice_id}"
    return PaymentTimePaths(
        extension=f"{base}/erapaivan-siirto",
        extension_confirm=f"{base}/erapaivan-siirto/vahvista",
        plan=f"{base}/maksusuunnitelma",
        plan_confirm=f"{base}/maksusuunnitelma/vahvista",
    )


@dataclass(frozen=True, slots=True)
class ExtensionForm:
    """The date input of *Eräpäivän siirto*: limits and the default (the latest date)."""

    earliest: str = ""
    latest: str = ""

    @classmethod
    def of(cls, section: PaymentTimeSection | None) -> ExtensionForm:
        option = section.options.extension if section and section.options else None
        if option is None or not option.available:
            return cls()
        return cls(
            earliest=option.earliest_due_date.isoformat() if option.earliest_due_date else "",
            latest=option.latest_due_date.isoformat() if option.latest_due_date else "",
        )


def fee_text(t: Translator, fee: Money) -> str:
    """The fee as shown: *Maksuton* when there is none."""
    return t("maksuaika.free") if fee.is_zero() else t.money(fee)


def fee_field(fee: Money) -> str:
    """The fee as a hidden form field carries it (``5.00``)."""
    return str(fee.amount)


def payment_time_notice(request: Request, pending: PendingNotice | None) -> str:
    """The confirmation sentence after a successful request ('' for other notices)."""
    if pending is None:
        return ""
    t = translator_for(request)
    if pending.notice is Notice.PAYMENT_PLAN_CREATED:
        return t("notice.payment_plan_created")
    if pending.notice is not Notice.DUE_DATE_EXTENDED or len(pending.details) != 3:
        return ""
    raw_date, cents, currency = pending.details
    try:
        new_date = date.fromisoformat(raw_date)
        fee = Money.from_minor_units(int(cents), currency)
    except (ValueError, InvalidMoney):
        return ""
    return t("notice.due_date_extended", date=t.date(new_date), fee=fee_text(t, fee))


def extension_notice_details(new_due_date: date, fee: Money) -> tuple[str, str, str]:
    """What the notice cookie carries after an extension: date, fee in cents, currency."""
    return new_due_date.isoformat(), str(fee.minor_units), fee.currency
