"""CSRF protection of POST forms: the synchronizer token pattern.

Every session (a customer's or a staff user's) has its own random ``csrf_token``;
each form carries it in a hidden field ``csrf_token`` and the handler compares it
in constant time. SameSite=Lax on the session cookie is a second layer, not the
only one.
"""

from __future__ import annotations

from typing import Protocol

from ropo_gateway.auth.tokens import tokens_equal

CSRF_FIELD = "csrf_token"


class CsrfBearer(Protocol):
    """A session that issues a CSRF token to its forms."""

    @property
    def csrf_token(self) -> str: ...


def csrf_valid(session: CsrfBearer, submitted: str | None) -> bool:
    """True when ``submitted`` is this session's CSRF token."""
    if not submitted:
        return False
    return tokens_equal(session.csrf_token, submitted)
