"""CSRF protection of POST forms: the synchronizer token pattern.

Every session has its own random ``csrf_token``; each form carries it in a
hidden field ``csrf_token`` and the handler compares it in constant time.
SameSite=Lax on the session cookie is a second layer, not the only one.
"""

from __future__ import annotations

from ropo_gateway.auth.model import Session
from ropo_gateway.auth.tokens import tokens_equal

CSRF_FIELD = "csrf_token"


def csrf_valid(session: Session, submitted: str | None) -> bool:
    """True when ``submitted`` is this session's CSRF token."""
    if not submitted:
        return False
    return tokens_equal(session.csrf_token, submitted)
