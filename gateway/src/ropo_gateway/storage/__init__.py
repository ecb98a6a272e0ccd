"""Gateway-owned state in its own database: sessions, login flows, the session's lookup grants
and the lookup attempts of the rate limit (audit log later)."""
