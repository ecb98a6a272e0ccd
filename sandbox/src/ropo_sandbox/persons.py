"""The sandbox's test persons (artificial henkilötunnus, individual number 900-999) and
the staff users of Ropo One.

The broker lets you log in as any of them; the demo generator writes invoices
for those with ``has_invoices``. Individual numbers follow the real convention
(odd for men, even for women) so the codes look like real ones. Staff users have
no henkilötunnus at all: a staff id, a name and roles (``agent``, ``supervisor``,
``creditor:<business id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ropo_sandbox.identifiers import (
    ARTIFICIAL_INDIVIDUAL_NUMBERS,
    business_id,
    make_hetu,
    mask_hetu,
)

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


# --- Staff users of Ropo One --------------------------------------------------------------

#: Role names of the staff console (DESIGN §8); a creditor user's role is ``creditor:<id>``.
ROLE_AGENT = "agent"
ROLE_SUPERVISOR = "supervisor"
CREDITOR_ROLE_PREFIX = "creditor:"

# The demo creditors' business ids, computed like ``demo.creditors`` does. The broker binds a
# creditor user by business id because the invoice service mints creditor ids at import time.
TESTI_YRITYS_BUSINESS_ID = business_id("2345678")
YRITYS_X_BUSINESS_ID = business_id("1618033")


def creditor_role(business_id_: str) -> str:
    """The role of a user who works for the creditor with this business id."""
    return f"{CREDITOR_ROLE_PREFIX}{business_id_}"


@dataclass(frozen=True, slots=True)
class SandboxStaffUser:
    """A test user of the staff console: no henkilötunnus, only a staff id, name and roles."""

    id: str
    given_name: str
    family_name: str
    #: What the broker's page says about the user, e.g. "Asiakaspalvelija".
    title: str
    roles: tuple[str, ...]

    @property
    def name(self) -> str:
        """Full name as the broker delivers it."""
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        """A made-up work address (``.example`` never resolves)."""
        return f"{self.id.replace('-', '.')}@ropo.example"


STAFF_USERS: tuple[SandboxStaffUser, ...] = (
    SandboxStaffUser(
        id="aino-asiakaspalvelija",
        given_name="Aino",
        family_name="Asiakaspalvelija",
        title="Asiakaspalvelija",
        roles=(ROLE_AGENT,),
    ),
    SandboxStaffUser(
        id="eero-esihenkilo",
        given_name="Eero",
        family_name="Esihenkilö",
        title="Asiakaspalvelun esihenkilö",
        roles=(ROLE_AGENT, ROLE_SUPERVISOR),
    ),
    SandboxStaffUser(
        id="kaisa-kirjanpitaja",
        given_name="Kaisa",
        family_name="Kirjanpitäjä",
        title="Testi-yritys Oy",
        roles=(creditor_role(TESTI_YRITYS_BUSINESS_ID),),
    ),
    SandboxStaffUser(
        id="yrjo-yrittaja",
        given_name="Yrjö",
        family_name="Yrittäjä",
        title="Oy Yritys X Ab",
        roles=(creditor_role(YRITYS_X_BUSINESS_ID),),
    ),
)

_STAFF_BY_ID = {user.id: user for user in STAFF_USERS}


def staff_user_by_id(user_id: str) -> SandboxStaffUser | None:
    """The staff test user with this id, or ``None``."""
    return _STAFF_BY_ID.get(user_id)
