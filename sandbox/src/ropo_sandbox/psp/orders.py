"""Validation of a create-payment body into a :class:`PaymentOrder` (docs/payments.md).

Deliberate deviation: callback URLs may be plain ``http`` (Paytrail requires HTTPS),
because the local gateway listens on ``http://localhost``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_AMOUNT = 99_999_998
MAX_STAMP_LENGTH = 200
MAX_REFERENCE_LENGTH = 200
MAX_REDIRECT_URL_LENGTH = 300
MAX_CALLBACK_URL_LENGTH = 3000
MAX_CALLBACK_DELAY = 900
LANGUAGES = frozenset({"FI", "SV", "EN"})


class InvalidOrder(ValueError):
    """The body breaks a rule; ``message`` is sent back in the 400 error body."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One product row; prices are integer cents."""

    unit_price: int
    units: int
    vat_percentage: Decimal
    product_code: str
    stamp: str | None


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """A validated create-payment request."""

    stamp: str
    reference: str
    amount: int
    currency: str
    language: str
    items: tuple[OrderItem, ...]
    customer_email: str
    success_url: str
    cancel_url: str
    callback_success_url: str | None
    callback_cancel_url: str | None
    callback_delay: int | None

    def same_payment_as(self, other: PaymentOrder) -> bool:
        """The stamp rule's notion of "the same body": amount, reference and items."""
        return (self.amount, self.reference, self.items) == (
            other.amount,
            other.reference,
            other.items,
        )


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidOrder(f"{name} must be an object")
    return value


def _text(body: dict[str, Any], key: str, name: str, max_length: int | None = None) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidOrder(f"{name} is required")
    if max_length is not None and len(value) > max_length:
        raise InvalidOrder(f"{name} is longer than {max_length} characters")
    return value


def _integer(body: dict[str, Any], key: str, name: str) -> int:
    value = body.get(key)
    # bool is an int in Python; JSON true is not an amount.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidOrder(f"{name} must be an integer")
    return value


def _url(body: dict[str, Any], key: str, name: str, max_length: int) -> str:
    value = _text(body, key, name, max_length)
    if not value.startswith(("http://", "https://")):
        raise InvalidOrder(f"{name} must be an absolute http(s) URL")
    return value


def _item(raw: Any, index: int) -> OrderItem:
    name = f"items[{index}]"
    item = _object(raw, name)
    unit_price = _integer(item, "unitPrice", f"{name}.unitPrice")
    units = _integer(item, "units", f"{name}.units")
    if unit_price < 0 or units < 1:
        raise InvalidOrder(f"{name} needs unitPrice >= 0 and units >= 1")
    vat = item.get("vatPercentage")
    if isinstance(vat, bool) or not isinstance(vat, int | float | str):
        raise InvalidOrder(f"{name}.vatPercentage must be a number")
    try:
        # str() first: a JSON 25.5 arrives as a float, but we keep it exact.
        vat_percentage = Decimal(str(vat))
    except InvalidOperation:
        raise InvalidOrder(f"{name}.vatPercentage must be a number") from None
    if not Decimal(0) <= vat_percentage <= Decimal(100):
        raise InvalidOrder(f"{name}.vatPercentage must be between 0 and 100")
    stamp = item.get("stamp")
    if stamp is not None and not isinstance(stamp, str):
        raise InvalidOrder(f"{name}.stamp must be a string")
    return OrderItem(
        unit_price=unit_price,
        units=units,
        vat_percentage=vat_percentage,
        product_code=_text(item, "productCode", f"{name}.productCode", 100),
        stamp=stamp,
    )


def _callback_urls(body: dict[str, Any]) -> tuple[str | None, str | None]:
    raw = body.get("callbackUrls")
    if raw is None:
        return None, None
    urls = _object(raw, "callbackUrls")
    return (
        _url(urls, "success", "callbackUrls.success", MAX_CALLBACK_URL_LENGTH),
        _url(urls, "cancel", "callbackUrls.cancel", MAX_CALLBACK_URL_LENGTH),
    )


def _callback_delay(body: dict[str, Any]) -> int | None:
    if body.get("callbackDelay") is None:
        return None
    delay = _integer(body, "callbackDelay", "callbackDelay")
    if not 0 <= delay <= MAX_CALLBACK_DELAY:
        raise InvalidOrder(f"callbackDelay must be between 0 and {MAX_CALLBACK_DELAY}")
    return delay


def parse_order(raw: Any) -> PaymentOrder:
    """Check a decoded JSON body; raises :class:`InvalidOrder` with a readable message."""
    body = _object(raw, "body")
    amount = _integer(body, "amount", "amount")
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidOrder(f"amount must be between 1 and {MAX_AMOUNT}")
    if body.get("currency") != "EUR":
        raise InvalidOrder("currency must be EUR")
    if body.get("language") not in LANGUAGES:
        raise InvalidOrder("language must be FI, SV or EN")
    raw_items = body.get("items", [])
    if not isinstance(raw_items, list):
        raise InvalidOrder("items must be a list")
    items = tuple(_item(raw, index) for index, raw in enumerate(raw_items))
    if items and sum(item.unit_price * item.units for item in items) != amount:
        raise InvalidOrder("amount does not match the sum of the items")
    customer = _object(body.get("customer"), "customer")
    redirects = _object(body.get("redirectUrls"), "redirectUrls")
    callback_success, callback_cancel = _callback_urls(body)
    return PaymentOrder(
        stamp=_text(body, "stamp", "stamp", MAX_STAMP_LENGTH),
        reference=_text(body, "reference", "reference", MAX_REFERENCE_LENGTH),
        amount=amount,
        currency="EUR",
        language=str(body["language"]),
        items=items,
        customer_email=_text(customer, "email", "customer.email", 200),
        success_url=_url(redirects, "success", "redirectUrls.success", MAX_REDIRECT_URL_LENGTH),
        cancel_url=_url(redirects, "cancel", "redirectUrls.cancel", MAX_REDIRECT_URL_LENGTH),
        callback_success_url=callback_success,
        callback_cancel_url=callback_cancel,
        callback_delay=_callback_delay(body),
    )
