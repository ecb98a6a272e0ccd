"""Authentication of MyRopo customers: OIDC relying party, server-side sessions, CSRF."""
