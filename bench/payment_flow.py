"""Payment flow benchmark: from the PSP's callback to *Maksettu MyRopossa* through the gateway.

Starts the real suite as separate processes (the end-to-end harness in ``tests/e2e``:
nats-server, invoice, authorization and payment with their workers, the sandbox PSP, the
gateway; SQLite files in a temporary folder), imports ``--payments`` fresh invoices for one
test person, and then, one payment at a time:

1. starts a payment (gRPC ``CreatePayment``) and completes it at the sandbox PSP, whose own
   callbacks are switched off;
2. at t0 delivers the PSP's signed success callback to the gateway (``GET /maksu/callback``);
3. polls the gateway's JSON API (``GET /api/myropo/v1/invoices/{id}``, logged in as the payer)
   until the invoice says ``paid_in_myropo``: t1.

t1 − t0 covers the gateway, HandlePspReturn (verify, apply, outbox row), the outbox relay,
NATS, the invoice worker's consumer and the read through the gateway. Reported: p50, p90,
p99 and max of t1 − t0, and of the callback's own answer time.

    make bench-payments                       # 500 payments
    make bench-payments BENCH_ARGS='--payments 50'
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import grpc
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from ropo.invoice.v1 import invoice_pb2
from ropo.payment.v1 import payment_pb2, payment_service_pb2
from ropo_stack import Stack, person_subject, start_stack

PERSON = "john-smith"
POLL_INTERVAL_S = 0.002


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(name: str, samples_s: list[float]) -> str:
    ms = [sample * 1000 for sample in samples_s]
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 0.5):.1f} | {percentile(ms, 0.9):.1f} "
        f"| {percentile(ms, 0.99):.1f} | {max(ms):.1f} | {statistics.fmean(ms):.1f} |"
    )


async def import_invoices(stack: Stack, count: int) -> list[invoice_pb2.Invoice]:
    invoices: list[invoice_pb2.Invoice] = []
    for start in range(0, count, 8):
        batch = [stack.import_fresh_invoice(PERSON) for _ in range(min(8, count - start))]
        invoices.extend(await asyncio.gather(*batch))
    return invoices


async def one_payment(
    stack: Stack,
    channel: grpc.aio.Channel,
    client: httpx.AsyncClient,
    invoice: invoice_pb2.Invoice,
) -> tuple[float, float]:
    created = await stack.payment_stub(channel).CreatePayment(
        payment_service_pb2.CreatePaymentRequest(
            request_id=str(uuid.uuid4()),
            payer=person_subject(PERSON),
            items=[payment_pb2.PaymentItem(invoice=invoice.name, amount=invoice.open_amount)],
            success_url=f"{stack.gateway_url}/maksu/paluu",
            cancel_url=f"{stack.gateway_url}/maksu/paluu",
        ),
        timeout=15,
    )
    transaction = created.payment.provider_transaction_id
    completed = await client.post(
        f"{stack.sandbox_url}/psp/control/payments/{transaction}/complete",
        json={"outcome": "success", "provider": "nordea"},
    )
    query = dict(parse_qsl(urlsplit(completed.json()["redirectUrl"]).query))
    invoice_url = f"{stack.gateway_url}/api/myropo/v1/invoices/{invoice.name.split('/')[1]}"

    started = time.perf_counter()
    answer = await client.get(f"{stack.gateway_url}/maksu/callback?{urlencode(query)}")
    answered = time.perf_counter()
    answer.raise_for_status()
    while True:
        shown = await client.get(invoice_url)
        shown.raise_for_status()
        if shown.json()["paid_in_myropo"]:
            return time.perf_counter() - started, answered - started
        await asyncio.sleep(POLL_INTERVAL_S)


async def run(payments: int, workdir: Path) -> None:
    stack = start_stack(workdir)
    try:
        stack.psp_settings(dropCallbacks=True)
        print(f"importing {payments} invoices …", flush=True)
        invoices = await import_invoices(stack, payments)
        with stack.client() as login_client:
            stack.login(login_client, PERSON)
            cookies = dict(login_client.cookies)
        visible: list[float] = []
        callbacks: list[float] = []
        async with (
            grpc.aio.insecure_channel(str(stack.payment_addr)) as channel,
            httpx.AsyncClient(cookies=cookies, timeout=30.0) as client,
        ):
            for index, invoice in enumerate(invoices, 1):
                until_visible, callback = await one_payment(stack, channel, client, invoice)
                visible.append(until_visible)
                callbacks.append(callback)
                if index % 100 == 0:
                    print(f"  {index} payments", flush=True)
        print("| measured | n | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print(summary("callback → Maksettu MyRopossa via gateway", visible))
        print(summary("callback answered (verify + apply + outbox)", callbacks))
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--payments", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ropo-bench-payments-") as workdir:
        asyncio.run(run(args.payments, Path(workdir)))


if __name__ == "__main__":
    main()
