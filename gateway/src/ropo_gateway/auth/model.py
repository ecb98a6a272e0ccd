"""What the gateway keeps about a login in progress and a logged-in person.

A session never holds the henkilötunnus: only the pseudonymous person key, the
display name and the masked form ``DDMMYY-****`` for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LoginFlow:
    """The pre-login record: binds an authorization response to the browser that asked for it."""

    state: str
    nonce: str
    code_verifier: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Identity:
    """A strongly identified person, after the henkilötunnus was turned into the person key."""

    person_key: str
    display_name: str
    masked_id: str
    acr: str

    @property
    def subject(self) -> str:
        """Resource name used towards the services: ``persons/{key}``."""
        return f"persons/{self.person_key}"


@dataclass(frozen=True, slots=True)
class Session:
    """A server-side session; the cookie holds only its random id."""

    identity: Identity
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = field(compare=False)
