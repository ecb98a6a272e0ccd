"""Who asks: a person, an organization, or a staff user with roles.

People are known across services only by their pseudonymous key (``persons/{key}``,
DESIGN "Identity of people"); companies by their business id
(``organizations/{business_id}``). Staff users are ``staffUsers/{user}``; their roles
come with each call from the caller's session ("agent", "supervisor",
"creditor:{creditor}"), because the staff identity provider, not this service,
owns them.

Errors never echo the input: a mistyped subject could be a henkilötunnus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

PERSONS = "persons/"
ORGANIZATIONS = "organizations/"
STAFF_USERS = "staffUsers/"
CREDITOR_ROLE_PREFIX = "creditor:"

# 20 bytes of HMAC in lowercase base32 without padding: exactly 32 characters.
_PERSON_KEY = re.compile(r"[a-z2-7]{32}")
# Y-tunnus: seven digits, a hyphen and a check digit.
_BUSINESS_ID = re.compile(r"[0-9]{7}-[0-9]")
# Ids issued by other services or the staff identity provider (URL-safe, bounded).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}")


class InvalidSubject(ValueError):
    """A subject name or a role is malformed. The message says what is expected only."""


class InvalidRole(InvalidSubject):
    """A role is unknown or malformed, or roles came with a customer subject."""


class StaffRole(StrEnum):
    """Customer-service roles (DESIGN §8)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True, slots=True)
class Party:
    """A person or an organization: someone who can be the debtor of an invoice."""

    name: str

    @property
    def is_person(self) -> bool:
        return self.name.startswith(PERSONS)


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A Ropo One user with the roles its session carries.

    ``creditors`` are the creditor resource names (``creditors/{id}``) of
    ``creditor:{id}`` roles: such a user works for those creditors only.
    """

    name: str
    roles: frozenset[StaffRole]
    creditors: frozenset[str] = frozenset()


Subject = Party | StaffUser


def parse_party(name: str) -> Party:
    """``persons/{key}`` or ``organizations/{business_id}``; ``InvalidSubject`` otherwise."""
    if name.startswith(PERSONS):
        if not _PERSON_KEY.fullmatch(name.removeprefix(PERSONS)):
            raise InvalidSubject("must be persons/{key} with a 32-character pseudonymous key")
        return Party(name)
    if name.startswith(ORGANIZATIONS):
        if not _BUSINESS_ID.fullmatch(name.removeprefix(ORGANIZATIONS)):
            raise InvalidSubject("must be organizations/{business_id} (e.g. 1234567-8)")
        return Party(name)
    raise InvalidSubject("must be persons/{key} or organizations/{business_id}")


def parse_person(name: str) -> Party:
    """``persons/{key}`` only."""
    party = parse_party(name) if name.startswith(PERSONS) else None
    if party is None:
        raise InvalidSubject("must be persons/{key}")
    return party


def parse_roles(roles: Iterable[str]) -> tuple[frozenset[StaffRole], frozenset[str]]:
    """Split role strings into customer-service roles and creditor names.

    Unknown roles are an error rather than ignored: a typo must not silently
    shrink (or, worse, some day widen) what a user may do.
    """
    staff_roles: set[StaffRole] = set()
    creditors: set[str] = set()
    for role in roles:
        if role.startswith(CREDITOR_ROLE_PREFIX):
            creditor_id = role.removeprefix(CREDITOR_ROLE_PREFIX)
            if not _ID.fullmatch(creditor_id):
                raise InvalidRole("creditor roles are creditor:{creditor}")
            creditors.add(f"creditors/{creditor_id}")
            continue
        try:
            staff_roles.add(StaffRole(role))
        except ValueError:
            raise InvalidRole(
                "unknown role; roles are agent, supervisor and creditor:{creditor}"
            ) from None
    return frozenset(staff_roles), frozenset(creditors)


def parse_subject(name: str, roles: Iterable[str] = ()) -> Subject:
    """A customer (``persons/…``, ``organizations/…``, no roles) or a staff user with roles."""
    role_list = list(roles)
    if name.startswith(STAFF_USERS):
        if not _ID.fullmatch(name.removeprefix(STAFF_USERS)):
            raise InvalidSubject("must be staffUsers/{user}")
        staff_roles, creditors = parse_roles(role_list)
        return StaffUser(name, staff_roles, creditors)
    party = parse_party(name)
    if role_list:
        raise InvalidRole("roles are only given for staffUsers/{user} subjects")
    return party


def is_invoice_name(name: str) -> bool:
    """``invoices/{invoice}`` with a well-formed id."""
    return name.startswith("invoices/") and bool(_ID.fullmatch(name.removeprefix("invoices/")))


def is_creditor_name(name: str) -> bool:
    """``creditors/{creditor}`` with a well-formed id."""
    return name.startswith("creditors/") and bool(_ID.fullmatch(name.removeprefix("creditors/")))
