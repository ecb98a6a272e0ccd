"""The payment service provider (Paytrail) protocol, pure: signing, verifying returns, values.

Signing follows Paytrail (docs/payments.md): every ``checkout-*``
header or query parameter, lower-cased and sorted, as ``key:value`` lines joined with
``\\n``, then ``\\n`` and the body exactly as sent; HMAC-SHA256 or -SHA512 by
``checkout-algorithm``; the hex digest is the ``signature``.

A browser redirect and a server callback carry the same signed query (``verify_return``).
All ``checkout-*`` parameters are covered, including ones this code does not know yet
(Paytrail adds parameters over time), and the comparison is constant-time.

Amounts are integer cents throughout; nothing here does I/O.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

#: The prefix of the parameters and headers that are signed.
SIGNED_PREFIX: Final = "checkout-"
#: The query parameter / header that carries the hex HMAC.
SIGNATURE_KEY: Final = "signature"
#: Languages the hosted payment page supports.
LANGUAGES: Final = frozenset({"FI", "SV", "EN"})
#: Paytrail's limit on a payment's amount, in cents.
MAX_AMOUNT_MINOR: Final = 99_999_998

#: The HMAC algorithms Paytrail uses (hashlib names).
SUPPORTED_ALGORITHMS: Final = frozenset({"sha256", "sha512"})


class PspStatus(StrEnum):
    """A PSP transaction's status (docs/payments.md)."""

    NEW = "new"
    OK = "ok"
    FAIL = "fail"
    PENDING = "pending"
    DELAYED = "delayed"
    AUTHORIZATION_HOLD = "authorization-hold"


class SignatureInvalid(Exception):
    """A redirect or callback that must not be trusted.

    ``reason`` is one of ``MISSING_SIGNATURE``, ``BAD_SIGNATURE``,
    ``UNSUPPORTED_ALGORITHM``, ``MISSING_PARAMETER``, ``UNKNOWN_ACCOUNT``,
    ``MALFORMED_PARAMETER``; the message names at most a parameter, never a value.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PspReturn:
    """A verified redirect or callback: what the PSP says about one transaction."""

    transaction_id: str
    stamp: str
    reference: str
    amount_minor: int
    status: PspStatus
    provider: str


@dataclass(frozen=True, slots=True)
class PspItem:
    """One line of a payment (one invoice); sent with ``units`` 1 and ``vatPercentage`` 0,
    as an invoice payment carries no VAT of its own."""

    unit_price_minor: int
    product_code: str
    stamp: str


@dataclass(frozen=True, slots=True)
class PspPaymentRequest:
    """What the payment service asks the PSP to create.

    ``stamp`` is the payment intent's id, so a retried create maps to the same
    transaction; ``amount_minor`` must equal the sum of the items (Paytrail refuses
    anything else, so the mistake is caught here, before the call).
    """

    stamp: str
    reference: str
    amount_minor: int
    language: str
    items: tuple[PspItem, ...]
    customer_email: str
    success_url: str
    cancel_url: str
    callback_success_url: str | None = None
    callback_cancel_url: str | None = None

    def __post_init__(self) -> None:
        if not self.stamp:
            raise ValueError("stamp is required")
        if not 0 < self.amount_minor <= MAX_AMOUNT_MINOR:
            raise ValueError(f"amount must be between 1 and {MAX_AMOUNT_MINOR} cents")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(sorted(LANGUAGES))}")
        if self.items and sum(item.unit_price_minor for item in self.items) != self.amount_minor:
            raise ValueError("amount must equal the sum of the items")


@dataclass(frozen=True, slots=True)
class PspCreatedPayment:
    """A transaction the PSP created; ``href`` is its hosted payment page."""

    transaction_id: str
    href: str


@dataclass(frozen=True, slots=True)
class PspPaymentStatus:
    """A transaction's current state as the PSP's status query reports it."""

    transaction_id: str
    stamp: str
    status: PspStatus
    amount_minor: int
    provider: str
    paid_at: datetime | None


def signed_items(params: Mapping[str, str]) -> list[tuple[str, str]]:
    """The ``checkout-*`` entries of ``params``, keys lower-cased, in signing order."""
    lowered = ((key.lower(), value) for key, value in params.items())
    return sorted((key, value) for key, value in lowered if key.startswith(SIGNED_PREFIX))


def signature(params: Mapping[str, str], body: str, secret: str, algorithm: str = "sha256") -> str:
    """The hex HMAC of ``params``' ``checkout-*`` entries and ``body`` (Paytrail §1).

    Raises ``ValueError`` for an algorithm other than ``sha256``/``sha512``.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"unsupported signature algorithm {algorithm[:20]!r}")
    lines = [f"{key}:{value}" for key, value in signed_items(params)]
    payload = "\n".join(lines) + "\n" + body
    return hmac.new(secret.encode(), payload.encode(), algorithm).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex signatures (``given`` may be any text)."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


_REQUIRED_RETURN_PARAMETERS: Final = (
    "checkout-amount",
    "checkout-stamp",
    "checkout-reference",
    "checkout-transaction-id",
    "checkout-status",
)


def verify_return(query: Mapping[str, str], *, account: str, secret: str) -> PspReturn:
    """The verified content of a redirect or callback query; ``SignatureInvalid`` otherwise.

    The HMAC covers every ``checkout-*`` parameter present (unknown ones included), over
    an empty body, so nothing of the query can be changed or added once signed.
    """
    given = query.get(SIGNATURE_KEY)
    if not given:
        raise SignatureInvalid("MISSING_SIGNATURE")
    algorithm = query.get("checkout-algorithm")
    if not algorithm:
        raise SignatureInvalid("MISSING_PARAMETER", "checkout-algorithm")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise SignatureInvalid("UNSUPPORTED_ALGORITHM", "checkout-algorithm")
    query_account = query.get("checkout-account")
    if not query_account:
        raise SignatureInvalid("MISSING_PARAMETER", "checkout-account")
    if not hmac.compare_digest(query_account.encode(), account.encode()):
        raise SignatureInvalid("UNKNOWN_ACCOUNT", "checkout-account")
    if not signature_matches(signature(query, "", secret, algorithm), given):
        raise SignatureInvalid("BAD_SIGNATURE")
    # Only now is the content trusted enough to be read.
    for name in _REQUIRED_RETURN_PARAMETERS:
        if not query.get(name):
            raise SignatureInvalid("MISSING_PARAMETER", name)
    amount_text = query["checkout-amount"]
    if not (amount_text.isascii() and amount_text.isdigit()):
        raise SignatureInvalid("MALFORMED_PARAMETER", "checkout-amount")
    try:
        status = PspStatus(query["checkout-status"])
    except ValueError:
        raise SignatureInvalid("MALFORMED_PARAMETER", "checkout-status") from None
    return PspReturn(
        transaction_id=query["checkout-transaction-id"],
        stamp=query["checkout-stamp"],
        reference=query["checkout-reference"],
        amount_minor=int(amount_text),
        status=status,
        provider=query.get("checkout-provider", ""),
    )


__all__ = [
    "LANGUAGES",
    "MAX_AMOUNT_MINOR",
    "SIGNATURE_KEY",
    "SIGNED_PREFIX",
    "SUPPORTED_ALGORITHMS",
    "PspCreatedPayment",
    "PspItem",
    "PspPaymentRequest",
    "PspPaymentStatus",
    "PspReturn",
    "PspStatus",
    "SignatureInvalid",
    "signature",
    "signature_matches",
    "signed_items",
    "verify_return",
]
