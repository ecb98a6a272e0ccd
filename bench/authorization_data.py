"""The CheckAccess benchmark's people and invoices: deterministic, synthetic, no I/O.

``AccessPopulation(invoices, persons)`` owns ``invoices`` invoices spread over ``persons``
debtors (each has at least one), plus as many "strangers" who own nothing, and plans
per-invoice authorizations: a debtor's invoice authorized for another person. Every
person has a henkilötunnus in the test range (individual number 900–999, unique per
index) and the pseudonymous key the services derive from it with the run's secret, so
the seeded rows, the grants made through the API and the checks all name the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from ropo_platform.pseudonym import person_key
from ropo_sandbox.identifiers import make_hetu

#: Creditors the invoices belong to (``creditors/bench-creditor-{n}``).
CREDITORS = 12
#: 100 individual numbers (900–999) per birth date keep every henkilötunnus unique.
_PER_DAY = 100
_BIRTH_START = date(1950, 1, 1)


def hetu(index: int) -> str:
    """The henkilötunnus of person ``index`` (test range; unique per index)."""
    born = _BIRTH_START + timedelta(days=index // _PER_DAY)
    return make_hetu(born, 900 + index % _PER_DAY, "-" if born.year < 2000 else "A")


@dataclass(frozen=True, slots=True)
class Grant:
    """A per-invoice authorization to make: the debtor authorizes ``grantee`` on ``invoice``."""

    invoice: int
    grantor: int
    grantee: int


class AccessPopulation:
    """Who owns which invoice, who is authorized, who is a stranger."""

    def __init__(
        self,
        invoices: int,
        persons: int,
        *,
        secret: bytes,
        authorizations: int = 0,
        seed: int = 1,
    ) -> None:
        if not 1 < persons <= invoices:
            raise ValueError("need 1 < persons <= invoices (every debtor owns an invoice)")
        self.invoices = invoices
        self.persons = persons
        self.seed = seed
        self._secret = secret
        rng = random.Random(seed)
        # Every debtor owns one invoice; the rest go to random debtors (a few own many).
        owners = list(range(persons)) + [rng.randrange(persons) for _ in range(invoices - persons)]
        rng.shuffle(owners)
        self._owners = owners
        self.grants = self._plan_grants(rng, min(authorizations, invoices))

    def _plan_grants(self, rng: random.Random, count: int) -> list[Grant]:
        grants = []
        for invoice in rng.sample(range(self.invoices), count):
            grantor = self._owners[invoice]
            grantee = (grantor + 1 + rng.randrange(self.persons - 1)) % self.persons
            grants.append(Grant(invoice, grantor, grantee))
        return grants

    @property
    def strangers(self) -> range:
        """Indexes of people who own nothing and are authorized for nothing."""
        return range(self.persons, 2 * self.persons)

    def owner(self, invoice: int) -> int:
        """The debtor (person index) of invoice ``invoice``."""
        return self._owners[invoice]

    @staticmethod
    def invoice_name(invoice: int) -> str:
        """``invoices/{id}`` of invoice ``invoice``."""
        return f"invoices/bench-{invoice:08d}"

    @staticmethod
    def creditor_name(invoice: int) -> str:
        """``creditors/{id}`` of invoice ``invoice``."""
        return f"creditors/bench-creditor-{invoice % CREDITORS:02d}"

    @cached_property
    def _keys(self) -> list[str]:
        # 40 000 HMACs take a few tenths of a second: only when first needed.
        return [person_key(hetu(index), self._secret) for index in range(2 * self.persons)]

    def party(self, person: int) -> str:
        """``persons/{key}`` of person ``person`` (debtors and strangers)."""
        return f"persons/{self._keys[person]}"
