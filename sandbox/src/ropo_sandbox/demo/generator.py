"""Deterministic demo invoices: same seed and date → same invoices, byte for byte.

Each debtor gets a fixed plan of invoices (creditor + due-date bucket); the
seeded random generator only picks the exact days, the rows and quantities.
Invoice numbers depend on neither seed nor date, so re-importing on another
day hits the same (creditor, invoice number) and is recognised as existing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from ropo_sandbox.demo.creditors import CREDITORS, RAKENNUS
from ropo_sandbox.demo.model import Article, Buyer, Creditor, DemoInvoice, settle_vat
from ropo_sandbox.identifiers import national_reference, rf_reference
from ropo_sandbox.persons import SandboxPerson, person_by_id

Bucket = Literal["overdue_long", "overdue", "soon", "future"]

# Due date relative to "today", in days (inclusive ranges).
_DUE_RANGES: dict[Bucket, tuple[int, int]] = {
    "overdue_long": (-110, -70),
    "overdue": (-45, -10),
    "soon": (3, 12),
    "future": (15, 35),
}

# Who owes what: debtor → (creditor key, due bucket) per invoice. Liisa
# Virtanen and Ville Nieminen have none on purpose (an empty dashboard).
PLAN: tuple[tuple[str, tuple[tuple[str, Bucket], ...]], ...] = (
    ("maija-meikalainen", (("testi-yritys", "overdue"), ("yritys-x", "soon"),
                           ("testi-yritys", "future"), ("yritys-x", "overdue_long"))),
    ("matti-meikalainen", (("yritys-x", "overdue"), ("testi-yritys", "soon"),
                           ("yritys-x", "future"))),
    ("anna-andersson", (("testi-yritys", "overdue"), ("yritys-x", "future"),
                        ("testi-yritys", "soon"))),
    ("john-smith", (("yritys-x", "overdue"), ("testi-yritys", "future"))),
    ("aino-korhonen", (("testi-yritys", "soon"),)),
    ("company:kuvitteellinen-rakennus", (("yritys-x", "overdue"), ("yritys-x", "future"))),
)  # fmt: skip

# Finnish VAT rates by the date they took effect (newest last).
_VAT_RATES: dict[str, tuple[tuple[date, Decimal], ...]] = {
    "general": ((date(2013, 1, 1), Decimal("24")), (date(2024, 9, 1), Decimal("25.5"))),
    "food": ((date(2013, 1, 1), Decimal("14")), (date(2026, 1, 1), Decimal("13.5"))),
    "press": ((date(2013, 1, 1), Decimal("10")),),
}


def vat_rate(vat_class: str, on: date) -> Decimal:
    """The VAT rate of a class on a date (food: 14 % until 2025, 13.5 % from 2026;
    press: 10 %)."""
    rate = Decimal(0)
    for since, value in _VAT_RATES[vat_class]:
        if on >= since:
            rate = value
    return rate


def buyer_for(debtor: str) -> Buyer:
    """The buyer of a plan entry: a test person by id or the demo company."""
    if debtor == "company:kuvitteellinen-rakennus":
        return RAKENNUS
    person = person_by_id(debtor)
    if person is None or not person.has_invoices:
        raise ValueError(f"no invoices planned for {debtor}")
    return person_buyer(person)


def person_buyer(person: SandboxPerson) -> Buyer:
    """A consumer buyer identified by henkilötunnus."""
    return Buyer("person", person.hetu, person.name, person.address, person.language)


def _reference(creditor: Creditor, number: int) -> tuple[str, Literal["national", "rf"]]:
    national = national_reference(f"{number}")
    # Oy Yritys X Ab prints RF references on every other invoice.
    if creditor.key == "yritys-x" and number % 2 == 0:
        return rf_reference(national), "rf"
    return national, "national"


def _rows(
    rng: random.Random, creditor: Creditor, buyer: Buyer, invoice_date: date
) -> list[tuple[Article, str, int, Decimal]]:
    goods = [article for article in creditor.articles if not article.delivery]
    delivery = [article for article in creditor.articles if article.delivery]
    chosen = rng.sample(goods, k=rng.randint(1, min(3, len(goods))))
    # Food deliveries always carry the (general-rate) delivery fee: mixed VAT rates.
    if delivery and (creditor.key == "yritys-x" or rng.random() < 0.5):
        chosen.append(delivery[0])
    return [
        (
            article,
            article.names[buyer.language],
            1 if article in delivery else rng.randint(1, 3),
            vat_rate(article.vat_class, invoice_date),
        )
        for article in chosen
    ]


def generate(seed: int, today: date) -> tuple[DemoInvoice, ...]:
    """All demo invoices for ``today`` (due dates are relative to it)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    creditors = {creditor.key: creditor for creditor in CREDITORS}
    next_number = {creditor.key: creditor.first_invoice_number for creditor in CREDITORS}
    invoices: list[DemoInvoice] = []
    for debtor, entries in PLAN:
        buyer = buyer_for(debtor)
        for creditor_key, bucket in entries:
            creditor = creditors[creditor_key]
            number = next_number[creditor_key]
            next_number[creditor_key] += 1
            due = today + timedelta(days=rng.randint(*_DUE_RANGES[bucket]))
            term = rng.choice((14, 21, 30))
            invoice_date = min(due - timedelta(days=term), today)
            reference, kind = _reference(creditor, number)
            rows = _rows(rng, creditor, buyer, invoice_date)
            invoices.append(
                DemoInvoice(
                    creditor=creditor,
                    buyer=buyer,
                    number=str(number),
                    invoice_date=invoice_date,
                    due_date=due,
                    reference=reference,
                    reference_kind=kind,
                    lines=settle_vat(rows),
                )
            )
    return tuple(invoices)
