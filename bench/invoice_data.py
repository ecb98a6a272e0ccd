"""Synthetic invoices for the invoice benchmark: creditors, debtors and one invoice per slot.

Everything is derived from a seed, so two runs with the same arguments generate the same
invoices byte for byte (except the day they are relative to). The population is planned
for the whole database (``total`` invoice slots): most debtors have 1–20 invoices, a few
"heavy" debtors (mostly companies) have 200 or more. The slots are shuffled once; the
first ``n`` are imported through the service, the rest are written straight to the
database (``invoice_rows``), so both parts share one distribution.

Debtors are test persons (henkilötunnus with an individual number 900–999, never issued
to real people) and companies with computed business ids; references are national (7-3-1)
or RF (ISO 11649) with correct check digits. The Finvoice 3.0 documents come from the
sandbox's own writer (``ropo_sandbox.demo.finvoice``).
"""

from __future__ import annotations

import itertools
import random
from array import array
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from ropo_platform.pseudonym import person_key
from ropo_sandbox.demo.finvoice import finvoice_xml
from ropo_sandbox.demo.generator import vat_rate
from ropo_sandbox.demo.model import Article, Buyer, Creditor, DemoInvoice, VatClass, settle_vat
from ropo_sandbox.identifiers import (
    business_id,
    finnish_iban,
    make_hetu,
    national_reference,
    rf_reference,
    vat_number,
)
from ropo_sandbox.persons import Language, PostalAddress

#: Largest and smallest invoice count of an ordinary debtor, and of a heavy one.
ORDINARY_COUNTS = (1, 20)
HEAVY_COUNTS = (200, 800)
#: One heavy debtor per this many invoice slots (100 of them for 1 000 000 slots).
SLOTS_PER_HEAVY_DEBTOR = 10_000
#: Due dates are spread over about three years before "today" and a month after it.
DUE_DAYS = (-1095, 30)
MAX_ROWS = 5
#: Invoice numbers are the creditor's base + the slot, 10 000 000 apart per creditor.
MAX_TOTAL = 10_000_000

_FIRST_NAMES = (
    "Aino", "Eino", "Helmi", "Väinö", "Ella", "Onni", "Sofia", "Leo", "Aada", "Elias",
    "Olivia", "Oliver", "Linnea", "Juho", "Iida", "Matti", "Maija", "Pekka", "Liisa", "Kalle",
    "Anna", "Jussi", "Kaisa", "Ville", "Emma", "Antti", "Sanna", "Mikko", "Tuula", "Hannu",
)  # fmt: skip
_FAMILY_NAMES = (
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
    "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen",
    "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Andersson", "Lindqvist", "Öhman",
)  # fmt: skip
_COMPANY_WORDS = (
    "Rakennus", "Kuljetus", "Sähkö", "Putki", "Kiinteistö", "Metalli", "Puu", "Konepaja",
    "Maalaus", "Siivous", "Tilitoimisto", "Kahvila", "Leipomo", "Autokorjaamo", "Kukka",
)  # fmt: skip
_STREETS = (
    "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Koulukatu",
    "Rantatie", "Puistokatu", "Kirkkokatu", "Asemakatu", "Myllytie", "Koivukuja", "Pihlajatie",
)  # fmt: skip
_TOWNS = (
    ("00100", "Helsinki"), ("00510", "Helsinki"), ("02100", "Espoo"), ("01300", "Vantaa"),
    ("33100", "Tampere"), ("20100", "Turku"), ("40100", "Jyväskylä"), ("90100", "Oulu"),
    ("15100", "Lahti"), ("70100", "Kuopio"), ("65100", "Vaasa"), ("28100", "Pori"),
)  # fmt: skip
_ARTICLES: tuple[tuple[str, str, str, str, VatClass], ...] = (
    ("Sähkön perusmaksu", "Elens grundavgift", "Electricity base fee", "4.90", "general"),
    ("Sähköenergia", "Elenergi", "Electric energy", "38.27", "general"),
    ("Laajakaista 100M", "Bredband 100M", "Broadband 100M", "23.90", "general"),
    ("Puhelinliittymä", "Telefonabonnemang", "Mobile subscription", "15.94", "general"),
    ("Huoltokäynti", "Servicebesök", "Service visit", "79.68", "general"),
    ("Varaosa", "Reservdel", "Spare part", "12.35", "general"),
    ("Ruokakassi", "Matkasse", "Meal kit", "65.95", "food"),
    ("Kahvipaketti", "Kaffepaket", "Coffee", "7.48", "food"),
    ("Lehtitilaus", "Tidningsprenumeration", "Newspaper subscription", "29.90", "press"),
    ("Vakuutusmaksu", "Försäkringspremie", "Insurance premium", "41.10", "general"),
    ("Toimitusmaksu", "Leveransavgift", "Delivery fee", "5.50", "general"),
    ("Asennustyö", "Installationsarbete", "Installation work", "52.00", "general"),
)
# Bank code of the BBAN → BIC, so IBAN and BIC of a creditor agree.
_BANKS = (("5", "OKOYFIHH"), ("1", "NDEAFIHH"), ("8", "DABAFIHH"), ("3", "HANDFIHH"))
_CREDITORS = (
    ("Lumo Energia Oy", 30), ("Pohjoisverkko Oyj", 20), ("Kotivakuutus Keskinäinen", 12),
    ("Talokeskus Oy", 10), ("Kaupunkilehti Oy", 8), ("Autohuolto Virtanen Oy", 6),
    ("Ruokakassi Suomi Oy", 5), ("Kuntosali Voima Oy", 4), ("Tietoapu Oy", 2),
    ("Puutarha Pihlaja Ky", 1), ("Sähköasennus Laine Oy", 1), ("Lukkoseppä Niemi Oy", 1),
)  # fmt: skip


def _valid_business_id(base: int) -> str:
    """The first valid business id at or after the 7-digit ``base`` (a remainder of 1 has
    no check digit); callers space their bases more than two apart."""
    for candidate in range(base, base + 3):
        try:
            return business_id(f"{candidate:07d}")
        except ValueError:
            continue
    raise AssertionError("two consecutive business id bases cannot both be unusable")


def _creditor(index: int, name: str) -> Creditor:
    bank_code, bic = _BANKS[index % len(_BANKS)]
    identifier = _valid_business_id(2_400_000 + index * 10)
    rng = random.Random(index)
    chosen = rng.sample(_ARTICLES, k=6)
    articles = tuple(
        Article(f"A{index:02d}-{n}", {"fi": fi, "sv": sv, "en": en}, Decimal(price), vat)
        for n, (fi, sv, en, price, vat) in enumerate(chosen, start=1)
    )
    town_code, town = _TOWNS[index % len(_TOWNS)]
    slug = name.split()[0].lower().replace("ä", "a").replace("ö", "o")
    return Creditor(
        key=f"bench-{index:02d}",
        name=name,
        business_id=identifier,
        vat_number=vat_number(identifier),
        iban=finnish_iban(f"{bank_code}{index:05d}{index + 1:07d}"),
        bic=bic,
        address=PostalAddress(f"Laskutuskatu {index + 1}", town_code, town),
        phone=f"09 {index:03d} 4567",
        email=f"laskutus@{slug}.example",
        website=f"www.{slug}.example",
        # 10 000 000 numbers per creditor: slot numbers never collide.
        first_invoice_number=10_000_000 * (index + 1),
        articles=articles,
    )


CREDITORS: tuple[Creditor, ...] = tuple(
    _creditor(index, name) for index, (name, _weight) in enumerate(_CREDITORS)
)
_CREDITOR_CUMULATIVE = tuple(itertools.accumulate(weight for _name, weight in _CREDITORS))
#: Every third creditor prints RF references; the others national ones.
RF_CREDITORS = frozenset(creditor.key for creditor in CREDITORS[2::3])

# Birth dates 1940-01-01 … 2005-12-31; a prime step spreads consecutive debtors over them.
_BIRTH_START = date(1940, 1, 1)
_BIRTH_DAYS = (date(2005, 12, 31) - _BIRTH_START).days + 1
_BIRTH_STEP = 7919


@dataclass(frozen=True, slots=True)
class BenchDebtor:
    """One debtor of the population and how the invoice service will know it."""

    index: int
    buyer: Buyer
    #: The henkilötunnus of a person (artificial range), None for a company.
    national_id: str | None

    def party(self, person_key_secret: bytes) -> str:
        """``persons/{key}`` (the pseudonym the service derives) or
        ``organizations/{business id}``."""
        if self.national_id is None:
            return f"organizations/{self.buyer.identifier}"
        return f"persons/{person_key(self.national_id, person_key_secret)}"


def debtor(index: int, heavy_count: int) -> BenchDebtor:
    """Debtor ``index``: deterministic, unique henkilötunnus or business id per index.

    The first ``heavy_count`` debtors are the heavy ones, four in five of them companies;
    of the others about one in seven is a company.
    """
    company = index % 5 != 0 if index < heavy_count else index % 7 == 3
    rng = random.Random(index * 7 + 1)
    street = f"{rng.choice(_STREETS)} {rng.randint(1, 60)}"
    if rng.random() < 0.3:
        street += f" {rng.choice('ABC')} {rng.randint(1, 40)}"
    postal_code, town = rng.choice(_TOWNS)
    address = PostalAddress(street, postal_code, town)
    if company:
        identifier = _valid_business_id(3_000_000 + index * 3)
        name = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_FAMILY_NAMES)} Oy"
        buyer = Buyer("organization", identifier, name, address, "fi", vat_number(identifier))
        return BenchDebtor(index, buyer, None)
    born = _BIRTH_START + timedelta(days=(index // 100) * _BIRTH_STEP % _BIRTH_DAYS)
    national_id = make_hetu(born, 900 + index % 100, "-" if born.year < 2000 else "A")
    language: Language = rng.choices(("fi", "sv", "en"), weights=(85, 10, 5))[0]
    name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_FAMILY_NAMES)}"
    return BenchDebtor(index, Buyer("person", national_id, name, address, language), national_id)


_ORDINARY = range(ORDINARY_COUNTS[0], ORDINARY_COUNTS[1] + 1)
# Few invoices are the common case: the weight falls with the count (mean about 5.6).
_ORDINARY_CUMULATIVE = tuple(itertools.accumulate(1 / count for count in _ORDINARY))


def _ordinary_count(rng: random.Random) -> int:
    return rng.choices(_ORDINARY, cum_weights=_ORDINARY_CUMULATIVE)[0]


class Population:
    """The planned invoices: which debtor owns each of ``total`` slots, in import order."""

    def __init__(self, total: int, *, seed: int = 1, today: date | None = None) -> None:
        if not len(CREDITORS) <= total <= MAX_TOTAL:
            raise ValueError(f"total must be {len(CREDITORS)}–{MAX_TOTAL} invoices")
        self.total = total
        self.seed = seed
        self.today = today or date.today()
        rng = random.Random(seed)
        self.heavy_count = max(1, total // SLOTS_PER_HEAVY_DEBTOR)
        counts: list[int] = [rng.randint(*HEAVY_COUNTS) for _ in range(self.heavy_count)]
        planned = sum(counts)
        while planned < total:
            counts.append(min(_ordinary_count(rng), total - planned))
            planned += counts[-1]
        if planned > total:  # a tiny total: trim the heavy debtors
            counts = _trim(counts, total)
        self.invoice_counts = counts
        owners = array("l")
        for index, count in enumerate(counts):
            owners.extend([index] * count)
        rng.shuffle(owners)
        self._owners = owners

    @property
    def debtor_count(self) -> int:
        """Debtors with at least one invoice."""
        return sum(1 for count in self.invoice_counts if count)

    def owner(self, slot: int) -> int:
        """The debtor index of invoice ``slot``."""
        return self._owners[slot]

    def debtor(self, index: int) -> BenchDebtor:
        """Debtor ``index`` of this population."""
        return debtor(index, self.heavy_count)

    def heavy_debtors(self) -> list[int]:
        """Debtors with at least the smallest heavy count of invoices."""
        return [i for i, count in enumerate(self.invoice_counts) if count >= HEAVY_COUNTS[0]]

    def ordinary_debtors(self) -> list[int]:
        """Debtors with 1–20 invoices."""
        high = ORDINARY_COUNTS[1]
        return [i for i, count in enumerate(self.invoice_counts) if 0 < count <= high]

    def invoice(self, slot: int) -> DemoInvoice:
        """The invoice in ``slot``: deterministic for (seed, slot, today).

        The first slots name every creditor once, so that an import of any size
        creates them all; after that a few large creditors send most invoices.
        """
        rng = random.Random(self.seed * 1_000_003 + slot)
        creditor = rng.choices(CREDITORS, cum_weights=_CREDITOR_CUMULATIVE)[0]
        if slot < len(CREDITORS):
            creditor = CREDITORS[slot]
        buyer = self.debtor(self.owner(slot)).buyer
        number = creditor.first_invoice_number + slot
        national = national_reference(str(number))
        reference, kind = national, "national"
        if creditor.key in RF_CREDITORS:
            reference, kind = rf_reference(national), "rf"
        due = self.today + timedelta(days=rng.randint(*DUE_DAYS))
        issued = due - timedelta(days=rng.choice((14, 14, 21, 30)))
        articles = rng.sample(creditor.articles, k=rng.randint(1, MAX_ROWS))
        items = [
            (
                article,
                article.names[buyer.language],
                rng.randint(1, 4),
                vat_rate(article.vat_class, issued),
            )
            for article in articles
        ]
        return DemoInvoice(
            creditor=creditor,
            buyer=buyer,
            number=str(number),
            invoice_date=issued,
            due_date=due,
            reference=reference,
            reference_kind=_reference_kind(kind),
            lines=settle_vat(items),
        )

    def finvoice(self, slot: int) -> bytes:
        """The Finvoice 3.0 document of ``slot``."""
        return finvoice_xml(self.invoice(slot), version="3.0")


def _reference_kind(kind: str) -> Literal["national", "rf"]:
    return "rf" if kind == "rf" else "national"


def _trim(counts: list[int], total: int) -> list[int]:
    trimmed: list[int] = []
    left = total
    for count in counts:
        take = min(count, left)
        trimmed.append(take)
        left -= take
    return trimmed
