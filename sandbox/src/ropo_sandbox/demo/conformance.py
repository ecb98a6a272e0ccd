"""The project's own Finvoice conformance set: one message per import path.

The public samples do not cover every path an importer must take (Swedish
recipients, a credit note in 2.01, a prepaid invoice whose IBAN is valid…), and
tests must run without them. ``conformance_samples()`` builds, deterministically:

- Finvoice 3.0 and 2.01, UTF-8 and ISO-8859-15;
- national and RF references;
- a multi-row invoice with VAT 25.5 %, 14 % and 10 %;
- prepaid invoices (the payment instruction asks for less than the total);
- a company buyer (business ID) and consumers identified by henkilötunnus, all
  in the artificial range 900–999;
- credit notes (INV02, UN 381 in 3.0) naming the invoice they credit;
- an invoice whose reference has a wrong check digit (to be rejected).

Each sample keeps its ``DemoInvoice``, so a test can compare what an importer
read with what was written without parsing the XML itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from ropo_sandbox.demo.creditors import RAKENNUS, TESTI_YRITYS, YRITYS_X
from ropo_sandbox.demo.finvoice import FinvoiceVersion, finvoice_xml
from ropo_sandbox.demo.generator import person_buyer, vat_rate
from ropo_sandbox.demo.model import (
    Article,
    Buyer,
    Creditor,
    DemoInvoice,
    OriginalInvoice,
    ReferenceKind,
    VatClass,
    settle_vat,
)
from ropo_sandbox.identifiers import national_reference, rf_reference
from ropo_sandbox.persons import person_by_id

#: Invoice date of the set: 2025 has the three rates 25.5 %, 14 % and 10 % at once.
CONFORMANCE_DATE = date(2025, 6, 2)
LATIN_9 = "ISO-8859-15"
#: The element a rejected sample is rejected for.
REFERENCE_ELEMENT = "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"


def _article(article_id: str, fi: str, sv: str, en: str, price: str, vat: VatClass) -> Article:
    return Article(article_id, {"fi": fi, "sv": sv, "en": en}, Decimal(price), vat)


HEADPHONES = _article(
    "TY-1001", "Langattomat kuulokkeet", "Trådlösa hörlurar", "Wireless headphones",
    "71.63", "general",
)  # fmt: skip
INSTALLATION = _article(
    "TY-2001", "Asennuspalvelu", "Installationstjänst", "Installation service", "47.01", "general"
)
MEAL_KIT = _article("X-310", "Ruokakassi, perhe", "Matkasse, familj", "Meal kit", "65.95", "food")
COFFEE = _article("X-330", "Kahvipaketti 500 g", "Kaffepaket 500 g", "Coffee 500 g", "7.48", "food")
MAGAZINE = _article(
    "X-510", "Aikakauslehti, vuosikerta", "Tidskrift, årgång", "Magazine, yearly", "39.90", "press"
)


@dataclass(frozen=True, slots=True)
class ConformanceSample:
    """One generated message and what an importer must make of it."""

    name: str
    invoice: DemoInvoice
    version: FinvoiceVersion = "3.0"
    encoding: str = "UTF-8"
    #: The element the message must be rejected for; ``None`` when it must import.
    rejected_for: str | None = None

    @property
    def document(self) -> bytes:
        """The Finvoice bytes."""
        return finvoice_xml(self.invoice, version=self.version, encoding=self.encoding)

    @property
    def file_name(self) -> str:
        """``<name>.xml``."""
        return f"{self.name}.xml"


def _person(person_id: str) -> Buyer:
    person = person_by_id(person_id)
    if person is None:  # pragma: no cover - the ids below are fixed
        raise LookupError(person_id)
    return person_buyer(person)


def _invoice(
    creditor: Creditor,
    buyer: Buyer,
    number: int,
    rows: list[tuple[Article, int]],
    *,
    reference_kind: ReferenceKind = "national",
    term_days: int = 14,
    prepaid: str = "0.00",
    credits: OriginalInvoice | None = None,
) -> DemoInvoice:
    national = national_reference(str(number))
    reference = rf_reference(national) if reference_kind == "rf" else national
    items = [
        (
            article,
            article.names[buyer.language],
            quantity,
            vat_rate(article.vat_class, CONFORMANCE_DATE),
        )
        for article, quantity in rows
    ]
    return DemoInvoice(
        creditor=creditor,
        buyer=buyer,
        number=str(number),
        invoice_date=CONFORMANCE_DATE,
        due_date=CONFORMANCE_DATE + timedelta(days=term_days),
        reference=reference,
        reference_kind=reference_kind,
        lines=settle_vat(items),
        prepaid=Decimal(prepaid),
        credits=credits,
    )


def _wrong_check_digit(reference: str) -> str:
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def conformance_samples() -> tuple[ConformanceSample, ...]:
    """The whole set, in a fixed order with unique names."""
    consumer = _invoice(
        TESTI_YRITYS, _person("matti-meikalainen"), 900101, [(HEADPHONES, 1), (INSTALLATION, 2)]
    )
    company = _invoice(
        YRITYS_X,
        RAKENNUS,
        900201,
        [(HEADPHONES, 3), (MEAL_KIT, 2), (COFFEE, 5), (MAGAZINE, 1)],
        reference_kind="rf",
        term_days=30,
    )
    swedish_rf = _invoice(
        YRITYS_X, _person("anna-andersson"), 900202, [(MEAL_KIT, 1)], reference_kind="rf"
    )
    prepaid = _invoice(
        TESTI_YRITYS, _person("aino-korhonen"), 900102, [(HEADPHONES, 2)], prepaid="50.00"
    )
    prepaid_201 = _invoice(
        YRITYS_X, _person("john-smith"), 900203, [(COFFEE, 4), (MAGAZINE, 1)], prepaid="20.00"
    )
    credit_note = _invoice(
        TESTI_YRITYS,
        consumer.buyer,
        900103,
        [(INSTALLATION, 1)],
        credits=OriginalInvoice(consumer.number, consumer.invoice_date),
    )
    credit_note_201 = _invoice(
        YRITYS_X,
        RAKENNUS,
        900204,
        [(COFFEE, 5)],
        reference_kind="rf",
        credits=OriginalInvoice(company.number, company.invoice_date),
    )
    broken = _invoice(TESTI_YRITYS, _person("maija-meikalainen"), 900104, [(INSTALLATION, 1)])
    broken = replace(broken, reference=_wrong_check_digit(broken.reference))
    return (
        ConformanceSample("invoice-3.0-consumer-national", consumer),
        ConformanceSample("invoice-2.01-consumer-national", consumer, version="2.01"),
        ConformanceSample("invoice-3.0-company-rf-vat-rates-latin9", company, encoding=LATIN_9),
        ConformanceSample(
            "invoice-2.01-company-rf-vat-rates-latin9", company, version="2.01", encoding=LATIN_9
        ),
        ConformanceSample("invoice-3.0-swedish-rf", swedish_rf),
        ConformanceSample("invoice-3.0-prepaid-latin9", prepaid, encoding=LATIN_9),
        ConformanceSample("invoice-2.01-prepaid", prepaid_201, version="2.01"),
        ConformanceSample("credit-note-3.0", credit_note),
        ConformanceSample(
            "credit-note-2.01-latin9", credit_note_201, version="2.01", encoding=LATIN_9
        ),
        ConformanceSample("invoice-3.0-wrong-check-digit", broken, rejected_for=REFERENCE_ELEMENT),
    )
