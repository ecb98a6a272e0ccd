"""OAuth 2.0 errors (RFC 6749 §4.1.2.1 and §5.2) as exceptions.

``error`` codes are the registered ones; ``description`` is a short fixed text
that never echoes request values (they could carry codes or personal data).
"""

from __future__ import annotations


class OAuthError(Exception):
    """An error the authorize or token endpoint reports with an RFC 6749 code."""

    status_code = 400

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class InvalidClientError(OAuthError):
    """Client authentication failed (401 with ``WWW-Authenticate``)."""

    status_code = 401

    def __init__(self, description: str = "client authentication failed") -> None:
        super().__init__("invalid_client", description)


class InvalidGrantError(OAuthError):
    """The code is unknown, expired, used, for another client, or fails PKCE."""

    def __init__(self, description: str) -> None:
        super().__init__("invalid_grant", description)


class InvalidRequestError(OAuthError):
    """A parameter is missing, repeated or malformed."""

    def __init__(self, description: str) -> None:
        super().__init__("invalid_request", description)


class UntrustedRedirectError(Exception):
    """The client or redirect URI is not valid: the user must not be redirected.

    RFC 6749 §4.1.2.1: the server informs the resource owner instead.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
