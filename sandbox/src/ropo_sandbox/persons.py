"""The sandbox's test persons: artificial henkilötunnus (individual number 900-999).

The broker lets you log in as any of them; the demo generator writes invoices
for those with ``has_invoices``. Individual numbers follow the real convention
(odd for men, even for women) so the codes look like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ropo_sandbox.identifiers import ARTIFICIAL_INDIVIDUAL_NUMBERS, make_hetu, mask_hetu

Language = Literal["fi", "sv", "en"]


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A Finnish postal address (the postal code is one of the *Hae lasku* keys)."""

    street: str
    postal_code: str
    town: str
    country_code: str = "FI"


@dataclass(frozen=True, slots=True)
class SandboxPerson:
    """A test person of the identity broker and the demo data."""

    id: str
    given_name: str
    family_name: str
    birth_date: date
    individual_number: int
    century_sign: str
    language: Language
    address: PostalAddress
    has_invoices: bool = True

    def __post_init__(self) -> None:
        if self.individual_number not in ARTIFICIAL_INDIVIDUAL_NUMBERS:
            raise ValueError("test persons must use the artificial range 900-999")

    @property
    def hetu(self) -> str:
        """The henkilötunnus (computed, never stored as a literal)."""
        return make_hetu(self.birth_date, self.individual_number, self.century_sign)

    @property
    def masked_hetu(self) -> str:
        """What a page may show: birth date and century sign only."""
        return mask_hetu(self.hetu)

    @property
    def name(self) -> str:
        """Full name as an identification broker delivers it."""
        return f"{self.given_name} {self.family_name}"


PERSONS: tuple[SandboxPerson, ...] = (
    SandboxPerson(
        id="maija-meikalainen",
        given_name="Maija",
        family_name="Meikäläinen",
        birth_date=date(1985, 3, 15),
        individual_number=902,
        century_sign="-",
        language="fi",
        address=PostalAddress("Mannerheimintie 12 B 7", "00100", "Helsinki"),
    ),
    SandboxPerson(
        id="matti-meikalainen",
        given_name="Matti",
        family_name="Meikäläinen",
        birth_date=date(1978, 11, 2),
        individual_number=913,
        century_sign="-",
        language="fi",
        address=PostalAddress("Hämeenkatu 5 A 3", "33100", "Tampere"),
    ),
    SandboxPerson(
        id="anna-andersson",
        given_name="Anna",
        family_name="Andersson",
        birth_date=date(1990, 7, 24),
        individual_number=924,
        century_sign="-",
        language="sv",
        address=PostalAddress("Strandgatan 4", "65100", "Vasa"),
    ),
    SandboxPerson(
        id="john-smith",
        given_name="John",
        family_name="Smith",
        birth_date=date(1969, 12, 31),
        individual_number=937,
        century_sign="-",
        language="en",
        address=PostalAddress("Kauppakatu 3 A 10", "40100", "Jyväskylä"),
    ),
    SandboxPerson(
        id="liisa-virtanen",
        given_name="Liisa",
        family_name="Virtanen",
        birth_date=date(1995, 5, 5),
        individual_number=946,
        century_sign="-",
        language="fi",
        address=PostalAddress("Puistokatu 8", "20100", "Turku"),
        has_invoices=False,
    ),
    # Born on a leap day in the 2000s, with one of the century signs introduced
    # in 2023 ("B" instead of "A"): exercises the new rules end to end.
    SandboxPerson(
        id="aino-korhonen",
        given_name="Aino",
        family_name="Korhonen",
        birth_date=date(2004, 2, 29),
        individual_number=958,
        century_sign="B",
        language="fi",
        address=PostalAddress("Kirkkokatu 20", "90100", "Oulu"),
    ),
    # A 1900s code with a new century sign ("Y" instead of "-").
    SandboxPerson(
        id="ville-nieminen",
        given_name="Ville",
        family_name="Nieminen",
        birth_date=date(1959, 9, 9),
        individual_number=971,
        century_sign="Y",
        language="fi",
        address=PostalAddress("Rantatie 1", "70100", "Kuopio"),
        has_invoices=False,
    ),
)

_BY_ID = {person.id: person for person in PERSONS}


def person_by_id(person_id: str) -> SandboxPerson | None:
    """The test person with this id, or ``None``."""
    return _BY_ID.get(person_id)


def persons_with_invoices() -> tuple[SandboxPerson, ...]:
    """The persons the demo generator writes invoices for."""
    return tuple(person for person in PERSONS if person.has_invoices)
