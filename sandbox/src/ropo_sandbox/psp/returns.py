"""Completing a payment: state change, signed browser redirect and callbacks.

The hosted page and the control endpoint both go through :func:`complete_payment`,
so a test driving the control API sees exactly what a browser would.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ropo_sandbox.psp.signing import sign
from ropo_sandbox.psp.state import Psp
from ropo_sandbox.psp.store import Outcome, Status, Transaction

RETURN_ALGORITHM = "sha256"


def return_params(psp: Psp, transaction: Transaction) -> dict[str, str]:
    """The signed ``checkout-*`` query of redirects and callbacks (docs/payments.md)."""
    params = {
        "checkout-account": psp.account,
        "checkout-algorithm": RETURN_ALGORITHM,
        "checkout-amount": str(transaction.order.amount),
        "checkout-stamp": transaction.order.stamp,
        "checkout-reference": transaction.order.reference,
        "checkout-transaction-id": transaction.transaction_id,
        "checkout-status": transaction.status.value,
        "checkout-provider": transaction.provider or "",
    }
    # Extra parameters test that receivers verify every checkout-* name, not a fixed list.
    params.update(psp.behaviour.extra_parameters)
    params["signature"] = sign(params, "", psp.secret, RETURN_ALGORITHM)
    return params


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect_url(psp: Psp, transaction: Transaction) -> str:
    """Where the browser goes now: success URL for ok/pending, cancel URL for fail."""
    order = transaction.order
    target = order.cancel_url if transaction.status is Status.FAIL else order.success_url
    return with_query(target, return_params(psp, transaction))


def _send_callbacks(psp: Psp, transaction: Transaction) -> None:
    order = transaction.order
    target = (
        order.callback_cancel_url
        if transaction.status is Status.FAIL
        else order.callback_success_url
    )
    if target is None:
        return
    if psp.behaviour.drop:
        psp.log.info("psp_callback_dropped", transaction_id=transaction.transaction_id)
        return
    delay = (
        float(order.callback_delay)
        if order.callback_delay is not None
        else psp.behaviour.delay_seconds
    )
    psp.callbacks.schedule(
        with_query(target, return_params(psp, transaction)),
        transaction.transaction_id,
        delay=delay,
        duplicates=psp.behaviour.duplicates,
    )


def complete_payment(psp: Psp, transaction: Transaction, outcome: Outcome, provider: str) -> str:
    """Apply ``outcome``; schedule callbacks on a status change; return the redirect URL.

    Raises :class:`~ropo_sandbox.psp.store.PaymentFinished` for an ok/fail payment.
    """
    completion = psp.store.complete(transaction, outcome, provider)
    psp.log.info(
        "psp_payment_completed",
        transaction_id=transaction.transaction_id,
        status=transaction.status.value,
        provider=provider,
        changed=completion.changed,
    )
    if completion.changed:
        _send_callbacks(psp, transaction)
    return redirect_url(psp, transaction)
