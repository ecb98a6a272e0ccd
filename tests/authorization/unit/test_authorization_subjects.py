"""Parsing of subjects and roles: persons, organizations, staff users."""

from __future__ import annotations

import pytest
from authorization_support import ALICE, HETU
from ropo_authorization.domain.subjects import (
    InvalidRole,
    InvalidSubject,
    Party,
    StaffRole,
    StaffUser,
    parse_party,
    parse_person,
    parse_subject,
)


def test_person_and_organization_are_parties() -> None:
    alice = parse_subject(ALICE)
    org = parse_subject("organizations/1234567-8")
    assert alice == Party(ALICE)
    assert org == Party("organizations/1234567-8")
    assert isinstance(alice, Party)
    assert isinstance(org, Party)
    assert alice.is_person
    assert not org.is_person


def test_staff_user_carries_roles_and_creditors() -> None:
    subject = parse_subject("staffUsers/anna.agent", ["agent", "supervisor", "creditor:c-1"])
    assert subject == StaffUser(
        "staffUsers/anna.agent",
        frozenset({StaffRole.AGENT, StaffRole.SUPERVISOR}),
        frozenset({"creditors/c-1"}),
    )


@pytest.mark.parametrize(
    "name",
    [
        "",
        "persons/",
        "persons/" + "a" * 31,
        "persons/" + "A" * 32,  # upper case is not the key's alphabet
        "persons/" + "1" * 32,  # base32 has no 0, 1, 8, 9
        "organizations/1234567",
        "invoices/123",
        "staffUsers/",
        "staffUsers/has space",
        HETU,
        f"persons/{HETU}",
    ],
)
def test_malformed_names_are_rejected(name: str) -> None:
    with pytest.raises(InvalidSubject):
        parse_subject(name, ["agent"] if name.startswith("staffUsers/") else [])


def test_errors_never_echo_the_input() -> None:
    for name in (HETU, f"persons/{HETU}", f"staffUsers/{HETU} x"):
        with pytest.raises(InvalidSubject) as raised:
            parse_subject(name)
        assert HETU not in str(raised.value)


@pytest.mark.parametrize("roles", [["admin"], ["Agent"], ["creditor:"], ["creditor:a b"]])
def test_unknown_or_malformed_roles_are_rejected(roles: list[str]) -> None:
    with pytest.raises(InvalidRole):
        parse_subject("staffUsers/u1", roles)


def test_customers_do_not_carry_roles() -> None:
    with pytest.raises(InvalidRole):
        parse_subject(ALICE, ["agent"])


def test_staff_user_without_roles_is_valid_but_has_none() -> None:
    assert parse_subject("staffUsers/u1") == StaffUser("staffUsers/u1", frozenset())


def test_parse_person_accepts_only_persons() -> None:
    assert parse_person(ALICE) == Party(ALICE)
    assert parse_party("organizations/1234567-8").name == "organizations/1234567-8"
    for name in ("organizations/1234567-8", "staffUsers/u1"):
        with pytest.raises(InvalidSubject):
            parse_person(name)
