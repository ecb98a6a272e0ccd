"""HTTP client of the Paytrail Payment API (the sandbox in development).

Implements the service layer's ``PaymentProvider`` port:

- every request is signed (``ropo_payment.domain.psp.signature``) with a fresh nonce and
  the current UTC timestamp, retries included, so the PSP's replay protection never
  refuses a legitimate retry;
- every successful response's signature is verified over its ``checkout-*`` headers and
  its body exactly as received; a response that does not verify is treated like no
  answer at all (``PspUnavailable``): its content cannot be trusted;
- redirects are never followed and the timeout comes from the constructor;
- the response's ``request-id`` is logged (for Paytrail support); the secret never is.

Errors: ``PspUnavailable`` (network, timeout, 5xx, unverifiable or unusable answer;
retrying later may help) and ``PspRejected`` (a 4xx: the request itself was refused).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote
from uuid import uuid4

import httpx
from ropo_platform.logging import get_logger

from ropo_payment.domain.psp import (
    SIGNATURE_KEY,
    SUPPORTED_ALGORITHMS,
    PspCreatedPayment,
    PspPaymentRequest,
    PspPaymentStatus,
    PspStatus,
    signature,
    signature_matches,
    signed_items,
)
from ropo_payment.service_layer.ports import ProviderRejected, ProviderUnavailable

log = get_logger(__name__)

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"
#: Error messages from the PSP are shown to operators; cap what is kept of them.
MAX_ERROR_MESSAGE: Final = 200


class PspError(Exception):
    """Any failure talking to the PSP."""


class PspUnavailable(PspError, ProviderUnavailable):
    """The PSP could not be reached, failed (5xx), or answered something unusable."""


class PspRejected(PspError, ProviderRejected):
    """The PSP refused the request (a 4xx); ``message`` is the PSP's own explanation."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"PSP refused the request ({status_code}): {message}")
        self.status_code = status_code
        self.message = message


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def new_nonce() -> str:
    """A fresh random nonce (the default nonce source)."""
    return uuid4().hex


def paytrail_timestamp(moment: datetime) -> str:
    """``moment`` as Paytrail writes it: ISO 8601 UTC with milliseconds and ``Z``."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def payment_body(request: PspPaymentRequest) -> dict[str, Any]:
    """The Paytrail create-payment body for ``request`` (field order as Paytrail documents)."""
    body: dict[str, Any] = {
        "stamp": request.stamp,
        "reference": request.reference,
        "amount": request.amount_minor,
        "currency": "EUR",
        "language": request.language,
        "items": [
            {
                "unitPrice": item.unit_price_minor,
                "units": 1,
                "vatPercentage": 0,
                "productCode": item.product_code,
                "stamp": item.stamp,
            }
            for item in request.items
        ],
        "customer": {"email": request.customer_email},
        "redirectUrls": {"success": request.success_url, "cancel": request.cancel_url},
    }
    if request.callback_success_url and request.callback_cancel_url:
        body["callbackUrls"] = {
            "success": request.callback_success_url,
            "cancel": request.callback_cancel_url,
        }
    return body


class PaytrailClient:
    """Creates and queries PSP payments over HTTP (the ``PaymentProvider`` port)."""

    def __init__(
        self,
        base_url: str,
        *,
        account: str,
        secret: str,
        algorithm: str = "sha256",
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(sorted(SUPPORTED_ALGORITHMS))}")
        self._base_url = base_url.rstrip("/")
        self._account = account
        self._secret = secret
        self._algorithm = algorithm
        self._timeout = httpx.Timeout(timeout)
        self._owns_http = http is None
        self._http = (
            http
            if http is not None
            else httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        )
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        # Never the secret.
        return f"PaytrailClient({self._base_url!r}, account={self._account!r})"

    async def create_payment(self, request: PspPaymentRequest) -> PspCreatedPayment:
        """Create a transaction for ``request``; the same stamp and body give the same one."""
        body = json.dumps(payment_body(request), separators=(",", ":"), ensure_ascii=False)
        data = await self._call("POST", "/payments", body=body, expected=(200, 201))
        transaction_id = _text(data, "transactionId")
        href = _text(data, "href")
        return PspCreatedPayment(transaction_id=transaction_id, href=href)

    async def get_payment(self, transaction_id: str) -> PspPaymentStatus:
        """The current status of the transaction ``transaction_id``."""
        if not transaction_id:
            raise ValueError("transaction_id is required")
        data = await self._call(
            "GET",
            f"/payments/{quote(transaction_id, safe='')}",
            transaction_id=transaction_id,
            expected=(200,),
        )
        answered_id = _text(data, "transactionId")
        if answered_id != transaction_id:
            raise PspUnavailable("the PSP answered about another transaction")
        try:
            status = PspStatus(_text(data, "status"))
        except ValueError:
            raise PspUnavailable("the PSP answered an unknown payment status") from None
        return PspPaymentStatus(
            transaction_id=answered_id,
            stamp=_text(data, "stamp"),
            status=status,
            amount_minor=_amount(data),
            provider=_optional_text(data, "provider"),
            paid_at=_optional_time(data, "paidAt"),
        )

    async def aclose(self) -> None:
        """Close the HTTP connections (only those of a client this object created)."""
        if self._owns_http:
            await self._http.aclose()

    def _signed_headers(self, method: str, body: str, transaction_id: str | None) -> dict[str, str]:
        headers = {
            "checkout-account": self._account,
            "checkout-algorithm": self._algorithm,
            "checkout-method": method,
            "checkout-nonce": self._nonce(),
            "checkout-timestamp": paytrail_timestamp(self._clock()),
        }
        if transaction_id is not None:
            headers["checkout-transaction-id"] = transaction_id
        headers[SIGNATURE_KEY] = signature(headers, body, self._secret, self._algorithm)
        if body:
            headers["content-type"] = JSON_CONTENT_TYPE
        return headers

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: str = "",
        transaction_id: str | None = None,
        expected: tuple[int, ...],
    ) -> dict[str, Any]:
        headers = self._signed_headers(method, body, transaction_id)
        try:
            response = await self._http.request(
                method,
                self._base_url + path,
                content=body.encode() if body else None,
                headers=headers,
                timeout=self._timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException as error:
            raise PspUnavailable(
                f"the PSP did not answer in time ({type(error).__name__})"
            ) from None
        except httpx.HTTPError as error:
            raise PspUnavailable(f"the PSP could not be reached ({type(error).__name__})") from None
        request_id = response.headers.get("request-id", "")
        log.info(
            "psp_response",
            method=method,
            path=path,
            status=response.status_code,
            psp_request_id=request_id,
        )
        if response.status_code >= 500:
            raise PspUnavailable(f"the PSP failed ({response.status_code})")
        if 400 <= response.status_code < 500:
            raise PspRejected(response.status_code, _error_message(response))
        if response.status_code not in expected:
            raise PspUnavailable(f"unexpected answer from the PSP ({response.status_code})")
        text = self._verified_body(response)
        try:
            data = json.loads(text)
        except ValueError:
            raise PspUnavailable("the PSP answered something that is not JSON") from None
        if not isinstance(data, dict):
            raise PspUnavailable("the PSP answered something that is not a JSON object")
        return data

    def _verified_body(self, response: httpx.Response) -> str:
        """The response body as text, if its signature verifies; ``PspUnavailable`` if not."""
        try:
            text = response.content.decode("utf-8")
        except UnicodeDecodeError:
            raise PspUnavailable("the PSP's answer is not UTF-8") from None
        given = response.headers.get(SIGNATURE_KEY)
        if not given:
            raise PspUnavailable("the PSP's answer is not signed")
        headers: Mapping[str, str] = dict(response.headers.items())
        account = headers.get("checkout-account")
        if account is not None and account != self._account:
            raise PspUnavailable("the PSP's answer is for another merchant account")
        algorithm = headers.get("checkout-algorithm", self._algorithm)
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise PspUnavailable("the PSP's answer uses an unsupported signature algorithm")
        # httpx gives header names lower-cased, as the signing rule wants them.
        signed = dict(signed_items(headers))
        if not signature_matches(signature(signed, text, self._secret, algorithm), given):
            raise PspUnavailable("the PSP's answer has a bad signature")
        return text


def _error_message(response: httpx.Response) -> str:
    """The ``message`` of a PSP error body, or a short fallback; capped in length."""
    try:
        data = response.json()
    except ValueError:
        data = None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message:
        message = response.reason_phrase or "request refused"
    return message[:MAX_ERROR_MESSAGE]


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise PspUnavailable(f"the PSP's answer lacks {name}")
    return value


def _optional_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PspUnavailable(f"the PSP's answer has a malformed {name}")
    return value


def _amount(data: Mapping[str, Any]) -> int:
    value = data.get("amount")
    # bool is an int in Python; a JSON true is not an amount.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PspUnavailable("the PSP's answer has a malformed amount")
    return value


def _optional_time(data: Mapping[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PspUnavailable(f"the PSP's answer has a malformed {name}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PspUnavailable(f"the PSP's answer has a malformed {name}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = [
    "PaytrailClient",
    "PspError",
    "PspRejected",
    "PspUnavailable",
    "new_nonce",
    "payment_body",
    "paytrail_timestamp",
    "utc_now",
]
