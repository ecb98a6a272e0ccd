"""Gateway-owned state in its own database: sessions and login flows (audit log later)."""
