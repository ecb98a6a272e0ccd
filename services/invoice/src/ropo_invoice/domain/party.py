"""Parties of an invoice: the debtor (a person or an organisation) and its address.

A person's henkilötunnus never lives in the model in clear text. The service layer
hands it to a ``NationalIdProtector`` (an adapter: AES-GCM plus a keyed pseudonym)
and the debtor keeps only the result, ``ProtectedNationalId``. Other services learn
the person only as ``persons/{key}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from ropo_invoice.domain.errors import InvalidValue
from ropo_invoice.domain.identifiers import BusinessId, NationalId


class Language(StrEnum):
    """Language of letters and texts to the debtor (Finland: fi and sv; en for others)."""

    FI = "fi"
    SV = "sv"
    EN = "en"

    @classmethod
    def parse(cls, code: str) -> Language:
        """Accept ISO 639-1 codes in any case (``FI``, ``sv``)."""
        try:
            return cls(code.strip().lower())
        except ValueError:
            raise InvalidValue("the language is not one of fi, sv, en") from None


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """Where letters go; the postal code is also part of the invoice-details lookup."""

    street_lines: tuple[str, ...] = ()
    postal_code: str = ""
    town: str = ""
    country_code: str = "FI"


@dataclass(frozen=True, slots=True)
class ProtectedNationalId:
    """What is stored instead of a henkilötunnus.

    ``person_key`` is the pseudonym (keyed HMAC, same secret in every service), used for
    lookups and in events; ``ciphertext`` is opaque to the domain (the protector's
    authenticated encryption, needed only when a letter must show the code or support
    must verify it); ``masked`` is the display form ``DDMMYY-****``.
    """

    person_key: str
    ciphertext: bytes = field(repr=False)
    masked: str

    def __post_init__(self) -> None:
        if not self.person_key or not self.ciphertext:
            raise InvalidValue("a protected identity code needs its key and ciphertext")


class NationalIdProtector(Protocol):
    """Port: turns a henkilötunnus into its stored form and back. Implemented in adapters."""

    def protect(self, national_id: NationalId) -> ProtectedNationalId:
        """Encrypt and pseudonymise ``national_id``."""
        ...

    def reveal(self, protected: ProtectedNationalId) -> NationalId:
        """Decrypt a stored code (for letters or a support check); never log the result."""
        ...

    def person_key(self, national_id: NationalId) -> str:
        """Only the pseudonymous key, e.g. to find a person's invoices."""
        ...


class DebtorKind(StrEnum):
    """Consumer or company: decides cost caps and the allocation order of payments."""

    PERSON = "person"
    ORGANIZATION = "organization"


PERSONS_PREFIX = "persons/"
ORGANIZATIONS_PREFIX = "organizations/"


@dataclass(frozen=True, slots=True)
class Debtor:
    """Who owes an invoice.

    A person may come without a henkilötunnus (consumer e-invoices often identify the
    buyer only by the e-invoice address); such an invoice has no party and is reached
    only through the lookups (invoice details or MyRopo ID).
    """

    kind: DebtorKind
    name: str
    address: PostalAddress
    language: Language = Language.FI
    national_id: ProtectedNationalId | None = None
    business_id: BusinessId | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("the debtor's name is empty")
        if self.kind is DebtorKind.PERSON and self.business_id is not None:
            raise InvalidValue("a person debtor has no business ID")
        if self.kind is DebtorKind.ORGANIZATION and self.national_id is not None:
            raise InvalidValue("an organisation debtor has no henkilötunnus")

    @classmethod
    def person(
        cls,
        name: str,
        address: PostalAddress,
        language: Language = Language.FI,
        national_id: ProtectedNationalId | None = None,
    ) -> Debtor:
        """A consumer debtor."""
        return cls(DebtorKind.PERSON, name, address, language, national_id=national_id)

    @classmethod
    def organization(
        cls,
        name: str,
        address: PostalAddress,
        business_id: BusinessId | None,
        language: Language = Language.FI,
    ) -> Debtor:
        """A company debtor."""
        return cls(DebtorKind.ORGANIZATION, name, address, language, business_id=business_id)

    @property
    def party(self) -> str:
        """``persons/{key}``, ``organizations/{business_id}`` or ``""`` when unidentified."""
        if self.national_id is not None:
            return PERSONS_PREFIX + self.national_id.person_key
        if self.business_id is not None:
            return ORGANIZATIONS_PREFIX + self.business_id.value
        return ""

    @property
    def masked_identifier(self) -> str:
        """``DDMMYY-****`` for a person, the business ID for a company, else empty."""
        if self.national_id is not None:
            return self.national_id.masked
        if self.business_id is not None:
            return self.business_id.value
        return ""
