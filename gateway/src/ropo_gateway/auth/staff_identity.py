"""From validated staff ID token claims to a ``StaffIdentity``: staff id, name and roles.

Staff log in with a workforce identity (DESIGN §8): the token's ``sub`` is the staff
user id and the ``roles`` claim lists ``agent``, ``supervisor`` or
``creditor:<business id>``. Roles of other applications are ignored. A creditor
user works for exactly one creditor and holds no internal role; any other mix is a
misconfiguration of the identity provider and is refused at login rather than
guessed at. The creditor is named by business id in the token because creditor
resource ids are minted by the invoice service; the login resolves it.

No henkilötunnus is read here: a staff id that looks like one is refused, so it
can never reach a session, a log line or an audit record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ropo_platform.redaction import contains_hetu
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

from ropo_gateway.auth.identity import MAX_NAME_LENGTH

ROLES_CLAIM: Final = "roles"
CREDITOR_ROLE_PREFIX: Final = "creditor:"
STAFF_USERS_PREFIX: Final = "staffUsers/"
# Ids of workforce identity providers: UUIDs, opaque ids, user names, e-mail addresses.
_STAFF_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


class StaffRole(StrEnum):
    """What a staff user may do in Ropo One."""

    #: Customer-service agent: sees every invoice.
    AGENT = "agent"
    #: Supervisor of the agents: sees every invoice.
    SUPERVISOR = "supervisor"
    #: A creditor company's user: sees its own creditor's invoices only.
    CREDITOR = "creditor"


INTERNAL_ROLES: Final = frozenset({StaffRole.AGENT, StaffRole.SUPERVISOR})


class StaffIdentityError(Exception):
    """The claims do not identify a staff user with a usable role; the message is a safe code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """A logged-in staff user. ``creditor`` is set only for creditor users."""

    user_id: str
    display_name: str
    roles: frozenset[StaffRole]
    acr: str
    #: A creditor user's business id as the token said it (``1234567-8``).
    creditor_business_id: str = ""
    #: The creditor resource the business id resolved to, ``creditors/{id}``.
    creditor: str = ""
    #: The creditor's display name, for the page header.
    creditor_name: str = ""

    @property
    def subject(self) -> str:
        """The actor name used towards the services: ``staffUsers/{id}``."""
        return f"{STAFF_USERS_PREFIX}{self.user_id}"

    @property
    def is_creditor_user(self) -> bool:
        """True for a creditor company's user (scoped to ``creditor``)."""
        return StaffRole.CREDITOR in self.roles

    @property
    def role_names(self) -> tuple[str, ...]:
        """The roles in a stable order, for display and the JSON API."""
        return tuple(sorted(role.value for role in self.roles))


def _business_id(value: str) -> str:
    try:
        return str(ytunnus.format(ytunnus.validate(value)))
    except ValidationError:
        raise StaffIdentityError("invalid_creditor_role") from None


def _roles(claims: Mapping[str, Any]) -> tuple[frozenset[StaffRole], str]:
    raw = claims.get(ROLES_CLAIM)
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise StaffIdentityError("missing_roles")
    roles: set[StaffRole] = set()
    creditors: set[str] = set()
    for item in raw:
        if item.startswith(CREDITOR_ROLE_PREFIX):
            creditors.add(_business_id(item.removeprefix(CREDITOR_ROLE_PREFIX)))
            roles.add(StaffRole.CREDITOR)
        elif item in (StaffRole.AGENT.value, StaffRole.SUPERVISOR.value):
            roles.add(StaffRole(item))
    if not roles:
        raise StaffIdentityError("no_staff_role")
    # A creditor's user must never widen to all invoices, nor span two creditors.
    if len(creditors) > 1 or (creditors and roles & INTERNAL_ROLES):
        raise StaffIdentityError("conflicting_roles")
    return frozenset(roles), next(iter(creditors), "")


def _display_name(claims: Mapping[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return " ".join(name.split())[:MAX_NAME_LENGTH]


def staff_identity_from_claims(claims: Mapping[str, Any]) -> StaffIdentity:
    """The staff identity of validated claims; raises ``StaffIdentityError`` (a safe code)."""
    user_id = claims.get("sub")
    if not isinstance(user_id, str) or not _STAFF_ID.match(user_id) or contains_hetu(user_id):
        raise StaffIdentityError("invalid_staff_id")
    roles, business_id = _roles(claims)
    display_name = _display_name(claims) or user_id
    return StaffIdentity(
        user_id=user_id,
        display_name=display_name,
        roles=roles,
        acr=str(claims.get("acr", "")),
        creditor_business_id=business_id,
    )
